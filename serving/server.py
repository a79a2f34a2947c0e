"""Run the serving app under uvicorn; also the entry point of a deployed serving process.

``python -m serving.server --tracking-uri URI --model-name NAME --inference-log PATH --port N [--serving-json J]``
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys
from pathlib import Path

import uvicorn

from serving.app import create_app
from serving.champion_source import ChampionSource
from settings.params import ServingParams


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def run_server(tracking_uri: str, model_name: str, inference_log: Path, sp: ServingParams,
               host: str, port: int) -> None:
    source = ChampionSource(tracking_uri, model_name, refresh_seconds=sp.refresh_seconds)
    app = create_app(source, sp, inference_log)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="serving.server")
    ap.add_argument("--tracking-uri", required=True)
    ap.add_argument("--model-name", required=True)
    ap.add_argument("--inference-log", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--serving-json", default="{}")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    sp = ServingParams.model_validate(json.loads(args.serving_json))
    run_server(args.tracking_uri, args.model_name, Path(args.inference_log), sp, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
