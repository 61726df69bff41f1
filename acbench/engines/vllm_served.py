"""The vLLM backend through its OpenAI-compatible server: started by acbench, or already running at a URL.

    acbench run --method gptq --backend vllm                       # acbench starts `vllm serve` per model
    acbench run --method none --backend vllm --vllm_url http://gpu-node:8000/v1   # served: no weights load here

The prompt goes to `/v1/completions` as token ids built exactly as the transformers engine builds them
(acbench/engines/prompts.py: the same chat template, generation prompt and cut), with the same stop rules:
greedy at temperature 0, the checkpoint's EOS ids as `stop_token_ids` and no others (`ignore_eos`: the
tokenizer's `eos_token` is not always one of them), `max_tokens` = the request's
`max_new_tokens`, and the stop strings, which are also cut from the text afterwards as the other engines do.
The text is decoded here from the returned token ids with the same tokenizer call as the transformers engine,
so the two backends differ only where the model's computation differs. Requests go in parallel (vLLM batches
them continuously); `on_result` is called as each completes.

The analyses need full logits and hidden states, which the server does not give: `forward` loads the same
checkpoint in transformers on first use (the run records that).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from acbench.engines.base import GenerationRequest, cut_at_stop
from acbench.engines.prompts import eos_ids, prompt_ids
from acbench.engines.vllm import TransformersSide
from acbench.engines.vllm_server import ServerError, VLLMServer, check_url, get_json, vllm_version
from acbench.progress import progress_bar

log = logging.getLogger(__name__)

KV_CACHE_GIB = "1"  # VLLM_CPU_KVCACHE_SPACE when unset: 1 GiB holds ~23k tokens of SmolLM2-135M in fp32


def cuda_available() -> bool:
    """Whether this machine has a CUDA GPU (nvidia-smi lists one); without it vLLM runs as vllm-cpu."""
    import shutil
    import subprocess

    smi = shutil.which("nvidia-smi")
    return bool(smi) and subprocess.run([smi, "-L"], capture_output=True).returncode == 0


def cpu_server_settings(eager: bool = True) -> tuple[tuple[str, ...], dict[str, str]]:
    """`vllm serve` flags and environment for vllm-cpu beside other processes: eager mode (no graph compile at
    start-up) and a small KV-cache reservation (without it vLLM reserves a share of all RAM and fails as soon
    as other processes hold memory). Threads stay vLLM's own choice: it binds its worker's OpenMP threads to
    the cores it does not keep for its API process (one thread on a 2-core machine), which held its speed
    beside a busy neighbour; VLLM_CPU_OMP_THREADS_BIND (inherited) overrides it."""
    env = {"VLLM_CPU_KVCACHE_SPACE": os.environ.get("VLLM_CPU_KVCACHE_SPACE", KV_CACHE_GIB)}
    return ("--enforce-eager",) if eager else (), env


def server_flags(llm_kwargs: dict) -> list[str]:
    """`vllm serve` flags for `vllm.LLM(...)` keywords: tensor_parallel_size=2 -> --tensor-parallel-size=2."""
    return [f"--{key.replace('_', '-')}={value}" for key, value in llm_kwargs.items()]


class ServedVLLMEngine(TransformersSide):
    """The Engine protocol over a vLLM server (one model per server).

    Args:
        model_path: the checkpoint: served by the local server, and the tokenizer read here in either mode.
        dtype: the server's activation dtype ("auto": float32 on a CPU, as the transformers engine; a URL's
            server has its own, which acbench cannot see).
        url: a running server's `…/v1` base URL(s), comma-separated; None: start one here.
        log_dir: where the local server's log goes (the run logs it as an artifact).
        concurrency: requests in flight at once (the server batches them).
        server_command: a stand-in server command for tests (`{port}` filled in).
        eager: on a CPU, `--enforce-eager` (no graph compilation at start-up); False: vLLM's compiled graphs.
        server_args: more `vllm serve` flags (benchmarks: `--max-num-seqs=64`, `--enable-chunked-prefill`...).
    """

    def __init__(self, model_path: str | Path, dtype: str = "auto", max_context: int | None = None,
                 trust_remote_code: bool = False, kv_bits: str = "16", url: str | None = None,
                 log_dir: str | Path | None = None, concurrency: int = 16, request_timeout: float = 900.0,
                 server_command: list[str] | None = None, eager: bool = True, server_args: tuple[str, ...] = (),
                 **parallel):
        from transformers import AutoConfig, AutoTokenizer, GenerationConfig

        from acbench.engines.kv import check_kv_backend, parse_kv_bits
        from acbench.engines.vllm import kv_cache_kwargs, parallel_kwargs

        self.kv_bits = parse_kv_bits(kv_bits)
        check_kv_backend(self.kv_bits, "vllm")
        self.analysis_kv_bits = "16"  # the analyses' transformers pass has no FP8 cache
        self.model_path, self.name = str(model_path), str(model_path)
        self._trust_remote_code, self._hf = trust_remote_code, None
        self.concurrency, self.request_timeout = concurrency, request_timeout
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_path, trust_remote_code=trust_remote_code)
        config = AutoConfig.from_pretrained(self.model_path, trust_remote_code=trust_remote_code)
        config_ctx = getattr(config, "max_position_embeddings", None) or 2048
        self.max_context = min(max_context or config_ctx, config_ctx)  # as the transformers engine
        try:
            generation_config = GenerationConfig.from_pretrained(self.model_path)
        except OSError:  # no generation_config.json: the model config's own EOS
            generation_config = config
        self.eos = eos_ids(generation_config, self.tokenizer)
        self.server: VLLMServer | None = None
        if url:
            self._attach(url)
            return
        self.dtype = "float32" if dtype == "auto" and not cuda_available() else dtype
        args = server_flags({**kv_cache_kwargs(self.kv_bits), **parallel_kwargs(**parallel)})
        env: dict[str, str] = {}
        if not cuda_available():
            cpu_args, env = cpu_server_settings(eager)
            args += list(cpu_args)
        args += list(server_args)
        log_dir = Path(log_dir or tempfile.mkdtemp(prefix="acbench-vllm-"))
        self.log_path = log_dir / f"vllm-{Path(self.model_path).name}-{os.getpid()}.log"
        self.server = VLLMServer(self.model_path, self.log_path, dtype=self.dtype, max_context=self.max_context,
                                 extra_args=tuple(args), env=env, command=server_command)
        self.server.start()
        self.url, self.served_name = self.server.url, self.model_path
        self.mode = "server started by acbench"
        self.version = vllm_version(self.server.python) if server_command is None else "stand-in"

    def _attach(self, urls: str) -> None:
        """Use the running server (of `urls`) that serves this model; nothing is loaded here."""
        served = {url.strip().rstrip("/"): check_url(url.strip()) for url in urls.split(",") if url.strip()}
        wanted = {self.model_path, Path(self.model_path).name}
        matches = [(url, m["id"]) for url, models in served.items() for m in models
                   if m.get("id") in wanted or m.get("root") in wanted]
        everything = [(url, m["id"]) for url, models in served.items() for m in models]
        if not matches and len(everything) == 1:
            matches = everything  # one server, one model: that is the model meant
        if len(matches) != 1:
            listing = "; ".join(f"{url}: {mid}" for url, mid in everything)
            raise ServerError(f"no single served model matches {self.model_path} (served: {listing}); serve it "
                              f"under that path or name (`vllm serve {self.model_path}`), one model per URL")
        self.url, self.served_name = matches[0]
        self.mode, self.dtype, self.log_path = f"server at {self.url}", "as served", None
        root = self.url[: -len("/v1")] if self.url.endswith("/v1") else self.url
        try:
            self.version = "vllm " + str(get_json(root + "/version", 5.0).get("version", "unknown"))
        except ServerError:
            self.version = "unknown (no /version)"

    def info(self) -> dict[str, str]:
        """What served this model, for the run's tags."""
        return {"backend": "vllm", "vllm_version": self.version, "vllm_mode": self.mode, "dtype": self.dtype}

    # -- generation -------------------------------------------------------------------------------
    def request_body(self, request: GenerationRequest) -> dict:
        """The completions request for one GenerationRequest (token ids in, token ids back)."""
        return {"model": self.served_name, "prompt": prompt_ids(self.tokenizer, request, self.max_context),
                "max_tokens": request.max_new_tokens, "temperature": request.temperature, "seed": request.seed,
                "stop": [s for s in request.stop if s] or None, "stop_token_ids": self.eos,
                # vLLM would also stop at the tokenizer's eos_token, which need not be the checkpoint's EOS
                # (SmolLM2: <|im_start|> vs <|im_end|>); our engine stops at the generation config's ids only
                "ignore_eos": True, "skip_special_tokens": True, "return_token_ids": True}

    def _complete(self, request: GenerationRequest) -> str:
        body = json.dumps(self.request_body(request)).encode()
        post = urllib.request.Request(self.url + "/completions", body, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(post, timeout=self.request_timeout) as response:
                choice = json.loads(response.read())["choices"][0]
        except urllib.error.HTTPError as err:
            raise ServerError(f"the vLLM server at {self.url} refused a request: HTTP {err.code} "
                              f"{err.read()[:500].decode(errors='replace')}") from None
        except (urllib.error.URLError, OSError) as err:
            raise ServerError(f"the vLLM server at {self.url} stopped answering ({getattr(err, 'reason', err)})"
                              + (f"; its log: {self.log_path}" if self.log_path else "")) from None
        ids = choice.get("token_ids")
        text = self.tokenizer.decode(ids, skip_special_tokens=True) if ids is not None else choice["text"]
        return cut_at_stop(text, request.stop)

    def generate(self, requests: list[GenerationRequest], progress: bool = True,
                 on_result: Callable[[int, str], None] | None = None, max_batch: int | None = None) -> list[str]:
        texts: list[str | None] = [None] * len(requests)
        if not requests:
            return []
        workers = max(1, min(self.concurrency, max_batch or self.concurrency, len(requests)))
        with ThreadPoolExecutor(workers) as pool, \
                progress_bar(total=len(requests), desc="generate", disable=not progress) as bar:
            futures = {pool.submit(self._complete, r): i for i, r in enumerate(requests)}
            for future in as_completed(futures):
                i = futures[future]
                texts[i] = future.result()
                if on_result is not None:
                    on_result(i, texts[i])
                bar.update(1)
        return texts  # type: ignore[return-value]

    # -- text utilities (the local tokenizer: the same as the transformers engine's) ---------------
    def count_chat_tokens(self, messages: list[dict]) -> int:
        from acbench.engines.prompts import prompt_ids_uncut

        return len(prompt_ids_uncut(self.tokenizer, GenerationRequest(messages=tuple(messages))))

    def close(self) -> None:
        """Stop the local server (a URL's server is left as it was); the analyses' model stays usable."""
        if self.server is not None:
            self.server.stop()
