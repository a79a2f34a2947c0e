"""The ``longloop`` command line: run, replay, monitor, retrain, demo-data, real-corpus, govern, drift, serve,
status, rollback, restore-data. It parses, calls the layers below and formats; exit codes are ``ExitCode`` (also
in ``--help``). Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from enum import IntEnum
from pathlib import Path

from longloop.corpus.records import DataError
from longloop.settings.params import ConfigError, LongloopParams, load_params
from longloop.state_lock import StateBusy


class ExitCode(IntEnum):
    """Every exit code of ``longloop``, in one place (``--help`` prints this table)."""

    OK = 0  # the command did what it was asked
    BLOCKED = 1  # a gate refused: governance blocked the dataset
    BAD_INPUT = 2  # bad input, configuration or usage (one line on stderr)
    INTERNAL = 3  # an unexpected failure (one line; LONGLOOP_DEBUG=1 shows the traceback)
    BUSY = 4  # another longloop run holds the state folder's lock
    INTERRUPTED = 130  # stopped by Ctrl-C (SIGINT)


EXIT_OK, EXIT_BLOCKED, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_BUSY = (
    ExitCode.OK,
    ExitCode.BLOCKED,
    ExitCode.BAD_INPUT,
    ExitCode.INTERNAL,
    ExitCode.BUSY,
)
EXIT_CODES_HELP = "exit codes: " + ", ".join(
    f"{c.value} {d}"
    for c, d in (
        (ExitCode.OK, "success"),
        (ExitCode.BLOCKED, "a gate blocked"),
        (ExitCode.BAD_INPUT, "bad input or usage"),
        (ExitCode.INTERNAL, "internal error"),
        (ExitCode.BUSY, "state folder busy"),
        (ExitCode.INTERRUPTED, "interrupted"),
    )
)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit 2, like every other bad input
        raise UsageError(f"{self.prog}: {message}")

    def _print_message(self, message: str, file=None) -> None:
        # --help is a result: it goes to the real stdout, which main() keeps apart from the libraries' output.
        if message and (file is None or file is sys.stdout):
            sys.stdout.flush()
            os.write(_RESULT_FD if _RESULT_FD is not None else 1, message.encode())
        elif message:
            super()._print_message(message, file)


_RESULT_FD: int | None = None  # the real stdout while a command runs; see main()


def _print(obj: dict, as_json: bool, human: str) -> None:
    text = (json.dumps(obj, indent=None, default=str) if as_json else human) + "\n"
    sys.stdout.flush()
    os.write(_RESULT_FD if _RESULT_FD is not None else 1, text.encode())


def _one_line(text: str) -> str:
    """An error message as exactly one printable line: newlines and other control characters escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text.strip()) or "(no message)"


def _params(args) -> LongloopParams:
    from longloop.environment import load_config

    return load_config(args.config)


def _input_rules(params: LongloopParams):
    from longloop.corpus.run_inputs import InputRules

    d = params.data
    return InputRules(
        d.max_text_chars,
        d.on_bad_record == "quarantine",
        d.on_unknown_feedback_label == "fail",
        d.split.validation,
        d.split.test,
        params.project.seed,
    )


def _bounded_int(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text[:40]!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return parse


# ---------------------------------------------------------------- commands


def cmd_run(args) -> int:
    params = _params(args)
    from longloop.settings.state_paths import StatePaths

    if (args.production or args.feedback) and not args.data:
        raise DataError(
            "--production and --feedback belong to a dataset of your own: give --data too "
            "(the demo corpus is watched with its own synthetic traffic)"
        )
    if args.feedback and not args.production:
        raise DataError("--feedback labels documents the model served: give them with --production")
    if args.data:  # fail fast, with one line, before any flow starts
        from longloop.corpus.run_inputs import check_run_inputs

        check_run_inputs(
            args.data, args.production, args.feedback, [StatePaths.from_params(params).root], _input_rules(params)
        )
    from longloop.state_lock import state_lock

    with state_lock(StatePaths.from_params(params).state, params.project.lock_wait_seconds, "run"):
        from longloop.flows.pipeline import pipeline

        _settle_killed_runs(params)

        summary = pipeline(
            params,
            data_path=str(Path(args.data).resolve()) if args.data else None,
            production_path=str(Path(args.production).resolve()) if args.production else None,
            feedback_path=str(Path(args.feedback).resolve()) if args.feedback else None,
        )
    if summary["blocked"]:
        _print(
            summary, args.json, f"governance gate blocked the dataset: {'; '.join(summary['governance']['reasons'])}"
        )
        return EXIT_BLOCKED
    reg, drift, rt = summary["registry"], summary["drift"], summary["retraining"]
    no_champion = reg.get("champion_version") is None
    human = (
        f"dataset {summary['dataset']['dvc_md5']} ({summary['dataset']['counts']['total']} records), "
        f"governance {summary['governance']['verdict']}\n"
        f"trained: val accuracy {summary['training']['val_accuracy']:.3f}; "
        f"test macro-F1 {summary['evaluation']['challenger']['macro_f1']:.3f}\n"
        f"registered {reg['model_name']} v{reg['version']} aliases {reg['aliases']}; "
        f"promotion: {summary['promotion']['reason']}\n"
        + (
            f"drift detected: {drift['drift_detected']} (score {drift['score']:.4f})\n"
            if "score" in drift
            else f"drift check skipped: {drift['skipped']}\n"
        )
        + f"retraining: {'triggered' if rt['triggered'] else 'not triggered'} ({rt['reason']})"
    )
    if rt["outcome"] and rt["outcome"].get("requested"):
        human += f"; requested through the event {rt['outcome']['requested']['event']}"
    elif rt["outcome"] and not rt["outcome"]["blocked"]:
        human += f"; new decision: {rt['outcome']['promotion']['reason']}"
    _print(summary, args.json, human + "\n" + _reuse_line(summary["reused"]))
    return EXIT_BLOCKED if no_champion else EXIT_OK


def _settle_killed_runs(params: LongloopParams) -> None:
    """Embedded only: flow runs a killed longloop left Running are marked Crashed (see orphaned_flow_runs)."""
    if params.services.prefect_api_url:
        return
    from longloop.orphaned_flow_runs import crash_orphaned_flow_runs

    crashed = crash_orphaned_flow_runs()
    if crashed:
        print(
            f"longloop: {len(crashed)} flow run(s) left Running by a killed process marked Crashed: "
            f"{', '.join(crashed)}",
            file=sys.stderr,
        )


def _reuse_line(reused: dict) -> str:
    """What a re-run took from earlier runs instead of making it again."""
    parts = [
        f"model v{reused['model_version']} (same data, parameters and code: not trained again)"
        if reused["model_version"]
        else None,
        "dataset snapshot (no new DVC object)" if reused["dvc"] else None,
        f"drift result and Evidently snapshot {reused['drift_snapshot']} (same window)"
        if reused["drift_snapshot"]
        else None,
    ]
    retraining = reused.get("retraining") or {}
    if retraining.get("model_version"):
        parts.append(f"retraining's model v{retraining['model_version']}")
    named = [p for p in parts if p]
    return "reused: " + ("; ".join(named) if named else "nothing (all new)")


def cmd_replay(args) -> int:
    """A user's production file through the served champion, then the drift job on that window."""
    params = _params(args)
    from longloop.corpus.run_inputs import check_replay_inputs
    from longloop.settings.state_paths import StatePaths
    from longloop.state_lock import state_lock

    paths = StatePaths.from_params(params)
    check_replay_inputs(args.data, args.feedback, [paths.root], paths.data_dir / "dataset.jsonl", _input_rules(params))
    with state_lock(paths.state, params.project.lock_wait_seconds, "replay"):
        from longloop.flows.production_window import production_replay

        _settle_killed_runs(params)

        out = production_replay(
            params, str(Path(args.data).resolve()), str(Path(args.feedback).resolve()) if args.feedback else None
        )
    drift, rt = out["drift"], out["retraining"]
    human = (
        f"replayed {out['deployment']['traffic']['ok']} of {out['deployment']['traffic']['requests']} requests "
        f"({out['deployment']['traffic']['documents']} documents) to v{','.join(out['deployment']['served_version'])}\n"
        + (
            f"drift detected: {drift['drift_detected']} (score {drift['score']:.4f})\n"
            if "score" in drift
            else f"drift check skipped: {drift['skipped']}\n"
        )
        + f"retraining: {'triggered' if rt['triggered'] else 'not triggered'} ({rt['reason']})"
    )
    _print(out, args.json, human)
    return EXIT_OK


def cmd_monitor(args) -> int:
    """The scheduled drift job once (what the drift-job deployment runs), e.g. from cron without a server."""
    params = _params(args)
    from longloop.settings.state_paths import StatePaths
    from longloop.state_lock import state_lock

    with state_lock(StatePaths.from_params(params).state, params.project.lock_wait_seconds, "monitor"):
        from longloop.flows.drift_check import drift_monitoring

        _settle_killed_runs(params)

        out = drift_monitoring(params)
    if out["skipped"]:
        human = f"drift check skipped: {out['reason']}"
    else:
        rt = out["retraining"]
        human = (
            f"drift detected: {out['drift']['drift_detected']} (score {out['drift']['score']:.4f}, "
            f"{out['drift']['n_current']} documents)\nretraining: "
            f"{'triggered' if rt['triggered'] else 'not triggered'} ({rt['reason']}; route {rt['route']})"
        )
    _print(out, args.json, human)
    return EXIT_OK


def cmd_retrain(args) -> int:
    """Retrain on the dataset plus all feedback so far, then the promotion gate (the scheduled retraining)."""
    params = _params(args)
    from longloop.settings.state_paths import StatePaths
    from longloop.state_lock import state_lock

    with state_lock(StatePaths.from_params(params).state, params.project.lock_wait_seconds, "retrain"):
        from longloop.flows.retraining import retrain_and_record

        _settle_killed_runs(params)

        out = retrain_and_record(params, "command line")
    outcome = out["outcome"]
    human = (
        "governance gate blocked the merged dataset"
        if outcome["blocked"]
        else f"retrained on {outcome['dataset']['counts']['total']} records: {outcome['promotion']['reason']}"
    )
    _print(out, args.json, human)
    return EXIT_BLOCKED if outcome["blocked"] else EXIT_OK


def _inside_project(path: str, params: LongloopParams) -> Path:
    from longloop.corpus.readers import resolve_inside
    from longloop.settings.state_paths import StatePaths

    return resolve_inside(path, [StatePaths.from_params(params).root])


def cmd_train(args) -> int:
    """Train on a split dataset file into a model folder, no registry: the DVC pipeline's ``train`` stage."""
    params = _params(args)
    from longloop.settings.state_paths import StatePaths
    from longloop.training.train_to_folder import train_to_folder

    data, out = _inside_project(args.data, params), _inside_project(args.out, params)
    if not data.is_file():
        raise DataError(f"{args.data}: file not found")
    work = StatePaths.from_params(params).state / "dvc-training"
    trained = train_to_folder(data, out, params.model, params.training, params.project.seed, work)
    result = {"model_dir": str(trained.model_dir), "parameters": trained.parameters, "result": trained.result}
    _print(
        result,
        args.json,
        f"trained {trained.parameters:,} parameters into {trained.model_dir} "
        f"(val accuracy {trained.result.get('val_accuracy', float('nan')):.3f})",
    )
    return EXIT_OK


def cmd_evaluate(args) -> int:
    """Evaluate a model folder on a split dataset file: metrics JSON and PNG plots (the DVC ``evaluate`` stage)."""
    params = _params(args)
    from longloop.corpus.atomic_files import write_json_atomic
    from longloop.evaluation.evaluate_folder import evaluate_model_folder
    from longloop.training.model_io import ModelIntegrityError, verify_model_dir

    model, data = _inside_project(args.model, params), _inside_project(args.data, params)
    out = _inside_project(args.out, params)
    plots = _inside_project(args.plots, params) if args.plots else None
    if not data.is_file():
        raise DataError(f"{args.data}: file not found")
    try:
        verify_model_dir(model)
    except (OSError, ValueError, ModelIntegrityError) as exc:
        raise DataError(f"{args.model}: not a complete model folder ({_one_line(str(exc))[:200]})") from None
    metrics = evaluate_model_folder(model, data, params.evaluation, params.project.seed, plots).metrics
    write_json_atomic(out, metrics)
    base = metrics.get("comparisons", {}).get("tfidf_logistic_regression", {})
    _print(
        metrics,
        args.json,
        f"macro-F1 {metrics['macro_f1']:.3f} (TF-IDF {base.get('macro_f1', float('nan')):.3f}), "
        f"accuracy {metrics['accuracy']:.3f}, ECE {metrics['ece']:.3f}; wrote {out}",
    )
    return EXIT_OK


def cmd_demo_data(args) -> int:
    from longloop.corpus.atomic_files import write_jsonl_atomic
    from longloop.corpus.demo_corpus import generate_corpus
    from longloop.corpus.readers import resolve_inside
    from longloop.environment import resolve_config_path

    config = resolve_config_path(args.config)
    params = load_params(config) if config.exists() else None
    d = params.data.demo if params else None
    out = resolve_inside(args.out, [Path.cwd()] + ([Path(params.root)] if params else []))
    if out.suffix != ".jsonl":
        raise DataError(f"{args.out}: the demo corpus is written as .jsonl")
    rows = generate_corpus(
        args.n or (d.n_documents if d else 800),
        seed=args.seed if args.seed is not None else (d.seed if d else 7),
        stream=args.stream,
        median_tokens=d.median_tokens if d else 400,
        length_sigma=d.length_sigma if d else 1.15,
        max_tokens=d.max_tokens if d else 16_000,
        n_labels=d.n_labels if d else 2,
        shifts=tuple(args.shift),
        plant=tuple(args.plant),
    )
    write_jsonl_atomic(out, rows)
    _print(
        {"path": str(out), "records": len(rows), "shifts": args.shift, "plant": args.plant},
        args.json,
        f"wrote {len(rows)} records to {out}",
    )
    return EXIT_OK


def cmd_real_corpus(args) -> int:
    """A corpus of real text from this machine's Debian changelogs: training documents, and optionally the
    newer entries as production documents (id, text) and their labels as feedback (id, label)."""
    from longloop.corpus.atomic_files import write_jsonl_atomic
    from longloop.corpus.debian_changelogs import build_debian_corpus
    from longloop.corpus.readers import resolve_inside
    from longloop.environment import resolve_config_path

    config = resolve_config_path(args.config)
    params = load_params(config) if config.exists() else None
    roots = [Path.cwd()] + ([Path(params.root)] if params else [])
    given = {"documents": args.out, "production": args.production_out, "feedback": args.feedback_out}
    outs = {name: resolve_inside(path, roots) for name, path in given.items() if path}
    for name, out in outs.items():
        if out.suffix != ".jsonl":
            raise DataError(f"{given[name]}: the real corpus is written as .jsonl")
    if len(set(outs.values())) < len(outs):
        raise DataError("--out, --production-out and --feedback-out must be different files")
    corpus = build_debian_corpus(
        args.doc_root,
        min_documents=args.min_documents,
        min_per_label=args.min_per_label,
        max_labels=args.max_labels,
        production_entries=args.production_entries,
        max_text_chars=params.data.max_text_chars if params else 400_000,
    )
    rows = {
        "documents": corpus.records,
        "production": corpus.production_documents(),
        "feedback": corpus.feedback_labels(),
    }
    for name, out in outs.items():
        write_jsonl_atomic(out, rows[name])
    summary = corpus.summary() | {"paths": {name: str(out) for name, out in outs.items()}}
    words = summary["words_per_document"]
    human = [
        f"wrote {summary['documents']} documents to {outs['documents']}",
        "  labels: " + ", ".join(f"{label} {n}" for label, n in summary["labels"].items()),
        f"  words per document: median {words['median']}, p90 {words['p90']}, max {words['max']}",
        f"  production entries: {summary['production_entries']}"
        + "".join(f"; {name} written to {outs[name]}" for name in ("production", "feedback") if name in outs),
        f"  built in {summary['build_seconds']:.1f} s",
    ]
    _print(summary, args.json, "\n".join(human))
    return EXIT_OK


def cmd_govern(args) -> int:
    params = _params(args)
    from longloop.corpus.readers import read_benchmark_sets, read_dataset
    from longloop.corpus.splits import assign_splits
    from longloop.settings.state_paths import StatePaths

    root = StatePaths.from_params(params).root
    res = read_dataset(
        args.data, [root], params.data.max_text_chars, quarantine=params.data.on_bad_record == "quarantine"
    )
    benchmarks = read_benchmark_sets(
        [*params.governance.benchmark_sets, *args.benchmark], root, params.data.max_text_chars
    )
    from longloop.corpus.atomic_files import write_jsonl_atomic
    from longloop.corpus.readers import resolve_inside
    from longloop.governance.checks import CHECK_NAMES
    from longloop.governance.waivers import load_waivers

    findings = resolve_inside(args.findings, [Path.cwd(), root]) if args.findings else None
    if findings is not None and findings.suffix != ".jsonl":
        raise DataError(f"{args.findings}: the findings are written as .jsonl")
    waivers = load_waivers(
        [*([params.governance.waivers] if params.governance.waivers else []), *args.waivers], root, CHECK_NAMES
    )
    from longloop.governance.gate import run_gate  # after the input is known to be good: bad input fails fast

    records = assign_splits(res.records, params.data.split.validation, params.data.split.test, params.project.seed)
    report, kept = run_gate(records, params.governance, benchmarks=benchmarks, waivers=waivers)
    if findings is not None:
        write_jsonl_atomic(findings, report.finding_rows())
    if args.kept:  # the records the gate let through, with their splits: the DVC train stage's input
        from longloop.corpus.dataset_files import write_records
        from longloop.governance.pii import masked_for_training

        write_records(resolve_inside(args.kept, [Path.cwd(), root]), masked_for_training(kept))
    out = report.to_dict() | {
        "records": len(records),
        "kept": len(kept),
        "quarantined_rows": len(res.quarantined),
        "findings_path": str(findings) if findings else None,
    }
    lines = [f"verdict: {report.verdict} ({len(kept)} of {len(records)} records kept)"]
    for name, c in report.checks.items():
        status = (
            "FAIL"
            if not c.passed
            else "pass"
            if not c.violations
            else {"quarantine": "quarantined", "warn": "warned"}.get(c.action, "pass")
        )
        waived = f", {c.waived} waived" if c.waived else ""
        lines.append(f"  {name}: {status} ({c.violations} violations{waived})")
    lines += [f"  {reason}" for reason in report.reasons if reason.split(":")[0] not in report.checks]
    lines += [f"findings: {findings}"] if findings else []
    _print(out, args.json, "\n".join(lines))
    return EXIT_OK if report.verdict == "pass" else EXIT_BLOCKED


def _drift_rows(path: str, root: Path, max_chars: int) -> list[dict]:
    from longloop.corpus.readers import resolve_inside
    from longloop.corpus.records import has_control_chars, is_valid_unicode
    from longloop.serving.inference_log import read_inference_log

    p = resolve_inside(path, [root, Path.cwd()])
    if p.is_dir():
        raise DataError(f"{path}: is a folder, not a JSONL file")
    if not p.is_file():
        raise DataError(f"{path}: file not found")
    try:
        rows = read_inference_log(p)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise DataError(f"{path}: not valid JSONL ({type(exc).__name__})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    for i, r in enumerate(rows, start=1):
        if not isinstance(r, dict) or not isinstance(r.get("text"), str) or not r["text"].strip():
            raise DataError(f"{path}:{i}: field 'text' is missing or empty")
        if not is_valid_unicode(r["text"]) or has_control_chars(r["text"]):
            raise DataError(f"{path}:{i}: field 'text' holds control characters or invalid Unicode")
        if "prediction" in r and not isinstance(r["prediction"], str):
            raise DataError(f"{path}:{i}: field 'prediction' must be a string")
        if len(r["text"]) > max_chars:
            raise DataError(f"{path}:{i}: field 'text' is over the limit of {max_chars} characters")
        r.setdefault("n_tokens", len(r["text"].split()))
    if len(rows) < 5:
        raise DataError(f"{path}: needs at least 5 documents, has {len(rows)}")
    return rows


def cmd_drift(args) -> int:
    params = _params(args)
    from longloop.settings.state_paths import StatePaths

    paths = StatePaths.from_params(params)
    ref = _drift_rows(args.reference, paths.root, params.data.max_text_chars)
    cur = _drift_rows(args.current, paths.root, params.data.max_text_chars)
    from longloop.monitoring.drift_job import run_drift_check  # after the input is known to be good

    # Predictions only count when both sides carry them.
    if not all("prediction" in r for r in ref + cur):
        for r in ref + cur:
            r.pop("prediction", None)
    # No training vocabulary here: the drift job builds one from half of the reference and measures the OOV rate
    # on the other half (a vocabulary from the whole reference gives it OOV 0 and every window "drifts").
    result = run_drift_check(
        ref,
        cur,
        None,
        params.model.context_tokens,
        params.monitoring,
        paths.evidently_workspace if args.record else None,
    )
    out = {"drift_detected": result["drift_detected"], "score": result["score"], "checks": result["checks"]}
    lines = [f"drift detected: {out['drift_detected']} (score {out['score']:.4f}, alpha {params.monitoring.alpha})"]
    lines += [
        f"  {n}: p={c['p_value']:.3g} threshold={c['threshold']:.3g} {'DRIFT' if c['drift'] else 'ok'}"
        for n, c in out["checks"].items()
    ]
    _print(out, args.json, "\n".join(lines))
    return EXIT_OK


def cmd_serve(args) -> int:
    params = _params(args)
    from longloop.environment import serving_auth_token

    token = serving_auth_token(params)  # before anything loads: a missing token is a one-line error
    from longloop.governance.redaction import register_secret

    register_secret(token)  # whatever its variable is called, the token never reaches a log
    from longloop.serving.server import run_server
    from longloop.settings.state_paths import StatePaths

    paths = StatePaths.from_params(params)
    sp = params.serving
    port = args.port or sp.port or 8765
    auth = f" (bearer token from {sp.auth_token_env})" if token else ""
    print(f"serving {params.registry.model_name}@champion on http://{sp.host}:{port}{auth}", file=sys.stderr)
    run_server(
        paths.tracking_uri(params), params.registry.model_name, paths.inference_log, sp, sp.host, port, auth_token=token
    )
    return EXIT_OK


def cmd_status(args) -> int:
    params = _params(args)
    from longloop.corpus.atomic_files import read_jsonl_complete
    from longloop.registry.model_registry import alias_version
    from longloop.registry.promotion_ledger import read_ledger
    from longloop.registry.tracking import configure_tracking_for
    from longloop.settings.state_paths import StatePaths

    paths = StatePaths.from_params(params)
    configure_tracking_for(params)
    name = params.registry.model_name
    drift = read_jsonl_complete(paths.monitoring_dir / "drift-history.jsonl")
    aliases = {a: alias_version(name, a) for a in ("champion", "challenger", "previous-champion")}
    promotions = read_ledger(paths.ledger)[-args.last :]
    recent_drift = [{k: d[k] for k in ("at", "drift_detected", "score")} for d in drift[-args.last :]]
    retraining = read_jsonl_complete(paths.retraining_log)[-args.last :]
    out = {
        "model": name,
        "aliases": aliases,
        "promotions": promotions,
        "drift": recent_drift,
        "retraining": retraining,
        "tracking_uri": paths.tracking_uri(params),
    }
    lines = [f"{name}: " + ", ".join(f"{a}=v{v}" if v else f"{a}=none" for a, v in aliases.items())]
    lines += ["promotions:"] + [
        f"  {p['at']} {p['action']} v{p['from_version']} -> v{p['to_version']}: {p['reason']}" for p in promotions
    ]
    lines += ["drift:"] + [f"  {d['at']} drift={d['drift_detected']} score={d['score']:.4f}" for d in recent_drift]
    lines += ["retraining:"] + [f"  {r['at']} started={r['started']}: {r['reason']}" for r in retraining]
    _print(out, args.json, "\n".join(lines))
    return EXIT_OK


def cmd_rollback(args) -> int:
    params = _params(args)
    from longloop.registry.model_registry import rollback_champion
    from longloop.registry.promotion_ledger import record_move
    from longloop.registry.tracking import configure_tracking_for
    from longloop.settings.state_paths import StatePaths
    from longloop.state_lock import state_lock

    paths = StatePaths.from_params(params)
    configure_tracking_for(params)
    with state_lock(paths.state, params.project.lock_wait_seconds, "rollback"):
        try:
            old, new = rollback_champion(params.registry.model_name)
        except ValueError as exc:
            raise DataError(str(exc)) from None
        entry = record_move(
            paths.ledger, params.registry.model_name, "champion", old, new, args.reason, action="rollback"
        )
    _print(entry, args.json, f"champion rolled back from v{old} to v{new}")
    return EXIT_OK


def cmd_restore_data(args) -> int:
    params = _params(args)
    from longloop.corpus.readers import resolve_inside
    from longloop.settings.state_paths import StatePaths
    from longloop.versioning.dvc_snapshots import ensure_repo, restore_snapshot

    paths = StatePaths.from_params(params)
    if not (len(args.md5) == 32 and all(c in "0123456789abcdef" for c in args.md5)):
        raise DataError(f"--md5: {args.md5!r} is not an md5 hash")
    dest = resolve_inside(args.out or paths.data_dir / f"restored-{args.md5}.jsonl", [paths.root])
    ensure_repo(paths.root, paths.dvc_cache, str(paths.dvc_remote.resolve()))
    out = restore_snapshot(paths.root, args.md5, dest)
    _print({"md5": args.md5, "path": str(out)}, args.json, f"restored {args.md5} to {out}")
    return EXIT_OK


# ---------------------------------------------------------------- wiring


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--config", default="params.yaml", help="params.yaml to use (default: ./params.yaml)")
    common.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap = _Parser(
        prog="longloop",
        description="Long-context MLOps loop: data, gates, training, registry, serving, drift.",
        epilog=EXIT_CODES_HELP,
    )
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("run", parents=[common], help="run the whole closed loop (the main job)")
    p.add_argument("--data", help="dataset file (.jsonl, .csv, .parquet); the demo corpus when left out")
    p.add_argument(
        "--production",
        metavar="FILE",
        help="your production documents (id, text) to send through the served model after training; "
        "with --data and without it, no traffic is sent",
    )
    p.add_argument(
        "--feedback", metavar="FILE", help="feedback labels (id, label) for the --production documents, joined by id"
    )
    p.set_defaults(fn=cmd_run)

    p = sub.add_parser(
        "replay",
        parents=[common],
        help="send a production file through the served champion, then run the drift job on it",
    )
    p.add_argument("--data", required=True, help="production documents (.jsonl, .csv, .parquet with id, text)")
    p.add_argument("--feedback", metavar="FILE", help="feedback labels (id, label) for those documents, joined by id")
    p.set_defaults(fn=cmd_replay)

    p = sub.add_parser("monitor", parents=[common], help="run the scheduled drift job once on the inference log")
    p.set_defaults(fn=cmd_monitor)

    p = sub.add_parser("retrain", parents=[common], help="retrain on the dataset plus all feedback collected so far")
    p.set_defaults(fn=cmd_retrain)

    p = sub.add_parser(
        "train",
        parents=[common],
        help="train on a split dataset file into a model folder (no registry: the DVC train stage)",
    )
    p.add_argument("--data", required=True, help="split dataset JSONL (e.g. the records `govern --kept` wrote)")
    p.add_argument("--out", required=True, help="model folder to write (safetensors weights, spec, tokenizer)")
    p.set_defaults(fn=cmd_train)

    p = sub.add_parser(
        "evaluate", parents=[common], help="evaluate a model folder on a split dataset file (the DVC evaluate stage)"
    )
    p.add_argument("--model", required=True, help="model folder written by `longloop train`")
    p.add_argument("--data", required=True, help="split dataset JSONL the model was trained from")
    p.add_argument("--out", required=True, help="metrics JSON to write (DVC metrics)")
    p.add_argument("--plots", help="folder for the PNG plots (reliability, length, robustness, baselines)")
    p.set_defaults(fn=cmd_evaluate)

    p = sub.add_parser("demo-data", parents=[common], help="write the deterministic demo corpus")
    p.add_argument("--out", required=True, help="the .jsonl file to write (inside the project)")
    p.add_argument("--n", type=_bounded_int(1, 200_000), help="number of documents (default: data.demo.n_documents)")
    p.add_argument("--seed", type=int, help="random seed (default: data.demo.seed)")
    p.add_argument("--stream", type=int, default=0, help="another batch from the same language (e.g. production)")
    p.add_argument(
        "--shift",
        action="append",
        default=[],
        choices=["longer", "vocabulary", "alphabet", "label_prior"],
        help="a distribution shift to apply (repeatable)",
    )
    p.add_argument(
        "--plant",
        action="append",
        default=[],
        choices=["duplicates", "licenses", "pii"],
        help="a governance problem to plant, for testing the gate (repeatable)",
    )
    p.set_defaults(fn=cmd_demo_data)

    p = sub.add_parser(
        "real-corpus",
        parents=[common],
        help="build a corpus of real text from this machine's Debian package changelogs",
    )
    p.add_argument("--out", required=True, help="the .jsonl file of training documents to write (inside the project)")
    p.add_argument(
        "--production-out",
        help="also write the newer changelog entries as production documents (id, text) to this .jsonl file",
    )
    p.add_argument("--feedback-out", help="also write the production documents' labels (id, label) to this .jsonl file")
    p.add_argument(
        "--min-documents",
        type=_bounded_int(1, 1_000_000),
        default=200,
        help="fail (exit 2) when fewer documents can be built (default 200)",
    )
    p.add_argument(
        "--min-per-label",
        type=_bounded_int(1, 1_000_000),
        default=20,
        help="keep only sections (labels) with at least this many documents (default 20)",
    )
    p.add_argument(
        "--max-labels",
        type=_bounded_int(2, 10_000),
        help="keep only this many of the most frequent labels (default: all that qualify)",
    )
    p.add_argument(
        "--production-entries",
        type=_bounded_int(0, 1_000),
        default=2,
        help="newest changelog entries per package that form the production stream (default 2)",
    )
    p.add_argument(
        "--doc-root",
        default="/usr/share/doc",
        help="the folder of package documentation folders (default /usr/share/doc)",
    )
    p.set_defaults(fn=cmd_real_corpus)

    p = sub.add_parser("govern", parents=[common], help="run the governance gate on a dataset")
    p.add_argument("--data", required=True, help="dataset file (.jsonl, .csv, .parquet)")
    p.add_argument("--kept", metavar="FILE", help="write the records the gate keeps, with their splits (JSONL)")
    p.add_argument(
        "--benchmark",
        action="append",
        default=[],
        metavar="FILE",
        help="a benchmark set to check for contamination, besides governance.benchmark_sets (repeatable)",
    )
    p.add_argument(
        "--waivers",
        action="append",
        default=[],
        metavar="FILE",
        help="a reviewed waivers file (YAML or JSON), besides governance.waivers (repeatable)",
    )
    p.add_argument(
        "--findings",
        metavar="FILE",
        help="write every finding of every check to this .jsonl file (the report lists a sample)",
    )
    p.set_defaults(fn=cmd_govern)

    p = sub.add_parser("drift", parents=[common], help="compare two JSONL windows for drift")
    p.add_argument("--reference", required=True, help="JSONL of reference documents (field text; prediction optional)")
    p.add_argument("--current", required=True, help="JSONL of current documents, in the same shape")
    p.add_argument("--record", action="store_true", help="also store an Evidently snapshot in the workspace")
    p.set_defaults(fn=cmd_drift)

    p = sub.add_parser("serve", parents=[common], help="serve models:/<name>@champion over HTTP")
    p.add_argument("--port", type=_bounded_int(1, 65535), help="TCP port (default: serving.port, else 8765)")
    p.set_defaults(fn=cmd_serve)

    p = sub.add_parser("status", parents=[common], help="aliases, promotions, drift and retraining history")
    p.add_argument(
        "--last",
        type=_bounded_int(1, 100_000),
        default=10,
        help="how many of the latest entries of each history to show (default 10)",
    )
    p.set_defaults(fn=cmd_status)

    p = sub.add_parser("rollback", parents=[common], help="point champion back at the previous champion")
    p.add_argument("--reason", default="manual rollback", help="why, recorded in the promotion ledger")
    p.set_defaults(fn=cmd_rollback)

    p = sub.add_parser("restore-data", parents=[common], help="restore a dataset snapshot by its DVC md5")
    p.add_argument("--md5", required=True, help="the snapshot's DVC md5 (32 hex digits)")
    p.add_argument("--out", help="where to write it (default: the state folder's data/restored-MD5.jsonl)")
    p.set_defaults(fn=cmd_restore_data)
    return ap


def main(argv: list[str] | None = None) -> int:
    global _RESULT_FD
    # Libraries (DVC, Prefect, MLflow) print to stdout; while a command runs, file descriptor 1 points at
    # stderr so that stdout carries only the command's own result (one JSON object with --json).
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    _RESULT_FD = saved
    try:
        from longloop.environment import protect_secrets

        protect_secrets()  # before any library logs anything
        args = build_parser().parse_args(argv)
        return args.fn(args)
    except UsageError as exc:
        print(_one_line(str(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ConfigError, DataError) as exc:
        print(f"longloop: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except StateBusy as exc:
        print(f"longloop: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_BUSY
    except KeyboardInterrupt:
        print("longloop: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as exc:
        if os.environ.get("LONGLOOP_DEBUG"):
            raise
        from longloop.governance.redaction import redact_text

        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(
            f"longloop: {type(exc).__name__}: {_one_line(redact_text(first))} (set LONGLOOP_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        _RESULT_FD = None
