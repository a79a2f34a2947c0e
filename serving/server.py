"""Run the serving app under uvicorn; also the entry point of a deployed serving process.

``python -m longloop.serving.server --tracking-uri URI --model-name NAME --inference-log PATH --port N
[--serving-json J] [--token-stdin] [--exit-with-parent PID]``; with ``--token-stdin`` the bearer token is the first
line of standard input (never an argument, which any local user could read in the process list, and never
the environment, which the app does not read).
With ``--exit-with-parent`` the server shuts down once process PID is gone: a pipeline that starts a server for
its own run and is killed leaves no server behind it holding a port and the model.
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import torch
import uvicorn

from longloop.registry.shadow_evidence import shadow_log_for
from longloop.serving.app import create_app
from longloop.serving.canary import CanaryRouter, canary_log_for
from longloop.serving.champion_source import ChampionSource
from longloop.serving.cpu_workers import plan_workers, usable_cores
from longloop.serving.parent_watch import exit_with_parent
from longloop.serving.shadow import ShadowRunner
from longloop.settings.params import ServingParams


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class ServingSources:
    champion: ChampionSource
    shadow: ShadowRunner | None  # with ``serving.shadow``: the challenger, answering copies of requests
    canary: CanaryRouter  # the previous champion beside a champion in its canary


def serving_sources(tracking_uri: str, model_name: str, inference_log: Path, sp: ServingParams) -> ServingSources:
    """Every model source of a serving app; each loads its version in ``serving.quantize``'s precision."""

    def source(alias: str) -> ChampionSource:
        return ChampionSource(
            tracking_uri,
            model_name,
            alias=alias,
            refresh_seconds=sp.refresh_seconds,
            quantize=sp.quantize,
            max_int8_accuracy_drop=sp.max_int8_accuracy_drop,
            min_bf16_agreement=sp.min_bf16_agreement,
        )

    shadow = (
        ShadowRunner(source("challenger"), shadow_log_for(inference_log), sp.shadow_queue_requests, sp.token_budget)
        if sp.shadow
        else None
    )
    champion = source("champion")
    return ServingSources(
        champion, shadow, CanaryRouter(champion, source("previous-champion"), canary_log_for(inference_log))
    )


def run_server(
    tracking_uri: str,
    model_name: str,
    inference_log: Path,
    sp: ServingParams,
    host: str,
    port: int,
    auth_token: str | None = None,
) -> None:
    plan = plan_workers(sp.model_workers, usable_cores())
    torch.set_num_threads(plan.threads_per_worker)  # process-wide: this process serves and does nothing else
    logging.getLogger("longloop.serving").info("%d model workers x %d threads", plan.workers, plan.threads_per_worker)
    sources = serving_sources(tracking_uri, model_name, inference_log, sp)
    app = create_app(
        sources.champion,
        sp,
        inference_log,
        auth_token=auth_token,
        model_workers=plan.workers,
        shadow=sources.shadow,
        canary=sources.canary,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="longloop.serving.server")
    ap.add_argument("--tracking-uri", required=True)
    ap.add_argument("--model-name", required=True)
    ap.add_argument("--inference-log", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--serving-json", default="{}")
    ap.add_argument("--token-stdin", action="store_true", help="read the bearer token from the first line of stdin")
    ap.add_argument("--exit-with-parent", type=int, metavar="PID", help="shut down once process PID is gone")
    args = ap.parse_args(argv)
    if args.exit_with_parent:
        exit_with_parent(args.exit_with_parent)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    sp = ServingParams.model_validate(json.loads(args.serving_json))
    token = (sys.stdin.readline().strip() or None) if args.token_stdin else None
    run_server(args.tracking_uri, args.model_name, Path(args.inference_log), sp, args.host, args.port, token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
