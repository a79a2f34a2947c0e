import shutil

import pytest
import torch
from safetensors.torch import load_file

from longloop.corpus.splits import by_split
from longloop.training.checkpoint import latest_checkpoint
from longloop.training.fit import fit_classifier
from longloop.training.folder_checksums import ModelIntegrityError
from longloop.training.inference import predict_documents
from longloop.training.model_io import load_model_dir


def test_trained_model_round_trips_through_safetensors(trained_model_dir, demo_records):
    model, tok = load_model_dir(trained_model_dir)
    test = by_split(demo_records)["test"]
    preds = predict_documents(model, tok, [r.text for r in test])
    assert preds.probabilities.shape == (len(test), 2)
    assert abs(preds.probabilities.sum(axis=1) - 1).max() < 1e-5
    assert model.encoder.config._attn_implementation == "sdpa"


def test_tampered_weights_are_refused(trained_model_dir, tmp_path):
    copy = shutil.copytree(trained_model_dir, tmp_path / "m")
    with open(copy / "model.safetensors", "r+b") as fh:
        fh.seek(-8, 2)
        fh.write(b"\x00" * 8)
    with pytest.raises(ModelIntegrityError, match="does not match its checksum"):
        load_model_dir(copy)


class _Killed(Exception):
    pass


def test_killed_run_resumes_to_the_same_result(tiny_params, demo_records, tmp_path):
    """Kill training at step 7 (checkpoints every 3 steps), resume, and compare with one straight run."""
    splits = by_split(demo_records)
    tp = tiny_params.training.model_copy(update={"epochs": 2, "checkpoint_every": 3})
    args = (splits["train"], splits["validation"], tiny_params.model, tp, 7)
    straight = fit_classifier(*args, tmp_path / "straight", progress=False)

    def kill_at_7(step, metrics):
        if step == 7 and "train_loss" in metrics:
            raise _Killed()

    interrupted = tmp_path / "interrupted"
    with pytest.raises(_Killed):
        fit_classifier(*args, interrupted, on_step=kill_at_7, progress=False)
    assert latest_checkpoint(interrupted / "checkpoints").name == "step-00000006"
    resumed = fit_classifier(*args, interrupted, progress=False)
    assert resumed[2].resumed_from_step == 6  # at most checkpoint_every - 1 steps lost
    assert resumed[2].steps == straight[2].steps
    a = load_file(str(tmp_path / "straight" / "best.safetensors"))
    b = load_file(str(interrupted / "best.safetensors"))
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
