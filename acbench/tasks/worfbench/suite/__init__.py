"""Hand-written items of our built-in WorfBench suite, one module per task type; build.py writes the JSON."""
