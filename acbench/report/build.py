"""Assemble a report (tables, figures, Markdown) from tracked runs and write it as markdown, CSV or HTML.

    report = build_report(["acbench"])
    write_report(report, Path("outputs/report"), ["markdown", "csv", "html"])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from acbench.report.figures import budget_scatter, retention_bars
from acbench.report.format import to_html_page, to_markdown
from acbench.report.stats_table import display_task_stats, task_stats_table
from acbench.report.tables import budget_table, collect_runs, comparison_table, display, legacy_runs

NOTE = ("Scores are each capability's mean task headline, every headline on 0-100 (T-Eval and LongBench as "
        "printed, WorfBench F1 and progress rates x 100, needle relative to what its correct reference answer scores; "
        "acbench/metrics.py); a row is the model a run evaluated, `setting` what it ran as (a compression, `KV4`, "
        "`vs <reference>`) and `compared_with` the other side; retention is (compressed - floor) / (original - "
        "floor) per task, averaged per capability over the tasks whose original model is above its floor; size "
        "is the size of the weights on disk (pruned checkpoints are stored dense). [lo, hi]: 95 % paired bootstrap "
        "interval over items; ±: standard deviation across calibration seeds; drops: tasks whose drop is "
        "significant after Holm's correction; note: too few items to detect a 10-point drop; how to read these: "
        "acbench/stats/README.md.")


@dataclass
class Report:
    """Runs behind the report, the comparison and memory-budget tables (numbers), and figures."""

    experiments: list[str]
    runs: pd.DataFrame
    table: pd.DataFrame
    budget: pd.DataFrame
    figures: dict = field(default_factory=dict)
    task_stats: pd.DataFrame = field(default_factory=pd.DataFrame)
    legacy: int = 0  # runs left out: logged by acbench 0.1 under metric names on mixed scales

    @property
    def legacy_note(self) -> str:
        if not self.legacy:
            return ""
        return (f"{self.legacy} finished run(s) logged by acbench 0.1 are not in these tables: their capability "
                "scores (`<capability>/score`) mix scales (T-Eval 0-100, WorfBench 0-1, needle 0-10) and cannot be "
                "compared with today's 0-100 headlines. Run their configurations again to include them.\n\n")

    @property
    def markdown(self) -> str:
        text = (f"## Comparison ({', '.join(self.experiments)})\n\n{to_markdown(display(self.table))}\n"
                f"## Same memory budget (smallest first)\n\n{to_markdown(display(self.budget))}\n")
        if len(self.task_stats):
            text += f"## Per-task statistics\n\n{to_markdown(display_task_stats(self.task_stats))}\n"
        return text + self.legacy_note + f"{NOTE}\n"

    def sections(self) -> dict[str, pd.DataFrame]:
        """The displayed tables by heading (HTML page)."""
        out = {"Comparison": display(self.table), "Same memory budget (smallest first)": display(self.budget)}
        if len(self.task_stats):
            out["Per-task statistics"] = display_task_stats(self.task_stats)
        return out

    def table_json(self) -> pd.DataFrame:
        return _jsonable(self.table)

    def budget_json(self) -> pd.DataFrame:
        return _jsonable(self.budget)


def _jsonable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), None)


def build_report(experiments: list[str], runs: pd.DataFrame | None = None) -> Report:
    """Query the runs (unless given) and build tables and figures."""
    runs = collect_runs(experiments) if runs is None else runs
    legacy = legacy_runs(runs)
    runs = runs[~legacy]
    table = comparison_table(runs)
    budget = budget_table(table)
    figures = {}
    if len(table):
        figures["retention_by_capability.png"] = retention_bars(table)
        figures["score_vs_size.png"] = budget_scatter(budget)
    return Report(list(experiments), runs, table, budget, figures, task_stats_table(runs), int(legacy.sum()))


def write_report(report: Report, out: Path, formats: list[str]) -> list[Path]:
    """Write the tables in each format and the figures as PNG; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, figure in report.figures.items():
        path = out / "figures" / name
        path.parent.mkdir(exist_ok=True)
        figure.savefig(path, dpi=120)
        written.append(path)
    for fmt in dict.fromkeys(formats):
        if fmt == "markdown":
            path = out / "comparison.md"
            path.write_text(report.markdown)
            written.append(path)
        elif fmt == "csv":
            for name, frame in (("comparison", report.table), ("memory_budget", report.budget),
                                ("task_stats", report.task_stats)):
                if name == "task_stats" and not len(frame):
                    continue
                path = out / f"{name}.csv"
                frame.to_csv(path, index=False)
                written.append(path)
        elif fmt == "html":
            path = out / "comparison.html"
            path.write_text(to_html_page(report.sections(), title=f"ACBench report: {', '.join(report.experiments)}",
                                         images=[f"figures/{n}" for n in report.figures], note=NOTE))
            written.append(path)
        else:
            raise ValueError(f"unknown report format '{fmt}': use one of markdown, csv, html")
    return written
