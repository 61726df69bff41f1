"""The built-in evaluation texts and user text files."""

import json

import pytest

from acbench.analysis.texts import TEXTS_VERSION, load_records, load_texts, texts_digest


def test_builtin_set_is_fixed_and_mixed():
    records = load_records()
    assert 16 <= len(records) <= 32
    assert len({r["id"] for r in records}) == len(records)
    assert {"tool_call", "plan", "prose"} <= {r["kind"] for r in records}
    assert any(r["text"].lstrip().startswith(("{", "[")) for r in records)  # bare JSON tool calls
    assert load_texts() == [r["text"] for r in records]
    assert texts_digest(load_texts()) == texts_digest(load_texts())
    assert TEXTS_VERSION


def test_user_files(tmp_path):
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text(json.dumps({"text": "a b c", "id": "x"}) + "\n\n" + json.dumps({"text": "d e"}) + "\n")
    assert load_records(jsonl) == [{"id": "x", "kind": "user", "text": "a b c"}, {"id": "t01", "kind": "user", "text": "d e"}]
    as_json = tmp_path / "t.json"
    as_json.write_text(json.dumps(["one", {"text": "two"}]))
    assert load_texts(as_json) == ["one", "two"]
    txt = tmp_path / "t.txt"
    txt.write_text("first line\n\nsecond line\n")
    assert load_texts(txt) == ["first line", "second line"]


def test_bad_user_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_texts(tmp_path / "missing.jsonl")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(ValueError, match="no texts"):
        load_texts(empty)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"prompt": "no text field"}) + "\n")
    with pytest.raises(ValueError, match="entry 0"):
        load_texts(bad)
    assert texts_digest(["ab", "c"]) != texts_digest(["a", "bc"])
