"""Every parser of model output, fed arbitrary and hostile text: no crash outside its documented error, no hang.

T-Eval (JSON chain, string template, upstream's format_load and linear-time template matching, checked
against `re.findall`), WorfBench (strict and paper parsers), LongGenBench (answer finders, number
normalisation), LongBench answer metrics (paper and strict), and every text metric.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from acbench.scoring import text_metrics as tm
from acbench.tasks.longbench import paper_metrics as pm
from acbench.tasks.longgenbench import dataset as lgd
from acbench.tasks.longgenbench import paper as lgp
from acbench.tasks.teval.paper import format_load
from acbench.tasks.teval.parsing import parse_json, parse_template_string
from acbench.tasks.teval.template_match import first_match, upstream_pattern
from acbench.tasks.worfbench.graph import WorkflowParseError, parse_workflow
from acbench.tasks.worfbench.paper import parse_paper

from .conftest import FUZZ, HOSTILE, bounded, model_text

TEMPLATE = {"thought_start": "Thought:", "thought_end": "\n", "action_start": "Action:", "action_end": "\n",
            "args_start": "Action Input:", "args_end": "\n"}


def hostile(*rest):
    """The HOSTILE texts as explicit examples (first argument), with `rest` as the other arguments."""
    def decorate(f):
        for text in HOSTILE:
            f = example(text, *rest)(f)
        return f
    return decorate


@FUZZ
@given(model_text, st.sampled_from([("", ""), ("{", "}"), ("[", "]")]))
@hostile(("[", "]"))
def test_teval_parse_json(text, bounds):
    with bounded("teval.parse_json"):
        value, error = parse_json(text, *bounds)
    assert error is None or (value is None and isinstance(error, str))


@FUZZ
@given(model_text)
@hostile()
def test_teval_format_load_raises_only_value_error(text):
    with bounded("teval.format_load"):
        for start, end in (("", ""), ("{", "}"), ("[", "]")):
            try:
                format_load(text, start, end)
            except ValueError:
                pass


@FUZZ
@given(model_text)
@hostile()
def test_teval_parse_template_string(text):
    with bounded("teval.parse_template_string"):
        parsed, error = parse_template_string(TEMPLATE, text)
    assert (parsed is None) != (error is None)
    if parsed is not None:
        assert set(parsed) == {"thought", "action", "args"} and isinstance(parsed["args"], dict)


markers = st.text(alphabet="ab:\n.", min_size=0, max_size=3)


@FUZZ
@given(st.lists(markers, min_size=6, max_size=6), st.text(alphabet="ab:\n.x", max_size=40))
def test_teval_first_match_equals_re_findall(parts, text):
    """The linear-time matcher gives `re.findall(pattern, text, re.S)[0]` on every template and text."""
    template = dict(zip(("thought_start", "thought_end", "action_start", "action_end", "args_start", "args_end"), parts))
    with bounded("teval.first_match"):
        _, pattern = upstream_pattern(template)
        try:
            expected = re.findall(pattern, text, re.S)
        except re.error:
            with pytest.raises(re.error):
                first_match(pattern, text)
            return
        got = first_match(pattern, text)
    assert got == (expected[0] if expected else None)


@FUZZ
@given(model_text)
@hostile()
def test_worfbench_parsers(text):
    with bounded("worfbench.parse"):
        try:
            workflow = parse_workflow(text)
        except WorkflowParseError as err:
            assert str(err)
        else:
            assert workflow.edges
        parse_paper(text)  # None or a PaperWorkflow: upstream's reading never raises out


@FUZZ
@given(model_text, st.sampled_from(["gsm8k", "mmlu", "csqa"]))
@hostile("gsm8k")
def test_longgenbench_answer_parsers(text, kind):
    with bounded("longgenbench.parse"):
        found = lgp.find_answers(text, kind) if kind != "csqa" else lgp.find_mmlu(text)
        assert all(isinstance(a, str) for a in found)
        score, _ = lgp.paper_sample_score(kind, ["1", "(A)", None], text)
        assert 0.0 <= score <= 1.0
        answers = lgd.parse_answers(text, kind)
        assert all(isinstance(k, int) and isinstance(v, str) for k, v in answers.items())
        value = lgd.normalize_number(text)
        assert value is None or isinstance(value, str)
        lgd.extract_final(text, kind)
        lgp.paper_gold(text)


PAPER_METRICS = [pm.paper_qa_f1, pm.paper_qa_f1_zh, pm.paper_rouge, pm.paper_rouge_zh, pm.paper_classification,
                 pm.paper_count, pm.paper_code_sim]
STRICT_METRICS = [tm.qa_f1, tm.qa_f1_zh, tm.rouge_l, tm.rouge_l_zh, tm.classification_score, tm.retrieval_score,
                  tm.retrieval_zh_score, tm.count_score, tm.code_sim, tm.word_recall]


@FUZZ
@given(model_text, model_text, st.lists(st.text(max_size=8), max_size=3))
@hostile("The answer is 42", ["A", "B"])
def test_longbench_answer_metrics(prediction, gold, classes):
    with bounded("longbench.metrics"):
        for metric in PAPER_METRICS:
            value, reason = metric(prediction, gold, all_classes=list(classes))
            assert 0.0 <= value <= 1.0 and (reason is None or isinstance(reason, str)), metric.__name__
        for metric in STRICT_METRICS:
            value = metric(prediction, gold, all_classes=list(classes))
            assert math.isfinite(value) and 0.0 <= value <= 1.0, metric.__name__
        assert 0.0 <= tm.best_over_answers(tm.qa_f1, prediction, [gold, prediction]) <= 1.0
