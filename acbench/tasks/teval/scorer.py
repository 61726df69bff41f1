"""Per-item T-Eval scoring, one function per ability; pure functions of (record, prediction).

    fields = score_instruct(record, prediction, "json")                   # {"format", "args_em", ...}
    fields = score_plan(record, prediction, "str", embedder)              # {"precision", "recall", "f1", ...}
    fields = score_rru(record, prediction, "str", "reason", embedder)     # {"thought"} | {"name"} | {"args"}
    fields = score_review(record, prediction, "str")                      # {"correct"}

`record` is one raw entry of an upstream file and `fmt` its response format ("json" or "str").

`embedder` is anything with `similarity(list[str], list[str]) -> matrix` of clamped cosines
(`acbench.scoring.embeddings.Embedder`, or a fake in tests). Every function returns a dict of score
fields plus `parse_error` (None or a short reason) and never raises on model output.
"""

from __future__ import annotations

import re
from typing import Protocol

import numpy as np

from acbench.scoring.matching import lis_length, max_weight_matching, precision_recall_f1
from acbench.tasks.teval.parsing import parse_json, parse_template_string

PLAN_NAME_WEIGHT = 0.75
PLAN_ARGS_WEIGHT = 0.25
PLAN_THRESHOLD = 0.8
FINISH = "FinishAction"
_TOOL_NAME = re.compile(r"\w+\.\w+")


class Similarity(Protocol):
    def similarity(self, a: list[str], b: list[str]) -> np.ndarray: ...


# ----------------------------------------------------------------------------- instruct
def score_instruct(data: dict, prediction: str, fmt: str) -> dict:
    """Format (1 if the answer parses) and args_em = (action match + exactly equal gold args) / (n_args + 1)."""
    template, gold = data["template"], data["ground_truth"]
    if fmt == "json":
        parsed, error = parse_json(prediction)  # upstream: fence strip only, no {..} slicing here
        if error is None:
            if not isinstance(parsed, dict):
                parsed, error = None, "answer is not a JSON object"
            else:
                missing = [template[k] for k in ("thought", "action", "args") if template[k] not in parsed]
                if missing:
                    parsed, error = None, f"missing key(s) {missing}"
                else:
                    args = parsed[template["args"]]
                    parsed = {"action": parsed[template["action"]], "args": args if isinstance(args, dict) else {}}
    else:
        parsed, error = parse_template_string(template, prediction)
    if parsed is None:
        return {"format": 0.0, "args_em": 0.0, "parse_error": error}
    gold_args = gold.get("args") or {}
    hits = float(parsed["action"] == gold["action"])
    hits += sum(1.0 for key, value in gold_args.items() if parsed["args"].get(key, "") == value)
    return {"format": 1.0, "args_em": hits / (len(gold_args) + 1), "parse_error": None}


# ----------------------------------------------------------------------------- plan
def _as_steps(items: object) -> list[dict] | None:
    """Coerce a parsed plan into [{id, name, args(str)}] sorted by id, or None if any step is malformed."""
    if not isinstance(items, list):
        return None
    steps = []
    for item in items:
        try:
            steps.append({"id": int(item["id"]), "name": str(item["name"]), "args": str(item["args"])})
        except (KeyError, TypeError, ValueError):
            return None
    return sorted(steps, key=lambda s: s["id"])


def gold_plan(data: dict) -> list[dict]:
    """The gold plan as steps (args rendered with `str`, as upstream compares them)."""
    steps = _as_steps(data["ground_truth"])
    if steps is None:
        raise ValueError("plan ground_truth must be a list of {id, name, args}")
    return steps


def parse_plan(data: dict, prediction: str, fmt: str) -> tuple[list[dict], str | None]:
    """Predicted plan steps. JSON: a list of {id, name, args}. String: one step per line or sentence,
    named by the earliest API of `meta.API_list` in it (the whole line stands as its args)."""
    if fmt == "json":
        parsed, error = parse_json(prediction, "[", "]")
        if error:
            return [], error
        steps = _as_steps(parsed)
        return (steps, None) if steps else ([], "not a non-empty list of {id, name, args}")
    api_list = data.get("meta", {}).get("API_list", [])
    steps = []
    for line in (prediction or "").replace(". ", "\n").split("\n"):
        best, best_at = "", None
        for api in api_list:
            at = line.find(api)
            if at != -1 and (best_at is None or at < best_at):
                best, best_at = api, at
        if best:
            steps.append({"id": len(steps), "name": best, "args": line})
    return steps, None if steps else "no API name from API_list in the output"


def plan_match(pred: list[dict], gold: list[dict], embedder: Similarity, lis_quirk: bool = False,
               threshold: float = PLAN_THRESHOLD) -> tuple[float, float, float]:
    """P, R, F1 of a predicted plan: weighted name/args similarity, bipartite matching, LIS.

    A trailing FinishAction is dropped on both sides. Only matched steps count; `lis_quirk` starts the LIS
    at 1 as upstream does (paper scoring, see paper.py, has its own implementation).
    """
    pred = pred[:-1] if pred and pred[-1]["name"] == FINISH else pred
    gold = gold[:-1] if gold and gold[-1]["name"] == FINISH else gold
    if not pred or not gold:
        return 0.0, 0.0, 0.0
    names = embedder.similarity([s["name"] for s in pred], [s["name"] for s in gold])
    args = embedder.similarity([s["args"] for s in pred], [s["args"] for s in gold])
    sim = PLAN_NAME_WEIGHT * np.asarray(names) + PLAN_ARGS_WEIGHT * np.asarray(args)
    mapping = max_weight_matching(sim, threshold)
    hits = lis_length([mapping[i] for i in sorted(mapping)])
    if lis_quirk:
        hits = max(hits, 1)
    return precision_recall_f1(hits, len(pred), len(gold))


def score_plan(data: dict, prediction: str, fmt: str, embedder: Similarity, lis_quirk: bool = False) -> dict:
    """Plan precision / recall / F1 against the gold plan."""
    pred, error = parse_plan(data, prediction, fmt)
    if error:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "n_pred": 0, "parse_error": error}
    if len(pred) == 1 and pred[0]["name"] == FINISH:
        error = "plan holds only FinishAction"
    try:
        gold = gold_plan(data)
    except ValueError as err:  # a malformed gold step scores 0 rather than stopping the run
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "n_pred": len(pred), "parse_error": str(err)}
    p, r, f1 = plan_match(pred, gold, embedder, lis_quirk)
    return {"precision": p, "recall": r, "f1": f1, "n_pred": len(pred), "parse_error": error}


# ----------------------------------------------------------------------------- reason / retrieve / understand
def _cosine(embedder: Similarity, a: str, b: str) -> float:
    return float(np.clip(np.asarray(embedder.similarity([a], [b]))[0, 0], 0.0, 1.0))


def _args_fraction(pred_args: dict, gold_args: dict) -> float:
    """Fraction of gold keys whose predicted value is equal as a string (empty gold: 1 iff pred empty)."""
    if not gold_args:
        return float(not pred_args)
    hits = sum(1 for k, v in gold_args.items() if k in pred_args and str(pred_args[k]) == str(v))
    return hits / len(gold_args)


def retrieve_hit(text: str, gold_name: str) -> bool:
    """Gold tool name present and no other `A.b` tool name (or FinishAction) mentioned."""
    if gold_name not in text:
        return False
    return all(name == gold_name for name in _TOOL_NAME.findall(text) + re.findall(FINISH, text))


def score_rru(data: dict, prediction: str, fmt: str, ability: str, embedder: Similarity | None) -> dict:
    """Reason/retrieve/understand. JSON records score all three fields from one answer; string files
    score only their own ability: reason -> `thought`, retrieve -> `name`, understand -> `args`."""
    gold = data["ground_truth"]
    text = (prediction or "").strip()
    if fmt == "json":
        parsed, error = parse_json(prediction, "{", "}")
        if error is None and not isinstance(parsed, dict):
            error = "answer is not a JSON object"
        if error:
            return {"thought": 0.0, "name": 0.0, "args": 0.0, "parse_error": error}
        thought = str(parsed.get("thought", ""))
        pred_args = parsed.get("args") if isinstance(parsed.get("args"), dict) else {}
        gold_args = gold.get("args") if isinstance(gold.get("args"), dict) else {}
        return {
            "thought": _cosine(embedder, thought, str(gold.get("thought", ""))),
            "name": float(str(parsed.get("name", "")) == str(gold.get("name", ""))),
            "args": _args_fraction(pred_args, gold_args),
            "parse_error": None,
        }
    if not text:
        return {{"reason": "thought", "retrieve": "name", "understand": "args"}[ability]: 0.0, "parse_error": "empty output"}
    if ability == "reason":
        return {"thought": _cosine(embedder, text, str(gold.get("thought", ""))), "parse_error": None}
    if ability == "retrieve":
        return {"name": float(retrieve_hit(text, str(gold.get("name", "")))), "parse_error": None}
    if ability == "understand":
        return {"args": float(text.strip("'").strip('"') == str(gold.get("args", ""))), "parse_error": None}
    raise ValueError(f"unknown ability {ability!r}")


# ----------------------------------------------------------------------------- review
def score_review(data: dict, prediction: str, fmt: str) -> dict:
    """String: the first letter after the first ':' (A-E) against the gold choice. JSON: `is_finished`."""
    gold = data["ground_truth"]["answer"]
    if fmt == "json":
        parsed, error = parse_json(prediction)
        if error is None and not (isinstance(parsed, dict) and isinstance(parsed.get("is_finished"), bool)):
            error = "no boolean 'is_finished'"
        if error:
            return {"correct": 0.0, "parse_error": error}
        gold_finished = gold.get("is_finished") if isinstance(gold, dict) else gold
        return {"correct": float(parsed["is_finished"] == gold_finished), "parse_error": None}
    text = prediction or ""
    choice = text[text.find(":") + 1 :].strip()
    if not choice or choice[0] not in "ABCDE":
        return {"correct": 0.0, "parse_error": "no choice letter A-E after ':'"}
    return {"correct": float(choice[0] == gold), "parse_error": None}
