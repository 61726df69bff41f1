"""Texts the MLflow UI shows: a run's description and a registered version's model card (Markdown).

    tracking.set_description(run_description(cfg))                        # at the start of a run
    tracking.set_description(run_description(cfg, metrics))               # again at the end, with results
    card = version_card(cfg, metrics, run_link, compression_key)         # the registered version's description

Pure text: no MLflow here (acbench.tracking logs it).
"""

from __future__ import annotations

from typing import Any

def method_params(cfg) -> dict[str, Any]:
    """The parameters that decide this method's result (`CompressionSpec.effective_params`, no empty ones)."""
    params = cfg.compression.effective_params()
    return {k: v for k, v in params.items() if k != "method" and v not in (None, [], ())}


def compression_summary(cfg) -> str:
    """`gptq (bits=4, group_size=64, ...)`: the method and the parameters it uses."""
    params = ", ".join(f"{k}={v}" for k, v in method_params(cfg).items())
    return f"{cfg.compression.method} ({params})" if params else cfg.compression.method


def retention_line(metrics: dict[str, float]) -> str | None:
    """`retention/overall` with its 95 % interval when the statistics have one; None without retention."""
    value = metrics.get("retention/overall")
    if value is None:
        return None
    lo, hi = metrics.get("stats/overall/retention_lo"), metrics.get("stats/overall/retention_hi")
    interval = f" [95 % CI {lo:.3f}, {hi:.3f}]" if lo is not None and hi is not None else ""
    return f"{value:.3f}{interval}"


def task_sizes(metrics: dict[str, float]) -> list[tuple[str, int, str]]:
    """(task, items, note) per task with paired statistics: the note says when its items are too few to detect
    a 10-point drop (acbench.stats.small_sample_note, from the logged `stats/<cap>/<task>/n` and `mde`)."""
    from acbench.stats.inference import small_sample_note

    out = []
    for key in sorted(metrics):
        parts = key.split("/")
        if len(parts) == 4 and parts[0] == "stats" and parts[3] == "n":
            n = int(metrics[key])
            effect = metrics.get(f"stats/{parts[1]}/{parts[2]}/mde", float("nan"))
            out.append((parts[2], n, small_sample_note(n, effect)))
    return out


def _size_lines(metrics: dict[str, float]) -> list[str]:
    return [f"- {task}: {n} items" + (f"; {note}" if note else "") for task, n, note in task_sizes(metrics)]


def _capability_lines(metrics: dict[str, float]) -> list[str]:
    caps = sorted(k.split("/", 1)[1] for k in metrics
                  if k.startswith("retention/") and k.count("/") == 1 and k != "retention/overall")
    return [f"- retention/{cap}: {metrics[f'retention/{cap}']:.3f}" for cap in caps]


def likelihood_lines(metrics: dict[str, float]) -> list[str]:
    """Per capability, the generation headline's state beside the gold likelihood's paired delta
    (`- tool_use: generation at floor; gold NLL +0.12 nats [+0.08, +0.16]`), and each corpus's perplexity."""
    lines = []
    caps = sorted({k.split("/")[1] for k in metrics if k.startswith("stats/") and k.endswith("/gold_nll_delta")
                   and k.count("/") == 2})
    for cap in caps:
        est, lo, hi = (metrics.get(f"stats/{cap}/gold_nll_delta{s}") for s in ("", "_lo", "_hi"))
        retention = metrics.get(f"retention/{cap}")
        generation = f"retention {retention:.3f}" if retention is not None else "generation at floor"
        lines.append(f"- {cap}: {generation}; gold NLL {est:+.3g} nats [{lo:+.3g}, {hi:+.3g}]")
    for key in sorted(k for k in metrics if k.startswith("stats/language/") and k.endswith("/perplexity_ratio")):
        corpus = key.split("/")[2]
        base, comp = metrics.get(f"base/language/{corpus}/perplexity"), metrics.get(f"compressed/language/{corpus}/perplexity")
        lo, hi = metrics.get(key + "_lo"), metrics.get(key + "_hi")
        if base is not None and comp is not None and lo is not None and hi is not None:
            lines.append(f"- perplexity ({corpus}): {base:.4g} -> {comp:.4g}, x{metrics[key]:.4f} [{lo:.4f}, {hi:.4f}]")
    return lines


def run_description(cfg, metrics: dict[str, float] | None = None) -> str:
    """What the run did, and (given its metrics) its headline result."""
    compressing = cfg.compression.method != "none"
    what = (f"**{cfg.model.name}** compressed with **{compression_summary(cfg)}**, original and compressed "
            "model evaluated" if compressing else f"**{cfg.model.name}** (original, not compressed) evaluated")
    lines = [f"{what} on {', '.join(cfg.tasks)} (profile `{cfg.profile}`, {cfg.limit or 'all'} items per task, "
             f"backend `{cfg.engine.backend}`).", ""]
    if metrics:
        line = retention_line(metrics)
        lines.append(f"Headline retention (compressed / original): {line}" if line else
                     "No retention: no task's original model is above its chance floor, or nothing was compressed.")
        lines += _capability_lines(metrics)
        if sizes := _size_lines(metrics):
            lines += ["", "Items per task:", *sizes]
        gold = likelihood_lines(metrics)
        if gold:
            lines += ["", "Beside the headlines (compressed - original, paired 95 % CI; not the paper's metric):", *gold]
        lines.append("")
    lines.append("Per-item results: `results/`; figures: `figures/`; statistics: `stats/summary.md`.")
    return "\n".join(lines)


def version_card(cfg, metrics: dict[str, float], run_link: str, compression_key: str | None) -> str:
    """A registered version's description: method, parameters, headline retention, the run that made it."""
    rows = [("base model", cfg.model.name), ("method", cfg.compression.method)]
    rows += list(method_params(cfg).items())
    rows += [("checkpoint key", compression_key), ("tasks", ", ".join(cfg.tasks)), ("profile", cfg.profile),
             ("items", getattr(cfg, "split", "all"))]
    for key in ("model/size_mb", "model/compression_ratio", "model/sparsity", "model/bits_per_weight"):
        if key in metrics:
            rows.append((key, f"{metrics[key]:.4g}"))
    table = "\n".join(f"| {k} | {_cell(v)} |" for k, v in rows)
    line = retention_line(metrics) or "none (no task above its chance floor)"
    split = getattr(cfg, "split", "all")
    which = {"confirm": "**Confirmation numbers**: evaluated on the held-back half of the items (`split=confirm`), "
                        "which the sweep that chose this configuration never saw; they carry no winner's curse.\n\n",
             "select": "**Selection numbers**: evaluated on the items a sweep selected on (`split=select`); "
                       "the best of several trials on the same items is biased upward.\n\n"}.get(split, "")
    sizes = _size_lines(metrics)
    size_text = ("Items per task (paired statistics):\n" + "\n".join(sizes) + "\n\n") if sizes else ""
    return (f"Compressed checkpoint of **{cfg.model.name}**: {compression_summary(cfg)}.\n\n"
            f"| field | value |\n| --- | --- |\n{table}\n\n{which}"
            f"Headline retention (relative to chance, compressed / original, paired bootstrap): **{line}**\n\n"
            f"{_likelihood_block(metrics)}{size_text}Made by run [{run_link.rsplit('/', 1)[-1]}]({run_link}).")


def _likelihood_block(metrics: dict[str, float]) -> str:
    lines = likelihood_lines(metrics)
    if not lines:
        return ""
    return ("Gold likelihood and perplexity, compressed - original (paired 95 % CI; logged beside the headlines, "
            "not the paper's metric):\n" + "\n".join(lines) + "\n\n")


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")
