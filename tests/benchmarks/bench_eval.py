"""Eval throughput on the embedded model: items per minute single-stream vs batched, in one process.

    python tests/benchmarks/bench_eval.py [--items 16] [--max-tokens 64] [--batch-sizes 8 16] [--rounds 2] [--threads N]

The same benchmark items (the shipped role-and-rule suite: a system prompt and a user turn each) are answered,
greedily, by
- llama.cpp single-stream: the embedded GGUF through `dspy.LM`, the default back end for `--models embedded`;
- transformers single-stream: the GGUF converted to a Hugging Face dir, batch size 1;
- transformers batched: the same model, several prompts per forward pass (`--backend transformers`).
Rounds alternate the back ends so drift in machine load hits them alike; the median round counts. Ratios are
against both single-stream references. `--threads N` gives both torch and llama.cpp N threads: on a machine
shared with other jobs, threads that spin-wait for a busy core slow both back ends many times over.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import dspy

from rnr_dspy.evals.rnr_suite import rnr_task
from rnr_dspy.evals.solvers import Generator, LMGenerator, make_generator
from rnr_dspy.models.engine import LlamaCppEngine
from rnr_dspy.models.lm import embedded_model_path


def items_per_minute(generator: Generator, samples: list) -> float:
    started = time.perf_counter()
    generations = generator.generate(samples)
    if any(generation.error for generation in generations):
        raise RuntimeError(next(generation.error for generation in generations if generation.error))
    return len(samples) / (time.perf_counter() - started) * 60


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    samples = rnr_task(limit=args.items).dataset
    engine = LlamaCppEngine(embedded_model_path(), n_threads=args.threads)
    llama = LMGenerator(dspy.LM("local/embedded", engine=engine, cache=False), max_tokens=args.max_tokens)
    generators = {"llama.cpp single": llama,
                  "transformers single": make_generator("embedded", backend="transformers", batch_size=1,
                                                        max_tokens=args.max_tokens)}
    for size in args.batch_sizes:
        generators[f"transformers batch {size}"] = make_generator("embedded", backend="transformers",
                                                                  batch_size=size, max_tokens=args.max_tokens)
    for generator in generators.values():  # warm up: first-call costs (threads, caches) out of the timings
        generator.generate(samples[:1])
    rates: dict[str, list[float]] = {name: [] for name in generators}
    for _ in range(args.rounds):
        for name, generator in generators.items():
            rates[name].append(items_per_minute(generator, samples))
    medians = {name: statistics.median(values) for name, values in rates.items()}
    llama, single = medians["llama.cpp single"], medians["transformers single"]
    print(json.dumps({
        "items": args.items, "max_tokens": args.max_tokens, "rounds": args.rounds, "threads": args.threads,
        "items_per_minute": {name: round(value, 1) for name, value in medians.items()},
        "ratio_vs_transformers_single": {name: round(value / single, 2) for name, value in medians.items()},
        "ratio_vs_llama_cpp_single": {name: round(value / llama, 2) for name, value in medians.items()},
    }, indent=2))


if __name__ == "__main__":
    main()
