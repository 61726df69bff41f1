"""Check a `CompressionSpec` against a model before any weight is read.

    from acbench.compression import CompressionSpec, validate_against_model
    targets = validate_against_model(CompressionSpec(method="gptq", group_size=128), model_path)
    # CompressionError: group_size=128 does not divide the input width of 150 of 210 targeted layers:
    #   self_attn.{q,k,v}_proj, mlp.{gate,up}_proj (in 576) in layers 0-29. Sizes that fit every layer: 32, 64, ...

The model is built from config.json on torch's meta device (shapes only, no memory, no weights).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from acbench.compression.calibration import CalibrationError, check_source
from acbench.compression.methods import method_parts
from acbench.compression.spec import CompressionSpec
from acbench.errors import ACBenchError

COMMON_GROUP_SIZES = (16, 32, 64, 128, 256)


class CompressionError(ACBenchError):
    """A compression request that cannot work on this model, with the reason and what would work."""


@dataclass(frozen=True)
class TargetLayers:
    """The Linear layers a spec targets: name -> (out_features, in_features)."""

    shapes: dict[str, tuple[int, int]]

    @property
    def n_weights(self) -> int:
        """Total number of targeted weights."""
        return sum(o * i for o, i in self.shapes.values())


def targeted_layers(model_path: str | Path, ignore: tuple[str, ...] | list[str] = ("lm_head",)) -> TargetLayers:
    """Targeted Linear layers of the checkpoint at `model_path`, from its config on the meta device."""
    import torch
    from compressed_tensors.utils import match_named_modules
    from transformers import AutoConfig, AutoModelForCausalLM

    path = Path(model_path)
    if not (path / "config.json").exists():
        raise CompressionError(f"{path} is not a transformers checkpoint (no config.json)")
    config = AutoConfig.from_pretrained(path)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    shapes = {
        name: (module.out_features, module.in_features)
        for name, module in match_named_modules(model, ["Linear"], list(ignore))
        if isinstance(module, torch.nn.Linear)
    }
    if not shapes:
        raise CompressionError(f"no Linear layers to compress in {path} (ignore={list(ignore)})")
    return TargetLayers(shapes)


def validate_against_model(spec: CompressionSpec, model_path: str | Path) -> TargetLayers:
    """Raise CompressionError if `spec` cannot run on the model at `model_path`; else its targeted layers.

    Checks, without loading weights: the calibration file exists, the group size divides every targeted
    layer's input width, and an N:M pattern's m divides it too.
    """
    try:
        check_source(spec.calib_source if spec.needs_calibration else None)
    except CalibrationError as err:
        raise CompressionError(str(err)) from None
    if spec.method == "none":
        return targeted_layers(model_path, spec.ignore)
    targets = targeted_layers(model_path, spec.ignore)
    widths = {name: shape[1] for name, shape in targets.shapes.items()}
    _, quant = method_parts(spec.method)
    if quant is not None and quant.grouped and spec.group_size is not None:
        bad = {name: w for name, w in widths.items() if w % spec.group_size}
        if bad:
            fit = _fitting_sizes(widths.values())
            raise CompressionError(
                f"group_size={spec.group_size} does not divide the input width of {len(bad)} of {len(widths)} "
                f"targeted layers: {describe_layers(bad)}. Group sizes that fit every layer: "
                f"{', '.join(map(str, fit)) + ', or ' if fit else ''}None (per-channel)"
            )
    if spec.pruning and spec.n_m:
        m = spec.n_m[1]
        bad = {name: w for name, w in widths.items() if w % m}
        if bad:
            raise CompressionError(
                f"pattern {spec.pattern} needs input widths that are multiples of {m}; these are not: "
                f"{describe_layers(bad)}"
            )
    return targets


def _fitting_sizes(widths) -> list[int]:
    common = math.gcd(*widths)
    return [size for size in COMMON_GROUP_SIZES if common % size == 0]


def describe_layers(widths: dict[str, int]) -> str:
    """Group layer names compactly: 'mlp.down_proj (in 1536) in layers 0-29; lm_head (in 576)'."""
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    singles: dict[tuple[str, int], None] = {}
    for name, width in widths.items():
        found = re.match(r"^(.*?\.)?(\d+)\.(.+)$", name)
        if found:
            groups[(found[3], width)].append(int(found[2]))
        else:
            singles[(name, width)] = None
    # Merge suffixes that share a width and the same layer indices: 'self_attn.{q,k,v}_proj'.
    merged: dict[tuple[int, tuple[int, ...]], list[str]] = defaultdict(list)
    for (suffix, width), indices in groups.items():
        merged[(width, tuple(sorted(indices)))].append(suffix)
    parts = []
    for (width, indices), suffixes in merged.items():
        parts.append(f"{', '.join(suffixes)} (in {width}) in layers {_ranges(indices)}")
    parts += [f"{name} (in {width})" for name, width in singles]
    return "; ".join(parts)


def _ranges(indices: tuple[int, ...]) -> str:
    spans, start, prev = [], indices[0], indices[0]
    for i in indices[1:]:
        if i != prev + 1:
            spans.append((start, prev))
            start = i
        prev = i
    spans.append((start, prev))
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)
