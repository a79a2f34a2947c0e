"""One training cycle: version → governance gate → train → evaluate (and report the architectures) → register →
promotion gate.

A cycle whose training fingerprint (the data the gate kept, the parameters that shape the model, the training
and evaluation code) is already on a registered version reuses that version: nothing is trained or
registered, and the gate's recorded decision on it stands (nothing moves, no ledger entry is added).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from prefect import flow

from longloop.corpus.dataset_files import read_records
from longloop.flows.flow_results import TrainingCycle
from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths, TrackingTarget
from longloop.tasks.dataset_tasks import version_dataset
from longloop.tasks.evaluation_tasks import architecture_report, evaluate_challenger, evaluate_champion
from longloop.tasks.governance_tasks import governance_gate, log_governance
from longloop.tasks.registry_tasks import (
    find_trained_version,
    promotion_gate,
    register_challenger,
    reuse_trained_version,
    start_tracking_run,
)
from longloop.tasks.stage_results import CycleEvaluation, DatasetFile, Snapshot, TrainedVersionLookup
from longloop.tasks.training_tasks import release_training_checkpoints, train_model


def _train_and_register(
    params: LongloopParams, reason: str, cycle: TrainingCycle, found: TrainedVersionLookup
) -> TrainingCycle:
    paths, tracking = StatePaths.from_params(params), TrackingTarget.for_params(params)
    kept_path = cycle.governance.kept_path
    run = start_tracking_run(paths, tracking, reason)
    log_governance(cycle.governance, cycle.snapshot, run.run_id)
    trained = train_model(
        paths, params.model, params.training, params.project, kept_path, run, found.fingerprint, params.evaluation
    )
    assert trained.model_dir is not None
    seed = params.project.seed
    challenger = evaluate_challenger(params.evaluation, params.serving, seed, trained.model_dir, kept_path, run)
    architectures = architecture_report(
        paths, params.model, params.training, params.evaluation, seed, kept_path, trained, run, found.fingerprint
    )
    champion = evaluate_champion(params.evaluation, seed, params.registry.model_name, kept_path)
    evaluation = CycleEvaluation(challenger, champion, architectures)
    example = read_records(Path(kept_path))[0].text
    registered = register_challenger(
        params.registry.model_name,
        run,
        trained.model_dir,
        cycle.snapshot,
        cycle.governance.card,
        challenger,
        example,
        found.fingerprint,
    )
    promotion = promotion_gate(paths, params.registry, registered, evaluation, run)
    return dataclasses.replace(
        cycle,
        mlflow_run_id=run.run_id,
        training=trained,
        evaluation=evaluation,
        registration=registered,
        promotion=promotion,
    )


def _reuse(params: LongloopParams, cycle: TrainingCycle, found: TrainedVersionLookup) -> TrainingCycle:
    paths, tracking = StatePaths.from_params(params), TrackingTarget.for_params(params)
    reused = reuse_trained_version(paths, tracking, params.registry.model_name, found)
    evaluation, promotion = reused.evaluation, reused.promotion
    if promotion is None:  # registered, but the cycle that trained it stopped before the gate
        champion = evaluate_champion(
            params.evaluation, params.project.seed, params.registry.model_name, cycle.governance.kept_path
        )
        evaluation = CycleEvaluation(evaluation.challenger, champion)
        promotion = promotion_gate(paths, params.registry, reused.registration, evaluation, reused.run)
    return dataclasses.replace(
        cycle,
        mlflow_run_id=reused.run.run_id,
        reused_version=found.version,
        training=reused.training,
        evaluation=evaluation,
        registration=reused.registration,
        promotion=promotion,
    )


@flow(name="longloop-training-cycle")
def training_cycle(params: LongloopParams, dataset: DatasetFile, reason: str = "pipeline") -> TrainingCycle:
    paths, tracking = StatePaths.from_params(params), TrackingTarget.for_params(params)
    snapshot: Snapshot = version_dataset(paths, dataset.path)
    governance = governance_gate(paths, params.governance, params.data.max_text_chars, dataset.path, snapshot)
    if not governance.passed:
        run = start_tracking_run(paths, tracking, reason)
        log_governance(governance, snapshot, run.run_id)
        return TrainingCycle(dataset, snapshot, governance, run.run_id)
    found = find_trained_version(params, tracking, snapshot, governance)
    cycle = TrainingCycle(dataset, snapshot, governance, mlflow_run_id="", fingerprint=found.fingerprint)
    if found.version is not None:
        cycle = _reuse(params, cycle, found)
    else:
        cycle = _train_and_register(params, reason, cycle, found)
    # Registered now, on either path (a run killed between registering and this point left them behind too).
    release_training_checkpoints(paths, found.fingerprint)
    return cycle
