"""The one registry of compression methods: name -> `Method`, in registration order.

    @register_method
    class RTN(QuantizationMethod): ...

    get_method("rtn")                     # the RTN instance
    method_parts("wanda+rtn")             # (<pruning method 'wanda'>, <quantization method 'rtn'>)
    all_methods()                         # ['none', 'rtn', ..., 'sparsegpt+fp8']

Combinations are not registered: `<pruning>+<quant>` composes any registered pruning method with any
registered quantization method. `methods/__init__.py` imports every method module by hand, so a broken
method fails at import time.
"""

from __future__ import annotations

import re

from acbench.compression.methods._base import WEIGHT_BITS, Method, PruningMethod, QuantizationMethod

_METHODS: dict[str, Method] = {}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def register_method(cls: type[Method]) -> type[Method]:
    """Class decorator: check the method's facts and register one instance of it under `cls.name`.

    Raises:
        ValueError: a malformed or already registered name, an unknown kind, or bits it cannot store.
    """
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not _NAME.match(name) or name == "none":
        raise ValueError(f"method name {name!r}: need a lowercase identifier (no '+'), other than 'none'")
    if name in _METHODS:
        raise ValueError(f"method '{name}' is already registered ({type(_METHODS[name]).__qualname__})")
    if not issubclass(cls, (QuantizationMethod, PruningMethod)):
        raise ValueError(f"method '{name}': subclass QuantizationMethod or PruningMethod")
    if cls.kind != (QuantizationMethod if issubclass(cls, QuantizationMethod) else PruningMethod).kind:
        raise ValueError(f"method '{name}': kind {cls.kind!r} contradicts its base class (leave kind unset)")
    if issubclass(cls, QuantizationMethod):
        if not cls.bits or not set(cls.bits) <= set(WEIGHT_BITS):
            raise ValueError(f"method '{name}': bits {cls.bits} must be some of {WEIGHT_BITS}")
        if cls.default_bits is not None and cls.default_bits not in cls.bits:
            raise ValueError(f"method '{name}': default_bits {cls.default_bits} is not one of its bits {cls.bits}")
    _METHODS[name] = cls()
    return cls


def unregister_method(name: str) -> None:
    """Remove a registered method (for tests that register a throwaway one)."""
    del _METHODS[name]


def get_method(name: str) -> Method:
    """The registered method called `name` (KeyError if there is none)."""
    return _METHODS[name]


def registered_methods() -> tuple[Method, ...]:
    """Every registered method, in registration order."""
    return tuple(_METHODS.values())


def quantization_methods() -> tuple[str, ...]:
    """Names of the registered quantization methods, in registration order."""
    return tuple(name for name, method in _METHODS.items() if method.kind == "quantization")


def pruning_methods() -> tuple[str, ...]:
    """Names of the registered pruning methods, in registration order."""
    return tuple(name for name, method in _METHODS.items() if method.kind == "pruning")


def all_methods() -> list[str]:
    """Every accepted method name, combinations included."""
    quant, prune = quantization_methods(), pruning_methods()
    combos = [f"{p}+{q}" for p in prune for q in quant]
    return ["none", *quant, *prune, *combos]


def method_parts(method: str) -> tuple[PruningMethod | None, QuantizationMethod | None]:
    """(pruning, quantization) of a method name: its first part if that prunes, its last if that quantizes.

    Unknown parts are None, so a name read back from a run (or not yet validated) never raises.
    """
    parts = str(method).split("+")
    head, tail = _METHODS.get(parts[0]), _METHODS.get(parts[-1])
    prune = head if isinstance(head, PruningMethod) else None
    quant = tail if isinstance(tail, QuantizationMethod) else None
    return prune, quant
