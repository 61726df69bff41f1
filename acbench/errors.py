"""The project's exception base: `ACBenchError` marks a mistake the user can fix.

    from acbench.errors import ACBenchError, ConfigError
    raise ConfigError("parameter 'bits' must be an integer, got '4.5'")

What derives from `ACBenchError` is the user's to fix (a config, a data file, a model reference, the tracking
server): `acbench` prints its message on one line without a traceback and exits 2, and a sweep prunes a trial
that raises it before its run started as an invalid combination. Every other exception is a bug or an outage:
it keeps its traceback in the CLI and fails a sweep trial, even when it is a plain `ValueError`.

`ACBenchError` subclasses `ValueError` so that one raised inside a pydantic validator becomes part of the
model's `ValidationError` (which `RunConfig` turns into a `ConfigError` naming the field), and so that code
catching `ValueError` around a parse keeps working.

The subclasses live next to what raises them (`UnknownTaskError` in acbench.tasks.registry, `TrackingError`
in acbench.tracking, `ModelError` in acbench.models, the data errors of each task, ...); `ConfigError` is here
because the config, the CLI and the sweep all raise it.
"""

from __future__ import annotations


class ACBenchError(ValueError):
    """A mistake the user can fix, with a message that says what is wrong and what would work."""


class ConfigError(ACBenchError):
    """A run configuration, sweep or grid file, or command-line value that cannot work, with the reason."""
