"""What the transformers engine relies on beyond transformers' documented API, checked on the installed version.

    from acbench.engines.hf_contract import check_cache_layers, attention_implementation
    check_cache_layers()                   # once per process; raises TransformersContractError if it changed
    attention_implementation(model)        # "sdpa", "eager", ...: read where transformers keeps it

The scheduler (scheduler.py) and the N-bit KV caches (kv.py) subclass `DynamicLayer` and set a layer's
`keys`/`values` directly (a joined batch goes in without a copy); the CPU kernels (cpu_kernels.py) read the
model's attention implementation from its config and stand in for transformers' SDPA function. None of that is
a promise transformers makes, so a release can change it. These checks run the same operations on tiny tensors
and compare with what the code assumes; where it no longer holds they raise, naming the transformers version
and the assumption, instead of letting a changed internal give other numbers quietly.
`tests/engines/test_hf_contract.py` runs them and the stock-forward comparison on every CI run, and
`scripts/transformers_compat.sh` runs those tests against a newer transformers in a scratch environment.
"""

from __future__ import annotations

import functools
import inspect

from acbench.errors import ACBenchError


class TransformersContractError(ACBenchError):
    """The installed transformers no longer behaves as the engine's fast paths assume (install a tested version)."""


def contract_broken(assumption: str) -> None:
    import transformers

    raise TransformersContractError(
        f"transformers {transformers.__version__}: {assumption} no longer holds; acbench's engine was tested with "
        "the versions pyproject.toml allows (install one of those, or run scripts/transformers_compat.sh to see "
        "what changed)")


@functools.cache
def check_cache_layers() -> None:
    """A `DynamicLayer` (and a subclass that overrides only `update`) stores, reports and extends what it is given
    as the scheduler and the KV caches assume; a `Cache` built from a list of layers hands updates to them."""
    import torch
    from transformers.cache_utils import Cache, DynamicLayer

    for name in ("lazy_initialization", "update", "get_seq_length"):
        if not callable(getattr(DynamicLayer, name, None)):
            contract_broken(f"DynamicLayer.{name} exists")
    params = list(inspect.signature(DynamicLayer.lazy_initialization).parameters)
    if params[:3] != ["self", "key_states", "value_states"]:
        contract_broken(f"DynamicLayer.lazy_initialization(key_states, value_states) (it takes {params[1:]})")
    k1, v1 = torch.randn(2, 1, 3, 4), torch.randn(2, 1, 3, 4)
    k2, v2 = torch.randn(2, 1, 1, 4), torch.randn(2, 1, 1, 4)
    layer = DynamicLayer()
    if getattr(layer, "is_initialized", None) is not False:
        contract_broken("a new DynamicLayer has is_initialized == False")
    keys, values = layer.update(k1, v1)
    if not (layer.is_initialized and torch.equal(keys, k1) and torch.equal(layer.keys, k1)
            and torch.equal(layer.values, v1) and layer.get_seq_length() == 3):
        contract_broken("DynamicLayer.update stores the states in .keys/.values and returns them")
    # what the scheduler does with a joined batch: initialise, then set keys/values from outside
    injected = DynamicLayer()
    injected.lazy_initialization(k1, v1)
    injected.keys, injected.values = k1, v1
    keys, values = injected.update(k2, v2)
    if injected.get_seq_length() != 4 or not torch.equal(keys, torch.cat([k1, k2], dim=-2)):
        contract_broken("a DynamicLayer whose .keys/.values were set after lazy_initialization reports and extends them")
    cache = Cache(layers=[DynamicLayer(), DynamicLayer()])
    cache.update(k1, v1, 1)
    if cache.layers[0].is_initialized or not torch.equal(cache.layers[1].keys, k1) or cache.get_seq_length(1) != 3:
        contract_broken("Cache(layers=...) hands update(layer_idx) to its own layers and reads lengths from them")


# What transformers' own SDPA function (integrations/sdpa_attention.py) takes by name; gqa_sdpa_attention
# mirrors these. A new one means the function changed and ours may compute something else.
SDPA_PARAMETERS = ("module", "query", "key", "value", "attention_mask", "dropout", "scaling", "is_causal",
                   "position_bias", "kwargs")


@functools.cache
def check_sdpa_function() -> None:
    """transformers' SDPA attention takes the arguments gqa_sdpa_attention mirrors, and "sdpa" has a mask function."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface

    stock = AttentionInterface()["sdpa"]
    params = tuple(inspect.signature(stock).parameters)
    if params != SDPA_PARAMETERS:
        contract_broken(f"the 'sdpa' attention function takes {SDPA_PARAMETERS} (it takes {params})")
    if "sdpa" not in AttentionMaskInterface():
        contract_broken("AttentionMaskInterface has an 'sdpa' mask function")


def attention_implementation(model) -> str:
    """The attention implementation the model runs ("sdpa", "eager", ...), from where transformers keeps it."""
    config = model.config
    if not hasattr(config, "_attn_implementation"):  # the attribute every transformers model reads
        contract_broken("a model's config holds its attention implementation in _attn_implementation")
    return config._attn_implementation
