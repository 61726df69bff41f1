"""VLLMEngine's request mapping with a stand-in `vllm` module (no GPU, no vllm install): the test its
docstring promises. The fake records every call: chat vs generate for raw prompts, SamplingParams fields,
the constructor's arguments; outputs come back in request order, cut at the stop strings.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

import pytest

from acbench.engines.base import GenerationRequest


@dataclass
class FakeSamplingParams:
    temperature: float
    max_tokens: int
    stop: list | None
    seed: int


class FakeTokenizer:
    """One token per character (ids = code points), so counts and cuts are hand-checkable."""

    def __call__(self, text, add_special_tokens=True):
        return {"input_ids": [ord(c) for c in text]}

    def decode(self, ids, skip_special_tokens=True):
        return "".join(chr(i) for i in ids)


class FakeLLM:
    instances: list = []

    def __init__(self, **kwargs):
        self.kwargs, self.calls = kwargs, []
        self.llm_engine = types.SimpleNamespace(model_config=types.SimpleNamespace(max_model_len=4096))
        FakeLLM.instances.append(self)

    def get_tokenizer(self):
        return FakeTokenizer()

    @staticmethod
    def _outputs(texts):
        return [types.SimpleNamespace(outputs=[types.SimpleNamespace(text=t)]) for t in texts]

    def chat(self, conversations, params, use_tqdm=True):
        self.calls.append(("chat", conversations, params, use_tqdm))
        return self._outputs(["chat:" + c[-1]["content"] + " STOP tail" for c in conversations])

    def generate(self, prompts, params, use_tqdm=True):
        self.calls.append(("generate", prompts, params, use_tqdm))
        return self._outputs([f"raw:{p}" for p in prompts])


@pytest.fixture
def fake_vllm(monkeypatch):
    module = types.ModuleType("vllm")
    module.LLM, module.SamplingParams = FakeLLM, FakeSamplingParams
    monkeypatch.setitem(sys.modules, "vllm", module)
    FakeLLM.instances = []
    return module


def test_constructor_arguments_and_context(fake_vllm, tmp_path):
    from acbench.engines.vllm import VLLMEngine

    engine = VLLMEngine(tmp_path / "ckpt", dtype="bfloat16", trust_remote_code=True)
    (llm,) = FakeLLM.instances
    assert llm.kwargs == {"model": str(tmp_path / "ckpt"), "dtype": "bfloat16", "max_model_len": None,
                          "trust_remote_code": True, "gpu_memory_utilization": 0.85}
    assert engine.max_context == 4096 and engine.name == str(tmp_path / "ckpt")
    assert VLLMEngine("m", max_context=1024).max_context == 1024
    assert FakeLLM.instances[1].kwargs["max_model_len"] == 1024


def test_chat_and_raw_requests_go_to_chat_and_generate_in_order(fake_vllm):
    from acbench.engines.vllm import VLLMEngine

    engine = VLLMEngine("m")
    requests = [
        GenerationRequest.from_prompt("first", max_new_tokens=16, stop=(" STOP",)),
        GenerationRequest.from_raw("second", max_new_tokens=32, temperature=0.7, seed=3),
        GenerationRequest.from_prompt("third", system="be brief", max_new_tokens=8),
    ]
    assert engine.generate(requests, progress=False) == ["chat:first", "raw:second", "chat:third STOP tail"]
    llm = FakeLLM.instances[0]
    assert [c[0] for c in llm.calls] == ["chat", "generate"]
    _, conversations, params, tqdm = llm.calls[0]
    assert conversations == [[{"role": "user", "content": "first"}],
                             [{"role": "system", "content": "be brief"}, {"role": "user", "content": "third"}]]
    assert params == [FakeSamplingParams(0.0, 16, [" STOP"], 0), FakeSamplingParams(0.0, 8, None, 0)]
    assert tqdm is False
    _, prompts, params, _ = llm.calls[1]
    assert prompts == ["second"]  # exactly as written: no chat template
    assert params == [FakeSamplingParams(0.7, 32, None, 3)]


def test_no_requests_no_calls(fake_vllm):
    from acbench.engines.vllm import VLLMEngine

    engine = VLLMEngine("m")
    assert engine.generate([]) == [] and FakeLLM.instances[0].calls == []
    only_raw = engine.generate([GenerationRequest.from_raw("x")])
    assert only_raw == ["raw:x"] and [c[0] for c in FakeLLM.instances[0].calls] == ["generate"]


def test_token_utilities_use_vllms_tokenizer(fake_vllm):
    from acbench.engines.vllm import VLLMEngine

    engine = VLLMEngine("m")
    assert engine.count_tokens("abcdef") == 6
    assert engine.truncate_middle("abcdefghij", 5) == "abhij"  # 2 from the start, 3 from the end
    assert engine.truncate_middle("abc", 5) == "abc"


def test_without_vllm_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm raises ImportError
    from acbench.engines.vllm import VLLMEngine

    with pytest.raises(ImportError, match=r"backend 'vllm' needs the optional extra on a GPU machine: "
                                          r"pip install -e '\.\[gpu\]'"):
        VLLMEngine("m")


def test_parallelism_reaches_the_llm_constructor(fake_vllm):
    from acbench.engines.vllm import VLLMEngine

    VLLMEngine("m", tensor_parallel=4, pipeline_parallel=2, distributed_backend="ray")
    VLLMEngine("m", tensor_parallel=2)
    VLLMEngine("m")
    big, tp_only, one = (llm.kwargs for llm in FakeLLM.instances)
    assert (big["tensor_parallel_size"], big["pipeline_parallel_size"], big["distributed_executor_backend"]) == (4, 2, "ray")
    assert tp_only["tensor_parallel_size"] == 2
    assert not {"pipeline_parallel_size", "distributed_executor_backend"} & set(tp_only)
    assert not {"tensor_parallel_size", "pipeline_parallel_size", "distributed_executor_backend"} & set(one)


def test_run_params_reach_the_vllm_engine_through_the_run(fake_vllm, tmp_path):
    # -P backend=vllm tensor_parallel=2 ... -> RunConfig -> run.make_engine -> LazyEngine -> vllm.LLM(...)
    from acbench.config import load_config
    from acbench.run import make_engine

    cfg = load_config({"backend": "vllm", "tensor_parallel": "2", "pipeline_parallel": "3",
                       "distributed_backend": "mp", "method": "none", "tasks": "needle"})
    engine = make_engine(cfg, tmp_path / "ckpt", "16")
    assert engine.max_context == 4096  # the first attribute access builds the engine
    (llm,) = FakeLLM.instances
    assert llm.kwargs["model"] == str(tmp_path / "ckpt")
    assert (llm.kwargs["tensor_parallel_size"], llm.kwargs["pipeline_parallel_size"],
            llm.kwargs["distributed_executor_backend"]) == (2, 3, "mp")


@pytest.mark.parametrize("params, message", [
    ({"tensor_parallel": "2"}, "engine: Value error, tensor_parallel=2 needs backend=vllm (vLLM splits a model over "
                               "GPUs; the hf backend runs it on one device)"),
    ({"pipeline_parallel": "2"}, "engine: Value error, pipeline_parallel=2 needs backend=vllm (vLLM splits a model "
                                 "over GPUs; the hf backend runs it on one device)"),
    ({"distributed_backend": "ray"}, "engine: Value error, distributed_backend=ray needs backend=vllm"),
    ({"backend": "vllm", "distributed_backend": "slurm"},
     "engine.distributed_backend: Input should be 'mp' or 'ray'"),
    ({"backend": "vllm", "tensor_parallel": "0"}, "engine.tensor_parallel: Input should be greater than or equal to 1"),
])
def test_parallelism_needs_vllm_and_valid_sizes(params, message):
    from acbench.config import load_config
    from acbench.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        load_config({"method": "none", "tasks": "needle", **params})
    assert str(err.value) == "invalid run configuration:\n  " + message
