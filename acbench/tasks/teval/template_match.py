"""Upstream T-Eval's string-template regex, matched in linear time (issue 16).

Upstream builds `thought_start + "(.*)" + thought_end + action_start + "(.*)" + ...` with the markers NOT
escaped and takes the first `re.findall(pattern, text, re.S)` hit. Python's backtracking engine needs
O(n^3) steps on outputs full of repeated markers (1.9 s at 8 KB, > 20 s at 32 KB).

    keys, pattern = upstream_pattern(template)          # as upstream builds them
    groups = first_match(pattern, text)                 # == re.findall(pattern, text, re.S)[0], or None

When the compiled pattern is `F0 (.*) F1 (.*) ... (.*) Fk` and every fragment F is a fixed sequence of
one-character matchers (literal, `.`, a class such as `[THOUGHT]`, `\\d`), greedy backtracking has a closed
form: with `last(F, hi)` the last occurrence of F ending by `hi`, p_k = last(Fk, n), p_j = last(Fj, p_{j+1})
for j = k-1..1, and the match starts at the first F0 ending by p_1; group j = text[end of F_{j-1} : p_j].
(The greedy group j takes the largest end at which the rest can still match, and the rest can match from
x iff x <= p_{j+1}.) Each search is a plain substring search or a fixed-length regex search, so O(n * |F|).

Other patterns (markers with alternation `|`, quantifiers, groups, anchors) are matched by Python's `re`
itself: exact, but without the linear-time guarantee. No known T-Eval template is of that kind.
"""

from __future__ import annotations

import re
from string import Formatter

try:  # the parser behind `re.compile`: the only way to see how Python reads an unescaped marker
    from re import _parser as _sre
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_parse as _sre  # type: ignore[no-redef]

from re import _constants as _c

_FIELDS = ("thought", "action", "args")
_CATEGORY = {_c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_NOT_DIGIT: r"\D", _c.CATEGORY_SPACE: r"\s",
             _c.CATEGORY_NOT_SPACE: r"\S", _c.CATEGORY_WORD: r"\w", _c.CATEGORY_NOT_WORD: r"\W"}
_ATOMS = (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN)


def upstream_pattern(template: dict) -> tuple[list[str], str]:
    """The field names and the regex source exactly as T-Eval's `parse_string` builds them.

    Raises whatever upstream raises on a malformed template (KeyError, TypeError, ValueError).
    """
    text = "".join(template[f"{f}_start"] + "{" + f + "}" + template[f"{f}_end"] for f in _FIELDS)
    keys = [field for _, field, _, _ in Formatter().parse(text) if field is not None]
    pattern = text
    for key in keys:
        pattern = pattern.replace("{" + key + "}", "(.*)")
    return keys, pattern


def _class_item(op, av) -> str | None:
    if op is _c.NEGATE:
        return "^"
    if op is _c.LITERAL:
        return re.escape(chr(av))
    if op is _c.RANGE:
        return re.escape(chr(av[0])) + "-" + re.escape(chr(av[1]))
    if op is _c.CATEGORY:
        return _CATEGORY.get(av)
    return None


def _atom_source(op, av) -> str | None:
    """Regex source for one single-character matcher of the parse tree (None: not one)."""
    if op is _c.LITERAL:
        return re.escape(chr(av))
    if op is _c.NOT_LITERAL:
        return "[^" + re.escape(chr(av)) + "]"
    if op is _c.ANY:
        return "."
    if op is _c.IN:
        parts = [_class_item(o, a) for o, a in av]
        return None if None in parts else "[" + "".join(parts) + "]"
    return None


class _Fragment:
    """A fixed-length run of one-character matchers, searchable forwards and backwards in O(n * len)."""

    def __init__(self, atoms: list, flags: int):
        self.size = len(atoms)
        literal = all(op is _c.LITERAL for op, _ in atoms) and not flags & re.I
        self.text = "".join(chr(av) for _, av in atoms) if literal else None
        sources = [_atom_source(op, av) for op, av in atoms]
        self.ok = None not in sources
        if self.ok and self.text is None:
            self.fwd = re.compile("".join(sources), flags)
            self.rev = re.compile("".join(reversed(sources)), flags)  # one-char atoms: reversal is exact

    def find(self, text: str, hi: int) -> int:
        """First start q >= 0 with the fragment inside text[0:hi]; -1 if none."""
        if self.text is not None:
            return text.find(self.text, 0, hi)
        m = self.fwd.search(text, 0, hi)
        return m.start() if m else -1

    def rfind(self, text: str, rev: str, hi: int) -> int:
        """Last start q with the fragment inside text[0:hi]; -1 if none (`rev` is text reversed)."""
        if self.text is not None:
            return text.rfind(self.text, 0, hi)
        n = len(text)
        m = self.rev.search(rev, n - hi, n)
        return n - m.start() - self.size if m else -1


def _linear_plan(pattern: str) -> list[_Fragment] | None:
    """Fragments F0..Fk if the pattern is `F0 (.*) F1 ... (.*) Fk` with one-character atoms, else None."""
    try:
        tree = _sre.parse(pattern, re.S)
    except re.error:
        return None
    flags = tree.state.flags & (re.I | re.S | re.A)
    if not flags & re.S:
        return None
    fragments, current, groups = [], [], 0
    for op, av in tree:
        if op in _ATOMS:
            current.append((op, av))
            continue
        if op is not _c.SUBPATTERN:
            return None
        group, add, remove, body = av
        body = list(body)
        if group != groups + 1 or add or remove or len(body) != 1 or body[0][0] is not _c.MAX_REPEAT:
            return None
        low, high, inner = body[0][1]
        if low != 0 or high != _c.MAXREPEAT or [op for op, _ in inner] != [_c.ANY]:
            return None
        groups += 1
        fragments.append(_Fragment(current, flags))
        current = []
    fragments.append(_Fragment(current, flags))
    if groups == 0 or not all(f.ok for f in fragments):
        return None
    return fragments


def _findall_first(compiled: re.Pattern, text: str):
    """`re.findall(...)[0]` (or None) via the first `search` hit, with findall's group conventions."""
    m = compiled.search(text)
    if m is None:
        return None
    if compiled.groups == 0:
        return m.group(0)
    if compiled.groups == 1:
        return m.group(1) or ""
    return m.groups(default="")


def first_match(pattern: str, text: str):
    """`re.findall(pattern, text, re.S)[0]`, or None without a match; raises re.error like upstream.

    Linear time for the `F0 (.*) F1 ... Fk` shape of every T-Eval template (see the module docstring).
    """
    compiled = re.compile(pattern, re.S)  # invalid patterns raise here, as upstream's findall does
    fragments = _linear_plan(pattern)
    if fragments is None:
        return _findall_first(compiled, text)
    n = len(text)
    rev = text[::-1] if any(f.text is None for f in fragments[1:]) else ""
    ends = [0] * len(fragments)  # ends[j] = start of fragment j in the match
    hi = n
    for j in range(len(fragments) - 1, 0, -1):
        q = fragments[j].rfind(text, rev, hi)
        if q < 0:
            return None
        ends[j], hi = q, q
    start = fragments[0].find(text, hi)
    if start < 0:
        return None
    ends[0] = start
    groups = tuple(text[ends[j - 1] + fragments[j - 1].size : ends[j]] for j in range(1, len(fragments)))
    return groups[0] if len(groups) == 1 else groups  # findall's convention for one group
