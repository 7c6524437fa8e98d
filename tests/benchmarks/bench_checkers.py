"""Cost of programmatic rule checking: 10,000 (response, 5 rules) pairs through `decide`, the metric's path.

    python tests/benchmarks/bench_checkers.py [--pairs 10000] [--compile-report runs/compile/compile_report.json]

Rules are drawn from every registered checker with the parameters its `sample()` draws; responses are varied
synthetic texts of 20 to 400 words. With a compile report, the metric's share of that compile's wall time is
estimated from the number of metric calls the compile made (one per program run).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from rnr_dspy.rules import Rule, decide, tally
from rnr_dspy.rules.checkers import REGISTRY, SampleContext

WORDS = ("the quick brown fox jumps over lazy dog garden recipe travel budget python, kyoto! stretch, "
         "sure. P.S. café [name] *note* SECTION 1 - item 1. ok?").split()


INSTRUCTIONS = ["Plan a garden for a small balcony.", "What should I pack for a budget trip to Kyoto?"]


def build_rules(rng: random.Random) -> list[Rule]:
    """Five rules of different types, each with parameters from its checker's declared draws."""
    context = SampleContext(rng=rng, instructions=INSTRUCTIONS, theme="travel")
    checks = [check for name in rng.sample(sorted(REGISTRY), len(REGISTRY))
              if (check := REGISTRY[name].sample(context)) is not None]
    return [Rule(id=f"r{index}", text="t", check=check) for index, check in enumerate(checks[:5], start=1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--compile-report")
    args = parser.parse_args()
    rng = random.Random(0)
    pairs = [(" ".join(rng.choices(WORDS, k=rng.randint(20, 400))), build_rules(rng)) for _ in range(args.pairs)]
    checkable = sum(rule.checkable for _, rules in pairs for rule in rules)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        for response, rules in pairs:
            tally(decide(rules, response))
        timings.append(time.perf_counter() - started)
    wall = statistics.median(timings)
    result = {"pairs": args.pairs, "checks": checkable, "checkers": len(REGISTRY), "wall_seconds": round(wall, 3),
              "microseconds_per_check": round(wall / checkable * 1e6, 2),
              "microseconds_per_pair": round(wall / args.pairs * 1e6, 2)}
    if args.compile_report:
        with open(args.compile_report, encoding="utf-8") as handle:
            report = json.load(handle)
        runs = report["train_examples"] + 2 * report["val_examples"]
        result["compile_wall_seconds"] = report["wall_seconds"]
        result["metric_share_of_compile"] = f"{wall / args.pairs * runs / report['wall_seconds']:.2e}"
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
