"""What every compression method declares, and the checks and labels its kind shares.

A method is a class with class-level facts and three behaviours, registered once (see `_registry.py`):

    @register_method
    class RTN(QuantizationMethod):
        name = "rtn"
        bits = (2, 3, 4, 8)
        grouped = True
        params = ("bits", "group_size", "symmetric")

        def modifiers(self, spec): ...      # llm-compressor modifiers; imports llmcompressor inside

`check(spec)` validates the spec fields the method reads (the kind's checks, extended by the method),
`modifiers(spec)` builds its part of the recipe and `label(args)` its piece of the report's setting label.
Nothing here imports torch or llmcompressor.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, NamedTuple, Protocol


class SpecView(Protocol):
    """What the methods read of a `CompressionSpec` (acbench/compression/spec.py), typed structurally: spec.py
    imports the methods, so importing it here, even for types only, would close an import circle."""

    method: str
    bits: int
    group_size: int | None
    symmetric: bool
    sparsity: float
    pattern: str
    smoothing_strength: float
    dampening: float
    actorder: str | None
    ignore: tuple[str, ...]
    model_fields_set: set[str]

    @property
    def pruning(self) -> str | None: ...

    @property
    def n_m(self) -> tuple[int, int] | None: ...

# Weight widths compressed-tensors can store; a method's `bits` is a subset.
WEIGHT_BITS = (2, 3, 4, 8)
# Spec fields that determine the result of every method that reads calibration data.
CALIBRATION_PARAMS = ("calib_samples", "calib_seq_len", "calib_source", "seed")


class LabelArgs(NamedTuple):
    """A run's logged parameters, tidied for a label (the report reads them back from MLflow as text).

    Attributes:
        bits: the weight bits as text (`"4"`), whatever was logged.
        group_size: the group size as text, or None when absent (per-channel).
        sparsity: the logged sparsity (a number or its text), or None when absent.
        pattern: an `n:m` pattern, or None when unstructured or absent.
    """

    bits: str
    group_size: str | None
    sparsity: Any
    pattern: str | None


class Method:
    """One compression method: its facts (class attributes) and its behaviour. Subclass a kind, not this.

    Attributes:
        name: the method's name in a spec (lowercase, no `+`).
        kind: `quantization` or `pruning` (set by the kind's base class).
        calibrated: it reads calibration data (then `CALIBRATION_PARAMS` count for its result too).
        params: the spec fields, besides calibration and `ignore`, that determine its result
            (`CompressionSpec.effective_params` and so the cache key).
    """

    name: ClassVar[str]
    kind: ClassVar[str]
    calibrated: ClassVar[bool] = False
    params: ClassVar[tuple[str, ...]] = ()

    def check(self, spec: SpecView) -> None:
        """Raise ValueError when the spec's fields cannot work for this method (cross-field checks)."""

    def modifiers(self, spec: SpecView) -> list:
        """This method's llm-compressor modifiers for `spec`, in the order they run."""
        raise NotImplementedError(f"method '{self.name}' builds no modifiers")

    def label(self, args: LabelArgs) -> str:
        """This method's piece of the report's setting label (`W4 g64`, `2:4`)."""
        raise NotImplementedError(f"method '{self.name}' has no label")

    def __repr__(self) -> str:
        return f"<{self.kind} method '{self.name}'>"


class QuantizationMethod(Method):
    """A quantization method. Its checks: bits it can produce, group size, symmetric-only.

    Attributes:
        bits: the weight bits it can produce (a subset of `WEIGHT_BITS`).
        bits_note: said after the allowed bits when a spec asks for others (`smoothquant is W8A8`).
        grouped: weights are quantized in groups along the input dimension (`group_size` applies).
        symmetric_only: `symmetric=False` is an error.
        default_bits: bits filled in when the spec leaves them unset (its only width), else None.
        default_symmetric: `symmetric` filled in when the spec leaves it unset, else None (the spec's default).
    """

    kind: ClassVar[str] = "quantization"
    bits: ClassVar[tuple[int, ...]] = ()
    bits_note: ClassVar[str] = ""
    grouped: ClassVar[bool] = False
    symmetric_only: ClassVar[bool] = False
    default_bits: ClassVar[int | None] = None
    default_symmetric: ClassVar[bool | None] = None

    def check(self, spec: SpecView) -> None:
        """Bits it can produce; no group size unless grouped; no asymmetric unless allowed."""
        explicit = spec.model_fields_set
        if spec.bits not in self.bits:
            raise ValueError(
                f"method '{self.name}' cannot produce {spec.bits}-bit weights; allowed bits: "
                f"{', '.join(map(str, self.bits))}" + (f" ({self.bits_note})" if self.bits_note else "")
            )
        default_group = type(spec).model_fields["group_size"].default
        if not self.grouped and "group_size" in explicit and spec.group_size not in (None, default_group):
            raise ValueError(
                f"method '{self.name}' quantizes weights per channel; group_size does not apply (leave it unset)"
            )
        if self.symmetric_only and "symmetric" in explicit and not spec.symmetric:
            raise ValueError(f"method '{self.name}' is symmetric only; symmetric=False does not apply")

    def label(self, args: LabelArgs) -> str:
        """`W4 g64`, `W8 per-channel` (grouped methods), `W4` (others)."""
        if not self.grouped:
            return f"W{args.bits}"
        return f"W{args.bits}" + (f" g{args.group_size}" if args.group_size is not None else " per-channel")


class PruningMethod(Method):
    """A pruning method. Its checks: an N:M pattern sets the sparsity; sparsity 0 prunes nothing."""

    kind: ClassVar[str] = "pruning"
    params: ClassVar[tuple[str, ...]] = ("sparsity", "pattern")

    def check(self, spec: SpecView) -> None:
        """A sparsity that contradicts the pattern, or a sparsity of 0, is an error."""
        n_m = spec.n_m
        if n_m is not None:
            implied = 1.0 - n_m[0] / n_m[1]
            if abs(spec.sparsity - implied) > 1e-9:
                raise ValueError(
                    f"pattern '{spec.pattern}' keeps {n_m[0]} of every {n_m[1]} weights, i.e. sparsity "
                    f"{implied:g}; sparsity={spec.sparsity:g} contradicts it (leave sparsity unset)"
                )
        if spec.sparsity == 0.0:
            raise ValueError(f"method '{self.name}' with sparsity 0 prunes nothing; use a sparsity in (0, 1)")

    def label(self, args: LabelArgs) -> str:
        """`2:4` for a pattern, else `50%`, else `pruned` when no sparsity was logged."""
        if args.pattern is not None:
            return args.pattern
        return f"{round(float(args.sparsity) * 100)}%" if args.sparsity is not None else "pruned"


# ---- helpers several methods share (no llmcompressor here) ---------------------------------------
def weight_args(spec: SpecView) -> dict[str, Any]:
    """compressed-tensors QuantizationArgs (as a dict) for an integer weight-only scheme."""
    grouped = spec.group_size is not None
    return {
        "num_bits": spec.bits,
        "type": "int",
        "symmetric": spec.symmetric,
        "strategy": "group" if grouped else "channel",
        "group_size": spec.group_size if grouped else None,
    }


def int_weight_scheme(spec: SpecView) -> dict[str, Any]:
    """`config_groups` for integer weight-only quantization of every Linear layer."""
    return {"group_0": {"targets": ["Linear"], "weights": weight_args(spec)}}


def pruning_ignore(ignore: tuple[str, ...] | list[str]) -> list[str]:
    """Ignore list for llm-compressor's Wanda/SparseGPT that also matches their module names.

    With targets=["Linear"], SparsityModifierBase 0.14.0.1 names each module `f"{layer}.{sub}"` with an
    empty `sub`, i.e. with a trailing dot ("lm_head."), so a plain name in `ignore` never matches and the
    tied lm_head (= the embedding table) gets pruned. Each entry gets a variant that allows the dot.
    """
    entries = list(ignore)
    for entry in ignore:
        if entry.startswith("re:"):
            body = entry.removeprefix("re:")
            entries.append("re:" + (body[:-1] if body.endswith("$") else body) + r"\.?$")
        else:
            entries.append("re:" + re.escape(entry) + r"\.?$")
    return entries


def mask_structure(spec: SpecView) -> str:
    """llm-compressor's `mask_structure`: "a:b" prunes a of every b weights (ours keeps n of m); "0:0" none."""
    n_m = spec.n_m
    return f"{n_m[1] - n_m[0]}:{n_m[1]}" if n_m else "0:0"
