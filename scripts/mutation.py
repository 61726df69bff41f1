"""Mutation testing of acbench's core with mutmut 3: one module (target) at a time, on its fast tests.

    .venv/bin/python scripts/mutation.py --list             # the targets
    .venv/bin/python scripts/mutation.py retention          # one target: prints `mutation score: N/M` + survivors
    .venv/bin/python scripts/mutation.py all                # every target, one after the other (long)
    bash scripts/mutation.sh retention                      # the same

How it works: mutmut 3 reads its settings from `[tool.mutmut]` of the pyproject.toml in its working
directory and writes a `mutants/` tree there. So that the repository is never touched, each target runs in
its own working directory (`--workdir`, default `/tmp/acbench-mutation/<target>`) holding a copy of
`acbench/`, `tests/` and MLproject as committed (HEAD; `--worktree`: as they are now) and a generated pyproject.toml
naming the files to mutate and the few test files
that exercise them (`pytest -x -q -p no:cacheprovider`). Only the functions matched by the target's globs
are counted (mutmut names a mutant `acbench.evaluate.x_retention__mutmut_3`; a method
`acbench.tasks.base.xǁResultStoreǁadd__mutmut_2`). `mutmut` runs one worker (`--jobs`, default 1: the
machine is shared). A re-run in the same workdir only tests mutants whose function changed.

Reading the output: see scripts/MUTATION.md. `killed` = a test failed on the mutant (good); `survived` =
every selected test passed with the code changed (a missing test, or an equivalent mutant); `no tests` =
no selected test ran the function (counted as a survivor); `timeout` counts as killed (the mutant made the
code loop). Each known equivalent survivor is listed in EQUIVALENT below with the reason; the script marks
them `[equivalent]` so that a new survivor stands out. The score is killed / all mutants of the target.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
MUTMUT = PYTHON.parent / "mutmut"


@dataclass(frozen=True)
class Target:
    files: tuple[str, ...]  # source files to mutate, relative to the repo
    functions: tuple[str, ...]  # fnmatch globs over mutant names; only these are counted
    tests: tuple[str, ...]  # test files (or node ids) that exercise them
    skip: str = ""  # pytest -k expression of slow tests left out of the mutation run (they run in the suite)


TARGETS: dict[str, Target] = {
    # scoring -> retention: task retentions into capability and overall; capability scores
    "retention": Target(
        ("acbench/evaluate.py",),
        ("acbench.evaluate.x_retention__*", "acbench.evaluate.x_capability_scores__*"),
        ("tests/test_evaluate.py", "tests/test_glue_retention_keys.py"),
        "not two_specs",
    ),
    # results keys: the per-task key and file of the results cache
    "results_keys": Target(
        ("acbench/evaluate.py",),
        ("acbench.evaluate.x_setup_tasks__*", "acbench.evaluate.x_results_path__*",
         "acbench.evaluate.x_full_options__*", "acbench.evaluate.x_task_options__*",
         "acbench.evaluate.x_resolved_settings__*"),
        ("tests/test_evaluate.py", "tests/test_glue_retention_keys.py"),
        "not two_specs",
    ),
    # the paired statistics: bootstrap, tests, floors, Holm, pairing
    "stats": Target(
        ("acbench/stats/bootstrap.py", "acbench/stats/inference.py", "acbench/stats/paired.py",
         "acbench/stats/compare.py", "acbench/stats/naming.py"),
        ("acbench.stats.*",),
        ("tests/test_glue_stats.py", "tests/stats/test_bootstrap.py", "tests/stats/test_inference.py",
         "tests/stats/test_compare.py", "tests/test_glue_retention_keys.py"),
    ),
    # compression cache key and the spec's validation
    "spec": Target(
        ("acbench/compression/spec.py",),
        ("acbench.compression.spec.*",),
        ("tests/compression/test_spec.py", "tests/test_glue_cache_key.py", "tests/test_error_messages.py"),
    ),
    # each method's own facts, checks and labels, and the registry that finds them
    "methods": Target(
        ("acbench/compression/methods/_base.py", "acbench/compression/methods/_registry.py",
         "acbench/compression/methods/awq.py", "acbench/compression/methods/fp8.py",
         "acbench/compression/methods/gptq.py", "acbench/compression/methods/magnitude.py",
         "acbench/compression/methods/rtn.py", "acbench/compression/methods/smoothquant.py",
         "acbench/compression/methods/sparsegpt.py", "acbench/compression/methods/wanda.py"),
        ("acbench.compression.methods.*",),
        ("tests/compression/test_methods.py", "tests/compression/test_spec.py", "tests/compression/test_recipe.py",
         "tests/test_glue_cache_key.py", "tests/test_error_messages.py", "tests/test_report.py::test_setting_labels"),
    ),
    # validation against the model's layer widths
    "validate": Target(
        ("acbench/compression/validate.py",),
        ("acbench.compression.validate.*",),
        ("tests/compression/test_validate.py", "tests/test_glue_cache_key.py", "tests/test_error_messages.py"),
    ),
    # run configuration (flat params, coercion, error text)
    "config": Target(
        ("acbench/config.py",),
        ("acbench.config.*",),
        ("tests/test_config.py", "tests/test_glue_config.py", "tests/test_error_messages.py"),
    ),
    # resume: the per-item results store
    "resume": Target(
        ("acbench/tasks/base.py",),
        ("acbench.tasks.base.xǁResultStoreǁ*",),
        ("tests/test_glue_resume.py",),
    ),
    # sweep pruning: which failures prune a trial, and the record of it
    "sweep": Target(
        ("acbench/sweep/runner.py",),
        ("acbench.sweep.runner.x__objective__*", "acbench.sweep.runner.x__prune__*",
         "acbench.sweep.runner.x__fail__*", "acbench.sweep.runner.x__child_run__*",
         "acbench.sweep.runner.x__objective_values__*"),
        # the same rule through the real run on the tiny model (tests/test_glue_sweep_prune.py) takes a
        # minute per mutant: it runs in the suite, the mutation run uses the millisecond version
        ("tests/test_glue_sweep_objective.py",),
    ),
}

# Survivors that are equivalent mutants (no test can kill them): mutant name -> why. Keep this list short and
# exact; a survivor not listed here is a missing test.
# Mutant numbers are per function and stable while the function's source is unchanged; after an edit of the
# function, check the survivors again with `mutmut show` and update this list.
EQUIVALENT: dict[str, str] = {
    "acbench.compression.validate.x_validate_against_model__mutmut_7":
        "`method == 'none'` early return made unreachable: 'none' has no quantization and no pruning, so the "
        "general path returns the same targeted_layers(model_path, spec.ignore)",
    "acbench.compression.validate.x_validate_against_model__mutmut_8":
        "the same early return spelled 'NONE': unreachable, same result as above",
    "acbench.compression.validate.x_describe_layers__mutmut_14":
        "`singles` is a dict used as an ordered set: its values (None -> '') are never read",
    # acbench/stats
    **{f"acbench.stats.inference.x_mcnemar_exact__mutmut_{n}": why for n, why in (
        (21, "`b - c == 0` for `b + c == 0`: when b == c > 0 the two-sided binomial p is exactly 1 as well"),
        (32, "binomtest's p defaults to 0.5"), (33, "binomtest's alternative defaults to 'two-sided'"))},
    **{f"acbench.stats.inference.x_mde__mutmut_{n}": "float('NAN') is float('nan')" for n in (5, 34)},
    **{f"acbench.stats.inference.x_holm__mutmut_{n}":
       "asarray without dtype=float: p-values are numbers, and the products and np.minimum give the same values"
       for n in (3, 5)},
    **{f"acbench.stats.inference.x_holm__mutmut_{n}":
       "argsort kind (default, or 'STABLE', which numpy reads case-insensitively): tied p-values end with the "
       "same adjusted value whatever their order (the running maximum)" for n in (16, 18, 20)},
    **{f"acbench.stats.bootstrap.x__pooled__mutmut_{n}":
       "np.errstate only silences the warnings of a leave-one-out over zero weight (an item holding all of the "
       "task's weight: a group of weight 0); values are the same" for n in (18, 19, 20, 21)},
    "acbench.stats.bootstrap.x__acceleration__mutmut_4":
        "`|` for `&`: a leave-one-out value is NaN for both models at the same items (it depends on groups only)",
    **{f"acbench.stats.bootstrap.x__acceleration__mutmut_{n}":
       "with exactly two leave-one-out values d is symmetric, sum(d**3) = 0 and the acceleration is 0 either way"
       for n in (35, 36)},
    "acbench.stats.compare.x__task_stats__mutmut_4":
        "`p_floor <= ALPHA`: the floor p-values (binomial tails with denominators 2**n or 5**n..., a t-test) "
        "never equal 0.05 exactly",
    **{f"acbench.stats.inference.x_paired_test__mutmut_{n}": why for n, why in (
        (38, "vectorized dropped: scipy infers it from the statistic's `axis` parameter"),
        (46, "vectorized=False: the same permutations, computed one at a time"),
        (40, "alternative defaults to 'two-sided'"), (45, "scipy lower-cases permutation_type"),
        (48, "scipy lower-cases alternative"), (55, "scipy's permutation p-value is at most 1 already"))},
    **{f"acbench.stats.inference.x_floor_test__mutmut_{n}": why for n, why in (
        (24, "allclose(w, w[1]): n >= 2 here (n < 2 returned), so it equals allclose(w, w[0])"),
        (58, "values[1] for values[0] where every value is equal (ptp == 0)"))},
    **{f"acbench.stats.paired.x_{fn}__mutmut_{n}": "np.array of Python ints without dtype is int64 on 64-bit "
       "Linux, the dtype asked for" for fn, n in (("pair_items", 83), ("pair_items", 85), ("from_arrays", 57),
                                                  ("from_arrays", 59))},
    "acbench.stats.inference.x_paired_test__mutmut_31":
        "vectorized=None: scipy infers it from the statistic's `axis` parameter, which _mean_difference has",
    **{f"acbench.config.xǁRunConfigǁconfig_hash__mutmut_{n}":
       "model_dump(mode=...): pydantic treats any mode but 'json' as 'python', whose dump (tuples for lists) "
       "json.dumps writes identically for RunConfig's field types" for n in (2, 3, 4)},
    **{f"acbench.config.xǁRunConfigǁconfig_hash__mutmut_{n}":
       "dict.pop(key) without its default: model_dump always holds the key (reference; kv_bits and the "
       "parallelism fields), so it never raises" for n in (13, 35)},
    "acbench.tasks.base.xǁResultStoreǁadd__mutmut_23": "cut = None instead of False: only its truth is read",
    "acbench.tasks.base.xǁResultStoreǁadd__mutmut_32":
        "f.read(None) after seeking to the last byte reads that one byte, as f.read(1) does",
    "acbench.tasks.base.xǁResultStoreǁadd__mutmut_33":
        "f.read(2) after seeking to the last byte reads that one byte, as f.read(1) does",
    "acbench.evaluate.x_full_options__mutmut_14":
        "`(task is not None) or True`: with task None, getattr(None, key, default) is the default anyway",
    "acbench.sweep.runner.x__objective__mutmut_155":
        "a one-objective trial returning [value] instead of value: Optuna accepts a one-element sequence and "
        "records the same value",
    # acbench/compression/methods
    "acbench.compression.methods._base.x_weight_args__mutmut_22":
        "`group_size if grouped or True`: when not grouped spec.group_size is None, the value of the else branch",
    "acbench.compression.methods._base.xǁPruningMethodǁcheck__mutmut_11":
        "`>= 1e-9` for `> 1e-9`: differs only where |sparsity - (1 - n/m)| is the float 1e-9 exactly, and no "
        "float sparsity is (checked for every n:m with m <= 64: near 1 - n/m >= 1/64 floats differ by multiples of "
        "2**-59, and the float 1e-9 is an odd multiple of 2**-82)",
    **{f"acbench.compression.methods.{module}.xǁ{cls}ǁmodifiers__mutmut_{n}":
       f"targets=['Linear'] dropped: the default targets of {where} are ['Linear'], the same modifier"
       for module, cls, n, where in (
           ("fp8", "FP8", 4, "QuantizationModifier (QuantizationMixin, llmcompressor 0.14.0.1)"),
           ("smoothquant", "SmoothQuant", 6, "GPTQModifier (QuantizationMixin, llmcompressor 0.14.0.1)"),
           ("wanda", "Wanda", 7, "WandaPruningModifier (SparsityModifierBase, llmcompressor 0.14.0.1)"),
           ("sparsegpt", "SparseGPT", 9, "SparseGPTModifier (SparsityModifierBase, llmcompressor 0.14.0.1)"),
           ("magnitude", "Magnitude", 7, "our OneShotMagnitudePruningModifier (_modifiers.py)"))},
}


def mutmut_config(target: Target) -> str:
    tests = ", ".join(json.dumps(t) for t in target.tests)
    only = ", ".join(json.dumps(f) for f in target.files)
    args = ["-x", "-q", "-p", "no:cacheprovider", "-m", "not slow"] + (["-k", target.skip] if target.skip else [])
    return textwrap.dedent(f"""\
        [tool.mutmut]
        source_paths = ["acbench"]
        only_mutate = [{only}]
        also_copy = [{", ".join(json.dumps(f) for f in COPIED_FILES)}]
        pytest_add_cli_args = [{", ".join(json.dumps(a) for a in args)}]
        pytest_add_cli_args_test_selection = [{tests}]
        use_git_change_detection = false
        track_dependencies = false
        timeout_multiplier = 5.0

        [tool.pytest.ini_options]
        testpaths = ["tests"]
        addopts = "--import-mode=importlib"
        markers = ["slow: real embedded model", "requires_gpu: needs a CUDA device"]
        """)


# What the copy holds: the package, the tests, and the repository files tests read (test_config checks MLproject)
COPIED_FOLDERS = ("acbench", "tests")
COPIED_FILES = ("MLproject",)


def prepare(name: str, target: Target, workdir: Path, worktree: bool) -> None:
    """Copy `acbench/`, `tests/` and MLproject as committed (HEAD), or as in the working tree (`--worktree`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    for folder in COPIED_FOLDERS:
        if (workdir / folder).exists():
            shutil.rmtree(workdir / folder)
    if worktree:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for folder in COPIED_FOLDERS:
            shutil.copytree(REPO / folder, workdir / folder, ignore=ignore)
        for file in COPIED_FILES:
            shutil.copy2(REPO / file, workdir / file)
    else:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "HEAD", *COPIED_FOLDERS, *COPIED_FILES],
                                 check=True, stdout=subprocess.PIPE).stdout
        subprocess.run(["tar", "-x", "-C", str(workdir)], input=archive, check=True)
    (workdir / "pyproject.toml").write_text(mutmut_config(target))
    # mutmut maps each function to the tests that run it once, then reuses the map; tests change between runs,
    # so the map is always made afresh (a stale map left new tests out of the verdicts)
    (workdir / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    missing = [t for t in target.tests if not (workdir / t.split("::")[0]).exists()]
    if missing:
        sys.exit(f"{name}: test files missing: {missing}")


def statuses(workdir: Path, target: Target) -> dict[str, str]:
    """mutant name -> status, from mutmut's meta files, for the target's functions only."""
    from mutmut.stats import status_by_exit_code

    out = {}
    for source in target.files:
        meta = workdir / "mutants" / (source + ".meta")
        if not meta.exists():
            continue
        data = json.loads(meta.read_text())
        for key, code in data.get("exit_code_by_key", {}).items():
            if any(fnmatch.fnmatch(key, glob) for glob in target.functions):
                out[key] = status_by_exit_code[code]
    return out


def run_target(name: str, workdir: Path, jobs: int, fresh: bool, worktree: bool,
               survivors_only: bool = False) -> tuple[int, int, list[str]]:
    target = TARGETS[name]
    if fresh and workdir.exists():
        shutil.rmtree(workdir)
    previous = statuses(workdir, target) if survivors_only else {}
    prepare(name, target, workdir, worktree)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "ACBENCH_THREADS": "1", "ACBENCH_NO_PROGRESS": "1",
           "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("CI", None)
    names = list(target.functions)
    if survivors_only:  # test again only what survived last time (after adding tests); the rest keeps its verdict
        names = sorted(k for k, v in previous.items() if v not in ("killed", "timeout", "caught by type check"))
        if not names:
            print(f"{name}: no survivors to test again")
    cmd = [str(MUTMUT), "run", "--max-children", str(jobs), *names]
    print(f"== {name}: mutating {', '.join(target.files)} ({', '.join(target.functions)})", flush=True)
    print(f"   tests: {' '.join(target.tests)}\n   workdir: {workdir}", flush=True)
    proc = subprocess.run(cmd if names else ["true"], cwd=workdir, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        print(proc.stdout[-6000:])
        sys.exit(f"{name}: mutmut failed (exit {proc.returncode})")
    found = statuses(workdir, target)
    killed = sum(1 for s in found.values() if s in ("killed", "timeout", "caught by type check"))
    survivors = sorted(k for k, s in found.items() if s not in ("killed", "timeout", "caught by type check"))
    print(f"{name}: mutation score: {killed}/{len(found)}"
          + (f" ({100 * killed / len(found):.0f} %)" if found else ""))
    for key in survivors:
        note = f"  [equivalent: {EQUIVALENT[key]}]" if key in EQUIVALENT else ""
        print(f"  {found[key]}: {key}{note}")
    if survivors:
        print(f"  see one: cd {workdir} && {MUTMUT} show <name>")
    return killed, len(found), survivors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", help=f"one of {', '.join(TARGETS)}, or 'all'")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/acbench-mutation"),
                        help="parent of the per-target working directories")
    parser.add_argument("--jobs", type=int, default=1, help="mutmut workers (default 1: shared machine)")
    parser.add_argument("--worktree", action="store_true",
                        help="mutate the working tree's acbench/ and tests/ (default: the committed HEAD)")
    parser.add_argument("--survivors-only", action="store_true",
                        help="test again only the previous run's survivors (the others keep their verdict)")
    parser.add_argument("--fresh", action="store_true", help="discard earlier results of the target")
    parser.add_argument("--min-score", type=float, default=0.8, help="exit 1 below this fraction killed")
    args = parser.parse_args(argv)
    if args.list or not args.targets:
        for name, t in TARGETS.items():
            print(f"{name:13s} {', '.join(t.files)}  <- {' '.join(t.tests)}")
        return 0
    names = list(TARGETS) if args.targets == ["all"] else args.targets
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s) {unknown}; known: {', '.join(TARGETS)}")
    total_killed = total = 0
    new_survivors = 0
    for name in names:
        killed, count, survivors = run_target(name, args.workdir / name, args.jobs, args.fresh, args.worktree,
                                              args.survivors_only)
        total_killed, total = total_killed + killed, total + count
        new_survivors += sum(1 for s in survivors if s not in EQUIVALENT)
    if len(names) > 1:
        print(f"all: mutation score: {total_killed}/{total} ({100 * total_killed / max(total, 1):.0f} %)")
    if total and total_killed / total < args.min_score:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
