"""What flipped under compression: per task, the items whose outcome changed between the base and the
compressed model, and the largest score drops, with the paired statistics beside.

    pairs = paired_items("needle", base_result, comp_result)
    flip_counts(pairs)      # {"pass->fail": 2, "fail->pass": 0, "pass": 5, "fail": 9}
    acbench diff <run_id>   # the same tables in a terminal, read back from the run's `flips/` artifacts

An item's value is its share of the task's headline on the common 0-100 scale (`TaskResult.items`), so one
rule serves every task: an item *passes* when it reaches the full 100 (a correct answer, a solved episode),
and a flip is a change of that outcome. Items that moved without flipping (a lower ROUGE, less progress)
are ranked by their drop.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from acbench.metrics import SCALE
from acbench.tasks.base import TaskResult

PASS_AT = SCALE - 1e-9
OUTCOMES = ("pass->fail", "fail->pass", "pass", "fail")  # the flip matrix, in reading order
TOP = 20  # items listed per task beyond the flips


def passed(value: float) -> bool:
    return value >= PASS_AT


def flip_label(base: float, compressed: float) -> str:
    """`pass->fail`, `fail->pass`, or the outcome both models share (`pass` / `fail`)."""
    before, after = passed(base), passed(compressed)
    if before == after:
        return "pass" if before else "fail"
    return "pass->fail" if before else "fail->pass"


@dataclass
class PairedItem:
    """One item as both models did it: headline values (0-100), outputs and parse errors."""

    task: str
    id: str
    group: str
    base: float
    compressed: float
    base_prediction: str
    compressed_prediction: str
    base_parse_error: str
    compressed_parse_error: str

    @property
    def delta(self) -> float:
        return self.compressed - self.base

    @property
    def flip(self) -> str:
        return flip_label(self.base, self.compressed)

    def row(self) -> dict[str, Any]:
        return {**asdict(self), "delta": round(self.delta, 6), "flip": self.flip}


def _text(value: Any, limit: int = 2000) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + " ..."


def paired_items(task: str, base: TaskResult, compressed: TaskResult) -> list[PairedItem]:
    """The items both results scored (by id), in the base result's order."""
    comp = {i.id: i for i in compressed.items}
    base_records = {str(r["id"]): r for r in base.records}
    comp_records = {str(r["id"]): r for r in compressed.records}
    pairs = []
    for item in base.items:
        if item.id not in comp:
            continue
        b, c = base_records.get(item.id, {}), comp_records.get(item.id, {})
        pairs.append(PairedItem(task, item.id, item.group, float(item.value), float(comp[item.id].value),
                                _text(b.get("prediction")), _text(c.get("prediction")),
                                _text(b.get("parse_error")), _text(c.get("parse_error"))))
    return pairs


def from_row(row: dict[str, Any]) -> PairedItem:
    """A PairedItem back from its `row()` (the `flips/items.json` artifact)."""
    return PairedItem(**{f.name: row[f.name] for f in fields(PairedItem)})


def flip_counts(pairs: list[PairedItem]) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES, 0)
    for pair in pairs:
        counts[pair.flip] += 1
    return counts


def notable(pairs: list[PairedItem], top: int = TOP) -> list[PairedItem]:
    """Every flipped item (pass->fail first), then the `top` largest drops among the rest."""
    flipped = sorted((p for p in pairs if p.flip in ("pass->fail", "fail->pass")),
                     key=lambda p: (p.flip != "pass->fail", p.delta))
    dropped = sorted((p for p in pairs if p.flip in ("pass", "fail") and p.delta < 0), key=lambda p: p.delta)
    return flipped + dropped[:top]


def task_summary(task: str, pairs: list[PairedItem], stats_row: dict[str, Any] | None = None) -> dict[str, Any]:
    """One task's flip matrix, mean change and moved items, with its paired statistics row beside."""
    n = len(pairs)
    row: dict[str, Any] = {"task": task, "items": n, **flip_counts(pairs),
                           "changed": sum(1 for p in pairs if p.delta != 0),
                           "mean_delta": round(sum(p.delta for p in pairs) / n, 6) if n else None}
    for key, value in (stats_row or {}).items():
        if key not in row:
            row[f"stats.{key}"] = value
    return row


def flip_figure(pairs_by_task: dict[str, list[PairedItem]]):
    """Per task: base against compressed item values (points below the diagonal lost score under
    compression, red ones flipped from pass to fail), and the 2x2 flip matrix."""
    import matplotlib.pyplot as plt

    tasks = list(pairs_by_task)
    fig, axes = plt.subplots(len(tasks), 2, figsize=(8, 3.4 * max(len(tasks), 1)), squeeze=False)
    colours = {"pass->fail": "tab:red", "fail->pass": "tab:green", "pass": "tab:blue", "fail": "tab:gray"}
    for row, task in zip(axes, tasks):
        pairs = pairs_by_task[task]
        scatter, matrix = row
        for outcome in OUTCOMES:
            chosen = [p for p in pairs if p.flip == outcome]
            if chosen:
                scatter.scatter([p.base for p in chosen], [p.compressed for p in chosen], s=18, alpha=0.7,
                                color=colours[outcome], label=f"{outcome} ({len(chosen)})")
        scatter.plot([0, SCALE], [0, SCALE], color="black", linewidth=0.6)
        scatter.set(xlim=(-3, SCALE + 3), ylim=(-3, SCALE + 3), xlabel="base item (0-100)",
                    ylabel="compressed item (0-100)", title=f"{task}: {len(pairs)} items")
        if pairs:
            scatter.legend(fontsize=7, loc="upper left")
        counts = flip_counts(pairs)
        grid = [[counts["pass"], counts["pass->fail"]], [counts["fail->pass"], counts["fail"]]]
        matrix.imshow(grid, cmap="Blues")
        for i in range(2):
            for j in range(2):
                matrix.text(j, i, str(grid[i][j]), ha="center", va="center", fontsize=12)
        matrix.set_xticks([0, 1], ["compressed pass", "compressed fail"])
        matrix.set_yticks([0, 1], ["base pass", "base fail"])
        matrix.set_title(f"{task}: flip matrix")
    fig.tight_layout()
    return fig


def print_diff(summary: list[dict[str, Any]], items: list[dict[str, Any]], console=None, top: int = TOP) -> None:
    """The flip summary and each task's notable items as rich tables (what `acbench diff` prints)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    head = Table(title="What flipped under compression (item values on 0-100; pass = 100)")
    stats_keys = [k for k in ("stats.status", "stats.retention", "stats.retention_ci", "stats.p_holm")
                  if any(k in row for row in summary)]
    for column in ("task", "items", *OUTCOMES, "changed", "mean_delta", *stats_keys):
        head.add_column(column.removeprefix("stats."), justify="left" if column in ("task", "stats.status") else "right")
    for row in summary:
        head.add_row(*(_cell(row.get(c)) for c in ("task", "items", *OUTCOMES, "changed", "mean_delta", *stats_keys)))
    console.print(head)
    for row in summary:
        task = row["task"]
        chosen = notable([from_row(i) for i in items if i["task"] == task], top)
        if not chosen:
            console.print(f"{task}: no item lost score")
            continue
        table = Table(title=f"{task}: flipped items, then the largest drops")
        for column in ("item", "flip", "base", "compressed", "delta", "base output", "compressed output",
                       "compressed parse error"):
            table.add_column(column, overflow="fold")
        for p in chosen:
            table.add_row(p.id, p.flip, _cell(p.base), _cell(p.compressed), _cell(p.delta), _short(p.base_prediction),
                          _short(p.compressed_prediction), _short(p.compressed_parse_error))
        console.print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _short(text: Any, limit: int = 80) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
