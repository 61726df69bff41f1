"""The model registry: a checkpoint as an MLflow LoggedModel, registered versions and their aliases."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import mlflow
from mlflow.tracking import MlflowClient


def log_checkpoint_model(checkpoint_dir: str | Path, params: dict[str, Any] | None = None,
                         tags: dict[str, Any] | None = None, name: str = "checkpoint") -> str:
    """Log a checkpoint directory as an MLflow 3 LoggedModel of the active run; returns its `model_id`.

    The model holds the checkpoint files plus an `MLmodel` whose signature says text in, text out (the
    registry showed an empty schema before). Nothing is pickled: the checkpoint stays safetensors.

    Args:
        checkpoint_dir: The compressed checkpoint (config, tokenizer, safetensors).
        params: Compression parameters, shown on the model page.
        tags: Extra tags of the model.
        name: The model's name within the run.
    """
    from mlflow.entities import LoggedModelOutput
    from mlflow.models import Model, ModelSignature
    from mlflow.types import ColSpec, Schema

    run = mlflow.active_run()
    client = MlflowClient()
    model = client.create_logged_model(
        run.info.experiment_id, name=name, source_run_id=run.info.run_id, model_type="acbench-checkpoint",
        params={k: ("None" if v is None else str(v))[:6000] for k, v in (params or {}).items()},
        tags={k: str(v) for k, v in (tags or {}).items()})
    try:
        client.log_model_artifacts(model.model_id, str(checkpoint_dir))
        signature = ModelSignature(Schema([ColSpec("string", "prompt")]), Schema([ColSpec("string", "output")]))
        card = Model(artifact_path=name, run_id=run.info.run_id, model_id=model.model_id, signature=signature)
        card.add_flavor("acbench", format="safetensors", loader="transformers.AutoModelForCausalLM")
        with tempfile.TemporaryDirectory() as tmp:
            card.save(str(Path(tmp) / "MLmodel"))
            client.log_model_artifact(model.model_id, str(Path(tmp) / "MLmodel"))
    except BaseException:
        client.finalize_logged_model(model.model_id, "FAILED")
        raise
    client.finalize_logged_model(model.model_id, "READY")
    client.log_outputs(run.info.run_id, [LoggedModelOutput(model.model_id, 0)])  # the run's "Logged models"
    return model.model_id


def register_checkpoint(checkpoint_dir: str | Path, model_name: str, tags: dict[str, Any], *,
                        model_id: str | None = None, description: str | None = None) -> str:
    """Register a logged checkpoint model as a new version of `model_name`; returns the version number.

    The version's source is `models:/<model_id>` (MLflow 3's model-centric registry), so the checkpoint is
    stored once, in the LoggedModel. Without `model_id` the checkpoint is logged first (`log_checkpoint_model`).

    Args:
        checkpoint_dir: The checkpoint, logged when `model_id` is None.
        model_name: Registered model name, e.g. `acbench-smollm2-135m`.
        tags: Version tags (method and parameters).
        model_id: An already logged model of the active run.
        description: The version's description (a short model card, Markdown).
    """
    if model_id is None:
        model_id = log_checkpoint_model(checkpoint_dir, params=tags)
    client = MlflowClient()
    try:
        client.get_registered_model(model_name)
    except mlflow.exceptions.MlflowException:
        try:
            client.create_registered_model(model_name, description="Compressed checkpoints produced by ACBench runs")
        except mlflow.exceptions.MlflowException:  # another sweep worker created it in the meantime
            client.get_registered_model(model_name)
    # register_model (not create_model_version) also tags the LoggedModel with its versions, the UI's link
    version = mlflow.register_model(f"models:/{model_id}", model_name, tags={k: str(v) for k, v in tags.items()})
    if description:
        client.update_model_version(model_name, version.version, description=description)
    return str(version.version)


def model_versions(name_prefix: str = "acbench-") -> list[dict[str, Any]]:
    """Every registered version whose model name starts with `name_prefix`: name, version, run_id, tags, aliases."""
    client = MlflowClient()
    out = []
    for model in client.search_registered_models(filter_string=f"name LIKE '{name_prefix}%'"):
        for version in client.search_model_versions(f"name='{model.name}'"):
            out.append({"name": model.name, "version": str(version.version), "run_id": version.run_id,
                        "tags": dict(version.tags), "aliases": list(getattr(version, "aliases", []) or [])})
    return out


def set_model_alias(name: str, alias: str, version: str) -> None:
    """Point `name@alias` at `version` (moving the alias if it pointed elsewhere)."""
    MlflowClient().set_registered_model_alias(name, alias, str(version))


def model_alias_version(name: str, alias: str) -> str | None:
    """The version `name@alias` points at, or None."""
    try:
        return str(MlflowClient().get_model_version_by_alias(name, alias).version)
    except mlflow.exceptions.MlflowException:
        return None

