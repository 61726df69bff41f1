"""Fixtures: a tiny random Llama-like checkpoint (hidden 128, 2 layers) with the embedded model's tokenizer."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("ACBENCH_NO_PROGRESS", "1")


def make_tiny_model(path: Path, hidden: int = 128, intermediate: int = 256, seed: int = 0) -> Path:
    """Write a tiny randomly initialised LlamaForCausalLM (bf16) + the SmolLM2 tokenizer into `path`."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from acbench.models import resolve_model

    source = resolve_model()
    tokenizer = AutoTokenizer.from_pretrained(source)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=intermediate,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=hidden // 4,
        max_position_embeddings=512,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """Path of a tiny checkpoint shared by the whole session (read-only by convention)."""
    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny-llama")


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
