"""RunConfig: everything that decides one compress-then-evaluate run, validated before any heavy work.

    cfg = load_config("experiments/quick.yaml", overrides={"method": "awq"})   # a file, then flags
    cfg = load_config({"method": "gptq", "bits": "4", "tasks": "teval,long_context"})   # a mapping
    PARAMS["bits"].default, PARAMS["bits"].kind                                   # 4, "int"

Flat parameters (MLproject `-P`, CLI flags, a YAML file) map onto frozen pydantic models with
`extra="forbid"`, so a typo is an error rather than a silently ignored setting. `PARAMS` is the one flat
schema, derived from the models' fields (name, section, type, default, whether it decides results): the CLI
flags, sweep and grid validation, the logged run params, the report's columns and the MLproject check
(tests/test_mlproject.py) all read it. `load_config` is the one loader of files, mappings and overrides.
"""

from __future__ import annotations

import hashlib
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
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


# a field marked so runs the same model on the same data either way (speed, bookkeeping, device layout): it is
# left out of the report's key (acbench/report/tables.py), unlike every field that can move a result
NOT_RESULT = {"result": False}


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelSpec(_Strict):
    """Which model to compress and evaluate: an alias, a hub id, a local checkpoint or a GGUF file."""

    name: str = DEFAULT_MODEL
    # "auto": float32 on a CPU, bfloat16 on a GPU; a name torch does not know would fail only after compression
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    trust_remote_code: bool = Field(False, json_schema_extra=NOT_RESULT)
    # The model `name` is compared against (the "base" role): an alias, hub id, local dir or .gguf. None: the
    # model is compared with its own compressed copy (method) or KV-quantized self (kv_bits), or runs alone.
    reference: str | None = None


class EngineSpec(_Strict):
    """How to run the models: transformers (CPU/GPU) or vLLM (its server, on a CPU or GPUs; or a server at `vllm_url`).

    `tensor_parallel` / `pipeline_parallel` are vLLM's tensor_parallel_size / pipeline_parallel_size (GPUs per
    model = their product); `distributed_backend` is its distributed_executor_backend: `mp` (one node) or
    `ray` (several nodes, a Ray cluster started beforehand). README "Beyond one GPU" has the commands.
    """

    backend: Literal["hf", "vllm"] = "hf"
    batch_size: int = Field(16, ge=1, json_schema_extra=NOT_RESULT)  # bench/engine_throughput.py: 16 beat 8 by 1.4x on a 2-core CPU, 32 tied
    tensor_parallel: int = Field(1, ge=1, json_schema_extra=NOT_RESULT)
    pipeline_parallel: int = Field(1, ge=1, json_schema_extra=NOT_RESULT)
    distributed_backend: Literal["mp", "ray"] | None = Field(None, json_schema_extra=NOT_RESULT)
    # a running vLLM server's OpenAI base URL(s), comma-separated (`http://host:8000/v1`): generation goes there
    # and no model is loaded here for it; None: acbench starts `vllm serve` (acbench/engines/vllm_served.py)
    vllm_url: str | None = Field(None, json_schema_extra=NOT_RESULT)
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

    @model_validator(mode="after")
    def _parallel_backend(self) -> "EngineSpec":
        if self.backend != "vllm":
            for name in ("tensor_parallel", "pipeline_parallel"):
                if getattr(self, name) > 1:
                    raise ValueError(f"{name}={getattr(self, name)} needs backend=vllm (vLLM splits a model over "
                                     f"GPUs; the hf backend runs it on one device)")
            if self.distributed_backend is not None:
                raise ValueError(f"distributed_backend={self.distributed_backend} needs backend=vllm")
            if self.vllm_url is not None:
                raise ValueError("vllm_url needs backend=vllm")
        for url in (self.vllm_url or "").split(","):
            if url.strip() and not url.strip().startswith(("http://", "https://")):
                raise ValueError(f"vllm_url must be an http(s) URL such as http://host:8000/v1, got '{url.strip()}'")
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
    # Which items of each task: all, or one of two fixed halves (by a hash of task and item id): a sweep selects
    # on `select` and its best trial is confirmed on `confirm`, items the selection never saw (acbench/sweep).
    split: Literal["all", "select", "confirm"] = "all"
    analysis: bool = Field(True, json_schema_extra=NOT_RESULT)
    # Gold-reference likelihood per task and perplexity, logged beside the headlines (acbench/likelihood/)
    likelihood: bool = Field(True, json_schema_extra=NOT_RESULT)
    perplexity_corpus: str = "paul_graham_essays"  # or wikitext2, a local .txt/.parquet/.json path, or none
    perplexity_window: int | None = Field(None, ge=2)  # tokens per window; None: the profile's
    perplexity_windows: int | None = Field(None, ge=1)  # windows from the start of the corpus; None: the profile's
    register_checkpoint: bool = Field(True, json_schema_extra=NOT_RESULT)
    # each evaluated item as an MLflow trace (acbench/items.py); false for huge sweeps: results, metrics and
    # the flips tables are logged either way
    traces: bool = Field(True, json_schema_extra=NOT_RESULT)
    experiment: str = Field("acbench", json_schema_extra=NOT_RESULT)

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
        for name, unset in (("kv_bits", "16"), ("tensor_parallel", 1), ("pipeline_parallel", 1),
                            ("distributed_backend", None), ("vllm_url", None)):
            if data["engine"].get(name) == unset:
                data["engine"].pop(name, None)
        for name, unset in (("split", "all"), ("traces", True), ("likelihood", True),
                            ("perplexity_corpus", "paul_graham_essays"), ("perplexity_window", None),
                            ("perplexity_windows", None)):
            if data.get(name) == unset:
                data.pop(name, None)
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
            if key not in PARAMS and key in cls.model_fields:  # a field with no flat form (`task_options`): whole
                nested[key] = value
                continue
            if key not in PARAMS:
                raise ConfigError(f"unknown parameter '{key}': known are {', '.join(sorted(PARAMS))}")
            param = PARAMS[key]
            target = nested.setdefault(param.section, {}) if param.section else nested
            if not isinstance(target, dict):  # `compression: 4` in a file: validation below names the section
                continue
            target[param.field] = param.coerce(value)
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
        return load_config(Path(path), overrides)

    def flat_params(self) -> dict[str, Any]:
        """Every flat parameter with the value this run uses; compression parameters only where they apply to
        the method (`CompressionSpec.effective_params`: no `sparsity` for gptq, no `bits` for wanda)."""
        applies = self.compression.effective_params()
        return {name: param.value(self) for name, param in PARAMS.items()
                if param.section != "compression" or name in applies}


def load_config(source: str | Path | Mapping[str, Any] | None = None,
                overrides: Mapping[str, Any] | None = None) -> RunConfig:
    """The one way to a RunConfig: from a YAML file, a mapping, or nothing, with overrides on top.

    Args:
        source: a YAML file's path, or a mapping as such a file holds (flat keys such as `method: gptq`
            and/or nested sections such as `compression: {...}`, `task_options: {...}`), or None.
        overrides: the same kinds of keys (CLI flags, `-P` params, a sweep trial's sampled values): a flat
            key replaces the source's value; `task_options` merge into the source's, option by option.
    Raises:
        ConfigError: naming the file (when there is one) and what is wrong.
    """
    where = ""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise ConfigError(f"config file not found: {path}")
        source = load_yaml_file(path) or {}
        if not isinstance(source, dict):
            raise ConfigError(f"{path}: a run config is a YAML mapping of parameters, got {type(source).__name__}")
        where = f"{path}: "
    nested, flat = split_sections(dict(source or {}))
    over_nested, over_flat = split_sections(dict(overrides or {}))
    for key, value in over_nested.items():
        if isinstance(value, dict) and isinstance(nested.get(key), dict):
            nested[key] = _merge(nested[key], value)
        else:
            nested[key] = value
    try:
        return RunConfig.from_params({**flat, **over_flat}, base=nested)
    except ConfigError as err:
        raise ConfigError(f"{where}{err}") from None


def _merge(base: dict, over: dict) -> dict:
    """`over` on top of `base`, mapping values merged key by key (task options of one task stay together)."""
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


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
        is_section = key in RunConfig.model_fields and (isinstance(value, dict) or key not in PARAMS)
        (nested if is_section else flat)[key] = value
    return nested, flat


# The flat schema. A flat name is its field's name, except these; a section's fields are flat in that section.
_RENAMED = {("model", "name"): "model", (None, "register_checkpoint"): "register"}
_SECTIONS = ("model", "compression", "engine")
_NOT_FLAT = {"task_options"}  # a nested mapping only (`--task-option`, `--data`, a file's `task_options:`)
_NONE_WORDS = ("none", "null")
_ALIASES = {"group_size": {"per-channel": None, "channel": None, "-1": None}}  # CompressionSpec's spellings


@dataclass(frozen=True)
class Param:
    """One flat run parameter, derived from a pydantic field of RunConfig or one of its sections.

    Attributes:
        name: the flat name (`bits`, `model`, `register`).
        section: `model`, `compression`, `engine`, or None for a top-level RunConfig field.
        field: the field's name in that model.
        kind: `int`, `float`, `bool`, `str` or `list` (a comma-separated string in flat form).
        default: RunConfig()'s value (the profile fills in `tasks`, `calib_samples`, `calib_seq_len` when unset).
        optional: None is a value (`none`/`null` in flat form).
        choices: the allowed values of a Literal field, else None.
        result: False for a field marked NOT_RESULT (speed, bookkeeping): it cannot change a run's numbers.
    """

    name: str
    section: str | None
    field: str
    kind: str
    default: Any
    optional: bool = False
    choices: tuple | None = None
    result: bool = True

    def coerce(self, value: Any) -> Any:
        """A flat value (MLproject passes strings; its `float` type is not validated) as its field takes it:
        '4' or '4.0' -> 4, 'true' -> True, 'a,b' -> ['a', 'b'], 'none' -> None where None is allowed."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        aliases = _ALIASES.get(self.name, {})
        if text.lower() in aliases:
            return aliases[text.lower()]
        if self.optional and text.lower() in _NONE_WORDS:
            return None
        if self.kind == "int":
            try:
                number = float(text)
            except ValueError:
                raise ConfigError(f"parameter '{self.name}' must be an integer, got '{value}'") from None
            if number - number != 0 or number != int(number):  # nan, inf first: int() raises on them
                raise ConfigError(f"parameter '{self.name}' must be an integer, got '{value}'")
            return int(number)
        if self.kind == "float":
            try:
                return float(text)
            except ValueError:
                raise ConfigError(f"parameter '{self.name}' must be a number, got '{value}'") from None
        if self.kind == "bool":
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise ConfigError(f"parameter '{self.name}' must be true or false, got '{value}'")
        if self.kind == "list" and self.name != "tasks":  # tasks: its validator expands capability names
            return [part.strip() for part in text.split(",") if part.strip()]
        return text

    def value(self, cfg: RunConfig) -> Any:
        """This parameter's value in a config, in flat form (a list joined by commas)."""
        holder = getattr(cfg, self.section) if self.section else cfg
        value = getattr(holder, self.field)
        return ",".join(value) if isinstance(value, (list, tuple)) else value


def _kind(annotation: Any) -> tuple[str, bool, tuple | None]:
    """(kind, optional, choices) of a field's annotation: `int | None` -> ("int", True, None)."""
    args = typing.get_args(annotation)
    optional = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        optional = type(None) in args
        (annotation,) = [a for a in args if a is not type(None)]
        args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return "str", optional, args
    if origin in (tuple, list):
        return "list", optional, None
    kinds = {int: "int", float: "float", bool: "bool", str: "str"}
    if annotation not in kinds:
        raise TypeError(f"no flat form for a field annotated {annotation!r}: add one to acbench.config._kind")
    return kinds[annotation], optional, None


def _params() -> dict[str, Param]:
    defaults = RunConfig()
    fields = [(None, name, info, defaults) for name, info in RunConfig.model_fields.items()
              if name not in _SECTIONS and name not in _NOT_FLAT]
    for section in _SECTIONS:
        model = getattr(defaults, section)
        fields += [(section, name, info, model) for name, info in type(model).model_fields.items()]
    out = {}
    for section, name, info, holder in fields:
        kind, optional, choices = _kind(info.annotation)
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        flat = _RENAMED.get((section, name), name)
        out[flat] = Param(flat, section, name, kind, getattr(holder, name), optional, choices,
                          result=extra.get("result", True))
    return dict(sorted(out.items()))


PARAMS: dict[str, Param] = _params()


def _explain(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "config"
        lines.append(f"{where}: {e['msg']}")
    return "invalid run configuration:\n  " + "\n  ".join(lines)
