"""Generate the Tool-Operation suite deterministically: initial states, goals, target conditions, gold calls.

    python -m acbench.tasks.tool_operation.build_data    # rewrites data/*

Each episode gets its own seeded todo list and grade sheet. Easy goals need one or two changes; hard
goals need reading the data first and several changes. Every episode is checked on generation: its
target conditions are false at the start and the gold calls reach them all.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from acbench.tasks.tool_operation.env import DATA, ToolOperationEnv, check_condition

SEED = 77
CHORES = {
    "Home": ["Buy milk", "Fix the sink", "Water the plants", "Pay rent", "Clean the garage", "Call the plumber"],
    "Work": ["Review pull request", "Write report", "Book meeting room", "Update slides", "Reply to Sam",
             "Plan sprint"],
    "Teaching": ["Grade essays", "Prepare lecture", "Post homework", "Update syllabus", "Hold office hours"],
}
STUDENTS = ["Alice", "Bruno", "Chiara", "Deepak", "Eun", "Femi", "Greta", "Hugo"]
EASY = ["complete", "add", "cell", "append", "complete", "cell"]
HARD = ["priority_sweep", "sort_delete", "email_low", "postpone", "priority_sweep", "email_low"]


def initial_state(rng: random.Random) -> dict:
    projects, next_id = {}, 1
    for project, chores in CHORES.items():
        tasks = []
        for content in rng.sample(chores, 4):
            tasks.append({"id": next_id, "content": content, "due": f"2024-05-{rng.randint(1, 28):02d}",
                          "priority": rng.randint(1, 4), "done": False})
            next_id += 1
        projects[project] = tasks
    rows = []
    for name in rng.sample(STUDENTS, 5):
        score = rng.randint(40, 99)
        rows.append([name, score, "A" if score >= 85 else "B" if score >= 70 else "C" if score >= 60 else "F"])
    return {"projects": projects, "sheet": {"name": "Grades", "columns": ["Name", "Score", "Grade"], "rows": rows}}


def make_episode(kind: str, rng: random.Random, state: dict) -> tuple[str, list[dict], list[str]]:
    """(goal text, target conditions, gold calls) for one template on one state."""
    projects, rows = state["projects"], state["sheet"]["rows"]
    project = rng.choice(list(projects))
    task = rng.choice(projects[project])
    if kind == "complete":
        return (f"Mark the task '{task['content']}' in project '{project}' as done.",
                [{"type": "task", "project": project, "content": task["content"], "done": True}],
                [f"get_tasks({json.dumps(project)})", f"complete_task({task['id']})"])
    if kind == "add":
        content = rng.choice(["Renew passport", "Send invoice", "Order books"])
        due = f"2024-06-{rng.randint(1, 28):02d}"
        return (f"Add a task '{content}' to project '{project}', due {due}.",
                [{"type": "task", "project": project, "content": content, "due": due}],
                [f"add_task({json.dumps(project)}, {json.dumps(content)}, due={json.dumps(due)})"])
    if kind == "cell":
        i = rng.randrange(len(rows))
        value = rows[i][1] + rng.choice([-7, -3, 4, 6])
        return (f"In the Grades sheet, change {rows[i][0]}'s Score to {value}.",
                [{"type": "cell", "key": rows[i][0], "column": "Score", "value": value}],
                ["read_sheet()", f"update_cell({i + 1}, \"Score\", {value})"])
    if kind == "append":
        name = rng.choice([s for s in STUDENTS if s not in {r[0] for r in rows}])
        values = [name, rng.randint(60, 95), rng.choice(["A", "B", "C"])]
        return (f"Add a row to the Grades sheet for {name} with Score {values[1]} and Grade '{values[2]}'.",
                [{"type": "row", "values": values}], [f"append_row({json.dumps(values)})"])
    if kind == "priority_sweep":
        urgent = [t for t in projects[project] if t["priority"] == 4]
        others = [t for t in projects[project] if t["priority"] != 4]
        if not urgent or not others:
            return make_episode(kind, rng, state)
        drop = rng.choice(others)
        return (f"In project '{project}', mark every task with priority 4 as done, and delete the task "
                f"'{drop['content']}'.",
                [{"type": "task", "project": project, "content": t["content"], "done": True} for t in urgent]
                + [{"type": "no_task", "content": drop["content"]}],
                [f"get_tasks({json.dumps(project)})"] + [f"complete_task({t['id']})" for t in urgent]
                + [f"delete_task({drop['id']})"])
    if kind == "sort_delete":
        lowest = min(rows, key=lambda r: r[1])
        after = sorted(rows, key=lambda r: r[1], reverse=True)
        return ("Sort the Grades sheet by Score from highest to lowest, then delete the row of the student "
                "with the lowest Score.",
                [{"type": "sorted", "column": "Score", "descending": True}, {"type": "no_row", "key": lowest[0]}],
                ["read_sheet()", "sort_sheet(\"Score\", descending=True)", f"delete_row({len(after)})"])
    if kind == "email_low":
        low = [r[0] for r in rows if r[1] < 60]
        if not low:
            return make_episode(kind, rng, {**state, "sheet": {**state["sheet"], "rows": _lower(rng, rows)}})
        return ("For every student whose Score in the Grades sheet is below 60, add a task 'Email <name>' "
                "(e.g. 'Email Alice') to project 'Teaching' with priority 3.",
                [{"type": "task", "project": "Teaching", "content": f"Email {n}", "priority": 3} for n in low],
                ["read_sheet()"] + [f"add_task(\"Teaching\", \"Email {n}\", priority=3)" for n in low])
    if kind == "postpone":
        early = [t for t in projects[project] if t["due"] < "2024-05-15"]
        if not early:
            return make_episode(kind, rng, state)
        return (f"Every task of project '{project}' due before 2024-05-15 must move to 2024-06-01.",
                [{"type": "task", "project": project, "content": t["content"], "due": "2024-06-01"} for t in early],
                [f"get_tasks({json.dumps(project)})"]
                + [f"update_task({t['id']}, due=\"2024-06-01\")" for t in early])
    raise ValueError(kind)


def _lower(rng: random.Random, rows: list) -> list:
    """Give one student a failing score in place (the template needs one), keeping the grade consistent."""
    row = rng.choice(rows)
    row[1], row[2] = rng.randint(40, 59), "F"
    return rows


def generate(out_dir: Path = DATA) -> list[dict]:
    rng = random.Random(SEED)
    items = []
    for difficulty, kinds in (("easy", EASY), ("hard", HARD)):
        for kind in kinds:
            while True:
                state = initial_state(rng)
                goal, conditions, gold = make_episode(kind, rng, state)
                if not any(check_condition(state, c) for c in conditions):
                    break  # every condition must start false, so progress starts at 0
            item = {"id": f"op{len(items) + 1:02d}", "difficulty": difficulty, "kind": kind, "goal": goal,
                    "state": state, "conditions": conditions, "gold_actions": gold + ["finish()"]}
            env = ToolOperationEnv(item)
            for call in gold:
                obs, valid = env.step(call)
                assert valid, (item["id"], call, obs)
            assert env.success, (item["id"], env.progress)
            items.append(item)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "episodes.jsonl").open("w") as f:
        for item in items:
            f.write(json.dumps(item) + "\n")
    (out_dir / "example.md").write_text(example_text(random.Random(SEED + 1)))
    return items


def example_text(rng: random.Random) -> str:
    """A worked example on a state that is not in the suite."""
    state = initial_state(rng)
    goal, conditions, gold = make_episode("complete", rng, state)
    env = ToolOperationEnv({"state": state, "conditions": conditions, "goal": goal})
    lines = ["Example:", f"Goal: {goal}", "Observation: " + env.reset()]
    for call in ["get_projects()", "complete_task(\"the task\")", *gold, "finish()"]:
        obs, _ = env.step(call)
        lines += [f"Action: {env.agentboard_call(call)}", f"Observation: {obs}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(len(generate()), "episodes written to", DATA)
