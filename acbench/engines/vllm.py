"""The vLLM backend in this process, where vLLM is installed beside acbench (`pip install -e .[gpu]`); otherwise
acbench serves it from its own environment (acbench/engines/vllm_served.py).

    acbench run --method gptq --backend vllm

vLLM serves compressed-tensors checkpoints natively (quantized kernels), so timings on GPU reflect the
compressed format. Generation goes through `LLM.chat` with one `SamplingParams` per request; the
analyses and the gold likelihood need full logits and hidden states, which vLLM does not expose, so `forward`,
`score_continuations` and `score_windows` load the same checkpoint in transformers on first use (`TransformersSide`,
shared with the served engine).
A model larger than one GPU runs through vLLM's tensor and pipeline parallelism (`-P tensor_parallel=N`,
`-P pipeline_parallel=M`, `-P distributed_backend=ray` across nodes; README "Beyond one GPU").
Its request mapping and these arguments are unit-tested with a stand-in `vllm` module.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from acbench.engines.base import ForwardOutput, GenerationRequest, cut_at_stop


def parallel_kwargs(tensor_parallel: int = 1, pipeline_parallel: int = 1,
                    distributed_backend: str | None = None) -> dict:
    """`LLM(...)` keywords that split one model over GPUs (vLLM's own parallelism); {} on one GPU.

    tensor_parallel_size shards every layer over that many GPUs of a node; pipeline_parallel_size splits the
    layers into that many stages (across nodes too); distributed_executor_backend is `mp` (processes on one
    node) or `ray` (a Ray cluster spanning nodes; vLLM's default when the GPUs span nodes).
    """
    kwargs: dict = {}
    if tensor_parallel != 1:
        kwargs["tensor_parallel_size"] = tensor_parallel
    if pipeline_parallel != 1:
        kwargs["pipeline_parallel_size"] = pipeline_parallel
    if distributed_backend is not None:
        kwargs["distributed_executor_backend"] = distributed_backend
    return kwargs


def kv_cache_kwargs(kv_bits: str) -> dict:
    """`LLM(...)` keyword for the KV precision: {} at 16 bits, kv_cache_dtype="fp8" for fp8."""
    from acbench.engines.kv import VLLM_KV

    return {} if kv_bits == "16" else {"kv_cache_dtype": VLLM_KV[kv_bits]}


class TransformersSide:
    """What a vLLM engine leaves to transformers: token counts and cuts with the model's own tokenizer, and
    everything that needs full logits (the analyses' `forward`, the gold likelihood and perplexity), through a
    transformers copy of the same checkpoint loaded on first use. Needs `tokenizer`, `model_path`,
    `_trust_remote_code` and `_hf` (None until loaded)."""

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def truncate_middle(self, text: str, max_tokens: int) -> str:
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) <= max_tokens:
            return text
        half = max_tokens // 2
        return self.tokenizer.decode(ids[:half] + ids[len(ids) - (max_tokens - half):], skip_special_tokens=True)

    def _transformers(self):
        if self._hf is None:
            from acbench.engines.hf import HFEngine

            self._hf = HFEngine(self.model_path, trust_remote_code=self._trust_remote_code)
        return self._hf

    def forward(self, texts: list[str], max_length: int = 256) -> ForwardOutput:
        return self._transformers().forward(texts, max_length)

    def score_continuations(self, requests: list[GenerationRequest], references: list[str]):
        return self._transformers().score_continuations(requests, references)

    def score_windows(self, text: str, window: int, max_windows: int | None = None):
        return self._transformers().score_windows(text, window, max_windows)

    @property
    def model(self):
        """The transformers model used for the analyses (loaded on first use)."""
        return self._transformers().model


class VLLMEngine(TransformersSide):
    """A vLLM `LLM` behind the Engine protocol."""

    def __init__(self, model_path: str | Path, dtype: str = "auto", max_context: int | None = None,
                 trust_remote_code: bool = False, gpu_memory_utilization: float = 0.85, kv_bits: str = "16",
                 tensor_parallel: int = 1, pipeline_parallel: int = 1, distributed_backend: str | None = None):
        try:
            from vllm import LLM
        except ImportError as err:
            raise ImportError(
                "backend 'vllm' needs the optional extra on a GPU machine: pip install -e '.[gpu]' "
                "(or ACBENCH_GPU=1 bash scripts/setup.sh); use backend 'hf' on CPU"
            ) from err
        from acbench.engines.kv import check_kv_backend, parse_kv_bits

        self.kv_bits = parse_kv_bits(kv_bits)
        check_kv_backend(self.kv_bits, "vllm")
        # The analyses' transformers pass has no FP8 cache: it runs at 16 bits (recorded as analysis_kv_bits).
        self.analysis_kv_bits = "16"
        self.model_path = str(model_path)
        self.name = self.model_path
        self._llm = LLM(model=self.model_path, dtype=dtype, max_model_len=max_context,
                        trust_remote_code=trust_remote_code, gpu_memory_utilization=gpu_memory_utilization,
                        **kv_cache_kwargs(self.kv_bits),
                        **parallel_kwargs(tensor_parallel, pipeline_parallel, distributed_backend))
        self.tokenizer = self._llm.get_tokenizer()
        self.max_context = max_context or self._llm.llm_engine.model_config.max_model_len
        self._trust_remote_code = trust_remote_code
        self._hf = None
        self.dtype = dtype

    def info(self) -> dict[str, str]:
        """What served this model, for the run's tags."""
        import vllm

        return {"backend": "vllm", "vllm_version": f"vllm {getattr(vllm, '__version__', 'unknown')}",
                "vllm_mode": "in process", "dtype": self.dtype}

    def sampling_params(self, request: GenerationRequest):
        from vllm import SamplingParams

        return SamplingParams(
            temperature=request.temperature,
            max_tokens=request.max_new_tokens,
            stop=list(request.stop) or None,
            seed=request.seed,
        )

    def generate(self, requests: list[GenerationRequest], progress: bool = True,
                 on_result: Callable[[int, str], None] | None = None, max_batch: int | None = None) -> list[str]:
        """vLLM schedules and pages its own batch (`max_batch` does not apply); results come back together,
        so `on_result` is called for each once the call is done."""
        if not requests:
            return []
        texts: list[str] = [""] * len(requests)
        chat = [i for i, r in enumerate(requests) if r.raw_prompt is None]
        raw = [i for i, r in enumerate(requests) if r.raw_prompt is not None]
        if chat:
            outputs = self._llm.chat([list(requests[i].messages) for i in chat],
                                     [self.sampling_params(requests[i]) for i in chat], use_tqdm=progress)
            for i, out in zip(chat, outputs):
                texts[i] = out.outputs[0].text
        if raw:  # no chat template: the prompt exactly as written
            outputs = self._llm.generate([requests[i].raw_prompt for i in raw],
                                         [self.sampling_params(requests[i]) for i in raw], use_tqdm=progress)
            for i, out in zip(raw, outputs):
                texts[i] = out.outputs[0].text
        texts = [cut_at_stop(text, r.stop) for text, r in zip(texts, requests)]
        if on_result is not None:
            for i, text in enumerate(texts):
                on_result(i, text)
        return texts

    def count_chat_tokens(self, messages: list[dict]) -> int:
        """Tokens of `messages` as `LLM.chat` renders them (chat template and generation prompt included)."""
        ids = self.tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=True)
        return len(ids if isinstance(ids, list) else ids["input_ids"])
