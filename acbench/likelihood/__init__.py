"""Gold-reference likelihood per task and perplexity: signal at every model size, logged beside the headlines.

    from acbench.likelihood.run import LikelihoodRun        # inside a tracked run (acbench/run.py)
    from acbench.likelihood.gold import gold_results        # task -> TaskResult of gold NLL, per item
    from acbench.likelihood.perplexity import load_corpus, corpus_perplexity

`scores.py` is the pure math (token scores -> item gold NLL / top-1, perplexity); `gold.py` scores each task's
gold through the engine (`Engine.score_continuations`); `perplexity.py` reads a corpus and scores its windows
(`Engine.score_windows`); `compare.py` pairs base and compressed with acbench.stats; `run.py` logs it all.
README.md here says what these numbers measure and what they do not.
"""
