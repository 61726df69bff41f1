"""Two fixed halves of a task's items: a sweep selects on one and confirms its winner on the other.

    keep = split_ids("teval", ids, "select")     # the ids of the selection half (`confirm`: the rest)

Choosing the best of many configurations on the same items that then report its score is biased upward (the
winner's curse: the winner is partly the one whose items happened to go well). The halves are fixed by a hash
of the task's name and the item's id, so every trial of a sweep sees the same selection items and the
confirmation run sees only the others. Items are ranked by that hash and the first ceil(n / 2) are `select`:
the halves differ in size by at most one item.
"""

from __future__ import annotations

import hashlib
import math

from acbench.errors import ConfigError

SPLITS = ("all", "select", "confirm")


def _rank(task: str, item_id: str) -> str:
    return hashlib.sha256(f"{task}\x00{item_id}".encode()).hexdigest()


def split_ids(task: str, ids: list[str], split: str) -> list[str]:
    """The ids of `split` (`all`, `select` or `confirm`), in their original order."""
    if split not in SPLITS:
        raise ConfigError(f"split must be one of {list(SPLITS)}, got {split!r}")
    if split == "all":
        return list(ids)
    if len(ids) < 2:
        raise ConfigError(f"task '{task}' has {len(ids)} item(s): too few to split into a selection and a "
                          "confirmation half (raise the limit or use split=all)")
    ranked = sorted(ids, key=lambda i: _rank(task, i))
    cut = math.ceil(len(ids) / 2)
    chosen = set(ranked[:cut] if split == "select" else ranked[cut:])
    return [i for i in ids if i in chosen]
