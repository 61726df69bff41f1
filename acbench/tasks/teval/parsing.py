"""Parsers for T-Eval model outputs: the JSON chain and the string-template regex.

    parse_json('```json\n{"a": 1}\n```', "{", "}")   # -> {"a": 1}
    parse_template_string(template, "Thought: ...\nAction: X\nAction Input: {...}")

Both return `(value, error)`: `error` is None on success or a short reason string; they never raise.
"""

from __future__ import annotations

import ast
import json
import re

from acbench.tasks.teval.template_match import first_match

_FENCE = "```json"
_NAME = re.compile(r"(?<![\w.])[A-Za-z_]\w*")  # an identifier that is not part of a number or attribute
_LITERAL_NAMES = ("True", "False", "None", "set")


def surely_not_literal(text: str) -> bool:
    """True only if `ast.literal_eval(text)` must fail: no string or comment can hide a name, and a bare
    name other than True/False/None/set occurs. Spares parsing 1 MB of prose (0.5 s) just to fail."""
    if "'" in text or '"' in text or "#" in text:
        return False
    return any(m.group() not in _LITERAL_NAMES for m in _NAME.finditer(text))


def literal_eval(text: str) -> object:
    """`ast.literal_eval`, failing fast (ValueError) where it surely fails."""
    if surely_not_literal(text):
        raise ValueError("not a Python literal")
    return ast.literal_eval(text)


def parse_json(text: str, start: str = "", end: str = "") -> tuple[object, str | None]:
    """Parse a JSON-ish answer the way T-Eval does.

    Steps: drop everything up to a ```json fence (and trailing backticks); if `start`/`end` are given,
    keep the span from the first `start` to the last `end`; then try `ast.literal_eval`, `json.loads`,
    and `json.loads` with single quotes replaced by double quotes.

    Args:
        text: the model output.
        start: opening character to slice from ("{" or "["), or "" for no slicing.
        end: closing character to slice to ("}" or "]"), or "" for no slicing.

    Returns:
        (parsed value, None) or (None, reason).
    """
    if not isinstance(text, str):
        return text, None
    raw = text
    if _FENCE in raw:
        raw = raw[raw.find(_FENCE) + len(_FENCE) :].strip("`")
    if start:
        i = raw.find(start)
        if i == -1:
            return None, f"no '{start}' in output"
        raw = raw[i:]
    if end:
        j = raw.rfind(end)
        if j == -1:
            return None, f"no '{end}' in output"
        raw = raw[: j + len(end)]
    try:
        return literal_eval(raw.strip()), None
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    for candidate in (raw, raw.replace("'", '"')):
        try:
            return json.loads(candidate), None
        except (ValueError, RecursionError):
            continue
    return None, "not valid JSON or Python literal"


def template_regex(template: dict) -> re.Pattern:
    """The regex of a string-format instruct template: markers around three greedy `(.*)` groups.

    Upstream inserts the markers into the regex unescaped; we escape them, which only differs for
    markers that contain regex metacharacters (documented in the README).
    """
    parts = []
    for field in ("thought", "action", "args"):
        parts += [re.escape(template[f"{field}_start"]), "(.*)", re.escape(template[f"{field}_end"])]
    return re.compile("".join(parts), re.S)


def parse_template_string(template: dict, text: str) -> tuple[dict | None, str | None]:
    """Parse a string-format instruct answer into `{thought, action, args}`.

    The first match of the template regex counts. `args` goes through `ast.literal_eval`; a value that
    is not a dict becomes `{}` but the answer still counts as well-formatted (as upstream).

    Returns:
        (parsed dict, None) or (None, reason).
    """
    try:
        pattern = template_regex(template)
    except (KeyError, TypeError):
        return None, "template lacks start/end markers"
    found = first_match(pattern.pattern, text or "")  # linear time; re.findall backtracks cubically
    if found is None:
        return None, "output does not follow the template markers"
    thought, action, args_text = found
    try:
        args = literal_eval(args_text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        args = {}
    return {"thought": thought, "action": action.strip(), "args": args if isinstance(args, dict) else {}}, None
