"""Calibration data: offline corpus, local files, determinism, clear errors."""

from __future__ import annotations

import json

import pytest

from acbench.compression.calibration import CalibrationError, calibration_dataset, default_documents


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from acbench.models import resolve_model

    return AutoTokenizer.from_pretrained(resolve_model())


def test_default_corpus_mixes_docs_and_dialogues():
    docs = default_documents()
    chats = [d for d in docs if isinstance(d, list)]
    assert len(docs) > 500
    assert 0.15 < len(chats) / len(docs) < 0.35
    assert any("assert" in d for d in docs if isinstance(d, str))


def test_windows_have_exact_shape_and_depend_on_seed(tokenizer):
    a = calibration_dataset(tokenizer, n_samples=6, seq_len=64, seed=0)
    b = calibration_dataset(tokenizer, n_samples=6, seq_len=64, seed=0)
    c = calibration_dataset(tokenizer, n_samples=6, seq_len=64, seed=1)
    assert a.column_names == ["input_ids", "attention_mask"]
    assert len(a) == 6 and all(len(row) == 64 for row in a["input_ids"])
    assert a["input_ids"] == b["input_ids"] and a["input_ids"] != c["input_ids"]
    text = tokenizer.decode(sum(a["input_ids"], []))
    assert "<|im_start|>" in text or len(text) > 100


def test_txt_paragraphs(tokenizer, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("First paragraph about tools.\n\nSecond paragraph about plans.\n")
    ds = calibration_dataset(tokenizer, n_samples=3, seq_len=16, source=str(path))
    text = tokenizer.decode(ds["input_ids"][0])
    assert "paragraph" in text and len(ds) == 3  # a short file is reused, not padded


def test_jsonl_text_and_messages(tokenizer, tmp_path):
    path = tmp_path / "data.jsonl"
    rows = [{"text": "plain text row"}, {"messages": [{"role": "user", "content": "hi there"}]}]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    ds = calibration_dataset(tokenizer, n_samples=2, seq_len=32, source=str(path))
    text = tokenizer.decode(sum(ds["input_ids"], []))
    assert "plain text row" in text and "hi there" in text and "<|im_start|>user" in text


def test_jsonl_without_text_field(tokenizer, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"prompt": "x"}\n')
    with pytest.raises(CalibrationError, match=r"bad.jsonl:1: .*'text'.*'messages'"):
        calibration_dataset(tokenizer, n_samples=1, seq_len=8, source=str(path))


def test_missing_file(tokenizer, tmp_path):
    with pytest.raises(CalibrationError, match="not found"):
        calibration_dataset(tokenizer, n_samples=1, seq_len=8, source=str(tmp_path / "x.txt"))


def test_hub_id_offline_error_says_what_to_do(tokenizer, monkeypatch):
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(CalibrationError, match="Offline\\? Use calib_source=None"):
        calibration_dataset(tokenizer, n_samples=1, seq_len=8, source="someorg/somedata")
