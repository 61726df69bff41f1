"""Build our built-in T-Eval suite (the eight upstream file names, upstream format) deterministically.

    python acbench/tasks/teval/data/build_suite.py      # rewrites the *_v2.json files beside this script

Tools come from `suite_tools.py`, scenarios from `suite_scenarios.py`; all prompts below are our own.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from suite_scenarios import DATES, PEOPLE, scenario  # noqa: E402
from suite_tools import TOOLS  # noqa: E402

N = 24  # items per file and format
HERE = Path(__file__).parent


def api_block(names: list[str]) -> str:
    return "You can use the following tools:\n" + "\n".join(json.dumps(TOOLS[n]) for n in names)


def tool_set(rng: random.Random, used: list[str], extra: int = 2) -> list[str]:
    """The tools a scenario uses plus a few distractors, in a shuffled order."""
    names = list(dict.fromkeys(used))
    names += rng.sample(sorted(set(TOOLS) - set(names)), extra)
    rng.shuffle(names)
    return names


# ----------------------------------------------------------------------------- instruct
JSON_TEMPLATES = [{"thought": "thought", "action": "name", "args": "args"},
                  {"thought": "goal", "action": "tool", "args": "parameters"},
                  {"thought": "reasoning", "action": "api", "args": "arguments"}]
STRING_TEMPLATES = [
    {"thought_start": "Thought: ", "thought_end": "\n", "action_start": "Action: ", "action_end": "\n",
     "args_start": "Action Input: ", "args_end": ""},
    {"thought_start": "<thought>", "thought_end": "</thought>\n", "action_start": "<action>",
     "action_end": "</action>\n", "args_start": "<args>", "args_end": "</args>"},
    {"thought_start": "[THOUGHT] ", "thought_end": "\n", "action_start": "[TOOL] ", "action_end": "\n",
     "args_start": "[ARGS] ", "args_end": "\n[END]"},
]
ASKS = ["Please call {name} with {args}.", "Use the tool {name}; set {args}.",
        "I want you to run {name} where {args}.", "Invoke {name} using {args}."]


def _describe(args: dict) -> str:
    parts = [f"{k} = {v!r}" for k, v in args.items()]
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def instruct_entry(i: int, fmt: str, rng: random.Random) -> dict:
    sc = scenario(i + (0 if fmt == "json" else 5))
    step = sc["steps"][i % len(sc["steps"])]
    names = tool_set(rng, [step.name])
    if fmt == "json":
        template = JSON_TEMPLATES[i % 3]
        example = {template["thought"]: "why you call the tool", template["action"]: "the tool name",
                   template["args"]: {"argument name": "value"}}
        how = ("Answer with one JSON object with exactly these keys:\n" + json.dumps(example, indent=1)
               + "\nThe arguments must be a JSON object. Output only the JSON object.")
    else:
        template = STRING_TEMPLATES[i % 3]
        t = template
        how = ("Answer in exactly this format:\n" + t["thought_start"] + "why you call the tool" + t["thought_end"]
               + t["action_start"] + "the tool name" + t["action_end"] + t["args_start"]
               + "the arguments as a dict, e.g. {'argument name': 'value'}" + t["args_end"]
               + "\nWrite nothing else.")
    return {"template": template, "meta_data": {"response_format": "json" if fmt == "json" else "string"},
            "ground_truth": {"action": step.name, "args": step.args},
            "origin_prompt": [{"role": "system", "content": api_block(names) + "\n\n" + how},
                              {"role": "user", "content": ASKS[i % 4].format(name=step.name, args=_describe(step.args))}]}


# ----------------------------------------------------------------------------- plan
PLAN_JSON = ("\n\nMake a plan that answers the user's request with these tools. Write it as a JSON list of "
             'steps, each {"id": number, "name": tool name, "args": a dict of arguments}. The steps run in order; '
             "imagine plausible argument values that you cannot know yet. End with the step "
             '{"id": <next id>, "name": "FinishAction", "args": {}}. Output only the JSON list.')
PLAN_STR = ("\n\nMake a plan that answers the user's request with these tools. Write one numbered step per "
            "line, and name the tool each step uses with its arguments, e.g.\n"
            "1. Call ToolName.method with {'argument name': 'value'} to ...\nWrite only the plan.")


def plan_entry(i: int, fmt: str, rng: random.Random) -> dict:
    sc = scenario(i + (0 if fmt == "json" else 3))
    names = tool_set(rng, [s.name for s in sc["steps"]])
    gold = [{"id": k, "prev": [k - 1] if k else [], "name": s.name, "args": s.args} for k, s in enumerate(sc["steps"])]
    gold.append({"id": len(gold), "prev": [len(gold) - 1], "name": "FinishAction", "args": {}})
    return {"meta": {"prompt_type": fmt, "API_list": names}, "ground_truth": gold,
            "origin_prompt": [{"role": "system", "content": api_block(names) + (PLAN_JSON if fmt == "json" else PLAN_STR)},
                              {"role": "user", "content": sc["query"]}]}


# ----------------------------------------------------------------------------- reason / retrieve / understand
RRU_JSON = ('\n\nSolve the user\'s request one tool call at a time. At each step reply with one JSON object '
            '{"thought": what you do next and why, "name": the tool to call, "args": a dict of its arguments}. '
            "The tool's result comes back in the next message. Output only the JSON object.")
RRU_STR = ("\n\nSolve the user's request one tool call at a time. Each step you took so far is written as\n"
           "Thought: ...\nAction: tool name\nAction Input: arguments\nand the tool's result follows it.")
FINAL_ASK = {
    "reason": "What is your thought for the next step? Reply with that thought only, in one or two sentences.",
    "retrieve": "Which tool should be called next? Reply with the tool name only.",
    "understand": "The next step calls {name}. Reply with its arguments only, as a Python dict like {{'key': 'value'}}.",
}


def rru_entry(i: int, kind: str, rng: random.Random) -> dict:
    sc = scenario(i + {"json": 0, "reason": 2, "retrieve": 4, "understand": 6}[kind])
    steps = sc["steps"]
    cut = (i // len(steps) + i) % len(steps)  # how many steps already happened
    names = tool_set(rng, [s.name for s in steps])
    messages = [{"role": "system", "content": api_block(names) + (RRU_JSON if kind == "json" else RRU_STR)},
                {"role": "user", "content": sc["query"]}]
    for s in steps[:cut]:
        if kind == "json":
            said = json.dumps({"thought": s.thought, "name": s.name, "args": s.args})
        else:
            said = f"Thought: {s.thought}\nAction: {s.name}\nAction Input: {s.args}"
        messages += [{"role": "assistant", "content": said}, {"role": "function", "content": str(s.response)}]
    gold = steps[cut]
    if kind != "json":
        messages.append({"role": "user", "content": FINAL_ASK[kind].format(name=gold.name)})
    return {"meta_data": {"response_format": "json" if kind == "json" else "str"},
            "ground_truth": {"thought": gold.thought, "name": gold.name, "args": gold.args},
            "origin_prompt": messages}


# ----------------------------------------------------------------------------- review
REVIEW_SYSTEM = """You will see one tool call and what the tool returned, in this form:
Goal: what the call was meant to achieve
Name: the tool that was called
Args: the arguments it was given
Response: what the tool returned

Judge the outcome and choose one option:
A: Success -- the goal is achieved.
B: Internal error -- the tool itself failed (crash, timeout, server or network error).
C: Input error -- the wrong tool was chosen, or its arguments are wrong or missing.
D: Irrelevant response -- the tool returned something that does not answer the goal.
E: Unable to accomplish -- the tool worked but says the goal cannot be met, or returned nothing.

Reply in this format:
Answer: <one letter from A, B, C, D, E>"""

INTERNAL = ["HTTPSConnectionPool(host='api.example.com', port=443): Max retries exceeded (ConnectTimeoutError)",
            "503 Service Unavailable", "Internal server error: database connection lost",
            "ReadTimeout: the server did not respond within 30 seconds", "RuntimeError: worker process crashed"]
IRRELEVANT = [{"temperature_c": 21, "condition": "sunny"}, {"note_id": "note_9"}, {"rate": 0.92},
              {"status": "deleted"}, {"translation": "Bonjour"}]


def review_entry(i: int) -> dict:
    letter = "ABCDE"[i % 5]
    sc = scenario(i)
    step = sc["steps"][i % len(sc["steps"])]
    name, args = step.name, dict(step.args)
    goal = TOOLS[name]["description"].rstrip(".") + " (" + ", ".join(f"{k}={v!r}" for k, v in args.items()) + ")"
    if letter == "A":
        response, why = step.response, "The tool returned the requested information, so the goal is achieved."
    elif letter == "B":
        response, why = INTERNAL[i // 5 % 5], "The tool failed with a server or network error, not because of its input."
    elif letter == "C":
        key = next(iter(args))
        args.pop(key)
        response, why = f"Error: missing required parameter '{key}'", f"The call lacks the required argument '{key}'."
    elif letter == "D":
        response = IRRELEVANT[i // 5 % 5]
        response = response if set(response) != set(step.response) else {"text": "'address'"}
        why = "The tool answered, but the response does not relate to the goal."
    else:
        lists = [k for k, v in step.response.items() if isinstance(v, list)]
        response = {k: [] for k in lists} if lists else f"No matching record exists for {args}."
        why = "The tool ran but found nothing, so the goal cannot be met."
    content = f"Goal: {goal}\nName: {name}\nArgs: {args}\nResponse: {response}"
    return {"template": "", "meta_data": {"response_format": "str"}, "ground_truth": {"answer": letter, "thought": why},
            "origin_prompt": [{"role": "system", "content": REVIEW_SYSTEM}, {"role": "user", "content": content}]}


def build() -> dict[str, dict]:
    """All eight files, as {file stem: {sample id: entry}}."""
    rng = random.Random(2024)
    files = {}
    files["instruct_v2"] = {f"instruct_{fmt}_{i:02d}": instruct_entry(i, fmt, rng) for fmt in ("json", "string")
                            for i in range(N)}
    for fmt in ("json", "str"):
        files[f"plan_{fmt}_v2"] = {f"plan_{fmt}_{i:02d}": plan_entry(i, fmt, rng) for i in range(N)}
    files["reason_str_v2"] = {f"reason_{i:02d}": rru_entry(i, "reason", rng) for i in range(N)}
    files["retrieve_str_v2"] = {f"retrieve_{i:02d}": rru_entry(i, "retrieve", rng) for i in range(N)}
    files["understand_str_v2"] = {f"understand_{i:02d}": rru_entry(i, "understand", rng) for i in range(N)}
    files["reason_retrieve_understand_json_v2"] = {f"rru_{i:02d}": rru_entry(i, "json", rng) for i in range(N)}
    files["review_str_v2"] = {f"review_{i:02d}": review_entry(i) for i in range(25)}
    assert DATES and PEOPLE  # slot pools are shared with the scenarios
    return files


if __name__ == "__main__":
    for stem, entries in build().items():
        (HERE / f"{stem}.json").write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n")
        print(f"{stem}.json: {len(entries)} items")
