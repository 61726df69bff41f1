"""Generate the Tool-Query suite deterministically: an academic graph, questions, gold subgoals.

    python -m acbench.tasks.tool_query.build_data     # rewrites data/*

The graph (authors with organizations; papers with year, venue, authors, citations of older
papers) comes from a seeded random stream. Each question has gold tool calls; its subgoals are the
observations those calls produce in `ToolQueryEnv` (so they always agree with the simulator), plus
the answer. Easy questions need two calls, hard ones four or more.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from acbench.tasks.tool_query.env import DATA, ToolQueryEnv

SEED = 2025
FIRST = ["Ada", "Bruno", "Chen", "Dana", "Elif", "Farah", "Goran", "Hana", "Ivan", "Jun", "Kofi", "Lena",
         "Mateo", "Nia", "Omar", "Priya"]
LAST = ["Okafor", "Lindqvist", "Tanaka", "Moreau", "Silva", "Novak", "Haddad", "Kim", "Rossi", "Patel",
        "Weber", "Costa", "Ito", "Mensah", "Ortiz", "Berg"]
ORGS = ["Northfield University", "Lakeside Institute of Technology", "Harbor AI Lab", "Eastgate University",
        "Summit Research Center"]
VENUES = ["ICML", "NeurIPS", "ICLR", "ACL", "EMNLP", "AAAI"]
ADJ = ["Sparse", "Robust", "Efficient", "Adaptive", "Scalable", "Contrastive", "Hierarchical", "Causal",
       "Compressed", "Federated"]
TOPIC = ["Graph Retrieval", "Language Agents", "Tool Learning", "Vision Transformers", "Planning",
         "Quantization", "Reward Models", "Code Generation", "Speech Recognition", "Memory Networks"]
PER_TEMPLATE = 4


def make_graph(rng: random.Random) -> dict:
    names = [f"{f} {l}" for f, l in zip(FIRST, rng.sample(LAST, len(LAST)))]
    authors = [{"name": n, "organization": rng.choice(ORGS)} for n in names]
    titles = rng.sample([f"{a} {t}" for a in ADJ for t in TOPIC], 24)
    papers = []
    for i, title in enumerate(titles):  # sorted by index = by age, so citations point to older papers
        year = 2015 + i * 8 // len(titles)
        cites = rng.sample([p["title"] for p in papers], min(len(papers), rng.randint(0, 4)))
        papers.append({"title": title, "year": year, "venue": rng.choice(VENUES),
                       "authors": rng.sample(names, rng.randint(1, 3)), "cites": sorted(cites)})
    return {"authors": authors, "papers": papers}


def q(kind, difficulty, question, calls, answer):
    return {"kind": kind, "difficulty": difficulty, "question": question, "gold_actions": calls + [
        f"finish({json.dumps(answer)})"], "answer": answer}


def candidates(graph: dict) -> dict[str, list[dict]]:
    papers, by_title = graph["papers"], {p["title"]: p for p in graph["papers"]}
    orgs = {a["name"]: a["organization"] for a in graph["authors"]}
    pairs: dict[tuple, list[str]] = {}
    for p in papers:
        for a in p["authors"]:
            for b in p["authors"]:
                if a < b:
                    pairs.setdefault((a, b), []).append(p["title"])
    out = {k: [] for k in ("venue", "coauthors", "organization", "joint_venue", "latest_cited", "first_author_org")}
    for p in papers:
        t = json.dumps(p["title"])
        out["venue"].append(q("venue", "easy", f"In which venue was the paper '{p['title']}' published?",
                              ["loadPaperNet()", f"paperNodeCheck({t})"], p["venue"]))
        first = p["authors"][0]
        out["first_author_org"].append(q(
            "first_author_org", "hard", f"Which organization is the first author of the paper '{p['title']}' with?",
            ["loadPaperNet()", f"paperNodeCheck({t})", "loadAuthorNet()", f"authorNodeCheck({json.dumps(first)})"],
            orgs[first]))
        cited = [by_title[c] for c in p["cites"]]
        years = sorted((c["year"] for c in cited), reverse=True)
        if len(cited) >= 2 and years[0] != years[1]:
            latest = max(cited, key=lambda c: c["year"])
            out["latest_cited"].append(q(
                "latest_cited", "hard", f"Of the papers cited by '{p['title']}', which one is the most recent?",
                ["loadPaperNet()", f"neighbourCheck(\"PaperNet\", {t})"]
                + [f"paperNodeCheck({json.dumps(c['title'])})" for c in sorted(cited, key=lambda c: c['title'])],
                latest["title"]))
    for a in graph["authors"]:
        n = json.dumps(a["name"])
        co = {x for p in papers if a["name"] in p["authors"] for x in p["authors"]} - {a["name"]}
        if co:
            out["coauthors"].append(q("coauthors", "easy", f"How many co-authors does {a['name']} have?",
                                      ["loadAuthorNet()", f"neighbourCheck(\"AuthorNet\", {n})"], len(co)))
        out["organization"].append(q("organization", "easy", f"Which organization is {a['name']} affiliated with?",
                                     ["loadAuthorNet()", f"authorNodeCheck({n})"], a["organization"]))
    for (a, b), joint in sorted(pairs.items()):
        if len(joint) == 1:
            out["joint_venue"].append(q(
                "joint_venue", "hard", f"In which venue did {a} and {b} publish their joint paper?",
                ["loadAuthorNet()", f"authorEdgeCheck({json.dumps(a)}, {json.dumps(b)})", "loadPaperNet()",
                 f"paperNodeCheck({json.dumps(joint[0])})"], by_title[joint[0]]["venue"]))
    return out


def gold_subgoals(item: dict, graph: dict) -> list[str]:
    """Run the gold calls in the simulator: their observations, then the answer."""
    env = ToolQueryEnv({**item, "subgoals": ["answer"]}, graph={**graph, **_indexes(graph)})
    observations = []
    for call in item["gold_actions"][:-1]:
        obs, valid = env.step(call)
        assert valid, (call, obs)
        observations.append(obs)
    return observations + [str(item["answer"])]


def _indexes(graph: dict) -> dict:
    return {"paper_index": {p["title"]: p for p in graph["papers"]},
            "author_index": {a["name"]: a for a in graph["authors"]}}


def generate(out_dir: Path = DATA) -> list[dict]:
    rng = random.Random(SEED)
    graph = make_graph(rng)
    pools = candidates(graph)
    chosen, example = {}, None
    for kind, pool in pools.items():
        rng.shuffle(pool)
        if kind == "venue":  # one venue question is kept out of the suite as the worked example
            example, pool = pool[0], pool[1:]
        chosen[kind] = pool[:PER_TEMPLATE]
    # kinds interleaved, easy first: the first few questions of each difficulty cover every kind
    items = [chosen[k][i] for i in range(PER_TEMPLATE) for k in chosen]
    items.sort(key=lambda it: it["difficulty"])
    for i, item in enumerate(items, 1):
        item["id"] = f"q{i:02d}"
        item["subgoals"] = gold_subgoals(item, graph)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "academia.json").write_text(json.dumps(graph, indent=1) + "\n")
    with (out_dir / "questions.jsonl").open("w") as f:
        for item in items:
            f.write(json.dumps({k: item[k] for k in ("id", "difficulty", "kind", "question", "gold_actions",
                                                    "subgoals", "answer")}) + "\n")
    (out_dir / "example.md").write_text(example_text(example, graph))
    return items


def example_text(item: dict, graph: dict) -> str:
    env = ToolQueryEnv({**item, "subgoals": ["answer"]}, graph={**graph, **_indexes(graph)})
    lines = ["Example:", f"Question: {item['question']}", "Observation: " + env.reset()]
    for call in ["paperNodeCheck(" + item["gold_actions"][1].split("(", 1)[1]] + item["gold_actions"]:
        obs, _ = env.step(call)
        lines += [f"Action: {env.agentboard_call(call)}", f"Observation: {obs}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(len(generate()), "questions written to", DATA)
