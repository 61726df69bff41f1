"""Read WorfBench `graph_eval.json` files: a file, a folder of task folders, or a hub dataset id.

    from acbench.tasks.worfbench.dataset import load_graph_eval
    samples = load_graph_eval("/data/worfbench")                   # <dir>/<task>/graph_eval.json
    samples = load_graph_eval("/data/worfbench/os/graph_eval.json")
    samples = load_graph_eval("zjunlp/WorFBench_test")             # hub dataset (online only)
    samples = load_graph_eval(None, limit_per_task=4)              # our built-in suite

Each file is a JSON list of `{source, id, target: "graph", category, conversations: [system, user,
assistant]}`; the assistant text is the gold workflow. An item's task is its `source` field, or else the
name of the folder holding its file.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from acbench.errors import ACBenchError
from acbench.tasks.base import Sample
from acbench.tasks.worfbench.graph import WorkflowParseError, parse_workflow
from acbench.tasks.worfbench.paper import gold_problem

log = logging.getLogger(__name__)


FILE_NAME = "graph_eval.json"
BUILTIN_DIR = Path(__file__).parent / "data"
UPSTREAM_TASKS = ("wikihow", "toolbench", "toolalpaca", "lumos", "alfworld", "webshop", "os")
_HUB_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


class WorfBenchDataError(ACBenchError):
    """A source that cannot be read as WorfBench data."""


def record_to_sample(record: dict, task: str, where: str) -> Sample:
    """One upstream item -> Sample(id "<task>/<id>", upstream_id "<id>", data = the record + its task, target = gold).

    A gold that upstream's evaluator could not sort or parse loads with a warning: paper scoring gives its
    item 0 with that reason (`gold_not_sortable`, ...), as upstream would fail on it.
    """
    conversations = record.get("conversations")
    if not isinstance(conversations, list) or not conversations:
        raise WorfBenchDataError(f"{where}: item {record.get('id')!r} has no 'conversations' list")
    roles = [m.get("role") for m in conversations]
    if "user" not in roles or roles[-1] != "assistant":
        raise WorfBenchDataError(f"{where}: item {record.get('id')!r} needs a user turn and a final assistant (gold) turn")
    gold = conversations[-1]["content"]
    problem = gold_problem(gold)
    try:
        parse_workflow(gold)
    except WorkflowParseError as err:
        if problem == "gold_unparseable":  # neither rule set can score it: a data error, not a silent zero
            raise WorfBenchDataError(f"{where}: gold workflow of item {record.get('id')!r} is unusable ({err})") from err
        log.warning("%s: acbench's parser cannot read the gold workflow of item %r (%s): _strict scores give it 0",
                    where, record.get("id"), err)
    if problem:
        log.warning("%s: gold workflow of item %r fails upstream's evaluator (%s): paper scores give it 0",
                    where, record.get("id"), problem)
    return Sample(id=f"{task}/{record.get('id')}", data={**record, "task": task}, target=gold,
                  upstream_id=str(record.get("id")))


def read_file(path: Path, task: str | None = None) -> list[Sample]:
    """All items of one graph_eval.json; `task` defaults to each item's source, then the folder name."""
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise WorfBenchDataError(f"{path} is not valid JSON: {err}") from err
    if not isinstance(records, list):
        raise WorfBenchDataError(f"{path}: expected a JSON list of items, got {type(records).__name__}")
    samples, seen = [], {}
    for record in records:
        if not isinstance(record, dict):
            raise WorfBenchDataError(f"{path}: every item must be a JSON object")
        sample = record_to_sample(record, task or str(record.get("source") or path.parent.name), str(path))
        seen[sample.id] = seen.get(sample.id, 0) + 1
        if seen[sample.id] > 1:  # keep ids unique so results can be resumed and re-scored by id
            sample.id = f"{sample.id}#{seen[sample.id]}"
        samples.append(sample)
    return samples


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if (root / FILE_NAME).is_file():
        return [root / FILE_NAME]
    files = sorted(root.glob(f"*/{FILE_NAME}")) or sorted(root.rglob(FILE_NAME))
    if not files:
        raise WorfBenchDataError(f"no {FILE_NAME} in {root} (expected {root}/<task>/{FILE_NAME})")
    return files


def _download(dataset_id: str) -> Path:
    """Fetch the graph_eval.json files of a hub dataset (needs network, or a copy in the HF cache)."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(dataset_id, repo_type="dataset", allow_patterns=[f"*{FILE_NAME}", f"**/{FILE_NAME}"]))
    except Exception as err:  # noqa: BLE001 - every hub failure means the same thing to the user
        raise WorfBenchDataError(
            f"could not fetch hub dataset '{dataset_id}' ({type(err).__name__}: {err}); this machine may be "
            f"offline: pass a local path to graph_eval.json files instead"
        ) from err


def load_graph_eval(
    source: str | Path | None = None,
    task_names: list[str] | None = None,
    limit_per_task: int | None = None,
) -> list[Sample]:
    """Samples from `source` (None = built-in suite), optionally only some tasks, at most N per task."""
    if source is None:
        root = BUILTIN_DIR
    elif Path(source).exists():
        root = Path(source)
    elif _HUB_ID.match(str(source)):
        root = _download(str(source))
    else:
        raise WorfBenchDataError(f"'{source}' is neither a local file or folder nor a hub dataset id (owner/name)")
    samples = [s for f in _files(root) for s in read_file(f)]
    if task_names:
        wanted = list(task_names)
        present = {s.data["task"] for s in samples}
        missing = [t for t in wanted if t not in present]
        if missing:
            raise WorfBenchDataError(f"task(s) {missing} not in {source or 'the built-in suite'}; it has {sorted(present)}")
        samples = [s for s in samples if s.data["task"] in wanted]
    if limit_per_task is not None:
        counts: dict[str, int] = {}
        kept = []
        for s in samples:
            counts[s.data["task"]] = counts.get(s.data["task"], 0) + 1
            if counts[s.data["task"]] <= limit_per_task:
                kept.append(s)
        samples = kept
    return samples
