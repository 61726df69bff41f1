"""RunConfig: everything that decides one compress-then-evaluate run, validated before any heavy work.

    cfg = RunConfig.from_params({"method": "gptq", "bits": "4", "tasks": "teval,long_context"})
    cfg = RunConfig.from_yaml("experiments/quick.yaml", overrides={"method": "awq"})

Flat parameters (MLproject `-P`, CLI flags, a YAML file) map onto frozen pydantic models with
`extra="forbid"`, so a typo is an error rather than a silently ignored setting.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from acbench.compression import CompressionSpec
from acbench.errors import ConfigError
from acbench.models import DEFAULT_MODEL
from acbench.tasks.registry import expand_task_names

Profile = Literal["quick", "paper"]

# Calibration per profile: quick fits a 2-core CPU; paper is the paper's 128 samples x 512 tokens.
PROFILE_CALIBRATION = {"quick": {"calib_samples": 16, "calib_seq_len": 256}, "paper": {"calib_samples": 128, "calib_seq_len": 512}}
# Tasks when none are named: quick runs one task per capability (a cold `mlflow run` on the embedded model,
# compression and both evaluations, took 9 min 47 s on a 2-core CPU); paper runs every registered task.
PROFILE_TASKS = {"quick": "teval,worfbench,needle,pddl", "paper": "all"}


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelSpec(_Strict):
    """Which model to compress and evaluate: an alias, a hub id, a local checkpoint or a GGUF file."""

    name: str = DEFAULT_MODEL
    # "auto": float32 on a CPU, bfloat16 on a GPU; a name torch does not know would fail only after compression
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    trust_remote_code: bool = False
    # The model `name` is compared against (the "base" role): an alias, hub id, local dir or .gguf. None: the
    # model is compared with its own compressed copy (method) or KV-quantized self (kv_bits), or runs alone.
    reference: str | None = None


class EngineSpec(_Strict):
    """How to run the models: transformers (CPU/GPU) or vLLM (GPU, optional extra)."""

    backend: Literal["hf", "vllm"] = "hf"
    batch_size: int = Field(16, ge=1)  # bench/engine_throughput.py: 16 beat 8 by 1.4x on a 2-core CPU, 32 tied
    max_context: int | None = Field(None, ge=256)
    # KV-cache precision of the compared model ("16": none; "8"/"4": transformers' quantized cache with HQQ;
    # "fp8": vLLM's kv_cache_dtype). The base/reference always runs at 16. See acbench/engines/kv.py.
    kv_bits: str = "16"

    @field_validator("kv_bits", mode="before")
    @classmethod
    def _kv_bits(cls, value):
        from acbench.engines.kv import parse_kv_bits

        return parse_kv_bits(value)

    @model_validator(mode="after")
    def _kv_backend(self) -> "EngineSpec":
        from acbench.engines.kv import check_kv_backend

        check_kv_backend(self.kv_bits, self.backend)
        return self


class RunConfig(_Strict):
    """One run. `tasks` holds task and capability names; `task_options` per-task keyword options."""

    model: ModelSpec = ModelSpec()
    compression: CompressionSpec = CompressionSpec(method="gptq")
    engine: EngineSpec = EngineSpec()
    tasks: tuple[str, ...] = tuple(expand_task_names(PROFILE_TASKS["quick"]))
    task_options: dict[str, dict[str, Any]] = {}
    profile: Profile = "quick"
    limit: int | None = Field(None, ge=1)
    analysis: bool = True
    register_checkpoint: bool = True
    experiment: str = "acbench"

    @field_validator("tasks", mode="before")
    @classmethod
    def _expand(cls, value):
        names_ok = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
        if not isinstance(value, str) and not names_ok:  # e.g. YAML `tasks: false` or `tasks: [0]`
            raise ValueError(f"tasks must be task or capability names (a comma-separated string or a list of "
                             f"strings), got {value!r}")
        return tuple(expand_task_names(value))

    @model_validator(mode="after")
    def _reference_roles(self) -> "RunConfig":
        ref, name = self.model.reference, self.model.name
        if ref and self.compression.method != "none" and name not in (DEFAULT_MODEL, ref):
            raise ValueError(
                f"method={self.compression.method} with reference={ref} compresses the reference's own weights and "
                f"compares them with it, so model={name} would be unused: set method=none to compare {name} "
                f"against {ref}, or drop reference")
        return self

    @property
    def base_model(self) -> str:
        """The model in the "base" role: the reference when one is given, else `model.name`."""
        return self.model.reference or self.model.name

    @property
    def compared_model(self) -> str | None:
        """The other model of a reference run (method none), evaluated as it is; None otherwise."""
        return self.model.name if self.model.reference and self.compression.method == "none" else None

    def config_hash(self) -> str:
        """A stable hash of everything in the config (sorted JSON), for tags and caches."""
        data = self.model_dump(mode="json")
        # fields added later hash only when set, so earlier configs keep their hash
        if data["model"].get("reference") is None:
            data["model"].pop("reference", None)
        if data["engine"].get("kv_bits") == "16":
            data["engine"].pop("kv_bits", None)
        blob = json.dumps(data, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    # -- construction from flat parameters ------------------------------------------------------------
    @classmethod
    def from_params(cls, params: dict[str, Any], base: dict[str, Any] | None = None) -> "RunConfig":
        """Build from flat keys (`method`, `bits`, `tasks`, ...), layered over a nested `base` dict."""
        try:  # a deep copy that also refuses what a YAML file can hold but a config cannot
            nested: dict[str, Any] = json.loads(json.dumps(base or {}))
        except (TypeError, ValueError) as err:  # e.g. a self-referencing YAML anchor: "Circular reference detected"
            raise ConfigError(f"the configuration cannot be read as plain data ({err})") from None
        for key, value in params.items():
            if value is None or value == "":
                continue
            if key not in _FLAT_KEYS and key not in cls.model_fields:
                raise ConfigError(f"unknown parameter '{key}': known are {', '.join(sorted(_FLAT_KEYS))}")
            section, field = _FLAT_KEYS.get(key, (None, key))
            value = _coerce(key, value)
            if section:
                nested.setdefault(section, {})[field] = value
            else:
                nested[field] = value
        profile = str(nested.get("profile", "quick"))  # a list or mapping fails validation below, not here
        if profile in PROFILE_TASKS:
            nested.setdefault("tasks", PROFILE_TASKS[profile])
        calibration = PROFILE_CALIBRATION.get(profile, {})
        comp = nested.setdefault("compression", {})
        for key, value in calibration.items() if isinstance(comp, dict) else ():  # else: validation says so
            comp.setdefault(key, value)
        try:
            return cls.model_validate(nested)
        except ValidationError as err:
            raise ConfigError(_explain(err)) from None
        except (ValueError, TypeError, AttributeError) as err:  # in validators: unknown tasks, `tasks: [0]`
            raise ConfigError(str(err)) from None

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: dict[str, Any] | None = None) -> "RunConfig":
        """A YAML file (nested sections and/or flat keys; `yaml.safe_load` only) plus flat overrides."""
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"config file not found: {path}")
        data = load_yaml_file(path) or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: a run config is a YAML mapping of parameters, got {type(data).__name__}")
        nested, flat = split_sections(data)
        try:
            return cls.from_params({**flat, **(overrides or {})}, base=nested)
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None


def load_yaml_file(path: str | Path) -> Any:
    """`yaml.safe_load` of a user's file; broken YAML is a ConfigError naming the file, not a traceback."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None


def split_sections(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a YAML mapping into nested sections (`compression: {...}`) and flat keys (`method: gptq`).

    `model` is both a section and a flat key: a mapping value is the section, a string the flat key.
    """
    nested, flat = {}, {}
    for key, value in data.items():
        is_section = key in RunConfig.model_fields and (isinstance(value, dict) or key not in _FLAT_KEYS)
        (nested if is_section else flat)[key] = value
    return nested, flat


# flat key -> (section, field); section None = top-level field
_FLAT_KEYS: dict[str, tuple[str | None, str]] = {
    "model": ("model", "name"),
    "dtype": ("model", "dtype"),
    "trust_remote_code": ("model", "trust_remote_code"),
    "reference": ("model", "reference"),
    "kv_bits": ("engine", "kv_bits"),
    "backend": ("engine", "backend"),
    "batch_size": ("engine", "batch_size"),
    "max_context": ("engine", "max_context"),
    "tasks": (None, "tasks"),
    "profile": (None, "profile"),
    "limit": (None, "limit"),
    "analysis": (None, "analysis"),
    "register": (None, "register_checkpoint"),
    "experiment": (None, "experiment"),
    **{name: ("compression", name) for name in CompressionSpec.model_fields},
}

_INT_KEYS = {"bits", "group_size", "calib_samples", "calib_seq_len", "seed", "limit", "batch_size", "max_context"}
_BOOL_KEYS = {"symmetric", "analysis", "register", "trust_remote_code"}


def _coerce(key: str, value: Any) -> Any:
    """MLproject passes strings and its `float` type is not validated: turn '4' or '4.0' into 4, clearly."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if key in _INT_KEYS:
        if text.lower() in ("none", "null", "per-channel", "channel", "-1") and key == "group_size":
            return None
        if text.lower() in ("none", "null") and key in ("limit", "max_context"):
            return None
        try:
            number = float(text)
        except ValueError:
            raise ConfigError(f"parameter '{key}' must be an integer, got '{value}'") from None
        if number - number != 0 or number != int(number):  # nan, inf first: int() raises on them
            raise ConfigError(f"parameter '{key}' must be an integer, got '{value}'")
        return int(number)
    if key in _BOOL_KEYS:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"parameter '{key}' must be true or false, got '{value}'")
    if key == "sparsity":
        try:
            return float(text)
        except ValueError:
            raise ConfigError(f"parameter 'sparsity' must be a number in [0, 1), got '{value}'") from None
    if key == "ignore":
        return [p.strip() for p in text.split(",") if p.strip()]
    return text


def _explain(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "config"
        lines.append(f"{where}: {e['msg']}")
    return "invalid run configuration:\n  " + "\n  ".join(lines)
