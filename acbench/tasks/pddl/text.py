"""Lenient reading of PDDL domain files that the strict `pddl` parser refuses for their layout only.

    text, changes = lenient_domain(Path("tyreworld/domain.pddl").read_text())
    # changes == ["declared :typing (the domain uses types)", "moved :constants before :predicates"]

AgentBoard's parser (pddlgym's) reads sections in any order and does not ask for requirements; the PyPI `pddl`
parser wants PDDL's order (requirements, types, constants, predicates, functions, then actions) and a
`:typing` requirement wherever types are used. AgentBoard's tyreworld domain has neither, so on a refusal the
domain is re-read with its top-level sections put in that order and `:typing` declared when `:types` is there.
Nothing about the semantics changes: our STRIPS compiler still refuses every construct it does not implement.
"""

from __future__ import annotations

import re

# PDDL's order of the sections before the actions; anything else (actions, derived predicates) keeps its place after
ORDER = ("domain", ":requirements", ":types", ":constants", ":predicates", ":functions")
_COMMENT = re.compile(r";[^\n]*")
_DEFINE = re.compile(r"\s*\(\s*define\b", re.IGNORECASE)


def top_sections(body: str) -> list[str]:
    """The balanced top-level `( ... )` groups of `body`, in order (comments already removed)."""
    groups, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch == "(":
            if depth == 0:
                start = i
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ValueError("unbalanced parentheses (a ')' without its '(')")
            if depth == 0:
                groups.append(body[start:i + 1])
    if depth:
        raise ValueError("unbalanced parentheses (a '(' is never closed)")
    return groups


def _head(section: str) -> str:
    match = re.match(r"\(\s*([^\s()]+)", section)
    return match.group(1).lower() if match else ""


def lenient_domain(text: str) -> tuple[str, list[str]]:
    """The domain text with its sections in PDDL's order and `:typing` declared if types are used; what changed.

    Raises:
        ValueError: the text is not a `(define ...)` with balanced parentheses.
    """
    text = _COMMENT.sub("", text)
    match = _DEFINE.match(text)
    end = text.rstrip().rfind(")")
    if not match or end < match.end():
        raise ValueError("not a PDDL domain: it does not start with (define")
    sections = top_sections(text[match.end():end])
    heads = [_head(s) for s in sections]
    rank = {h: i for i, h in enumerate(ORDER)}
    ordered = sorted(sections, key=lambda s: rank.get(_head(s), len(ORDER)))  # stable: actions keep their order
    changes = []
    if ordered != sections:
        changes.append("put the sections in PDDL's order (" + ", ".join(h for h in ORDER[1:] if h in heads) + ")")
    if ":types" in heads:
        reqs = [i for i, s in enumerate(ordered) if _head(s) == ":requirements"]
        if not reqs:
            ordered.insert(1, "(:requirements :strips :typing)")
            changes.append("declared :typing (the domain uses types and declares no requirements)")
        elif ":typing" not in ordered[reqs[0]].lower():
            ordered[reqs[0]] = ordered[reqs[0]][:-1].rstrip() + " :typing)"
            changes.append("declared :typing (the domain uses types)")
    return "(define " + "\n".join(ordered) + ")", changes
