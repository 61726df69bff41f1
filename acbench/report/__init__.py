"""Reports from tracked runs: paper-style comparison tables, a same-memory-budget view, figures, promotion.

    acbench report --experiment acbench --format markdown --format html --promote

    from acbench.report import build_report
    report = build_report(["acbench"]); print(report.markdown)

`tables.py` turns runs into tables, `figures.py` draws them, `format.py` renders Markdown/HTML,
`build.py` assembles and writes a report, `promote.py` moves `best-<method>` registry aliases.
"""

from acbench.report.cli import add_report_parser

__all__ = ["add_report_parser", "build_report", "write_report", "promote_best"]


def __getattr__(name: str):
    # pandas/matplotlib load only when a report is built, so `acbench --help` stays fast.
    if name in ("build_report", "write_report"):
        from acbench.report import build

        return getattr(build, name)
    if name == "promote_best":
        from acbench.report.promote import promote_best

        return promote_best
    raise AttributeError(name)
