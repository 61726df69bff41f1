"""Coverage of acbench's paired bootstrap intervals on simulated data with known true values.

    python scripts/stats_coverage.py                       # 300 datasets per scenario, 999 resamples, seed 7
    python scripts/stats_coverage.py --simulations 1000 --resamples 1999 --seed 1

Every number acbench/stats/README.md quotes about coverage is printed by this script (with the seed and the
sizes it ran with). A 95 % interval should contain the true value in 95 % of the datasets; with 300 datasets a
coverage has a standard error of about 0.013, so differences below 0.03 are noise. Scenarios:

- `continuous-100`: 100 items in two groups (60 + 40, macro mean), base ~ U(0.2, 1) and Beta(2, 2),
  compressed = 0.8 base + N(0, 0.1) in group a and base + N(-0.05, 0.15) in group b (as tests/stats/test_bootstrap.py).
- `continuous-10`: the same model of the items, 10 items (6 + 4).
- `binary-40-few-flips`: 40 binary items, each right for the original with probability 0.7; the compressed
  model flips each item with probability 0.05 (right to wrong or wrong to right), so a handful disagree.

The quantities are the original's headline (`base`), compressed - original (`delta`) and compressed / original
(`retention`, the plain ratio: every floor here is 0). CPU only, seconds to a minute at the defaults.
"""

from __future__ import annotations

import argparse

import numpy as np

from acbench.stats import bootstrap as bs
from acbench.stats import from_arrays

STATISTICS = {"base": bs.mean_base, "delta": bs.mean_delta, "retention": bs.mean_retention}


def continuous(rng: np.random.Generator, n_a: int, n_b: int):
    """A dataset of the continuous scenario and its true (base, delta, retention)."""
    base_a, base_b = rng.uniform(0.2, 1.0, n_a), rng.beta(2, 2, n_b)
    comp = np.r_[0.8 * base_a + rng.normal(0, 0.1, n_a), base_b + rng.normal(-0.05, 0.15, n_b)]
    task = from_arrays(np.r_[base_a, base_b], comp, ["a"] * n_a + ["b"] * n_b)
    truth_base, truth_comp = 0.5 * 0.6 + 0.5 * 0.5, 0.5 * 0.48 + 0.5 * 0.45
    return task, {"base": truth_base, "delta": truth_comp - truth_base, "retention": truth_comp / truth_base}


def binary(rng: np.random.Generator, n: int = 40, p: float = 0.7, flip: float = 0.05):
    """Binary items: the original right with probability p, the compressed model flipping each with `flip`."""
    base = (rng.random(n) < p).astype(float)
    flips = rng.random(n) < flip
    comp = np.where(flips, 1 - base, base)
    truth_comp = p * (1 - flip) + (1 - p) * flip
    return from_arrays(base, comp, binary=True), {"base": p, "delta": truth_comp - p, "retention": truth_comp / p}


SCENARIOS = {
    "continuous-100": lambda rng: continuous(rng, 60, 40),
    "continuous-10": lambda rng: continuous(rng, 6, 4),
    "binary-40-few-flips": binary,
}


def coverage(scenario: str, simulations: int, resamples: int, seed: int) -> dict[str, dict[str, float]]:
    """method -> quantity -> share of datasets whose 95 % interval holds the true value (no interval: a miss)."""
    rng = np.random.default_rng(seed)
    hits = {m: dict.fromkeys(STATISTICS, 0) for m in bs.METHODS}
    for _ in range(simulations):
        task, truth = SCENARIOS[scenario](rng)
        draws = bs.bootstrap(task, resamples, rng)
        for method in bs.METHODS:
            for name, statistic in STATISTICS.items():
                _, lo, hi = bs.interval(statistic, [task], [draws], 0.95, method)
                hits[method][name] += bool(lo <= truth[name] <= hi)
    return {m: {q: v / simulations for q, v in h.items()} for m, h in hits.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulations", type=int, default=300, help="simulated datasets per scenario")
    parser.add_argument("--resamples", type=int, default=999, help="bootstrap resamples per dataset")
    parser.add_argument("--seed", type=int, default=7, help="seed of the simulation (one stream for everything)")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="default: all")
    args = parser.parse_args(argv)
    print(f"seed {args.seed}, {args.simulations} datasets per scenario, {args.resamples} resamples, 95 % intervals")
    print("| scenario | method | base | delta | retention |\n| --- | --- | --- | --- | --- |")
    for scenario in args.scenario or list(SCENARIOS):
        result = coverage(scenario, args.simulations, args.resamples, args.seed)
        for method in ("percentile", "bca"):
            q = result[method]
            print(f"| {scenario} | {method} | {q['base']:.3f} | {q['delta']:.3f} | {q['retention']:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
