"""A user's LongBench prompt templates and answer budgets (`config/dataset2prompt.json`, `dataset2maxlen.json`).

    from acbench.tasks.longbench.upstream_config import find_config
    config = find_config("LongBench/data", option=None)  # looks in LongBench/data/config and LongBench/config
    config.prompt_for("hotpotqa"), config.max_new_tokens_for("hotpotqa")  # None where the file lacks the name

The templates are read from the user's own checkout at run time and used verbatim; acbench ships none of them.
Without such files, or with the task option `prompts="acbench"`, acbench's own wording is used (`specs.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from acbench.errors import ACBenchError

PROMPT_FILE = "dataset2prompt.json"
MAXLEN_FILE = "dataset2maxlen.json"
OWN_PROMPTS = "acbench"  # the `prompts` option value that forces acbench's own wording


class UpstreamConfigError(ACBenchError):
    """A LongBench config that was asked for but cannot be used, with what is wrong."""


@dataclass(frozen=True)
class UpstreamConfig:
    """Templates (`{context}`, `{input}`) and maximum new tokens per dataset name, from the user's files."""

    path: Path  # the dataset2prompt.json read
    prompts: dict[str, str]
    max_new_tokens: dict[str, int] = field(default_factory=dict)

    def prompt_for(self, dataset: str) -> str | None:
        return self.prompts.get(_base(dataset))

    def max_new_tokens_for(self, dataset: str) -> int | None:
        return self.max_new_tokens.get(_base(dataset))


def _base(dataset: str) -> str:
    return dataset[:-2] if dataset.endswith("_e") else dataset  # LongBench-E uses the settings of its set


def _read_json(path: Path, value_type: type) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise UpstreamConfigError(f"{path}: cannot read it as JSON ({err})") from None
    if not isinstance(data, dict) or not all(isinstance(v, value_type) and not isinstance(v, bool) for v in data.values()):
        raise UpstreamConfigError(f"{path}: expected a JSON object of dataset name -> {value_type.__name__}")
    return {str(k): v for k, v in data.items()}


def load_config(prompt_file: Path) -> UpstreamConfig:
    """Read `dataset2prompt.json` and, when it lies beside it, `dataset2maxlen.json`."""
    prompts = _read_json(prompt_file, str)
    maxlen_file = prompt_file.with_name(MAXLEN_FILE)
    budgets = _read_json(maxlen_file, int) if maxlen_file.is_file() else {}
    return UpstreamConfig(prompt_file, prompts, budgets)


def find_config(source: str | Path | None, option: str | None = None) -> UpstreamConfig | None:
    """The config named by `option` (a folder or a dataset2prompt.json), else one found beside the data.

    Beside the data means `config/` in the data folder or in its parent (LongBench's checkout keeps
    `data/` and `config/` side by side); for a file, the same around its folder. None: use our wording.
    """
    if option == OWN_PROMPTS:
        return None
    if option:
        path = Path(option)
        prompt_file = path / PROMPT_FILE if path.is_dir() else path
        if not prompt_file.is_file():
            raise UpstreamConfigError(f"prompts: no {PROMPT_FILE} at {option} (give the LongBench config folder)")
        return load_config(prompt_file)
    if source is None:
        return None
    path = Path(source)
    if not path.exists():
        return None  # a hub id: nothing beside it
    folder = path if path.is_dir() else path.parent
    for candidate in (folder / "config", folder.parent / "config", folder):
        if (candidate / PROMPT_FILE).is_file():
            return load_config(candidate / PROMPT_FILE)
    return None
