"""Render a DataFrame as a Markdown (GitHub pipe) table or a standalone HTML page, without extra packages.

    print(to_markdown(frame))
    Path("table.html").write_text(to_html_page({"Comparison": frame}, title="ACBench report"))
"""

from __future__ import annotations

import html
import math

import pandas as pd


def cell(value) -> str:
    """A table cell: blanks for missing values, 3 decimals for floats, text otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def to_markdown(frame: pd.DataFrame) -> str:
    """A pipe table; columns whose cells are all numbers are right-aligned."""
    if frame.empty:
        return "(no rows)\n"
    headers = [str(c) for c in frame.columns]
    rows = [[cell(v).replace("|", "\\|") for v in row] for row in frame.itertuples(index=False)]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    numeric = [all(_is_number(r[i]) for r in rows if r[i]) for i in range(len(headers))]

    def line(values):
        return "| " + " | ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if num else ("-" * (w + 2)) for w, num in zip(widths, numeric)) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)]) + "\n"


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("%"))
        return True
    except ValueError:
        return False


def to_html_page(tables: dict[str, pd.DataFrame], title: str, images: list[str] | None = None, note: str = "") -> str:
    """One HTML page: a heading and a table per entry, then the images (paths relative to the page)."""
    style = ("body{font-family:sans-serif;margin:2em} table{border-collapse:collapse;margin-bottom:2em} "
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right} th{background:#f3f3f3} "
             "td:first-child,th:first-child{text-align:left} img{max-width:48%;margin:1%}")
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>"]
    if note:
        parts.append(f"<p>{html.escape(note)}</p>")
    for heading, frame in tables.items():
        parts.append(f"<h2>{html.escape(heading)}</h2><table><tr>"
                     + "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns) + "</tr>")
        for row in frame.itertuples(index=False):
            parts.append("<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>")
        parts.append("</table>")
    for image in images or []:
        parts.append(f"<img src='{html.escape(image)}' alt='{html.escape(image)}'>")
    parts.append("</body></html>")
    return "\n".join(parts)
