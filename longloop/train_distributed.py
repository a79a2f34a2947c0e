"""Train the classifier on several processes with torchrun (gloo on CPUs, NCCL on GPUs).

    torchrun --standalone --nproc_per_node 2 -m longloop.train_distributed --data FILE --out DIR [--config FILE]

Each process trains on its share of every optimizer step's batches (training.data_parallel), so N processes
give the same model as one process with N times `training.grad_accumulation`. Rank 0 writes DIR/model (the
same model folder the pipeline registers) and prints the training result as JSON. Run without torchrun it
is the single-process reference.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from longloop.corpus.readers import read_dataset
from longloop.corpus.records import DataError
from longloop.corpus.splits import assign_splits, by_split
from longloop.settings.params import ConfigError, load_params


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="longloop.train_distributed", description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="params.yaml")
    ap.add_argument("--data", required=True, help="JSONL, CSV or Parquet records inside the current folder")
    ap.add_argument("--out", required=True, help="output folder inside the current folder")
    args = ap.parse_args(argv)
    try:
        params = load_params(Path(args.config))
        records = read_dataset(args.data, [Path.cwd()], params.data.max_text_chars).records
    except (ConfigError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out).resolve()
    if not out.is_relative_to(Path.cwd().resolve()):
        print(f"error: --out {args.out}: outside the current folder", file=sys.stderr)
        return 2
    splits = by_split(assign_splits(records, params.data.split.validation, params.data.split.test, params.project.seed))

    import torch
    import torch.distributed as dist

    from longloop.training.document_tokenizer import DocumentTokenizer
    from longloop.training.fit import fit_classifier
    from longloop.training.model_io import TRAINING_RESULT, save_model_dir

    rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    use_cuda = torch.cuda.is_available() and params.training.device != "cpu"
    if world > 1:
        if use_cuda:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group("nccl" if use_cuda else "gloo")
    work = out / "work"
    try:
        if rank == 0 and not (work / "tokenizer.json").is_file():  # one tokenizer, trained once, read by all
            work.mkdir(parents=True, exist_ok=True)
            DocumentTokenizer.train([r.text for r in splits["train"]], params.model.vocab_size).save(work)
        if world > 1:
            dist.barrier()
        model, tokenizer, result = fit_classifier(
            splits["train"],
            splits["validation"],
            params.model,
            params.training,
            params.project.seed,
            work,
            progress=rank == 0,
        )
        if rank == 0:
            save_model_dir(
                model,
                tokenizer,
                out / "model",
                extra={TRAINING_RESULT: {**result.to_dict(), "processes": world}},
            )
            print(json.dumps({**result.to_dict(), "processes": world, "model_dir": str(out / "model")}))
    finally:
        if world > 1:
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
