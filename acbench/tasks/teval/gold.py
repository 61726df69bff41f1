"""T-Eval's gold answers written as each file's prompt asks the model to answer (for acbench/likelihood/).

    gold_reference("plan_json", "json", record["ground_truth"])   # '[{"id": 0, "name": ..., "args": {...}}, ...]'

The rendering follows the built-in suite's prompts (data/build_suite.py): JSON where the prompt asks for JSON,
`Action:` / `Action Input:` lines and Python dict literals where it asks for those. Gaps, said once here:
instruct's gold has no thought, so its reference is the answer without one (name and arguments only); a plan's
string steps carry no purpose, so a step is `N. Call <tool> with <args>`. A gold missing a needed field has no
reference (None), and that item is left out of the gold likelihood.
"""

from __future__ import annotations

import json


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def gold_reference(kind: str, fmt: str, gold) -> str | None:
    """The reference answer of one T-Eval item, or None where its gold lacks what the answer needs."""
    try:
        if kind == "instruct":
            name, args = gold["action"], gold.get("args", {})
            return _json({"name": name, "args": args}) if fmt == "json" else f"Action: {name}\nAction Input: {args!r}"
        if kind.startswith("plan"):
            steps = [(step["name"], step.get("args", {})) for step in gold]
            if kind == "plan_json":
                return _json([{"id": k, "name": n, "args": a} for k, (n, a) in enumerate(steps)])
            return "\n".join(f"{k + 1}. Call {n} with {a!r}" for k, (n, a) in enumerate(steps))
        if kind == "reason_retrieve_understand_json":
            return _json({"thought": gold["thought"], "name": gold["name"], "args": gold.get("args", {})})
        if kind == "reason_str":
            return str(gold["thought"])
        if kind == "retrieve_str":
            return str(gold["name"])
        if kind == "understand_str":
            return repr(gold.get("args", {}))
        if kind == "review_str":
            return f"Answer: {gold['answer']}"
    except (KeyError, TypeError, AttributeError):
        return None
    return None
