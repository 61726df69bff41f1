"""Loading T-Eval files (upstream format) into Samples: a directory, one file, or a hub dataset id.

    samples = load_samples()                                   # the built-in suite (data/ beside this file)
    samples = load_samples("/data/T-Eval/data")                # upstream files, e.g. plan_json_v2.json
    samples = load_samples("/data/T-Eval/data/review_str_v2.json")
    samples = load_samples("lovesnowbest/T-Eval")             # hub dataset (needs network)

Each file is one JSON object keyed by sample id; every entry holds `origin_prompt` (chat messages) and
`ground_truth`, plus `meta_data` (`response_format`) or, for plan files, `meta` (`prompt_type`, `API_list`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from acbench.errors import ACBenchError
from acbench.tasks.base import Sample

BUILTIN_DIR = Path(__file__).parent / "data"

# File kind -> abilities scored from one answer of that file. The JSON reason/retrieve/understand file
# scores all three from a single answer.
KINDS: dict[str, tuple[str, ...]] = {
    "instruct": ("instruct",),
    "plan_json": ("plan",),
    "plan_str": ("plan",),
    "reason_retrieve_understand_json": ("reason", "retrieve", "understand"),
    "reason_str": ("reason",),
    "retrieve_str": ("retrieve",),
    "understand_str": ("understand",),
    "review_str": ("review",),
}
FILES: tuple[str, ...] = tuple(f"{kind}_v2" for kind in KINDS)  # the eight upstream file names
_KIND_RE = re.compile(r"^(" + "|".join(sorted(KINDS, key=len, reverse=True)) + r")(_v\d+)?(_subset|_zh)*$")


class TEvalDataError(ACBenchError):
    """A T-Eval source that cannot be read (missing files, wrong structure, offline hub)."""


def file_kind(path: Path) -> str:
    """The kind ('plan_json', 'instruct', ...) of a T-Eval file, from its name."""
    match = _KIND_RE.match(path.stem)
    if not match:
        raise TEvalDataError(f"{path.name}: not a T-Eval file name; expected one of {', '.join(FILES)} (.json)")
    return match.group(1)


def response_format(entry: dict, kind: str) -> str:
    """'json' or 'str': `meta_data.response_format` (plan files: `meta.prompt_type`), else the file name."""
    meta = entry.get("meta_data") or entry.get("meta") or {}
    value = meta.get("response_format", meta.get("prompt_type")) if isinstance(meta, dict) else None
    if value is None:
        value = kind.rsplit("_", 1)[-1]
    return "json" if str(value).lower() == "json" else "str"


def to_messages(origin_prompt: list | str) -> list[dict]:
    """Chat messages for the engine: tool responses (role `function`) are shown as user turns, and
    consecutive turns of the same role are merged, since chat templates want alternating roles."""
    if isinstance(origin_prompt, str):
        origin_prompt = json.loads(origin_prompt)
    messages: list[dict] = []
    for turn in origin_prompt:
        role = turn.get("role", "user")
        role = role if role in ("system", "user", "assistant") else "user"
        content = str(turn.get("content") or "")
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"] += "\n\n" + content
        else:
            messages.append({"role": role, "content": content})
    return messages


def _check_entry(path: Path, key: str, entry: object, kind: str) -> None:
    if not isinstance(entry, dict) or "origin_prompt" not in entry or "ground_truth" not in entry:
        raise TEvalDataError(f"{path.name}[{key}]: each entry needs 'origin_prompt' and 'ground_truth'")
    gold = entry["ground_truth"]
    if kind == "instruct" and not (isinstance(gold, dict) and "action" in gold and "template" in entry):
        raise TEvalDataError(f"{path.name}[{key}]: instruct entries need 'template' and ground_truth.action")
    if kind.startswith("plan") and not isinstance(gold, list):
        raise TEvalDataError(f"{path.name}[{key}]: plan ground_truth must be a list of steps")
    if kind == "review_str" and not (isinstance(gold, dict) and "answer" in gold):
        raise TEvalDataError(f"{path.name}[{key}]: review ground_truth needs 'answer'")


def read_file(path: str | Path) -> list[Sample]:
    """Samples of one T-Eval file; ids are '<file stem>/<key>', `upstream_id` the key itself."""
    path = Path(path)
    kind = file_kind(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise TEvalDataError(f"{path}: not valid JSON ({err})") from err
    if not isinstance(data, dict):
        raise TEvalDataError(f"{path}: expected a JSON object keyed by sample id")
    samples = []
    for key, entry in data.items():
        _check_entry(path, key, entry, kind)
        fmt = response_format(entry, kind)
        # "zh": upstream's test.py switches to a Chinese embedding model when the path contains "_zh".
        samples.append(Sample(id=f"{path.stem}/{key}", target=entry["ground_truth"], upstream_id=str(key),
                              data={"kind": kind, "format": fmt, "record": entry, "zh": "_zh" in str(path)}))
    return samples


def _hub_files(repo_id: str) -> list[Path]:
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError
    except ImportError as err:  # pragma: no cover - huggingface_hub ships with transformers
        raise TEvalDataError("loading from the hub needs huggingface_hub") from err
    paths = []
    for stem in FILES:
        try:
            paths.append(Path(hf_hub_download(repo_id, filename=f"data/{stem}.json", repo_type="dataset")))
        except LocalEntryNotFoundError as err:  # offline and not cached (a subclass of the next one)
            raise TEvalDataError(f"cannot fetch '{repo_id}' from the Hugging Face hub: offline and not cached. "
                                 "Offline? Download the T-Eval data files and pass their directory instead.") from err
        except EntryNotFoundError:  # the repo lacks this file: load the others
            continue
        except Exception as err:  # offline, unknown repo, auth: all end the same way for the user
            raise TEvalDataError(
                f"cannot fetch '{repo_id}' from the Hugging Face hub ({type(err).__name__}: {err}). "
                "Offline? Download the T-Eval data files and pass their directory instead."
            ) from err
    if not paths:
        raise TEvalDataError(f"hub dataset '{repo_id}' has none of data/{{{','.join(FILES)}}}.json")
    return paths


def source_files(source: str | Path | None) -> list[Path]:
    """The T-Eval files a source names: the built-in suite, a directory, a file, or a hub id."""
    if source is None:
        source = BUILTIN_DIR
    path = Path(source).expanduser()
    if path.is_file():
        return [path]
    if path.is_dir():
        for folder in (path, path / "data"):
            for suffix in ("", "_zh"):  # English files first, as upstream's test_all_en.sh
                found = [folder / f"{stem}{suffix}.json" for stem in FILES if (folder / f"{stem}{suffix}.json").is_file()]
                if found:
                    return found
        raise TEvalDataError(f"{path}: no T-Eval files; expected some of {', '.join(f + '.json' for f in FILES)}")
    if re.fullmatch(r"[\w.-]+/[\w.-]+", str(source)):
        return _hub_files(str(source))
    raise TEvalDataError(f"{source}: no such file or directory (and not a hub dataset id 'owner/name')")


def load_samples(source: str | Path | None = None) -> list[Sample]:
    """All samples of a source, file by file in the upstream order."""
    return [s for path in source_files(source) for s in read_file(path)]


def balanced_subset(samples: list[Sample], per_group: int | None) -> list[Sample]:
    """At most `per_group` samples of each (file kind, format) group, spread evenly over the group."""
    if per_group is None:
        return list(samples)
    groups: dict[tuple[str, str], list[Sample]] = {}
    for s in samples:
        groups.setdefault((s.data["kind"], s.data["format"]), []).append(s)
    chosen: set[str] = set()
    for items in groups.values():
        n = min(per_group, len(items))
        if n == 1:
            picks = [0]
        else:
            picks = sorted({round(i * (len(items) - 1) / (n - 1)) for i in range(n)})
        chosen.update(items[i].id for i in picks)
    return [s for s in samples if s.id in chosen]
