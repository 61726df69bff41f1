"""Compression fixtures; the tiny random checkpoint (`tiny_model`) comes from tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest



@pytest.fixture(scope="session")
def cache_root(tmp_path_factory) -> Path:
    """A compression cache shared by the session's tests (each test uses distinct specs)."""
    return tmp_path_factory.mktemp("compressed")


@pytest.fixture(scope="session")
def quick() -> dict:
    """Calibration settings small enough for the tiny model: 4 samples x 32 tokens."""
    return {"calib_samples": 4, "calib_seq_len": 32}


@pytest.fixture(scope="session")
def load_back():
    """A function: checkpoint path -> (float32 model, tokenizer) loaded with plain transformers."""
    return _load_back


@pytest.fixture(scope="session")
def targeted_weights():
    """A function: model -> {name: weight} of every Linear layer except lm_head."""
    return _targeted_weights


def _load_back(path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(path)
    # Compressed layers stay packed until the first forward pass decompresses them.
    with torch.no_grad():
        model(**tokenizer("hello", return_tensors="pt"))
    return model, tokenizer


def _targeted_weights(model) -> dict:
    """name -> weight of every Linear layer except lm_head."""
    import torch

    return {n: m.weight.detach() for n, m in model.named_modules() if isinstance(m, torch.nn.Linear) and n != "lm_head"}
