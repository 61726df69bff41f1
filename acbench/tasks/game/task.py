"""The game task (AgentBoard's Jericho category, the paper's "Game"): text adventures through the agent loop.

    acbench run --method none --tasks game                         # generated TextWorld games (default)
    GameTask(game_source="/path/zork1.z5,/path/905.z5", labels="/path/jericho_labels.jsonl")

By default the games are acbench's offline stand-in: small TextWorld games generated from fixed seeds and
cached (textworld_games.py). Real Jericho game files (which cannot be downloaded here) are played when
given by path. Every record says which game it played: `game_source` and `game_sha256`.
"""

from __future__ import annotations

import json
from pathlib import Path

from acbench.errors import ConfigError
from acbench.tasks.agentic.agent_task import AgentTask
from acbench.tasks.agentic.env import balanced
from acbench.tasks.base import Sample, TaskResult
from acbench.tasks.agentic.agentboard import AgentBoardFilesError
from acbench.tasks.game.agentboard import AgentBoardGameEnv, JerichoCheckout, game_name
from acbench.tasks.game.env import GameEnv, GamePaper
from acbench.tasks.game.textworld_games import SUITE, build_game, file_sha256

DEFAULT_GOAL = "Explore the game and complete its quest."
_ZMACHINE = {".z1", ".z2", ".z3", ".z4", ".z5", ".z6", ".z7", ".z8"}


class GameTask(AgentTask):
    """Text games with progress (subgoals), success and grounding, paper and strict.

    Args:
        game_source: `textworld` (the generated suite, the default) or Jericho game files: a path, or several
            comma-separated (or a list).
        labels: Jericho only: a JSONL file, one line per game file in order, in AgentBoard's label format
            (`subgoals`: observation snippets, `difficulty`: easy/hard; acbench also reads `goal`).
        subset: `acbench` (acbench's prompt) or `agentboard` (Jericho files with AgentBoard's prompt, goals, first
            observations and environment texts, read from its checkout: agentboard.py). With `agentboard`,
            `game_source` may be a folder: AgentBoard's 20 games (its eval config's list), `<name>.z5` or `.z8`.
        agentboard: the AgentBoard checkout; None: $ACBENCH_AGENTBOARD_DIR.
    """

    name = "game"
    version = "1"

    def __init__(self, profile: str = "quick", max_steps: int | None = None, max_new_tokens: int | None = None,
                 batch_size: int | None = None, scoring: str = "paper", game_source: str | list[str] = "textworld",
                 labels: str | None = None, subset: str = "acbench", agentboard: str | None = None):
        super().__init__(profile, max_steps, max_new_tokens, batch_size, scoring)
        if isinstance(game_source, (list, tuple)):
            game_source = ",".join(str(p) for p in game_source)
        self.game_source = str(game_source).strip()
        self.labels = labels
        self.game_sha256: dict[str, str] = {}  # episode id -> sha256 of its game file, filled by `load`
        self.subset, self.agentboard, self.prompt_sha256 = str(subset), None, None
        if self.subset not in ("acbench", "agentboard"):
            raise ConfigError(f"unknown game subset '{self.subset}': choose from acbench, agentboard")
        if self.subset == "acbench" and agentboard is not None:
            raise ConfigError("option `agentboard` is for subset=agentboard")
        if self.subset == "agentboard":
            if self.game_source == "textworld":
                raise ConfigError("game subset=agentboard plays Jericho game files: give game_source=<AgentBoard's "
                                  "jericho-game-suite folder> or game file paths")
            self._checkout = JerichoCheckout(agentboard)  # a missing file fails here, before any model
            self.agentboard = str(self._checkout.root.resolve())
            self.prompt_sha256 = file_sha256(self._checkout.prompt_path)
            if Path(self.game_source).is_dir():
                self.game_source = ",".join(agentboard_game_files(self._checkout.root, self.game_source))
        if self.game_source != "textworld":
            self._jericho = jericho_games(self.game_source, labels)  # a bad path fails here, before any model
        elif labels is not None:
            raise ConfigError("option `labels` is for Jericho game files (game_source=<path>), not the TextWorld suite")

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        if source is not None:
            raise ConfigError("the game task has no data files: give Jericho games with option `game_source`")
        limit = limit if limit is not None else self.default_limit
        if self.game_source == "textworld":
            picked = balanced([Sample(spec.name, {"spec": spec, "difficulty": spec.difficulty}) for spec in SUITE],
                              limit)
            samples = [_textworld_sample(s.data["spec"]) for s in picked]  # only the games used are built
        else:
            samples = balanced(self._jericho, limit)
        self.game_sha256 = {s.id: s.data["sha256"] for s in samples}
        return samples

    def make_env(self, sample: Sample) -> GameEnv:
        data = sample.data
        if self.subset == "agentboard":
            return AgentBoardGameEnv(data["path"], game_name(data["path"]), data["subgoals"], self._checkout,
                                     data.get("label_goal"))
        return GameEnv(data["path"], data["backend"], data["goal"], data["subgoals"])

    def make_paper(self, sample: Sample, env: GameEnv) -> GamePaper:
        return GamePaper(env, sample.data["subgoals"])

    def aggregate(self, records: list[dict]) -> TaskResult:
        for record in records:  # which game each episode played (stored records may predate the fields)
            game = self.game_sha256.get(str(record["id"]))
            if game is not None:
                record.setdefault("game_sha256", game)
            record.setdefault("game_source", self._sources.get(str(record["id"])))
        return super().aggregate(records)

    @property
    def _sources(self) -> dict[str, str]:
        if self.game_source == "textworld":
            return {spec.name: spec.source for spec in SUITE}
        return {s.id: s.data["source"] for s in self._jericho}


def _textworld_sample(spec) -> Sample:
    meta = build_game(spec)
    return Sample(spec.name, {"path": meta["path"], "backend": "textworld", "source": spec.source,
                              "sha256": meta["sha256"], "goal": meta["objective"], "subgoals": meta["subgoals"],
                              "walkthrough": meta["walkthrough"], "difficulty": spec.difficulty,
                              "group": "textworld"})


def jericho_games(game_source: str, labels: str | None = None) -> list[Sample]:
    """Samples for Jericho game files; every path and the label file are checked here.

    Raises:
        FileNotFoundError: a game file or the label file does not exist.
        ValueError: a file is not a Z-machine game, or the labels do not match the games.
    """
    paths = [p.strip() for p in game_source.split(",") if p.strip()]
    if not paths:
        raise ConfigError("option `game_source` is empty: give `textworld` or Jericho game file paths")
    for path in paths:
        if not Path(path).is_file():
            raise FileNotFoundError(f"Jericho game file not found: {path} (option game_source; AgentBoard's "
                                    f"games are not downloadable here: give local .z3/.z5/.z8 files, or "
                                    f"game_source=textworld for the built-in generated games)")
        if Path(path).suffix.lower() not in _ZMACHINE:
            raise ConfigError(f"{path} is not a Z-machine game file (.z3, .z5, .z8): Jericho plays only those")
    rows = _read_labels(labels, len(paths)) if labels else [{} for _ in paths]
    samples, used = [], set()
    for path, row in zip(paths, rows):
        ident = Path(path).stem
        while ident in used:
            ident += "+"
        used.add(ident)
        samples.append(Sample(ident, {
            "path": str(Path(path).resolve()), "backend": "jericho", "source": str(Path(path).resolve()),
            "sha256": file_sha256(path), "goal": row.get("goal") or DEFAULT_GOAL, "label_goal": row.get("goal"),
            "subgoals": [str(s) for s in row.get("subgoals", [])], "difficulty": row.get("difficulty", "hard"),
            "group": "jericho"}))
    return samples


EVAL_CONFIG = "eval_configs/main_results_all_tasks.yaml"


def agentboard_game_files(checkout: Path, folder: str) -> list[str]:
    """AgentBoard's Jericho games (its eval config's `env.jericho.game_name`, in order) as files of `folder`."""
    import yaml

    config = checkout / EVAL_CONFIG
    if not config.is_file():
        raise AgentBoardFilesError(f"the AgentBoard checkout {checkout} has no {EVAL_CONFIG} (its list of Jericho games)")
    names = ((yaml.safe_load(config.read_text()) or {}).get("env", {}).get("jericho", {}) or {}).get("game_name")
    if not isinstance(names, list) or not names:
        raise AgentBoardFilesError(f"{config}: no env.jericho.game_name list")
    files = []
    for name in map(str, names):
        found = [Path(folder) / f"{name}{ext}" for ext in (".z5", ".z8") if (Path(folder) / f"{name}{ext}").is_file()]
        if not found:
            raise AgentBoardFilesError(f"AgentBoard's Jericho game {name} is not in {folder} (expected {name}.z5 or "
                                       f"{name}.z8, from its data archive's jericho-game-suite)")
        files.append(str(found[0]))
    return files


def _read_labels(path: str, count: int) -> list[dict]:
    if not Path(path).is_file():
        raise FileNotFoundError(f"label file not found: {path} (option labels)")
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    if len(rows) != count:
        raise ConfigError(f"{path} has {len(rows)} label lines for {count} game files: one line per game, in order")
    for i, row in enumerate(rows):
        if not isinstance(row.get("subgoals", []), list):
            raise ConfigError(f"{path} line {i + 1}: `subgoals` must be a list of observation snippets")
        if row.get("difficulty", "hard") not in ("easy", "hard"):
            raise ConfigError(f"{path} line {i + 1}: `difficulty` must be easy or hard")
    return rows
