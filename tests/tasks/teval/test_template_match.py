"""The linear-time template matcher equals `re.findall(pattern, text, re.S)[0]` (issue 16), and every
parser of model output in this package finishes a 1 MB degenerate output well under a second."""

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acbench.tasks.teval.paper import format_load, paper_instruct, paper_plan, paper_review, paper_rru
from acbench.tasks.teval.parsing import parse_json, parse_template_string
from acbench.tasks.teval.scorer import parse_plan, retrieve_hit, score_review
from acbench.tasks.teval.template_match import _linear_plan, first_match, upstream_pattern

TEMPLATES = [
    {"thought_start": "Thought: ", "thought_end": "\n", "action_start": "Action: ", "action_end": "\n",
     "args_start": "Action Input: ", "args_end": ""},
    {"thought_start": "<thought>", "thought_end": "</thought>\n", "action_start": "<action>",
     "action_end": "</action>\n", "args_start": "<args>", "args_end": "</args>"},
    {"thought_start": "[THOUGHT] ", "thought_end": "\n", "action_start": "[TOOL] ", "action_end": "\n",
     "args_start": "[ARGS] ", "args_end": "\n[END]"},
    {"thought_start": "T.", "thought_end": "\\n", "action_start": "A\\d", "action_end": "[^x]",
     "args_start": "I\\.", "args_end": "[a-c\\]]"},
    {"thought_start": "(?i)thought:", "thought_end": "\n", "action_start": "", "action_end": "\n",
     "args_start": "in:", "args_end": "\\W"},
]
PIECES = ["Thought: ", "Action: ", "Action Input: ", "\n", "<thought>", "</thought>\n", "<action>", "</args>",
          "[THOUGHT] ", "T", "H", "O", "[TOOL] ", "E", "N", "D", " ", "x", "{'a': 1}", "T.", "A1", "I.", "]", "c",
          "THOUGHT:", "IN:", "!"]


def _reference(pattern, text):
    found = re.findall(pattern, text, re.S)
    return found[0] if found else None


def test_upstream_pattern_is_unescaped():
    keys, pattern = upstream_pattern(TEMPLATES[2])
    assert keys == ["thought", "action", "args"]
    assert pattern == "[THOUGHT] (.*)\n[TOOL] (.*)\n[ARGS] (.*)\n[END]"
    assert all(_linear_plan(upstream_pattern(t)[1]) is not None for t in TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES)
def test_matches_python_re_on_generated_outputs(template):
    _, pattern = upstream_pattern(template)
    rng = random.Random(7)
    for _ in range(1500):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 16)))
        assert first_match(pattern, text) == _reference(pattern, text), text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES + ["a", "b", "\n\n"]), max_size=20), st.sampled_from(TEMPLATES))
def test_matches_python_re_property(pieces, template):
    _, pattern = upstream_pattern(template)
    text = "".join(pieces)
    assert first_match(pattern, text) == _reference(pattern, text)


def test_other_patterns_fall_back_to_python_re():
    pattern = "<|t|>(.*)\n(.*)"  # alternation: not the F0 (.*) F1 ... shape
    assert _linear_plan(pattern) is None
    for text in ["a<b\nc", "t>\nx", "", "x|y"]:
        assert first_match(pattern, text) == _reference(pattern, text)
    assert first_match("a(.*)b", "a1b") == "1"  # one group: findall gives the string itself
    with pytest.raises(re.error):
        first_match("Thought((.*)", "x")


MB = 1 << 20
DEGENERATE = {
    "markers": ("Thought: \nAction: \n" * (MB // 18))[:MB],
    "braces": "{" * MB,
    "quotes": ("'\"" * (MB // 2)),
    "brackets": "[THOUGHT] [TOOL] [ARGS] " * (MB // 24),
    "plan": "get_weather. send_email\n" * (MB // 25),
}
INSTRUCT = {"template": TEMPLATES[0], "meta_data": {"response_format": "string"},
            "ground_truth": {"action": "a", "args": {"x": 1}}}
PLAN_STR = {"meta": {"prompt_type": "str", "API_list": ["get_weather", "send_email"]},
            "ground_truth": [{"id": 0, "name": "get_weather", "args": {}}]}
RRU = {"meta_data": {"response_format": "str"}, "ground_truth": {"thought": "t", "name": "A.b", "args": {}}}
REVIEW = {"template": "", "meta_data": {"response_format": "str"}, "ground_truth": {"answer": "A"}}
PARSERS = {
    "first_match (paper template)": lambda t: [first_match(upstream_pattern(x)[1], t) for x in TEMPLATES],
    "paper_instruct string": lambda t: paper_instruct(INSTRUCT, t),
    "paper_instruct json": lambda t: paper_instruct(dict(INSTRUCT, template={"thought": "a", "action": "b", "args": "c"},
                                                         meta_data={"response_format": "json"}), t),
    "format_load (plan slicing)": lambda t: pytest.raises(ValueError, format_load, t, "[", "]") if "[" not in t else None,
    "paper_plan string parse": lambda t: paper_plan(dict(PLAN_STR, ground_truth=[]), t, "plan_str", None),
    "paper_rru retrieve": lambda t: paper_rru(dict(RRU), t, "retrieve_str", None),
    "paper_rru understand": lambda t: paper_rru(dict(RRU), t, "understand_str", None),
    "paper_rru json": lambda t: paper_rru(dict(RRU, meta_data={"response_format": "json"}), t,
                                          "reason_retrieve_understand_json", None),
    "paper_review": lambda t: paper_review(REVIEW, t),
    "strict parse_json": lambda t: (parse_json(t, "{", "}"), parse_json(t)),
    "strict parse_template_string": lambda t: parse_template_string(TEMPLATES[0], t),
    "strict parse_plan string": lambda t: parse_plan(PLAN_STR, t, "str"),
    "strict retrieve_hit": lambda t: retrieve_hit(t, "A.b"),
    "strict score_review": lambda t: score_review(REVIEW, t, "str"),
}


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_parsers_handle_one_megabyte_degenerate_outputs(parser, no_hang):
    # the catastrophic regex needed > 20 s for 32 KB, so hours for a megabyte; linear parsers take well under 1 s
    for name, text in DEGENERATE.items():
        with no_hang():
            PARSERS[parser](text)


@pytest.mark.parametrize("text, sure", [("[THOUGHT] [TOOL]", True), ("Thought: x", True), ("[1, True, None]", False),
                                        ("set()", False), ("1e5 + 2j", False), ("{'a': b}", False), ("[1] # x", False)])
def test_literal_eval_shortcut_only_where_it_must_fail(text, sure):
    import ast

    from acbench.tasks.teval.parsing import surely_not_literal

    assert surely_not_literal(text) is sure
    if sure:
        with pytest.raises(Exception):
            ast.literal_eval(text)
