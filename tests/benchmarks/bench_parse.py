"""Parse success of each stage with the embedded model on shipped seeds.

    python tests/benchmarks/bench_parse.py [--seeds 50] [--k 3] [--out parse.json]

Each seed is the user turn of one program run; its instructions are the seed and k-1 others of the same theme.
A stage's parse success is the share of its LM replies that parsed into the signature's typed outputs.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict

import dspy
from dspy.utils.exceptions import AdapterParseError

from rnr_dspy import RNRProgram, load_seeds, make_lm
from rnr_dspy.program.adapter import StructuredAdapter
from rnr_dspy.program.parses import ParseTracker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--out")
    args = parser.parse_args()
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    seeds = load_seeds().seeds
    by_theme = defaultdict(list)
    for seed in seeds:
        by_theme[seed.theme].append(seed)
    # Every other seed, so the 50 runs span all themes.
    chosen = seeds[::2][: args.seeds]
    tracker, program, failures = ParseTracker(), RNRProgram(), 0
    started = time.perf_counter()
    with dspy.context(lm=make_lm("embedded", cache=False), adapter=StructuredAdapter()), tracker.counting():
        for seed in chosen:
            others = [s.prompt for s in by_theme[seed.theme] if s.id != seed.id][: args.k - 1]
            try:
                program(instructions=[seed.prompt, *others], user=seed.prompt)
            except AdapterParseError:
                failures += 1
    report = {"runs": len(chosen), "runs_with_a_parse_failure": failures, "stages": tracker.summary(),
              "wall_seconds": round(time.perf_counter() - started, 1)}
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
