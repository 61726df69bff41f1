"""Base versus compressed on the likelihood measures, by the headlines' own statistics (acbench.stats).

    paired = compare_likelihood(base_gold, comp_gold, base_ppl, comp_ppl, resamples=2000, seed=0)
    paired.metrics()   # stats/<capability>/<task>/gold_nll_delta[_lo|_hi], ..._p_value, _p_holm, _mde, _n, ...
    paired.lines()     # {"tool_use": "gold NLL +0.12 nats [0.08, 0.16]", ..., "language/<corpus>": ...}

Gold NLL and gold top-1 are paired item by item (`acbench.stats.compare_results`: the same bootstrap interval,
paired test, Holm's correction over the tasks, and MDE as the headlines); perplexity is paired window by window
on the windows' mean NLL, and its ratio compressed/base is exp of that delta (interval included). There is no
floor: a likelihood is measurable at any model size. A positive NLL delta means the compressed model finds the
references less likely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from matplotlib.figure import Figure

from acbench.likelihood.gold import GOLD_NLL, GOLD_TOP1, as_top1
from acbench.stats import RunStats, compare_results, naming
from acbench.tasks.base import TaskResult


@dataclass
class LikelihoodStats:
    """The paired statistics of gold NLL, gold top-1 and perplexity of one run."""

    nll: RunStats | None
    top1: RunStats | None
    perplexity: RunStats | None
    base_ppl: dict[str, TaskResult]
    comp_ppl: dict[str, TaskResult]

    def metrics(self) -> dict[str, float]:
        """`stats/<cap>/<task>/gold_nll_delta[_lo|_hi]`, `..._p_value`, `_p_holm`, `_mde`, `_n` (and gold_top1);
        `stats/<cap>/gold_nll_delta[_lo|_hi]`; `stats/language/<corpus>/nll_delta[_lo|_hi]`, `nll_p_value`,
        `nll_mde`, `nll_n` and `perplexity_ratio[_lo|_hi]`."""
        out: dict[str, float] = {}
        for measure, stats in ((GOLD_NLL, self.nll), (GOLD_TOP1, self.top1), ("nll", self.perplexity)):
            if stats is None:
                continue
            for s in stats.tasks.values():
                if not s.has_stats:
                    continue
                prefix = naming.task_prefix(s.capability, s.task)
                out.update(naming.interval_metrics(prefix, f"{measure}_delta", s.intervals["delta"]))
                out.update({f"{prefix}/{measure}_{k}": v for k, v in
                            (("p_value", s.p_value), ("p_holm", s.p_holm), ("mde", s.mde), ("n", float(s.n)))})
                if stats is self.perplexity:
                    ratio = tuple(math.exp(v) for v in s.intervals["delta"])
                    out.update(naming.interval_metrics(prefix, "perplexity_ratio", ratio))
            if stats is not self.perplexity:
                for cap, intervals in stats.capabilities.items():
                    out.update(naming.interval_metrics(f"stats/{cap}", f"{measure}_delta", intervals["delta"]))
        return {k: v for k, v in out.items() if v == v}

    def lines(self) -> dict[str, str]:
        """One reading per capability and corpus: `gold NLL +0.12 nats [0.08, 0.16]`, `perplexity 31.2 -> 33.0 ...`."""
        out: dict[str, str] = {}
        if self.nll is not None:
            for cap, intervals in self.nll.capabilities.items():
                out[cap] = "gold NLL " + _signed(intervals["delta"]) + " nats"
        if self.perplexity is not None:
            for name, s in self.perplexity.tasks.items():
                if s.has_stats:
                    ratio = tuple(math.exp(v) for v in s.intervals["delta"])
                    out[f"language/{name}"] = (
                        f"perplexity {self.base_ppl[name].metrics['perplexity']:.4g} -> "
                        f"{self.comp_ppl[name].metrics['perplexity']:.4g} (x{ratio[0]:.4f} [{ratio[1]:.4f}, {ratio[2]:.4f}])")
        return out

    def task_rows(self) -> list[dict]:
        """One row per task and measure: the human-readable table logged as stats/likelihood.json."""
        rows = []
        for measure, stats in ((GOLD_NLL, self.nll), (GOLD_TOP1, self.top1), ("perplexity_nll", self.perplexity)):
            if stats is None:
                continue
            for s in stats.tasks.values():
                est = {q: s.intervals.get(q, (math.nan,) * 3) for q in ("base", "compressed", "delta")}
                rows.append({"task": s.task, "capability": s.capability, "measure": measure, "n": s.n,
                             "base": _round(est["base"][0]), "compressed": _round(est["compressed"][0]),
                             "delta": _round(est["delta"][0]),
                             "delta_ci": f"[{est['delta'][1]:.4g}, {est['delta'][2]:.4g}]" if s.has_stats else "",
                             "p_value": _round(s.p_value), "p_holm": _round(s.p_holm), "mde": _round(s.mde),
                             "note": s.reason if not s.has_stats else ""})
        return rows

    def figure(self) -> Figure | None:
        """Per-capability gold NLL delta (compressed - base) with its interval, and each corpus's NLL delta."""
        bars = []
        if self.nll is not None:
            bars += [(cap, iv["delta"]) for cap, iv in self.nll.capabilities.items()]
        if self.perplexity is not None:
            bars += [(f"language/{n}", s.intervals["delta"]) for n, s in self.perplexity.tasks.items() if s.has_stats]
        if not bars:
            return None
        fig = Figure(figsize=(6, 0.6 * len(bars) + 1.6))
        ax = fig.add_subplot()
        for row, (_, (est, lo, hi)) in enumerate(bars):
            ax.errorbar(est, row, xerr=[[est - lo], [hi - est]], fmt="o", capsize=4, color="tab:blue")
        ax.axvline(0.0, color="grey", lw=0.8)
        ax.set_yticks(range(len(bars)), [name for name, _ in bars])
        ax.invert_yaxis()
        ax.set(xlabel="NLL delta, compressed - base (nats per token; > 0: references less likely)",
               title="Gold likelihood and perplexity: paired deltas, 95% intervals")
        fig.tight_layout()
        return fig


def _signed(value) -> str:
    est, lo, hi = value
    return f"{est:+.3g} [{lo:+.3g}, {hi:+.3g}]"


def _round(value: float) -> float | None:
    return None if value is None or value != value else round(float(value), 4)


MIN_ITEMS = 2  # a paired test or interval needs at least two items (windows)


def _pairable(result: TaskResult) -> bool:
    return len(result.items) >= MIN_ITEMS


def compare_likelihood(base_gold: dict[str, TaskResult], comp_gold: dict[str, TaskResult],
                       base_ppl: dict[str, TaskResult], comp_ppl: dict[str, TaskResult],
                       resamples: int = 2000, seed: int = 0) -> LikelihoodStats:
    """Pair the two models' gold and perplexity results (tasks and corpora present for both, with at least
    MIN_ITEMS items: one item has no interval; its values are still logged per model)."""
    gold = [n for n in comp_gold if n in base_gold and _pairable(base_gold[n])]
    corpora = [n for n in comp_ppl if n in base_ppl and _pairable(base_ppl[n])]

    def run(base: dict, comp: dict, names: list[str]) -> RunStats | None:
        if not names:
            return None
        return compare_results({n: base[n] for n in names}, {n: comp[n] for n in names}, resamples=resamples, seed=seed)

    top1_base = {n: as_top1(base_gold[n]) for n in gold}
    top1_comp = {n: as_top1(comp_gold[n]) for n in gold}
    return LikelihoodStats(run(base_gold, comp_gold, gold), run(top1_base, top1_comp, gold),
                           run(base_ppl, comp_ppl, corpora), base_ppl, comp_ppl)
