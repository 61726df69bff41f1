"""The scripted engine that the task tests drive: stop strings, replay order, word-based truncation."""

from acbench.engines.base import GenerationRequest, cut_at_stop
from acbench.engines.scripted import ScriptedEngine


def test_cut_at_stop_takes_the_earliest_stop():
    assert cut_at_stop("a\nb END c", ("END", "\n")) == "a"
    assert cut_at_stop("no stop here", ("###",)) == "no stop here"


def test_replays_a_list_in_order_and_applies_stops():
    engine = ScriptedEngine(["one\nextra", "two"])
    requests = [GenerationRequest.from_prompt("q1", stop=("\n",)), GenerationRequest.from_prompt("q2")]
    assert engine.generate(requests) == ["one", "two"]
    assert [r.messages[-1]["content"] for r in engine.requests] == ["q1", "q2"]


def test_truncate_middle_keeps_first_and_last_halves():
    engine = ScriptedEngine(lambda r: "")
    text = " ".join(f"w{i}" for i in range(10))
    assert engine.truncate_middle(text, 4) == "w0 w1 w8 w9"
    assert engine.truncate_middle("short text", 4) == "short text"
