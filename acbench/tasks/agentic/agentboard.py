"""AgentBoard's VanillaAgent prompt layout, read at run time from a local AgentBoard checkout (never copied here).

    checkout = Checkout("/src/AgentBoard")                       # a clone of github.com/hkust-nlp/AgentBoard
    layout = VanillaLayout(checkout.layout_texts(), system="...", instruction="...", examples=["..."])
    layout.reset(goal, first_observation)
    layout.update(action, observation)
    messages = layout.fit(engine, budget)                        # [system, user]: what AgentBoard sends
    action = agentboard_action(model_output)                     # its action_parser_for_special_llms rules

AgentBoard (hkust-nlp/AgentBoard, `agentboard/agents/vanilla_agent.py`, `eval_configs/main_results_all_tasks.yaml`)
sends two messages per step: its system message, and one user message rebuilt every step: the instruction,
"Here are examples:" and the worked example, the goal (`need_goal: True`), the help command line
(`check_actions`), then the last `memory_size` (100) history items ("Observation: ..." / "Action: ...", one a
line) and a closing "Action: " cue. When that does not fit the context, the oldest history items are dropped.
The connecting phrases are read from `make_prompt` in the checkout's vanilla_agent.py (its string constants), so a
change upstream shows here; a checkout whose file has no such phrases fails with the file named.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from acbench.errors import ConfigError

AGENT_FILE = "agentboard/agents/vanilla_agent.py"
ENV_VAR = "ACBENCH_AGENTBOARD_DIR"  # where the task options name no checkout
MEMORY_SIZE = 100  # main_results_all_tasks.yaml: agent.memory_size
STEP_LIMIT = 30  # main_results_all_tasks.yaml: run.max_num_steps


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class AgentBoardFilesError(ConfigError):
    """An AgentBoard checkout or data folder lacks a file that is needed, or a file is not in its format."""


def checkout_root(path: str | os.PathLike | None, task: str) -> Path:
    """The checkout folder: `path`, else $ACBENCH_AGENTBOARD_DIR; a clear error when neither is given."""
    value = path if path is not None else os.environ.get(ENV_VAR)
    if not value:
        raise AgentBoardFilesError(
            f"{task} subset=agentboard reads AgentBoard's prompts and environment texts from a local AgentBoard "
            f"checkout (git clone https://github.com/hkust-nlp/AgentBoard): pass {task}.agentboard=<its folder> or "
            f"set {ENV_VAR}")
    root = Path(value).expanduser()
    if not root.is_dir():
        raise AgentBoardFilesError(f"AgentBoard checkout folder not found: {root}")
    return root


def require(root: Path, relative: str) -> Path:
    path = root / relative
    if not path.is_file():
        raise AgentBoardFilesError(f"the AgentBoard checkout {root} has no {relative} (expected {path}); "
                                   f"is it a checkout of github.com/hkust-nlp/AgentBoard?")
    return path


def _strings(node: ast.AST) -> list[str]:
    """The string constants inside `node`, in source order."""
    found = [n for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return [n.value for n in sorted(found, key=lambda n: (n.lineno, n.col_offset))]


@lru_cache(maxsize=16)
def _module(path: str, mtime_ns: int) -> ast.Module:
    return ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)


def function_node(path: Path, function: str, owner: str | None = None) -> ast.FunctionDef:
    """The syntax tree of `owner.function` (or a module-level `function`) in a Python file, without running it."""
    tree = _module(str(path), path.stat().st_mtime_ns)
    scope = tree
    if owner is not None:
        scope = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner), None)
        if scope is None:
            raise AgentBoardFilesError(f"{path}: no class {owner}")
    for node in scope.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return node
    raise AgentBoardFilesError(f"{path}: no function {(owner + '.') if owner else ''}{function}")


def function_strings(path: Path, function: str, owner: str | None = None) -> list[str]:
    """String constants of `owner.function` (or a module-level `function`) in a Python file, without running it."""
    return _strings(function_node(path, function, owner))


def module_dict(path: Path, name: str) -> dict:
    """The literal dict assigned to `name` at module level (later duplicate keys win, as when Python runs it)."""
    tree = _module(str(path), path.stat().st_mtime_ns)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError as exc:
                raise AgentBoardFilesError(f"{path}: {name} is not a literal dict ({exc})") from None
            if isinstance(value, dict):
                return value
    raise AgentBoardFilesError(f"{path}: no literal dict {name} at module level")


def pick(strings: list[str], where: str, what: str, test) -> str:
    for s in strings:
        if test(s):
            return s
    raise AgentBoardFilesError(f"{where}: cannot find {what} among its string constants (a changed AgentBoard?)")


@dataclass(frozen=True)
class LayoutTexts:
    """The phrases VanillaAgent.make_prompt puts between the prompt's parts."""

    examples_header: str  # before the worked example(s)
    goal_lead: str  # before the goal
    help_lead: str  # before the help command
    inventory_help: str  # the whole inventory help line (Jericho)
    action_cue: str  # after the history

    @classmethod
    def read(cls, root: Path) -> "LayoutTexts":
        path = require(root, AGENT_FILE)
        strings = function_strings(path, "make_prompt", "VanillaAgent")
        where = f"{path} (VanillaAgent.make_prompt)"
        return cls(
            examples_header=pick(strings, where, "the examples header",
                                 lambda s: s.startswith("\n") and "example" in s.lower()),
            goal_lead=pick(strings, where, "the goal phrase", lambda s: "goal" in s and s.endswith(": ")),
            help_lead=pick(strings, where, "the help-command phrase",
                           lambda s: "command" in s and s.endswith(": ")),
            inventory_help=pick(strings, where, "the inventory help line",
                                lambda s: "command" in s and "inventory" in s and s.endswith("\n")),
            action_cue=pick(strings[::-1], where, "the action cue", lambda s: s.strip() == "Action:"),
        )


@dataclass
class VanillaLayout:
    """One episode's prompt as AgentBoard's VanillaAgent builds it (see the module docstring)."""

    texts: LayoutTexts
    system: str
    instruction: str
    examples: list[str]
    check_actions: str | None = "check valid actions"
    check_inventory: bool = False
    memory_size: int = MEMORY_SIZE
    need_goal: bool = True
    goal: str = ""
    memory: list[tuple[str, str]] = field(default_factory=list)

    def reset(self, goal: str, observation: str) -> None:
        self.goal, self.memory = goal, [("Observation", observation)]

    def update(self, action: str, observation: str) -> None:
        self.memory += [("Action", action), ("Observation", observation)]

    def head(self) -> str:
        t = self.texts
        query = self.instruction
        if self.examples:
            query += t.examples_header + "".join(example + "\n" for example in self.examples)
        if self.need_goal:
            query += t.goal_lead + self.goal + "\n"
        if self.check_actions is not None:
            query += t.help_lead + self.check_actions + "\n"
        if self.check_inventory:
            query += t.inventory_help
        return query

    def messages(self, history: list[tuple[str, str]] | None = None) -> list[dict]:
        history = self.memory[-self.memory_size:] if history is None else history
        user = self.head() + "\n".join(f"{kind}: {text}" for kind, text in history) + self.texts.action_cue
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]

    def fit(self, engine, budget: int) -> list[dict]:
        """The messages with the oldest history items dropped until they fit `budget` tokens (AgentBoard's rule).

        Where even the instruction and example alone do not fit (AgentBoard would loop for ever), their middle
        is cut, as acbench's own loop does.
        """
        from acbench.tasks.agentic.loop import prompt_tokens

        history = self.memory[-self.memory_size:]
        messages = self.messages(history)
        while history and prompt_tokens(messages, engine) > budget:
            history = history[1:]
            messages = self.messages(history)
        over = prompt_tokens(messages, engine) - budget
        if over > 0:
            user = messages[1]["content"]
            keep = max(engine.count_tokens(user) - over, 16)
            messages[1] = {"role": "user", "content": engine.truncate_middle(user, keep)}
        return messages


def agentboard_action(output: str) -> str:
    """The action AgentBoard's VanillaAgent reads from a model output (its action_parser_for_special_llms).

    Where the output mentions "action", the first line that settles it wins: a line after one with "next action"
    and a colon (its next non-empty line); a line whose part before the first colon ends with "with action
    input" (kept whole); the text after the first colon of a line with "action" and a colon; the text after
    "is to" of a line with "action". Otherwise, or if that is blank, the output's first line. The result is
    stripped of spaces, then of quotes and slashes, and cut at its first newline. Never None: an empty output
    gives "".
    """
    action = output
    if "action" in output.lower():
        lines = output.split("\n")
        for line in lines:
            if "next action" in line and ":" in line:
                index = lines.index(line)
                while index + 1 < len(lines):
                    if lines[index + 1]:
                        action = lines[index + 1]
                        break
                    index += 1
            if line.split(":")[0].lower().endswith("with action input"):
                action = line
                break
            if "action" in line.lower() and ":" in line:
                rest = ":".join(line.split(":")[1:])
                if rest != "":
                    action = rest
                    break
            if "action" in line.lower() and "is to" in line:
                rest = line.split("is to")[1]
                if rest != "":
                    action = rest
                    break
    if action.strip() == "":
        action = output.split("\n")[0]
    return action.strip().strip("'/").split("\n")[0]


class EnvironmentRules:
    """The paper rules of an AgentBoard subset's episode, which its environment keeps itself (as AgentBoard's
    environments do): progress rate `reward`, `done`, `success`, and the last action's validity and observation."""

    def __init__(self, env):
        self.env = env
        self.progress, self.done, self.success = 0.0, False, False

    def step(self, output: str, action: str | None) -> tuple[bool, str]:
        self.progress, self.done, self.success = self.env.reward, self.env.done, self.env.success
        return self.env.last_valid, self.env.last_observation


def read_prompt_file(root: Path, relative: str, keys: tuple[str, ...] | None = None) -> dict:
    """A VanillaAgent prompt JSON of the checkout, checked for system_msg, instruction and examples: one entry per
    game when `keys` names the games (PDDL), else the file is the one prompt (Jericho, ScienceWorld)."""
    path = require(root, relative)
    try:
        prompts = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise AgentBoardFilesError(f"{path}: not JSON ({exc.msg})") from None
    if keys is None:
        _check_prompt(prompts, f"{path}:")
        return prompts
    for key in keys:
        entry = prompts.get(key) if isinstance(prompts, dict) else None
        if not isinstance(entry, dict):
            raise AgentBoardFilesError(f"{path}: no prompt for '{key}'")
        _check_prompt(entry, f"{path}: the prompt for '{key}' has")
        if isinstance(entry["examples"], str):
            entry["examples"] = [entry["examples"]]
    return prompts


def _check_prompt(prompt, where: str) -> None:
    missing = [k for k in ("system_msg", "instruction", "examples") if not isinstance(prompt, dict) or k not in prompt]
    if missing:
        raise AgentBoardFilesError(f"{where} no {', '.join(missing)}")
