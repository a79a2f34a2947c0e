"""Prefect tasks that deploy the serving app and send production traffic through it."""

from __future__ import annotations

import secrets

from prefect import task
from prefect.cache_policies import NO_CACHE

from longloop.corpus.dataset_files import write_records
from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.production_files import read_production_documents
from longloop.corpus.records import record_from_mapping
from longloop.serving.deployment import Deployment, start_serving_process, stop_serving_process, wait_for_version
from longloop.serving.inference_log import read_inference_log
from longloop.serving.traffic import send_documents
from longloop.settings.params import DataParams, MonitoringParams, ServingParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.stage_results import ProductionTraffic


@task(name="deploy-serving", cache_policy=NO_CACHE)
def deploy_serving(paths: StatePaths, tracking_uri: str, model_name: str, serving: ServingParams) -> Deployment:
    """The pipeline's own deployment; with ``serving.auth_token_env`` set it is guarded by a fresh random token
    that only this run holds (it is its only client), so no shared secret passes through Prefect."""
    token = secrets.token_urlsafe(32) if serving.auth_token_env else None
    return start_serving_process(
        tracking_uri, model_name, paths.inference_log, serving, paths.logs_dir, auth_token=token
    )


@task(name="await-served-version", cache_policy=NO_CACHE)
def await_served_version(deployment: Deployment, version: str, timeout: float = 60.0) -> bool:
    return wait_for_version(deployment.url, version, timeout)


@task(name="send-production-traffic", cache_policy=NO_CACHE)
def send_production_traffic(
    paths: StatePaths, data: DataParams, monitoring: MonitoringParams, deployment: Deployment, batch: int
) -> ProductionTraffic:
    """The demo's shifted production batch (per ``monitoring.production_shifts``) through the served model.

    Its labels are kept apart as the feedback that arrives later and feeds retraining.
    """
    d = data.demo
    rows = generate_corpus(
        monitoring.production_documents,
        seed=d.seed,
        stream=100 + batch,
        median_tokens=d.median_tokens,
        length_sigma=d.length_sigma,
        max_tokens=d.max_tokens,
        n_labels=d.n_labels,
        shifts=monitoring.production_shifts,
        id_prefix="prod",
    )
    feedback = write_records(
        paths.feedback_file(str(batch)),
        [record_from_mapping(r, f"production:{i}", data.max_text_chars) for i, r in enumerate(rows)],
    )
    offset = len(read_inference_log(paths.inference_log))
    sent = send_documents(deployment.url, rows, headers=deployment.auth_headers)
    return ProductionTraffic(
        **sent, feedback_path=str(feedback), log_offset=offset, shifts=list(monitoring.production_shifts)
    )


@task(name="replay-production-file", cache_policy=NO_CACHE)
def replay_production_file(
    paths: StatePaths, max_text_chars: int, deployment: Deployment, production_path: str
) -> ProductionTraffic:
    """A user's own production documents through the served model, as clients would send them: they reach the
    inference log, which the drift job reads. Nothing synthetic is added."""
    docs = read_production_documents(production_path, [paths.root], max_text_chars)
    offset = len(read_inference_log(paths.inference_log))
    sent = send_documents(deployment.url, [{"id": d.id, "text": d.text} for d in docs], headers=deployment.auth_headers)
    return ProductionTraffic(**sent, feedback_path=None, log_offset=offset, shifts=[], source=production_path)


@task(name="stop-serving", cache_policy=NO_CACHE)
def stop_serving(deployment: Deployment) -> None:
    stop_serving_process(deployment)
