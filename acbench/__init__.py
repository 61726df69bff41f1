"""ACBench: what does compression do to an LLM's ability to act as an agent?

Compress a model (llm-compressor), evaluate the original and the compressed model on agentic tasks
(tool use, workflow generation, long context, real-world agents), analyse how they differ, and track
everything in MLflow. Start with `acbench run --help` or `mlflow run . -P method=gptq`.
"""

__version__ = "0.2.0"
