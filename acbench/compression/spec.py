"""`CompressionSpec`: what to do to a model, validated field by field before anything is loaded.

    from acbench.compression import CompressionSpec
    spec = CompressionSpec(method="sparsegpt+gptq", pattern="2:4", bits=4, group_size=64)
    spec.cache_key()          # stable hash of everything that determines the compressed weights

Methods: `none`, quantization (`rtn`, `gptq`, `awq`, `smoothquant`, `fp8`), pruning (`magnitude`, `wanda`,
`sparsegpt`), and a pruning followed by a quantization written `<pruning>+<quant>` (e.g. `wanda+rtn`).
Each is one module of `acbench.compression.methods`; the spec asks the registry there which bits, group size
and symmetry a method accepts, what it checks, and which fields decide its result (`effective_params`).

Fields that do not apply to the method (e.g. `sparsity` for `gptq`, `bits` for `wanda`) are ignored while
they keep their default; set to anything else they are an error, so a typo never silently does nothing.
Patterns follow the usual N:M convention: `2:4` keeps at most 2 non-zeros in every 4 consecutive weights
along the input dimension, so its sparsity is 1 - n/m (0.5); a pattern alone sets the sparsity.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import metadata
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from acbench.compression.methods import (
    CALIBRATION_PARAMS,
    WEIGHT_BITS,
    all_methods,
    method_parts,
    pruning_methods,
    quantization_methods,
)

# Bump when build_recipe or our own pruning/measuring code changes what a spec produces (busts the cache).
RECIPE_VERSION = 2  # 2: Wanda/SparseGPT no longer prune lm_head (tied embedding) through the "lm_head." name quirk
_PATTERN = re.compile(r"^(\d+):(\d+)$")


class CompressionSpec(BaseModel):
    """A compression request. Frozen and strict: unknown fields and impossible combinations raise.

    Attributes:
        method: `none`, a quantization or pruning method, or `<pruning>+<quant>`.
        bits: weight bits for quantization (2, 3, 4, 8; which ones depends on the method).
        group_size: weights per quantization group along the input dim; None (or -1) is per-channel.
            Must divide every targeted layer's input width (checked by `validate_against_model`).
        symmetric: symmetric integer quantization (no zero point). Default: True, except AWQ (False).
        sparsity: fraction of targeted weights set to zero by pruning, in [0, 1).
        pattern: `unstructured` or `n:m` (at most n non-zeros in every m consecutive input weights).
        calib_samples: number of calibration sequences.
        calib_seq_len: tokens per calibration sequence.
        calib_source: None (our offline corpus), a local .txt/.jsonl file, or a hub dataset id.
        seed: seeds calibration sampling and torch.
        smoothing_strength: SmoothQuant's alpha in (0, 1].
        dampening: GPTQ/SparseGPT Hessian dampening, as a fraction of the mean diagonal.
        actorder: GPTQ activation ordering (`static`, `group`, `weight`, or None).
        ignore: modules left untouched (names, class names or `re:` patterns, llm-compressor style).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: str = "none"
    bits: int = 4
    group_size: int | None = 64
    symmetric: bool = True
    sparsity: float = 0.5
    pattern: str = "unstructured"
    calib_samples: int = Field(128, ge=1)
    calib_seq_len: int = Field(512, ge=8)
    calib_source: str | None = None
    seed: int = 0
    smoothing_strength: float = Field(0.5, gt=0.0, le=1.0)
    dampening: float = Field(0.01, gt=0.0, lt=1.0)
    actorder: str | None = "static"
    ignore: tuple[str, ...] = ("lm_head",)

    # ---- field-level checks -------------------------------------------------------------------
    @field_validator("method", mode="before")
    @classmethod
    def _method(cls, value: Any) -> str:
        name = str(value).strip().lower().replace(" ", "")
        if name not in all_methods():
            raise ValueError(
                f"unknown method '{value}'. Use one of: none, {', '.join(quantization_methods())} (quantization); "
                f"{', '.join(pruning_methods())} (pruning); or '<pruning>+<quant>' such as 'sparsegpt+gptq'"
            )
        return name

    @field_validator("bits")
    @classmethod
    def _bits(cls, value: int) -> int:
        if value not in WEIGHT_BITS:
            choices = ", ".join(map(str, WEIGHT_BITS[:-1])) + f" or {WEIGHT_BITS[-1]}"
            raise ValueError(f"bits must be {choices}, not {value}")
        return value

    @field_validator("group_size", mode="before")
    @classmethod
    def _group_size(cls, value: Any) -> int | None:
        if value is None or value == -1 or (isinstance(value, str) and value.lower() in ("none", "channel", "-1")):
            return None
        message = f"group_size must be a positive integer, or None/-1 for per-channel; got {value!r}"
        try:  # int() alone would take 64.5 as 64 and raise a TypeError (no field name) on a list
            number = float(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
        except ValueError:
            number = None
        if number is None or not number.is_integer() or number <= 0:
            raise ValueError(message)
        return int(number)

    @field_validator("sparsity")
    @classmethod
    def _sparsity(cls, value: float) -> float:
        if not 0.0 <= value < 1.0:
            raise ValueError(f"sparsity must be in [0, 1) (fraction of weights set to zero), not {value}")
        return float(value)

    @field_validator("pattern", mode="before")
    @classmethod
    def _pattern(cls, value: Any) -> str:
        text = str(value).strip().lower()
        if text == "unstructured":
            return text
        found = _PATTERN.match(text)
        if not found:
            raise ValueError(f"pattern must be 'unstructured' or 'n:m' such as '2:4', not '{value}'")
        n, m = int(found[1]), int(found[2])
        if not 0 < n < m:
            raise ValueError(f"pattern '{value}': need 0 < n < m (n non-zeros kept out of every m weights)")
        return f"{n}:{m}"

    @field_validator("actorder")
    @classmethod
    def _actorder(cls, value: str | None) -> str | None:
        if value not in (None, "static", "group", "weight"):
            raise ValueError(f"actorder must be 'static', 'group', 'weight' or None, not '{value}'")
        return value

    @field_validator("ignore", mode="before")
    @classmethod
    def _ignore(cls, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"ignore must be layer names or 're:' patterns (a string or a list), got {value!r}")
        return tuple(value)

    @model_validator(mode="before")
    @classmethod
    def _defaults_from_method(cls, data: Any) -> Any:
        # The quantization method's own defaults (AWQ is asymmetric, fp8/smoothquant have one width);
        # an n:m pattern alone implies its sparsity.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        _, quant = method_parts(str(data.get("method", "")).strip().lower().replace(" ", ""))
        if quant is not None and "symmetric" not in data and quant.default_symmetric is not None:
            data["symmetric"] = quant.default_symmetric
        if quant is not None and data.get("bits") is None and quant.default_bits is not None:
            data["bits"] = quant.default_bits
        found = _PATTERN.match(str(data.get("pattern", "")).strip())
        if found and "sparsity" not in data and int(found[2]) > 0:
            data["sparsity"] = 1.0 - int(found[1]) / int(found[2])
        return data

    # ---- cross-field checks -------------------------------------------------------------------
    @model_validator(mode="after")
    def _consistent(self) -> CompressionSpec:
        # Each method checks the fields it reads; here, fields set for a method that reads none of them.
        prune, quant = method_parts(self.method)
        explicit = self.model_fields_set
        defaults = type(self).model_fields
        if quant:
            quant.check(self)
        elif "bits" in explicit and self.bits != defaults["bits"].default:
            raise ValueError(
                f"bits={self.bits} does not apply to '{self.method}' (no quantization); "
                f"add one, e.g. method='{self.method if self.method != 'none' else 'gptq'}+rtn'"
                if self.method != "none"
                else f"bits={self.bits} does not apply to method 'none'"
            )
        if prune:
            prune.check(self)
        else:
            if self.pattern != "unstructured":
                raise ValueError(
                    f"pattern '{self.pattern}' applies to pruning, and method '{self.method}' does not prune; "
                    f"use e.g. method='sparsegpt+{quant.name if quant else 'gptq'}'"
                )
            if "sparsity" in explicit and self.sparsity != defaults["sparsity"].default:
                raise ValueError(
                    f"sparsity applies to pruning, and method '{self.method}' does not prune; "
                    f"use e.g. method='wanda+{quant.name if quant else 'rtn'}'"
                )
        return self

    # ---- derived views ------------------------------------------------------------------------
    @property
    def pruning(self) -> str | None:
        """The pruning part of the method, or None."""
        prune, _ = method_parts(self.method)
        return prune.name if prune else None

    @property
    def quantization(self) -> str | None:
        """The quantization part of the method, or None."""
        _, quant = method_parts(self.method)
        return quant.name if quant else None

    @property
    def n_m(self) -> tuple[int, int] | None:
        """(n kept, m) for an N:M pattern, else None."""
        found = _PATTERN.match(self.pattern)
        return (int(found[1]), int(found[2])) if found else None

    @property
    def needs_calibration(self) -> bool:
        """True when some step of the method reads calibration data."""
        return any(part is not None and part.calibrated for part in method_parts(self.method))

    def effective_params(self) -> dict[str, Any]:
        """The fields that determine the result for this method (irrelevant defaults dropped).

        `method`, then (unless it is `none`) `ignore`, the quantization method's `params`, the pruning
        method's, and the calibration settings when a step calibrates.
        """
        params: dict[str, Any] = {"method": self.method}
        if self.method == "none":
            return params
        params["ignore"] = list(self.ignore)
        prune, quant = method_parts(self.method)
        for part in (quant, prune):
            if part is not None:
                params.update({name: getattr(self, name) for name in part.params})
        if self.needs_calibration:
            params.update({name: getattr(self, name) for name in CALIBRATION_PARAMS})
        return params

    def cache_key(self, extra: dict[str, Any] | None = None) -> str:
        """A stable 16-hex-digit hash of the effective params and the library versions that move weights.

        Args:
            extra: more things that determine the result (the compressing code adds the model's
                fingerprint and the calibration file's content hash).
        """
        payload = {"params": self.effective_params(), "versions": library_versions(), "extra": extra or {}}
        blob = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def library_versions() -> dict[str, str]:
    """Versions of the libraries whose code decides the compressed weights (read from metadata, no import)."""
    versions = {}
    for name in ("llmcompressor", "compressed-tensors", "torch", "transformers"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    versions["acbench.compression.recipe"] = str(RECIPE_VERSION)
    return versions
