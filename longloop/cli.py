"""The ``longloop`` command line: run, replay, monitor, retrain, demo-data, real-corpus, govern, drift, score,
compare, serve, status, rollback, approve, reject, canary, restore-data.
It parses, calls the layers below and formats; exit codes are ``ExitCode`` (also
in ``--help``). Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

from longloop.corpus.one_line import one_line
from longloop.corpus.records import DataError
from longloop.settings.params import ConfigError, LongloopParams, load_params
from longloop.state_lock import StateBusy

if TYPE_CHECKING:
    from longloop.flows.flow_results import (
        DriftMonitoringSummary,
        PipelineSummary,
        RecordedRetraining,
        WatchedWindow,
    )


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


def _params(args) -> LongloopParams:
    from longloop.environment import load_config

    return load_config(args.config)


def _optional_params(args) -> LongloopParams | None:
    """The config when there is one: demo-data and real-corpus also write files outside a project."""
    from longloop.environment import resolve_config_path

    config = resolve_config_path(args.config)
    return load_params(config) if config.exists() else None


def _output_roots(params: LongloopParams | None) -> list[Path]:
    """Where demo-data and real-corpus may write: the working folder, and the project when there is one."""
    return [Path.cwd()] + ([Path(params.root)] if params else [])


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


def _model_version(text: str) -> str:
    """A registered model version: MLflow numbers them 1, 2, 3, ..."""
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a model version is a number from 1, got {text[:40]!r}")
    return str(int(text))


# ---------------------------------------------------------------- commands


def _paths_of(args, *names: str) -> dict[str, str | None]:
    """The given path options, resolved (the flows take absolute paths)."""
    return {n: str(Path(getattr(args, n)).resolve()) if getattr(args, n) else None for n in names}


def _drift_line(drift: dict) -> str:
    if "score" in drift:
        return f"drift detected: {drift['drift_detected']} (score {drift['score']:.4f})"
    return f"drift check skipped: {drift['skipped']}"


def _retraining_line(rt) -> str:
    line = f"retraining: {'triggered' if rt.triggered else 'not triggered'} ({rt.reason})"
    if rt.outcome is not None and rt.outcome.requested is not None:
        line += f"; requested through the event {rt.outcome.requested.event}"
    elif rt.outcome is not None and rt.outcome.promotion is not None:
        line += f"; new decision: {rt.outcome.promotion.reason}"
    return line


def _importer(module: str) -> Callable[[], object]:
    """A command's flows imported under the state lock (their libraries write caches, matplotlib's, into the
    state folder), while Prefect's temporary server starts (run_locked's ``prepare``)."""
    return lambda: importlib.import_module(module)


def cmd_run(args) -> int:
    params = _params(args)
    from longloop.corpus.run_inputs import check_run_inputs
    from longloop.settings.state_paths import StatePaths

    # Bad input fails fast, with one line, before any flow starts.
    check_run_inputs(
        args.data, args.production, args.feedback, [StatePaths.from_params(params).root], _input_rules(params)
    )
    from longloop.locked_run import run_locked

    given = _paths_of(args, "data", "production", "feedback")

    def job() -> PipelineSummary:
        from longloop.flows.pipeline import pipeline

        return pipeline(
            params, data_path=given["data"], production_path=given["production"], feedback_path=given["feedback"]
        )

    summary = run_locked(params, "run", job, prepare=_importer("longloop.flows.pipeline"))
    if summary.blocked:
        _print(
            summary.to_dict(),
            args.json,
            f"governance gate blocked the dataset: {'; '.join(summary.governance['reasons'])}",
        )
        return EXIT_BLOCKED
    reg, ev, promotion = summary.registry, summary.evaluation, summary.promotion
    assert reg is not None and ev is not None and promotion is not None and summary.training is not None
    assert summary.drift is not None and summary.retraining is not None
    human = "\n".join(
        [
            f"dataset {summary.dataset['dvc_md5']} ({summary.dataset['counts']['total']} records), "
            f"governance {summary.governance['verdict']}",
            _training_line(summary.training, ev.challenger.metrics["macro_f1"]),
            *([f"architecture report, test split:\n{ev.architectures.table}"] if ev.architectures else []),
            f"registered {reg.model_name} v{reg.version} aliases {reg.aliases}; promotion: {promotion.reason}",
            _drift_line(summary.drift),
            _retraining_line(summary.retraining),
            _reuse_line(summary.reused.to_dict()),
        ]
        + (
            [f"canary: {check.verdict.action}: {check.verdict.reason}"]
            if (check := summary.canary) and check.verdict
            else []
        )
    )
    _print(summary.to_dict(), args.json, human)
    # A version waiting for a person is the outcome asked for (require_approval), even with nothing served yet.
    return EXIT_OK if summary.has_champion or promotion.awaiting_approval else EXIT_BLOCKED


def _training_line(training: dict, test_macro_f1: float) -> str:
    """What was trained, in which precision and why (under model.architecture: auto, which candidate won)."""
    what = training.get("architecture", "model")
    if training.get("precision"):
        what += f", {training['precision']}"
    line = f"trained {what}: val accuracy {training['val_accuracy']:.3f}; test macro-F1 {test_macro_f1:.3f}"
    if selection := training.get("architecture_selection"):
        line += f"\nauto chose {selection['chosen']} ({selection['policy']}): {selection['reason']}"
    return line


def _reuse_line(reused: dict) -> str:
    """What a re-run took from earlier runs instead of making it again."""
    parts = [
        f"model v{reused['model_version']} (same data, parameters and code: not trained again)"
        if reused["model_version"]
        else None,
        "dataset snapshot (no new DVC object)" if reused["dvc"] else None,
        f"drift result and Evidently snapshot {reused['drift_snapshot']} (same window)"
        if reused.get("drift_snapshot")
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

    paths = StatePaths.from_params(params)
    check_replay_inputs(args.data, args.feedback, [paths.root], paths.dataset, _input_rules(params))
    from longloop.locked_run import run_locked

    production, feedback = str(Path(args.data).resolve()), _paths_of(args, "feedback")["feedback"]

    def job() -> WatchedWindow:
        from longloop.flows.production_window import production_replay

        return production_replay(params, production, feedback)

    out = run_locked(params, "replay", job, prepare=_importer("longloop.flows.production_window"))
    traffic = out.deployment["traffic"]
    human = "\n".join(
        [
            f"replayed {traffic['ok']} of {traffic['requests']} requests ({traffic['documents']} documents) "
            f"to v{','.join(out.deployment['served_version'])}",
            _drift_line(out.drift),
            _retraining_line(out.retraining),
        ]
    )
    _print(out.to_dict(), args.json, human)
    return EXIT_OK


def cmd_monitor(args) -> int:
    """The scheduled drift job once (what the drift-job deployment runs), e.g. from cron without a server."""
    params = _params(args)
    from longloop.locked_run import run_locked

    def job() -> DriftMonitoringSummary:
        from longloop.flows.drift_check import drift_monitoring

        return drift_monitoring(params)

    out = run_locked(params, "monitor", job, prepare=_importer("longloop.flows.drift_check"))
    if out.skipped or out.drift is None or out.retraining is None:
        human = f"drift check skipped: {out.reason}"
    else:
        rt = out.retraining
        human = (
            f"drift detected: {out.drift['drift_detected']} (score {out.drift['score']:.4f}, "
            f"{out.drift['n_current']} documents)\nretraining: "
            f"{'triggered' if rt.triggered else 'not triggered'} ({rt.reason}; route {rt.route})"
        )
    _print(out.to_dict(), args.json, human)
    return EXIT_OK


def cmd_retrain(args) -> int:
    """Retrain on the dataset plus all feedback so far, then the promotion gate (the scheduled retraining)."""
    params = _params(args)
    from longloop.locked_run import run_locked

    def job() -> RecordedRetraining:
        from longloop.flows.retraining import retrain_and_record

        return retrain_and_record(params, "command line")

    out = run_locked(params, "retrain", job, prepare=_importer("longloop.flows.retraining"))
    outcome = out.outcome
    if outcome.blocked or outcome.dataset is None or outcome.promotion is None:
        human = "governance gate blocked the merged dataset"
    else:
        human = f"retrained on {outcome.dataset['counts']['total']} records: {outcome.promotion.reason}"
    _print(out.to_dict(), args.json, human)
    return EXIT_BLOCKED if outcome.blocked else EXIT_OK


def _inside_project(path: str | Path, params: LongloopParams) -> Path:
    from longloop.corpus.readers import resolve_inside
    from longloop.settings.state_paths import StatePaths

    return resolve_inside(path, [StatePaths.from_params(params).root])


def cmd_train(args) -> int:
    """Train on a split dataset file into a model folder, no registry: the DVC pipeline's ``train`` stage."""
    params = _params(args)
    from longloop.settings.state_paths import StatePaths
    from longloop.training.train_to_folder import train_file_to_folder

    paths = StatePaths.from_params(params)
    trained = train_file_to_folder(
        args.data, args.out, [paths.root], params.model, params.training, params.project.seed, paths.dvc_training_dir
    )
    _print(
        trained.to_dict(),
        args.json,
        f"trained {trained.parameters:,} parameters into {trained.model_dir} "
        f"(val accuracy {trained.result.get('val_accuracy', float('nan')):.3f})",
    )
    return EXIT_OK


def cmd_evaluate(args) -> int:
    """Evaluate a model folder on a split dataset file: metrics JSON and PNG plots (the DVC ``evaluate`` stage)."""
    params = _params(args)
    from longloop.evaluation.evaluate_folder import evaluate_to_file

    evaluated = evaluate_to_file(
        args.model, args.data, args.out, [Path(params.root)], params.evaluation, params.project.seed, args.plots
    )
    metrics = evaluated.metrics
    base = metrics.get("comparisons", {}).get("tfidf_logistic_regression", {})
    _print(
        evaluated.to_dict(),
        args.json,
        f"macro-F1 {metrics['macro_f1']:.3f} (TF-IDF {base.get('macro_f1', float('nan')):.3f}), "
        f"accuracy {metrics['accuracy']:.3f}, ECE {metrics['ece']:.3f}; wrote {evaluated.path}",
    )
    return EXIT_OK


def cmd_demo_data(args) -> int:
    from longloop.corpus.demo_corpus_file import write_demo_corpus
    from longloop.settings.params import DemoParams

    params = _optional_params(args)
    written = write_demo_corpus(
        args.out,
        _output_roots(params),
        params.data.demo if params else DemoParams(),
        n_documents=args.n,
        seed=args.seed,
        stream=args.stream,
        shifts=args.shift,
        plant=args.plant,
    )
    _print(written.to_dict(), args.json, f"wrote {written.records} records to {written.path}")
    return EXIT_OK


def cmd_real_corpus(args) -> int:
    """A corpus of real text from this machine's Debian changelogs: training documents, and optionally the
    newer entries as production documents (id, text) and their labels as feedback (id, label)."""
    from longloop.corpus.debian_corpus_files import write_debian_corpus
    from longloop.settings.params import DataParams

    params = _optional_params(args)
    written = write_debian_corpus(
        args.out,
        _output_roots(params),
        production=args.production_out,
        feedback=args.feedback_out,
        doc_root=args.doc_root,
        min_documents=args.min_documents,
        min_per_label=args.min_per_label,
        max_labels=args.max_labels,
        production_entries=args.production_entries,
        max_text_chars=(params.data if params else DataParams()).max_text_chars,
    )
    summary, outs = written.summary, written.paths
    words = summary["words_per_document"]
    human = [
        f"wrote {summary['documents']} documents to {outs['documents']}",
        "  labels: " + ", ".join(f"{label} {n}" for label, n in summary["labels"].items()),
        f"  words per document: median {words['median']}, p90 {words['p90']}, max {words['max']}",
        f"  production entries: {summary['production_entries']}"
        + "".join(f"; {name} written to {outs[name]}" for name in ("production", "feedback") if name in outs),
        f"  built in {summary['build_seconds']:.1f} s",
    ]
    _print(written.to_dict(), args.json, "\n".join(human))
    return EXIT_OK


def cmd_govern(args) -> int:
    params = _params(args)
    from longloop.governance.dataset_file_gate import govern_dataset_file

    governed = govern_dataset_file(
        args.data, params, Path.cwd(), args.benchmark, args.waivers, findings=args.findings, kept=args.kept
    )
    report = governed.report
    lines = [f"verdict: {report.verdict} ({len(governed.kept)} of {governed.records} records kept)"]
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
    lines += [f"findings: {governed.findings_path}"] if governed.findings_path else []
    _print(governed.to_dict(), args.json, "\n".join(lines))
    return EXIT_OK if report.verdict == "pass" else EXIT_BLOCKED


def cmd_drift(args) -> int:
    params = _params(args)
    from longloop.monitoring.drift_input_files import check_drift_between_files
    from longloop.settings.state_paths import StatePaths

    paths = StatePaths.from_params(params)
    drift = check_drift_between_files(
        args.reference,
        args.current,
        [paths.root, Path.cwd()],
        params.data.max_text_chars,
        params.model.context_tokens,
        params.monitoring,
        paths.evidently_workspace if args.record else None,
    )
    lines = [f"drift detected: {drift.drift_detected} (score {drift.score:.4f}, alpha {params.monitoring.alpha})"]
    lines += [
        f"  {n}: p={c['p_value']:.3g} threshold={c['threshold']:.3g} {'DRIFT' if c['drift'] else 'ok'}"
        for n, c in drift.checks.items()
    ]
    _print(drift.to_dict(), args.json, "\n".join(lines))
    return EXIT_OK


def cmd_score(args) -> int:
    """A whole file scored offline by one registered version (what the batch-scoring deployment runs)."""
    params = _params(args)
    from longloop.flows.batch_scoring import batch_scoring, scoring_request
    from longloop.serving.batch_scoring import check_scoring_request

    request = scoring_request(params, args.data, args.out, args.model_version, args.alias or "champion")
    check_scoring_request(request)  # bad input fails fast, with one line, before the flow starts
    summary = batch_scoring(params, request)
    resumed = f", {summary.resumed_from} from an interrupted run" if summary.resumed_from else ""
    _print(
        summary.to_dict(),
        args.json,
        f"scored {summary.documents} documents with {summary.model_name} v{summary.model_version} "
        f"({summary.precision}{resumed}) into {summary.out}; "
        f"{summary.seconds_per_1000_documents:.1f} s per 1,000 documents",
    )
    return EXIT_OK


def cmd_compare(args) -> int:
    """Every candidate architecture trained and tested on one split: the table, the plot, the recommendation."""
    candidates = [c.strip() for c in args.candidates.split(",")] if args.candidates else None
    params = _params(args).with_comparison(candidates, args.max_ms_per_document)
    from longloop.corpus.run_inputs import check_run_inputs

    # The file is read and judged as `longloop run` judges it, before any flow starts.
    check_run_inputs(args.data, None, None, [Path(params.root)], _input_rules(params))
    from longloop.flows.architecture_comparison import architecture_comparison

    result = architecture_comparison(params, args.data)
    report = result.report
    _print(
        result.to_dict(),
        args.json,
        f"{report.test_documents} test documents of {result.source} ({report.policy})\n{report.table()}\n"
        f"plot: {report.plot}; MLflow run {result.mlflow_run_id}",
    )
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
    from longloop.loop_status import loop_status

    status = loop_status(params, args.last)
    lines = [f"{status.model}: " + ", ".join(f"{a}=v{v}" if v else f"{a}=none" for a, v in status.aliases.items())]
    lines += ["promotions:"] + [
        f"  {p['at']} {p['action']} v{p['from_version']} -> v{p['to_version']}: {p['reason']}"
        for p in status.promotions
    ]
    lines += ["drift:"] + [
        f"  {d['at']} drift={d['drift_detected']} score={d['score']:.4f}"
        + (
            f" accuracy={q['accuracy']:.3f} [{q['accuracy_low']:.3f}, {q['accuracy_high']:.3f}] on {q['n_labelled']}"
            f" labels{' DEGRADED' if q['degraded'] else ''}"
            if (q := d.get("quality"))
            else ""
        )
        for d in status.drift
    ]
    lines += ["retraining:"] + [f"  {r['at']} started={r['started']}: {r['reason']}" for r in status.retraining]
    if (rollout := status.rollout) is not None:
        lines.append(
            f"rollout: v{rollout.version} {rollout.state} since {rollout.since:%Y-%m-%d %H:%M} UTC beside "
            f"v{rollout.stable} ({rollout.share:.0%} of clients): {rollout.reason}"
        )
    if (waiting := status.approval) is not None:
        lines.append(
            f"approval: v{waiting.version} waits since {waiting.since:%Y-%m-%d %H:%M} UTC, rejected if undecided by "
            f"{waiting.expires:%Y-%m-%d %H:%M} UTC (longloop approve {waiting.version} / longloop reject "
            f"{waiting.version} --reason ...)"
        )
    _print(status.to_dict(), args.json, "\n".join(lines))
    return EXIT_OK


def cmd_rollback(args) -> int:
    params = _params(args)
    from longloop.locked_run import run_locked
    from longloop.registry.champion_rollback import rollback_and_record

    # Nothing of Prefect's is touched, so there are no killed flow runs to settle.
    rollback = run_locked(params, "rollback", lambda: rollback_and_record(params, args.reason), settle=False)
    _print(
        rollback.to_dict(), args.json, f"champion rolled back from v{rollback.from_version} to v{rollback.to_version}"
    )
    return EXIT_OK


def cmd_canary(args) -> int:
    params = _params(args)
    from longloop.flows.canary_watch import canary_watch
    from longloop.locked_run import run_locked

    check = run_locked(params, "canary", lambda: canary_watch(params), settle=False)
    if check.verdict is None:
        rollout = check.rollout
        human = "no canary in progress" + (
            f" (v{rollout.version}'s rollout is {rollout.state}: {rollout.reason})" if rollout is not None else ""
        )
    else:
        human = f"{check.verdict.action}: {check.verdict.reason}"
    _print(check.to_dict(), args.json, human)
    return EXIT_OK


def cmd_approve(args) -> int:
    return _decide_approval(args, approve=True)


def cmd_reject(args) -> int:
    return _decide_approval(args, approve=False)


def _decide_approval(args, approve: bool) -> int:
    params = _params(args)
    from longloop.locked_run import run_locked
    from longloop.registry.promotion_approval import approve_or_reject

    verb = "approve" if approve else "reject"
    decision = run_locked(
        params, verb, lambda: approve_or_reject(params, args.version, approve, args.reason, args.by), settle=False
    )
    human = (
        f"v{decision.version} approved: champion is now v{decision.champion_version}"
        if approve
        else f"v{decision.version} rejected: champion stays "
        + (f"v{decision.champion_version}" if decision.champion_version else "unset")
    )
    _print(decision.to_dict(), args.json, human)
    return EXIT_OK


def cmd_restore_data(args) -> int:
    params = _params(args)
    from longloop.settings.state_paths import StatePaths
    from longloop.versioning.dataset_restore import is_md5, restore_dataset

    if not is_md5(args.md5):
        raise DataError(f"--md5: {args.md5!r} is not an md5 hash")
    paths = StatePaths.from_params(params)
    dest = _inside_project(args.out or paths.data_dir / f"restored-{args.md5}.jsonl", params)
    restored = restore_dataset(paths.root, args.md5, dest, paths.dvc_cache, str(paths.dvc_remote.resolve()))
    _print(restored.to_dict(), args.json, f"restored {restored.md5} to {restored.path}")
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

    p = sub.add_parser(
        "score", parents=[common], help="score a file offline with a registered model version (resumes after a kill)"
    )
    p.add_argument("--data", required=True, help="documents to score (.jsonl, .csv, .parquet with id, text)")
    p.add_argument("--out", required=True, help="the .jsonl file of scores to write (inside the project)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--model-version", metavar="V", help="the registered version to score with")
    which.add_argument("--alias", metavar="NAME", help="the alias whose version scores (default: champion)")
    p.set_defaults(fn=cmd_score)

    p = sub.add_parser(
        "compare",
        parents=[common],
        help="train and test every candidate architecture on one split: quality, cost, Pareto plot, recommendation",
    )
    p.add_argument("--data", help="a dataset (.jsonl, .csv, .parquet with id, text, label); default: the demo corpus")
    p.add_argument(
        "--candidates",
        help="comma-separated candidates (default: evaluation.candidates), e.g. truncated_encoder,tfidf_logreg",
    )
    p.add_argument(
        "--max-ms-per-document",
        type=float,
        help="the latency budget of the recommendation (default: evaluation.max_ms_per_document)",
    )
    p.set_defaults(fn=cmd_compare)

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

    p = sub.add_parser(
        "canary",
        parents=[common],
        help="judge the champion's canary now: roll it back, complete it, or let it go on (registry.canary)",
    )
    p.set_defaults(fn=cmd_canary)

    for verb, helptext in (
        ("approve", "make the version awaiting approval the champion (registry.promotion.require_approval)"),
        ("reject", "reject the version awaiting approval; the champion stays"),
    ):
        p = sub.add_parser(verb, parents=[common], help=helptext)
        p.add_argument("version", type=_model_version, help="the registered version awaiting approval")
        p.add_argument(
            "--reason", required=verb == "reject", default="approved", help="why, recorded in the promotion ledger"
        )
        p.add_argument("--by", help="who decides, recorded in the ledger (default: the account running this)")
        p.set_defaults(fn=cmd_approve if verb == "approve" else cmd_reject)

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
        print(one_line(str(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ConfigError, DataError) as exc:
        print(f"longloop: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except StateBusy as exc:
        print(f"longloop: {one_line(str(exc))}", file=sys.stderr)
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
            f"longloop: {type(exc).__name__}: {one_line(redact_text(first))} (set LONGLOOP_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        _RESULT_FD = None
