"""Pipeline overhead of `rnr-dspy generate`: its wall time beside the LM's own time (target: at most 5% more).

    python tests/benchmarks/bench_generate_overhead.py [--latency 0.2] [--limit 16] [--threads 1]

The LM is the scripted fake engine answering every call after a fixed latency, so the LM's own time is exactly
calls times latency; everything else (DSPy formatting and parsing, checks, repair, the run record's fsync'd appends,
dataset export) is the pipeline's overhead. Runs in this process, after a warm-up run that loads the libraries.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "helpers"))

import dspy
from fake_engine import fake_lm, scripted_engine
from slow_generate import SlowEngine

import rnr_dspy.generate.flow as pipeline
from rnr_dspy.generate import GenerateConfig, run_generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--limit", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    engine = SlowEngine(scripted_engine().answers)
    pipeline.make_lm = lambda spec, **_: fake_lm(engine)
    with tempfile.TemporaryDirectory() as directory:
        run_generate(GenerateConfig(out=Path(directory) / "warm-up", limit=4))
        engine.latency, engine.requests = args.latency, []
        started = time.perf_counter()
        report = run_generate(GenerateConfig(out=Path(directory) / "run", limit=args.limit,
                                             num_threads=args.threads))
        wall = time.perf_counter() - started
    lm_time = len(engine.requests) * args.latency / args.threads
    print(json.dumps({"lm_calls": len(engine.requests), "latency_s": args.latency, "threads": args.threads,
                      "lm_seconds": round(lm_time, 2), "wall_seconds": round(wall, 2),
                      "overhead": round(wall / lm_time - 1, 4), "sft_rows": report.sft_rows}, indent=2))


if __name__ == "__main__":
    main()
