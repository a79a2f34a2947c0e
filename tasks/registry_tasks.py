"""Prefect tasks for the MLflow run, registration as ``challenger``, the promotion gate, and the reuse of a
version an earlier cycle already trained from the same data, parameters and code."""

from __future__ import annotations

from pathlib import Path

import mlflow
from prefect import task
from prefect.cache_policies import NO_CACHE

from longloop.corpus.atomic_files import read_jsonl_complete, write_json_atomic
from longloop.governance.redaction import mask_text, redact_structure, redact_text
from longloop.monitoring.canary_watch import canary_evidence, judge_canary
from longloop.registry.canary_rollout import settle_canary
from longloop.registry.drift_reference import DRIFT_REFERENCE_ARTIFACTS, DRIFT_REFERENCE_FILES, fetch_drift_reference
from longloop.registry.gate_record import record_gate_decision, settled_decision
from longloop.registry.infra_check import run_infra_check
from longloop.registry.model_card import model_card_markdown
from longloop.registry.model_registry import (
    alias_version,
    find_version_by_tag,
    load_run_json,
    log_and_register,
    set_alias,
    version_aliases,
)
from longloop.registry.promotion_approval import expire_pending, make_champion, request_approval
from longloop.registry.promotion_gate import decide
from longloop.registry.promotion_ledger import read_ledger, record_move
from longloop.registry.rollout_state import champion_rollout
from longloop.registry.shadow_evidence import shadow_evidence, shadow_log_for
from longloop.registry.tracking import configure_tracking_for, configure_tracking_target
from longloop.registry.training_fingerprint import FINGERPRINT_TAG, training_fingerprint
from longloop.serving.canary import canary_log_for
from longloop.settings.params import LongloopParams, RegistryParams
from longloop.settings.state_paths import StatePaths, TrackingTarget
from longloop.tasks.retry_policy import TRANSIENT_RETRIES
from longloop.tasks.stage_results import (
    CanaryCheck,
    CycleEvaluation,
    GovernanceOutcome,
    ModelEvaluation,
    Promotion,
    Registration,
    ReusedVersion,
    TrackingRun,
    TrainedModel,
    TrainedVersionLookup,
)
from longloop.tasks.training_tasks import TRAINING_SUMMARY
from longloop.training.model_io import add_to_model_dir, load_model_dir
from longloop.versioning.dvc_snapshots import Snapshot


@task(name="start-tracking-run", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def start_tracking_run(paths: StatePaths, tracking: TrackingTarget, reason: str) -> TrackingRun:
    paths.ensure()
    configure_tracking_target(tracking)
    reason = redact_text(reason)
    with mlflow.start_run(run_name=reason, tags={"longloop.reason": reason}) as run:
        run_id = run.info.run_id
    run_dir = paths.runs_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    return TrackingRun(run_id, str(run_dir), tracking.uri)


@task(name="find-trained-version", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def find_trained_version(
    params: LongloopParams, tracking: TrackingTarget, snapshot: Snapshot, governance: GovernanceOutcome
) -> TrainedVersionLookup:
    """The training fingerprint of this cycle, and the registered version that already carries it, if any. The
    fingerprint covers every section of the configuration that shapes the model, hence the whole ``params``."""
    configure_tracking_target(tracking)
    fingerprint = training_fingerprint(params, snapshot.md5, governance.kept_sha256)
    found = find_version_by_tag(params.registry.model_name, FINGERPRINT_TAG, fingerprint)
    return TrainedVersionLookup(
        fingerprint,
        found.version if found else None,
        found.run_id if found else None,
        found.model_uri if found else None,
    )


@task(name="register-challenger", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def register_challenger(
    name: str,
    run: TrackingRun,
    model_dir: str,
    snapshot: Snapshot,
    card: dict,
    challenger: ModelEvaluation,
    example_text: str,
    fingerprint: str,
) -> Registration:
    # A retry after a registration that went through (and a later step that did not) must not add a version.
    registered = find_version_by_tag(name, FINGERPRINT_TAG, fingerprint)
    if registered is None:
        labels = load_model_dir(model_dir)[0].spec.labels
        card_text = redact_text(model_card_markdown(name, labels, snapshot.to_dict(), card, challenger.to_dict()))
        add_to_model_dir(model_dir, {"MODEL_CARD.md": card_text})
        tags = redact_structure(
            {
                "dvc_md5": snapshot.md5,
                "dvc_path": snapshot.path,
                "dvc_remote": snapshot.remote,
                "run_id": run.run_id,
            }
        )
        with mlflow.start_run(run_id=run.run_id):
            # With the run, so that a cycle reusing this version on another machine can still make it the reference.
            for f in DRIFT_REFERENCE_FILES:
                mlflow.log_artifact(str(Path(run.run_dir) / f), artifact_path=DRIFT_REFERENCE_ARTIFACTS)
            registered = log_and_register(
                Path(model_dir), name, mask_text(example_text), labels, {**tags, FINGERPRINT_TAG: fingerprint}
            )
    set_alias(name, "challenger", registered.version)
    return Registration(name, registered.version, registered.model_uri, version_aliases(name, registered.version))


@task(name="promotion-gate", cache_policy=NO_CACHE)
def promotion_gate(
    paths: StatePaths, registry: RegistryParams, registered: Registration, evaluation: CycleEvaluation, run: TrackingRun
) -> Promotion:
    run_dir = run.run_dir
    name, version = registered.model_name, registered.version
    challenger = evaluation.challenger.to_dict()
    champion = evaluation.champion.to_dict() if evaluation.champion is not None else None
    infra_ok, infra_detail = run_infra_check(registered.model_uri, run.tracking_uri)
    infra_detail = redact_text(infra_detail)  # a failing check reports the tail of its stderr
    rules = registry.promotion
    expire_pending(paths, name, rules.approval_timeout_hours)
    previous = alias_version(name, "champion")
    shadow = (
        shadow_evidence(shadow_log_for(paths.inference_log), version, previous)
        if rules.shadow_min_documents and previous is not None
        else None
    )
    decision = decide(challenger, champion, rules, infra_ok, infra_detail, shadow)
    metrics = {"challenger": challenger, "champion": champion, "challenger_version": version}
    if shadow is not None:
        metrics["shadow"] = shadow.to_dict()
    awaiting = decision.promote and rules.require_approval
    if awaiting:
        entry = request_approval(paths, name, version, decision.reason, metrics, infra_ok, rules.approval_timeout_hours)
    else:
        if decision.promote:  # the promoted model's test predictions become the drift job's reference
            make_champion(paths, name, version, Path(run_dir), run.run_id, registry.canary.share)
        action = "promote" if decision.promote else "await-shadow" if decision.awaiting_shadow else "refuse"
        entry = record_move(
            paths.ledger,
            name,
            "champion",
            previous,
            version if decision.promote else previous,
            decision.reason,
            metrics,
            action=action,
        )
    write_json_atomic(Path(run_dir) / "promotion.json", {"decision": decision.to_dict(), "ledger": entry})
    with mlflow.start_run(run_id=run.run_id):
        mlflow.log_artifact(str(Path(run_dir) / "promotion.json"))
        mlflow.set_tag("longloop.promoted", str(decision.promote and not awaiting).lower())
    if not awaiting:  # last: the mark that this version went through the gate, which a cycle reusing it reads
        record_gate_decision(name, version, action, infra_ok, decision.reason, entry["at"])
    return Promotion(
        promoted=decision.promote and not awaiting,
        reason=entry["reason"],
        infra_check=infra_detail,
        champion_version=alias_version(name, "champion"),
        previous_champion=previous,
        aliases=version_aliases(name, version),
        awaiting_approval=awaiting,
        awaiting_shadow=decision.awaiting_shadow,
    )


@task(name="reuse-trained-version", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def reuse_trained_version(
    paths: StatePaths, tracking: TrackingTarget, name: str, found: TrainedVersionLookup
) -> ReusedVersion:
    """A cycle that reuses a registered version reports the training and evaluation its run logged and the
    gate's recorded decision on it. ``promotion`` is None when the version still has to go through the gate
    (the cycle that trained it stopped before): it is then the challenger again, with its drift reference
    at hand for a promotion."""
    configure_tracking_target(tracking)
    version, run_id = found.version, found.run_id
    assert version is not None and run_id is not None and found.model_uri is not None
    evaluation = load_run_json(run_id, "evaluation.json")
    run = TrackingRun(run_id, str(paths.runs_dir / run_id), tracking.uri)
    settled = settled_decision(name, version)
    promotion, champion = None, None
    if settled is not None:
        current = alias_version(name, "champion")
        promotion = Promotion(
            promoted=False,
            reason=settled,
            infra_check=None,
            champion_version=current,
            previous_champion=current,
            aliases=version_aliases(name, version),
        )
        gated = [e for e in read_ledger(paths.ledger) if e.get("metrics", {}).get("challenger_version") == version]
        # What the gate compared it with.
        champion = ModelEvaluation.from_dict(gated[-1]["metrics"].get("champion")) if gated else None
    else:
        set_alias(name, "challenger", version)
        fetch_drift_reference(Path(run.run_dir), run_id)
    trained = load_run_json(run_id, TRAINING_SUMMARY)
    return ReusedVersion(
        training=TrainedModel(trained["result"], trained["parameters"]),
        evaluation=CycleEvaluation(ModelEvaluation.of_challenger(evaluation), champion),
        registration=Registration(name, version, found.model_uri),
        promotion=promotion,
        run=run,
    )


@task(name="canary-watch", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def watch_canary_rollout(params: LongloopParams) -> CanaryCheck:
    """Judge the champion's canary on the evidence so far (``monitoring/canary_watch.py``), then roll it back,
    complete it, or let it go on (``registry/canary_rollout.py``)."""
    configure_tracking_for(params)
    rollout = champion_rollout(params.registry.model_name)
    if rollout is None or not rollout.in_canary:
        return CanaryCheck(rollout)
    paths = StatePaths.from_params(params)
    feedback = [row for f in paths.feedback_files() for row in read_jsonl_complete(f)]
    evidence = canary_evidence(
        canary_log_for(paths.inference_log),
        paths.inference_log,
        feedback,
        rollout.version,
        rollout.stable,
        rollout.since,
    )
    verdict = judge_canary(evidence, params.registry.canary)
    entry = settle_canary(params, rollout, verdict.action, verdict.reason, evidence.to_dict())
    return CanaryCheck(rollout, evidence, verdict, entry)
