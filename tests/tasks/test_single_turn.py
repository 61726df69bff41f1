"""SingleTurnTask.run: all pending items in one engine call (the engine keeps its batch full), saved one by one."""

from __future__ import annotations

from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.base import ResultStore
from acbench.tasks.registry import make_task


class Recording(ScriptedEngine):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[int, int | None]] = []  # (requests, max_batch) per generate call

    def generate(self, requests, progress=True, on_result=None, max_batch=None):
        self.calls.append((len(requests), max_batch))
        return super().generate(requests, progress, on_result, max_batch)


def test_one_generate_call_per_task_with_its_memory_cap(tmp_path):
    quick = make_task("needle", lengths=[250, 500], depths=[0, 100])
    engine = Recording(lambda request: "smoked paprika honey")
    store = ResultStore(tmp_path / "needle.jsonl")
    quick.run(engine, quick.load(), store)
    assert engine.calls == [(4, None)]  # short haystacks: the engine's own batch size
    long_ = make_task("needle", lengths=[2500], depths=[50])
    assert long_.batch_size == 4  # long haystacks: at most 4 side by side


def test_saved_as_they_come_and_nothing_asked_twice(tmp_path):
    task = make_task("needle", lengths=[250, 500], depths=[0, 50, 100])
    samples = task.load()
    path = tmp_path / "needle.jsonl"
    answers = iter(["smoked paprika honey"] * 4)

    def dies_after_four(request):
        return next(answers)  # StopIteration on the fifth: the run dies mid-call

    try:
        task.run(Recording(dies_after_four), samples, ResultStore(path))
    except (StopIteration, RuntimeError):
        pass
    assert len(ResultStore(path).records_for(samples)) == 4  # saved before the call returned
    engine = Recording(lambda request: "no idea")
    result = task.run(engine, samples, ResultStore(path))
    assert engine.calls == [(2, None)] and len(result.records) == 6
