"""compare_models end to end on fake engines with constructed logits and hidden states."""

import math

import pytest
import torch

from acbench.analysis import AnalysisError, compare_models

EIGHT = ["w%d a%d b%d c%d d%d e%d f%d g%d" % ((i,) * 8) for i in range(5)]  # 8 tokens each
MIXED = EIGHT[:3] + ["short text", "one", "a b c d e f g h i j k l"]  # uneven lengths -> padding


def run(original, compressed, texts=MIXED, **kwargs):
    kwargs.setdefault("ks", (1, 3, 5))
    kwargs.setdefault("batch_size", 4)
    return compare_models(original, compressed, texts=texts, progress=False, **kwargs)


def test_identical_models(fake_engine):
    result = run(fake_engine(), fake_engine())
    m = result.metrics
    for k in (1, 3, 5):
        assert m[f"analysis/jaccard@{k}"] == 1.0
    for k in (3, 5):
        assert m[f"analysis/kendall@{k}"] == pytest.approx(1.0)
        assert m[f"analysis/spearman@{k}"] == pytest.approx(1.0)
    assert "analysis/kendall@1" not in m and "analysis/spearman@1" not in m
    assert m["analysis/energy_delta"] == 0.0
    assert m["analysis/energy_delta_early"] == 0.0 and m["analysis/energy_delta_late"] == 0.0
    assert m["analysis/erank_diff"] == 0.0 and m["analysis/erank_growth_pct"] == 0.0
    assert all(math.isfinite(v) for v in m.values())
    assert "analysis/weight_erank_diff" not in m  # fake engines expose no .model


def test_outputs_tables_figures_and_batching(fake_engine):
    original = fake_engine()
    result = run(original, fake_engine(noise=1.0), batch_size=4)
    assert original.calls == [MIXED[:4], MIXED[4:]]
    assert set(result.figures) == {"analysis_energy_hist.png", "analysis_consistency_vs_k.png"}
    positions = result.tables["analysis_per_position"]
    n_tokens = sum(min(len(t.split()), 128) for t in MIXED)
    assert len(positions) == n_tokens == result.info["n_positions"]
    assert {"text_index", "position", "bucket", "token_id", "energy_delta", "jaccard@3", "kendall@5"} <= set(positions)
    assert positions.groupby("text_index")["position"].max().tolist() == [len(t.split()) - 1 for t in MIXED]
    summary = result.tables["analysis_consistency_vs_k"]
    assert summary["k"].tolist() == [1, 3, 5]
    assert result.metrics["analysis/jaccard@3"] == pytest.approx(summary["jaccard"][1])
    assert result.info["n_texts"] == len(MIXED) and result.info["texts_version"] == "user"
    for fig in result.figures.values():
        fig.savefig(__import__("io").BytesIO(), format="png")


def test_more_noise_means_less_consistency(fake_engine):
    small = run(fake_engine(), fake_engine(noise=0.5)).metrics
    large = run(fake_engine(), fake_engine(noise=4.0)).metrics
    for name in ("jaccard@3", "jaccard@5", "kendall@5", "spearman@5"):
        assert large[f"analysis/{name}"] < small[f"analysis/{name}"] < 1.0
    assert large["analysis/energy_delta"] > small["analysis/energy_delta"] > 0.0


def test_energy_buckets_are_separated(fake_engine):
    # Shifting the late tokens' logits by 2 keeps every ranking and moves only their energy, by exactly 2.
    result = run(fake_engine(), fake_engine(late_shift=2.0), texts=EIGHT)
    m = result.metrics
    assert m["analysis/energy_delta_early"] == 0.0
    assert m["analysis/energy_delta_late"] == pytest.approx(2.0, abs=1e-5)
    assert m["analysis/energy_delta"] == pytest.approx(1.0, abs=1e-5)  # half of 8 tokens are late
    assert m["analysis/jaccard@5"] == 1.0 and m["analysis/kendall@5"] == pytest.approx(1.0)


def test_padding_positions_are_excluded(fake_engine):
    clean = run(fake_engine(), fake_engine(noise=1.0)).metrics
    garbage = run(fake_engine(pad_garbage=0.0), fake_engine(noise=1.0, pad_garbage=1e4)).metrics
    right_padded = run(fake_engine(padding_side="right"), fake_engine(noise=1.0, padding_side="right")).metrics
    assert garbage == clean
    assert right_padded.keys() == clean.keys()
    for name, value in clean.items():
        assert right_padded[name] == pytest.approx(value, rel=1e-9, abs=1e-12)


def test_known_erank_difference(fake_engine):
    # Every 8-token text spans 4 equal directions in the original and 2 in the compressed model.
    m = run(fake_engine(hidden_rank=4), fake_engine(hidden_rank=2), texts=EIGHT).metrics
    assert m["analysis/erank_original"] == pytest.approx(4.0)
    assert m["analysis/erank_compressed"] == pytest.approx(2.0)
    assert m["analysis/erank_diff"] == pytest.approx(-2.0)
    assert m["analysis/erank_growth_pct"] == pytest.approx(-50.0)
    assert m["analysis/erank_diff_std"] == pytest.approx(0.0, abs=1e-9)


def test_weight_erank_when_engines_expose_models(fake_engine):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Linear(8, 4))
    pruned = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Linear(8, 4))
    pruned.load_state_dict(model.state_dict())
    with torch.no_grad():
        pruned[0].weight[:, ::2] = 0.0
    same = run(fake_engine(model=model), fake_engine(model=model))
    assert same.metrics["analysis/weight_erank_diff"] == 0.0
    assert "analysis_weight_erank_per_layer.png" in same.figures
    result = run(fake_engine(model=model), fake_engine(model=pruned))
    layers = result.tables["analysis_weight_erank_per_layer"]
    assert layers["layer"].tolist() == ["0", "1"]
    assert result.metrics["analysis/weight_erank_diff"] == pytest.approx(layers["erank_diff"].mean())
    assert layers["erank_diff"].tolist()[1] == 0.0 and result.metrics["analysis/weight_erank_diff"] < 0
    skipped = run(fake_engine(model=model), fake_engine(model=pruned), weight_erank=False)
    assert "analysis/weight_erank_diff" not in skipped.metrics


def test_mismatched_engines_fail_clearly(fake_engine):
    with pytest.raises(AnalysisError, match="padded/truncated differently"):
        run(fake_engine(), fake_engine(padding_side="right"))
    with pytest.raises(AnalysisError, match="vocabulary"):
        run(fake_engine(vocab=64), fake_engine(vocab=65))
    with pytest.raises(ValueError, match="at least one text"):
        run(fake_engine(), fake_engine(), texts=[])
    with pytest.raises(ValueError, match="every k"):
        run(fake_engine(), fake_engine(), ks=(0, 3))


def test_builtin_texts_are_the_default(fake_engine):
    from acbench.analysis.texts import load_texts

    original = fake_engine()
    result = compare_models(original, fake_engine(), ks=(3,), progress=False)
    assert [t for call in original.calls for t in call] == load_texts()
    assert result.info["texts_version"] != "user"


@pytest.mark.slow
def test_embedded_model_against_itself():
    import acbench.engines.hf as hf  # a hard dependency: fail, never skip
    from acbench.models import resolve_model

    engine = hf.HFEngine(resolve_model(), dtype="float32", device="cpu")
    result = compare_models(engine, engine, texts=MIXED[:2] + [EIGHT[3]], max_length=32, progress=False)
    m = result.metrics
    assert m["analysis/jaccard@3"] == 1.0 and m["analysis/jaccard@20"] == 1.0
    assert m["analysis/energy_delta"] == pytest.approx(0.0, abs=1e-5)
    assert m["analysis/erank_diff"] == pytest.approx(0.0, abs=1e-6)
    assert m["analysis/weight_erank_diff"] == 0.0
    assert m["analysis/erank_original"] > 1.0
