"""What the fixture scripts that run AgentBoard's own tool environments share (acbench is not imported): an episode
as `EvalTool.evaluate_env` (`agentboard/tasks/tool.py`) plays it, and the fixture file they write.

    from agentboard_tool_fixtures import run_episode, write_fixture   # beside the script, in scripts/
    record = run_episode(env, helpers, parser, outputs, path)         # AgentBoard's env, helpers.py, action parser
    write_fixture(out, "hkust-nlp/AgentBoard agentboard/environment/...", scripts=[record])

Used by agentboard_academia_fixtures.py and agentboard_tool_query_live_fixtures.py (one episode per script), and
agentboard_tool_operation_live_fixtures.py (each step's parse and call, in its own episode loop: drops, exceptions,
the account's status and the sheet's values; the file it writes).
"""

from __future__ import annotations

import json
import os
import sys


def parse_output(helpers, parser, output: str) -> dict:
    """A step's record so far: the output, the action the VanillaAgent's parser reads from it (then tool.py's strip),
    and helpers.py's name and input (input None: no `<name> with Action Input: <input>`, a format error)."""
    action = parser(None, output).strip()
    name, action_input = helpers.extract_action_name_and_action_input(action)
    return {"output": output, "action": action, "name": name, "input": action_input}


def call(env, step: dict, path: list) -> tuple[str, bool]:
    """The environment's step on the parsed call, as tool.py makes it: (observation, done)."""
    observation, _, done, _ = env.step("Action: " + step["name"] + " with Action Input: " + step["input"],
                                       action_path=path)
    return observation, bool(done)


def run_episode(env, helpers, parser, outputs: list[str], path: list, requests: list | None = None) -> dict:
    """The model outputs, one iteration of the step loop each: the VanillaAgent's action parser (then tool.py's
    strip), the name/input split (none: a format error, no environment step, not grounded), else
    `env.step("Action: <name> with Action Input: <input>")`, grounded unless the observation starts with
    "ERROR | "; done, or an observation naming a network error (`aborted`), ends the episode.

    Per step: the parsed action, name and input, the kind of answer (`format_error`, `failed`: the action path's
    new subgoal is "Calling <tool> with <input> failed", `result`: another new subgoal, `check`: grounded without
    one, `error`), the observation (None for a format error), the progress rate (env.reward), done, grounded, the
    new subgoal (repr), aborted and, where `requests` is the list a stand-in server appends to, the requests the
    step made. Then success (done and r = 1) and the progress rate.
    """
    steps = []
    for output in outputs:
        before, asked = len(path), len(requests or [])
        step = parse_output(helpers, parser, output)
        if step["input"] is None:
            step.update(kind="format_error", observation=None, reward=env.reward, done=False, grounded=False)
        else:
            observation, done = call(env, step, path)
            grounded = not observation.startswith("ERROR | ")
            if len(path) > before:
                entry = path[-1]
                failed = entry["Subgoal"] == "Calling " + entry["Action"] + " with " + entry["Action Input"] + " failed"
                kind = "failed" if failed else "result"
            else:
                kind = "check" if grounded else "error"
            step.update(kind=kind, observation=observation, reward=env.reward, done=bool(done), grounded=grounded)
        step["subgoal"] = repr(path[-1]["Subgoal"]) if len(path) > before else None
        step["aborted"] = step["observation"] is not None and helpers.contains_network_error(step["observation"])
        if requests is not None:
            step["requests"] = requests[asked:]
        steps.append(step)
        if step["done"] or step["aborted"]:
            break
    return {"steps": steps, "success": bool(steps[-1]["done"]) and env.reward == 1.0, "progress_rate": env.reward}


def write_fixture(out: str, source: str, **fields) -> None:
    """The fixture file: the AgentBoard files run, its commit ($AGENTBOARD_COMMIT), the Python version, `fields`."""
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"source": source, "commit": os.environ.get("AGENTBOARD_COMMIT", ""),
                   "python": sys.version.split()[0], **fields}, f, indent=1, ensure_ascii=False)
        f.write("\n")
