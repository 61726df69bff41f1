"""Per-item T-Eval scores on hand-made answers, with hand-computed expected values.

Similarity-based scores use `TableEmbedder` (conftest fixture `table`): texts without a table vector are orthogonal to
every other text and identical to themselves, so similarities are 0 or 1 unless a test sets vectors.
"""

import json

import pytest

from acbench.tasks.teval.scorer import parse_plan, plan_match, score_instruct, score_plan, score_review, score_rru

JSON_TEMPLATE = {"thought": "goal", "action": "tool", "args": "parameters"}
STR_TEMPLATE = {"thought_start": "Thought: ", "thought_end": "\n", "action_start": "Action: ", "action_end": "\n",
                "args_start": "Action Input: ", "args_end": ""}
INSTRUCT_GOLD = {"action": "Email.send_email", "args": {"to": "a@x.com", "subject": "Hi"}}


def _instruct(template):
    return {"template": template, "ground_truth": INSTRUCT_GOLD}


@pytest.mark.parametrize("answer, fmt_score, args_em", [
    ({"goal": "g", "tool": "Email.send_email", "parameters": {"to": "a@x.com", "subject": "Hi"}}, 1, 1.0),
    ({"goal": "g", "tool": "Email.send_email", "parameters": {"to": "a@x.com", "subject": "Hello"}}, 1, 2 / 3),
    ({"goal": "g", "tool": "Email.send", "parameters": {"to": "a@x.com", "subject": "Hi"}}, 1, 2 / 3),
    ({"goal": "g", "tool": "Email.send", "parameters": "to=a@x.com"}, 1, 0.0),  # args not a dict -> {}
])
def test_instruct_json(answer, fmt_score, args_em):
    out = score_instruct(_instruct(JSON_TEMPLATE), json.dumps(answer), "json")
    assert out["format"] == fmt_score and out["args_em"] == pytest.approx(args_em) and out["parse_error"] is None


@pytest.mark.parametrize("answer, reason", [
    ('{"tool": "Email.send_email", "parameters": {}}', "missing key(s) ['goal']"),
    ('[1, 2]', "answer is not a JSON object"),
    ("I will send the email.", "not valid JSON or Python literal"),
    # upstream slices no {...} span for instruct: leading prose makes the answer unparseable
    ('Here it is: {"goal": "g", "tool": "Email.send_email", "parameters": {}}', "not valid JSON or Python literal"),
])
def test_instruct_json_unparseable(answer, reason):
    out = score_instruct(_instruct(JSON_TEMPLATE), answer, "json")
    assert out == {"format": 0.0, "args_em": 0.0, "parse_error": reason}


def test_instruct_string():
    record = _instruct(STR_TEMPLATE)
    good = "Thought: send it\nAction: Email.send_email\nAction Input: {'to': 'a@x.com', 'subject': 'Hi'}"
    assert score_instruct(record, good, "str") == {"format": 1.0, "args_em": 1.0, "parse_error": None}
    one_arg = "Thought: send it\nAction: Email.send_email\nAction Input: {'to': 'b@x.com', 'subject': 'Hi'}"
    assert score_instruct(record, one_arg, "str")["args_em"] == pytest.approx(2 / 3)
    bad_args = "Thought: send it\nAction:  Email.send_email \nAction Input: to=a@x.com"
    assert score_instruct(record, bad_args, "str") == {"format": 1.0, "args_em": pytest.approx(1 / 3), "parse_error": None}
    out = score_instruct(record, "Action: Email.send_email", "str")
    assert out["format"] == 0.0 and out["args_em"] == 0.0 and out["parse_error"]


# ----------------------------------------------------------------------------- plan
GOLD_PLAN = [{"id": 0, "prev": [], "name": "A.x", "args": {"p": 1}}, {"id": 1, "prev": [0], "name": "B.y", "args": {"q": 2}},
             {"id": 2, "prev": [1], "name": "C.z", "args": {}}, {"id": 3, "prev": [2], "name": "FinishAction", "args": {}}]
PLAN_JSON = {"meta": {"prompt_type": "json", "API_list": ["A.x", "B.y", "C.z"]}, "ground_truth": GOLD_PLAN}
PLAN_STR = {"meta": {"prompt_type": "str", "API_list": ["A.x", "B.y", "C.z"]}, "ground_truth": GOLD_PLAN}
SHUFFLED = [{"id": 0, "name": "C.z", "args": {}}, {"id": 1, "name": "A.x", "args": {"p": 1}},
            {"id": 2, "name": "B.y", "args": {"q": 3}}]


def test_plan_perfect_with_finish_action_dropped(table):
    answer = json.dumps([{k: v for k, v in s.items() if k != "prev"} for s in GOLD_PLAN])
    out = score_plan(PLAN_JSON, answer, "json", table())
    assert (out["precision"], out["recall"], out["f1"]) == (1.0, 1.0, 1.0)


def test_plan_matching_threshold_and_lis(table):
    # C.z and A.x match exactly (1.0); B.y has name 1.0 but args orthogonal: 0.75 <= 0.8, no match.
    # Matched gold indices in prediction order: [2, 0] -> LIS 1 -> P = R = F1 = 1/3.
    out = score_plan(PLAN_JSON, json.dumps(SHUFFLED), "json", table())
    assert (out["precision"], out["recall"], out["f1"]) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    # args cos 0.6 -> 0.75 + 0.25 * 0.6 = 0.9 > 0.8: B.y matches too; [2, 0, 1] -> LIS 2 -> 2/3.
    embedder = table({"{'q': 2}": [1, 0], "{'q': 3}": [0.6, 0.8]})
    out = score_plan(PLAN_JSON, json.dumps(SHUFFLED), "json", embedder)
    assert (out["precision"], out["recall"], out["f1"]) == pytest.approx((2 / 3, 2 / 3, 2 / 3))


def test_plan_sorted_by_id(table):
    # listed C.z, A.x, B.y (gold order [2, 0, 1], LIS 2), but the ids put them in gold order: LIS 3
    steps = [{"id": 2, "name": "C.z", "args": {}}, {"id": 0, "name": "A.x", "args": {"p": 1}},
             {"id": 1, "name": "B.y", "args": {"q": 2}}]
    assert score_plan(PLAN_JSON, json.dumps(steps), "json", table())["f1"] == pytest.approx(1.0)


def test_plan_lis_quirk(table):
    answer = json.dumps([{"id": 0, "name": "D.w", "args": {}}])  # matches nothing (0.25)
    quirk = score_plan(PLAN_JSON, answer, "json", table(), lis_quirk=True)
    assert (quirk["precision"], quirk["recall"], quirk["f1"]) == pytest.approx((1.0, 1 / 3, 0.5))
    faithful_off = score_plan(PLAN_JSON, answer, "json", table(), lis_quirk=False)
    assert faithful_off["f1"] == 0.0


@pytest.mark.parametrize("answer", ["no plan", '[{"name": "A.x", "args": {}}]', '{"id": 0}', "[]"])
def test_plan_json_unparseable(answer, table):
    out = score_plan(PLAN_JSON, answer, "json", table())
    assert out["f1"] == 0.0 and out["parse_error"]


def test_plan_only_finish_action(table):
    out = score_plan(PLAN_JSON, '[{"id": 0, "name": "FinishAction", "args": {}}]', "json", table())
    assert out["f1"] == 0.0 and out["parse_error"] == "plan holds only FinishAction"


def test_plan_string(table):
    text = "First use A.x to get p. Then B.y with q=2\nFinally C.z and A.x\nDone."
    steps, error = parse_plan(PLAN_STR, text, "str")
    assert error is None
    assert [(s["name"], s["args"]) for s in steps] == [
        ("A.x", "First use A.x to get p"), ("B.y", "Then B.y with q=2"), ("C.z", "Finally C.z and A.x")]
    # the step texts share nothing with the gold args: 0.75 each, no match; strict counts 0, the LIS quirk 1
    assert score_plan(PLAN_STR, text, "str", table())["f1"] == 0.0
    assert score_plan(PLAN_STR, text, "str", table(), lis_quirk=True)["f1"] == pytest.approx(1 / 3)
    # give each step text the vector of its gold args: every step matches in order
    embedder = table({"First use A.x to get p": [1, 0, 0], "{'p': 1}": [1, 0, 0],
                              "Then B.y with q=2": [0, 1, 0], "{'q': 2}": [0, 1, 0],
                              "Finally C.z and A.x": [0, 0, 1], "{}": [0, 0, 1]})
    assert score_plan(PLAN_STR, text, "str", embedder)["f1"] == pytest.approx(1.0)
    out = score_plan(PLAN_STR, "I would search the web", "str", table())
    assert out["f1"] == 0.0 and "API_list" in out["parse_error"]


def test_plan_match_empty_sides(table):
    assert plan_match([], [{"id": 0, "name": "A.x", "args": "{}"}], table()) == (0.0, 0.0, 0.0)


# ----------------------------------------------------------------------------- reason / retrieve / understand
RRU_GOLD = {"thought": "check the weather", "name": "WeatherAPI.get_forecast", "args": {"city": "Paris", "days": 3}}


def test_rru_json_fields(table):
    embedder = table({"check the weather": [1, 0], "look at weather": [0.8, 0.6]})
    record = {"ground_truth": RRU_GOLD}
    answer = {"thought": "look at weather", "name": "WeatherAPI.get_forecast", "args": {"city": "Paris", "days": 4}}
    out = score_rru(record, "```json\n" + json.dumps(answer) + "\n```", "json", "reason", embedder)
    assert out == {"thought": pytest.approx(0.8), "name": 1.0, "args": 0.5, "parse_error": None}
    # values compare as strings: "3" == 3; a missing thought is the empty string (orthogonal here)
    answer = {"name": "WeatherAPI.get_current_weather", "args": {"city": "Paris", "days": "3"}}
    out = score_rru(record, "Next: " + json.dumps(answer), "json", "reason", embedder)
    assert out == {"thought": 0.0, "name": 0.0, "args": 1.0, "parse_error": None}
    out = score_rru(record, "call the weather tool", "json", "reason", embedder)
    assert out["thought"] == out["name"] == out["args"] == 0.0 and out["parse_error"]


def test_rru_json_empty_gold_args(table):
    record = {"ground_truth": {"thought": "t", "name": "TimeTool.now", "args": {}}}
    assert score_rru(record, '{"thought": "t", "name": "TimeTool.now", "args": {}}', "json", "reason", table())["args"] == 1.0
    assert score_rru(record, '{"thought": "t", "name": "TimeTool.now", "args": {"x": 1}}', "json", "reason", table())["args"] == 0.0


def test_rru_strings(table):
    record = {"ground_truth": RRU_GOLD}
    embedder = table({"check the weather": [1, 0], "I should look at the forecast": [0.6, 0.8]})
    assert score_rru(record, "I should look at the forecast\n", "str", "reason", embedder) == {"thought": pytest.approx(0.6), "parse_error": None}
    retrieve = {
        "WeatherAPI.get_forecast": 1.0,
        "I will call WeatherAPI.get_forecast next.": 1.0,
        "WeatherAPI.get_forecast or Calendar.list_events": 0.0,  # another tool named
        "FinishAction after WeatherAPI.get_forecast": 0.0,
        "the weather forecast tool": 0.0,
    }
    for text, expected in retrieve.items():
        assert score_rru(record, text, "str", "retrieve", None)["name"] == expected, text
    assert score_rru(record, "'{'city': 'Paris', 'days': 3}'", "str", "understand", None)["args"] == 1.0
    assert score_rru(record, "{'city': 'Paris', 'days': '3'}", "str", "understand", None)["args"] == 0.0
    out = score_rru(record, "   ", "str", "understand", None)
    assert out == {"args": 0.0, "parse_error": "empty output"}


# ----------------------------------------------------------------------------- review
def test_review_string():
    record = {"ground_truth": {"answer": "B", "thought": "t"}}
    assert score_review(record, "Answer: B", "str") == {"correct": 1.0, "parse_error": None}
    assert score_review(record, "B", "str")["correct"] == 1.0  # no ':' -> the whole text
    assert score_review(record, "The answer is: C, because", "str") == {"correct": 0.0, "parse_error": None}
    out = score_review(record, "Answer: b", "str")
    assert out["correct"] == 0.0 and out["parse_error"]


def test_review_json():
    record = {"ground_truth": {"answer": True}}
    assert score_review(record, '{"is_finished": true}', "json") == {"correct": 1.0, "parse_error": None}
    assert score_review(record, "{'is_finished': False}", "json")["correct"] == 0.0
    out = score_review(record, '{"is_finished": "yes"}', "json")
    assert out["correct"] == 0.0 and out["parse_error"] == "no boolean 'is_finished'"
