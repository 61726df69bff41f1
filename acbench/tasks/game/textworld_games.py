"""The offline stand-in for AgentBoard's Jericho games: small TextWorld games, generated once and cached.

    meta = build_game(SUITE[0])        # -> {"path": .../game.z8, "sha256": ..., "walkthrough": [...], ...}

Each game is made by `textworld.make` from a fixed seed and size (rooms, objects, quest length) and compiled
with TextWorld's bundled Inform 7 tools, under `<acbench cache>/games/textworld/<name>-<key>/`. The same
settings give the same `.z8` file (byte for byte) and the same episode. Next to the game, `meta.json` holds
the quest's objective, its winning walkthrough and the paper subgoals: the first line of the observation
each walkthrough step gives (AgentBoard annotates a Jericho game with such observation snippets).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from acbench.models import cache_dir

# recipe version: bump when the build or the subgoal derivation changes (a new cache folder is made)
RECIPE = "1"


@dataclass(frozen=True)
class GameSpec:
    """One generated game: a name, TextWorld's seed and size, and AgentBoard's difficulty label."""

    name: str
    seed: int
    rooms: int
    objects: int
    quest_length: int
    difficulty: str

    @property
    def source(self) -> str:
        """The `game_source` recorded for episodes of this game."""
        return (f"textworld:seed={self.seed},rooms={self.rooms},objects={self.objects},"
                f"quest_length={self.quest_length}")

    def key(self) -> str:
        import textworld

        blob = json.dumps({**asdict(self), "recipe": RECIPE, "textworld": textworld.__version__}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


# a handful of rooms and objects, quests of 2-5 steps: easy = at most 3 steps
SUITE: tuple[GameSpec, ...] = (
    GameSpec("tw-easy-1", 101, 2, 3, 2, "easy"),
    GameSpec("tw-hard-1", 201, 3, 5, 4, "hard"),
    GameSpec("tw-easy-2", 102, 3, 4, 3, "easy"),
    GameSpec("tw-hard-2", 202, 4, 6, 5, "hard"),
)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def game_dir(spec: GameSpec, root: Path | None = None) -> Path:
    return (root or cache_dir()) / "games" / "textworld" / f"{spec.name}-{spec.key()}"


def build_game(spec: GameSpec, root: Path | None = None) -> dict:
    """The cached game of `spec`, built on first use; returns its meta (path, sha256, walkthrough, subgoals).

    Building writes into a temporary folder beside the target and renames it, so a crash never leaves a
    half-built game and concurrent builders agree (the same seed gives the same files).

    Raises:
        RuntimeError: TextWorld could not compile the game, or its walkthrough does not win it.
    """
    target = game_dir(spec, root)
    meta_path = target / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        meta["path"] = str(target / "game.z8")
        return meta
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", dir=target.parent))
    try:
        meta = _make(spec, work)
        (work / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
        try:
            os.replace(work, target)
        except OSError:  # another process built it first: same seed, same files
            if not meta_path.exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    meta = json.loads(meta_path.read_text())
    meta["path"] = str(target / "game.z8")
    return meta


def _make(spec: GameSpec, folder: Path) -> dict:
    import textworld

    options = textworld.GameOptions()
    options.seeds = spec.seed
    options.nb_rooms, options.nb_objects, options.quest_length = spec.rooms, spec.objects, spec.quest_length
    options.path = str(folder / "game.z8")
    options.force_recompile = True
    try:
        game_file, game = textworld.make(options)
    except Exception as exc:  # noqa: BLE001 - Inform 7 failures come as several exception types
        raise RuntimeError(f"TextWorld could not build game {spec.name} ({spec.source}): {exc}") from exc
    walkthrough = list(game.metadata["walkthrough"])
    subgoals = walkthrough_subgoals(game_file, walkthrough)
    return {"name": spec.name, "source": spec.source, "difficulty": spec.difficulty, "objective": game.objective,
            "walkthrough": walkthrough, "subgoals": subgoals, "sha256": file_sha256(game_file),
            "textworld": textworld.__version__, "recipe": RECIPE}


def walkthrough_subgoals(game_file: str, walkthrough: list[str]) -> list[str]:
    """Play the walkthrough once; each step's subgoal is the first non-empty line of its observation.

    Raises:
        RuntimeError: the walkthrough does not win the game, or a snippet does not match its own observation
            under AgentBoard's matching rule (then the paper progress of a winning play would not reach 1).
    """
    import textworld

    from acbench.tasks.game.env import clean_observation, match_style

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Jericho's "not fully supported": TextWorld tracks the state itself
        env = textworld.start(game_file, request_infos=textworld.EnvInfos(won=True))
        env.reset()
    subgoals, won = [], False
    for command in walkthrough:
        state, _, _ = env.step(command)
        text = clean_observation(state.feedback)
        line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        if not line or not match_style(" ".join(text.split()), line):
            raise RuntimeError(f"walkthrough step {command!r} of {game_file} gives no usable observation")
        subgoals.append(line)
        won = bool(state.won)
    env.close()
    if not won:
        raise RuntimeError(f"the walkthrough of {game_file} does not win it")
    return subgoals
