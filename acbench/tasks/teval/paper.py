"""Paper scoring: T-Eval's upstream evaluators rule by rule, quirks included (specs/paper-scoring.md §5).

    fields = paper_instruct(record, prediction)                 # {"format", "args_em", "paper_reason"}
    fields = paper_plan(record, prediction, "plan_json", embedder)   # {"precision", "recall", "f1", ...}
    fields = paper_rru(record, prediction, "reason_str", embedder)
    fields = paper_review(record, prediction)                   # {"correct", "paper_reason"}

Written from the behaviour of open-compass/T-Eval 58f2240 (`teval/evaluators/*`, `teval/utils/*`), not
copied. Where upstream raises, the item scores 0 and `paper_reason` names why; nothing here raises on
model output. `embedder` has `upstream_similarity(a, b)` (two encode calls, `util.cos_sim`, clamped at 0,
as upstream computes it) or, in tests, just `similarity(a, b)`.
"""

from __future__ import annotations

import ast
import json
import re

import numpy as np

from acbench.scoring.matching import lis_length, upstream_matching
from acbench.tasks.teval.parsing import literal_eval
from acbench.tasks.teval.template_match import first_match, upstream_pattern

FINISH = "FinishAction"
NAME_WEIGHT, ARGS_WEIGHT, THRESHOLD = 0.75, 0.25, 0.8
_DOT_NAME = re.compile(r"\w+\.\w+")
# The --prompt_type each upstream run of a string/JSON file used (test_all_en.sh), and its eval type.
RRU_RUN = {"reason_str": ("str", "reason"), "retrieve_str": ("str", "retrieve"),
           "understand_str": ("str", "understand"), "reason_retrieve_understand_json": ("json", "rru")}


class UpstreamCrash(Exception):
    """Upstream would raise here; the message is the item's `paper_reason`."""


def format_load(raw: object, start: str = "", end: str = "") -> object:
    """T-Eval's `format_load`: fence cut, optional slicing, literal_eval / json / json with ' -> ".

    Unlike the strict parser, nothing is stripped and `find` of a missing start character slices from -1,
    as upstream's does. Raises ValueError when nothing parses.
    """
    if not isinstance(raw, str):
        return raw
    if "```json" in raw:
        raw = raw[raw.find("```json") + len("```json"):].strip("`")
    if start:
        raw = raw[raw.find(start):]
    if end:
        raw = raw[: raw.rfind(end) + len(end)]
    for attempt in (literal_eval, json.loads, lambda s: json.loads(s.replace("'", '"'))):
        try:
            return attempt(raw)
        except Exception:  # upstream catches everything here (SyntaxError, MemoryError, RecursionError...)
            continue
    raise ValueError("Cannot parse raw data")


def _similarity(embedder, a: list[str], b: list[str]) -> np.ndarray:
    """Clamped cosine matrix computed the upstream way (float32 where the real model gives float32)."""
    if hasattr(embedder, "upstream_similarity"):
        sim = np.asarray(embedder.upstream_similarity(a, b))
        # The shared Embedder widens upstream's float32 cosines to float64; T-Eval weights and sums them
        # while still float32 (numpy >= 2), so narrow them back (lossless) before doing the same.
        return sim.astype(np.float32) if type(embedder).__name__ == "Embedder" else sim
    return np.asarray(embedder.similarity(a, b))


def _response_format(data: dict) -> object:
    """`meta_data['response_format']`, which instruct and review read unguarded."""
    try:
        return data["meta_data"]["response_format"]
    except (KeyError, TypeError) as err:
        raise UpstreamCrash("no_response_format") from err


# ----------------------------------------------------------------------------- instruct
def _args_em(gold: dict, action: object, args: dict) -> float:
    gold_args = gold["args"]
    hits = float(gold["action"] == action)
    hits += sum(1.0 for key in gold_args if args.get(key, "") == gold_args[key])
    return hits / (len(gold_args) + 1)


def _string_parse(template: dict, text: str) -> dict | None:
    """Upstream's string_format_parse: first regex hit -> fields; args via literal_eval (failure -> {})."""
    keys, pattern = upstream_pattern(template)
    values = first_match(pattern, text)
    if values is None:
        return None
    res: dict = {}
    for key, value in zip(keys, values):  # a repeated field name collects a list, as upstream's does
        if key not in res:
            res[key] = value
        elif isinstance(res[key], list):
            res[key].append(value)
        else:
            res[key] = [res[key], value]
    try:
        args = literal_eval(res["args"].strip())
        res["args"] = args if isinstance(args, dict) else {}
        res["action"] = res["action"].strip()
        return res
    except Exception:  # upstream's bare except, whose own body may raise again
        return {"thought": res["thought"], "action": res["action"].strip(), "args": {}}


def paper_instruct(data: dict, prediction: str) -> dict:
    """format (1 iff parsed) and args_em = ([action ==] + #gold args with == value) / (#gold args + 1)."""
    template, gold = data["template"], data["ground_truth"]
    try:
        is_json = _response_format(data) == "json"
        if is_json:
            try:
                loaded = format_load(prediction)  # no {...} slicing for instruct
                parsed = {"action": loaded[template["action"]], "thought": loaded[template["thought"]]}
                args = loaded[template["args"]]
                parsed["args"] = args if isinstance(args, dict) else {}
            except Exception:
                parsed = None
        else:
            try:
                parsed = _string_parse(template, prediction)
            except re.error as err:
                raise UpstreamCrash("template_regex_error") from err
            except Exception as err:
                raise UpstreamCrash("template_parse_crash") from err
        if parsed is None:
            return {"format": 0.0, "args_em": 0.0, "paper_reason": None}
        try:
            return {"format": 1.0, "args_em": _args_em(gold, parsed["action"], parsed["args"]), "paper_reason": None}
        except Exception as err:
            raise UpstreamCrash("args_em_crash") from err
    except UpstreamCrash as crash:
        return {"format": 0.0, "args_em": 0.0, "paper_reason": str(crash)}


# ----------------------------------------------------------------------------- plan
def _plan_steps(value: object) -> list[dict]:
    """Upstream's plan `format_load`: a list of {name: str, id: int, args: str}, else []."""
    try:
        steps = format_load(value, "[", "]")
    except Exception:
        return []
    if type(steps) is not list:
        return []
    try:
        return [{"name": str(s["name"]), "id": int(s["id"]), "args": str(s["args"])} for s in steps]
    except Exception:
        return []


def _string_plan(data: dict, prediction: str) -> list[dict]:
    """String plans: split on '. ' and newlines; a piece is a step named by its earliest API_list entry."""
    try:
        api_list = data["meta"]["API_list"]
    except (KeyError, TypeError) as err:
        raise UpstreamCrash("no_api_list") from err
    steps = []
    for piece in prediction.replace(". ", "\n").split("\n"):
        best, best_at = "", 1e9
        for api in api_list:
            at = piece.find(api)
            if at != -1 and at < best_at:
                best, best_at = api, at
        if best != "":
            steps.append({"id": len(steps), "name": best, "args": piece})
    return steps


def plan_scores(pred: list[dict], gold: list[dict], embedder) -> tuple[float, float, float]:
    """Upstream's bertscore_match: P, R, F1 (raises UpstreamCrash where upstream fails)."""
    if not pred or not gold:
        return 0.0, 0.0, 0.0
    pred = sorted(pred, key=lambda s: s["id"])
    gold = sorted(gold, key=lambda s: s["id"])
    pred = pred[:-1] if pred[-1]["name"] == FINISH else pred
    gold = gold[:-1] if gold[-1]["name"] == FINISH else gold
    if not pred:
        raise UpstreamCrash("plan_only_finish")  # max() of an empty dp array
    if not gold:
        raise UpstreamCrash("gold_only_finish")  # encode([]) then a division by len(gold) = 0
    names = _similarity(embedder, [s["name"] for s in pred], [s["name"] for s in gold])
    args = _similarity(embedder, [str(s["args"]) for s in pred], [str(s["args"]) for s in gold])
    sim = (names * NAME_WEIGHT + args * ARGS_WEIGHT).astype(np.float64)
    mapping = upstream_matching(sim, THRESHOLD)
    # Upstream's O(n^2) dp starts every step at 1 and chains matched steps only: max(1, LIS of matches).
    hits = max(1, lis_length([mapping[i] for i in range(len(pred)) if i in mapping]))
    recall, precision = hits / len(gold), hits / len(pred)
    return precision, recall, 2 * recall * precision / (recall + precision)


def paper_plan(data: dict, prediction: str, kind: str, embedder) -> dict:
    """Plan P/R/F1 of an item of file `kind` (plan_json / plan_str), by its `meta.prompt_type`."""
    default = "str" if kind == "plan_str" else "json"  # the run's --prompt_type
    try:
        try:
            prompt_type = data["meta"].get("prompt_type", default) if "meta" in data else default
        except AttributeError as err:
            raise UpstreamCrash("bad_meta") from err
        gold = _plan_steps(data["ground_truth"])
        if prompt_type == "json":
            pred = _plan_steps(prediction)
        elif prompt_type == "str":
            pred = _string_plan(data, prediction)
        else:
            raise UpstreamCrash("unknown_prompt_type")
        p, r, f1 = plan_scores(pred, gold, embedder)
        return {"precision": p, "recall": r, "f1": f1, "paper_reason": None}
    except UpstreamCrash as crash:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "paper_reason": str(crash)}


# ----------------------------------------------------------------------------- reason / retrieve / understand
def _rru_fields(value: object, run_type: str) -> dict:
    """Upstream's RRU `format_load`: {thought, name, args} with str thought/name; {} if unparseable."""
    try:
        loaded = format_load(value, "{", "}")
    except Exception:
        return {}
    if type(loaded) is not dict:
        return {}
    out = {"thought": str(loaded["thought"]) if "thought" in loaded else "",
           "name": str(loaded["name"]) if "name" in loaded else ""}
    if run_type == "json":
        out["args"] = loaded["args"] if isinstance(loaded.get("args"), dict) else {}
    else:
        out["args"] = str(loaded["args"]) if "args" in loaded else ""
    return out


def paper_rru(data: dict, prediction: str, kind: str, embedder) -> dict:
    """Reason (`thought`), retrieve (`name`), understand (`args`) as the upstream run of `kind` scores them.

    The JSON file yields all three fields; a string file only its own.
    """
    run_type, eval_type = RRU_RUN[kind]
    keys = ("thought", "name", "args") if run_type == "json" else (
        {"reason": "thought", "retrieve": "name", "understand": "args"}[eval_type],)
    scores = {k: 0.0 for k in keys}
    meta = data.get("meta_data") if "meta_data" in data else None
    prompt_type = meta.get("response_format", run_type) if isinstance(meta, dict) else run_type
    gold = _rru_fields(data["ground_truth"], run_type)
    if prompt_type == "json":
        pred = _rru_fields(prediction, run_type)
        if not pred or not gold:
            pred = {}
    elif prompt_type == "str":
        pred = {{"reason": "thought", "retrieve": "name", "understand": "args"}[eval_type]: prediction} \
            if eval_type != "rru" else {}
    else:
        return {**scores, "paper_reason": "unknown_response_format"}
    if "thought" in pred and "thought" in gold and "thought" in scores:
        scores["thought"] = float(_similarity(embedder, [pred["thought"]], [gold["thought"]])[0, 0])
    if "name" in pred and "name" in gold and "name" in scores:
        if run_type == "json":
            scores["name"] = float(pred["name"] == gold["name"])
        else:
            found = _DOT_NAME.findall(pred["name"]) + re.findall(FINISH, pred["name"])
            scores["name"] = float(gold["name"] in pred["name"] and all(n == gold["name"] for n in found))
    if "args" in pred and "args" in gold and "args" in scores:
        scores["args"] = _rru_args(pred["args"], gold["args"])
    return {**scores, "paper_reason": None}


def _rru_args(pred: object, gold: object) -> float:
    if isinstance(gold, dict):
        if not gold:
            return float(len(pred) == 0)
        hits = sum(1 for k in gold if k in pred and str(pred[k]) == str(gold[k]))
        return hits / (len(gold) + 1e-5)
    if isinstance(pred, dict):  # a JSON answer in a string run: upstream's str.strip on a dict fails
        raise UpstreamCrash("args_type_mismatch")
    return float(gold == pred.strip("'").strip('"'))


# ----------------------------------------------------------------------------- review
def paper_review(data: dict, prediction: str) -> dict:
    """String: first character after the first ':' (A-E) == gold. JSON: {'review': ...} == gold, never."""
    gold = data["ground_truth"]["answer"]
    try:
        is_json = _response_format(data) == "json"
    except UpstreamCrash as crash:
        return {"correct": 0.0, "paper_reason": str(crash)}
    if is_json:
        try:
            loaded = format_load(prediction)
            pred = {"review": loaded["is_finished"]}
            pred = pred if pred["review"] in [True, False] else None
        except Exception:
            pred = None
    else:
        text = prediction[prediction.find(":") + 1:].strip()
        pred = text[0] if text and text[0] in "ABCDE" else None
    return {"correct": float(pred is not None and pred == gold), "paper_reason": None}
