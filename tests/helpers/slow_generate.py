"""`rnr-dspy generate` on the scripted fake engine, each LM call taking a fixed time: a real process to kill and
resume (tests) or to time against the LM's own latency (benchmarks). Usage: slow_generate.py SECONDS ARGS..."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from slow_cli import SlowEngine, main

__all__ = ["SlowEngine"]

if __name__ == "__main__":
    main([sys.argv[1], "generate", "--lm", "fake/model", *sys.argv[2:]])
