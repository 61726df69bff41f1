"""Compression: a `CompressionSpec` -> llm-compressor recipe -> cached compressed-tensors checkpoint + measured stats.

    from acbench.compression import CompressionSpec, validate_against_model, compress
    spec = CompressionSpec(method="gptq", bits=4, group_size=64, calib_samples=32, calib_seq_len=256)
    validate_against_model(spec, model_path)     # raises CompressionError before any weight is read
    result = compress(spec, model_path)          # CompressionResult(path, stats)

Importing this package is cheap: llmcompressor (and transformers) are imported only inside the functions
that run them. Each method is one module of `acbench.compression.methods`; see README.md in this folder.
"""

from acbench.compression.calibration import CalibrationError
from acbench.compression.run import CompressionResult, compress
from acbench.compression.methods import all_methods
from acbench.compression.spec import CompressionSpec
from acbench.compression.validate import CompressionError, validate_against_model

__all__ = [
    "CalibrationError",
    "CompressionError",
    "CompressionResult",
    "CompressionSpec",
    "all_methods",
    "compress",
    "validate_against_model",
]
