"""FollowRules without training: the embedded model's answers as they come, and held to the rules it reads from
each system prompt with 1, 2 and 4 attempts, on the whole role-and-rule benchmark, paired item by item.

    python tests/benchmarks/bench_follow_rules.py --out runs/follow-rules [--model embedded] [--attempts 1 2 4]
        [--max-tokens 160] [--concurrency 8] [--limit N]

Writes an eval log and report (`report.md`: each arm against the model alone, in distribution and on the
held-out rule types, with intervals and paired tests) and prints each arm's wall time and LM calls. FollowRules
reads the rules from the system prompt text; the suite's own rule annotations only score the answers.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rnr_dspy.evals.follow_solver import following_rules
from rnr_dspy.evals.log import EvalLog, ModelRun, write_log
from rnr_dspy.evals.report import write_report
from rnr_dspy.evals.rnr_suite import rnr_task
from rnr_dspy.evals.run import evaluate
from rnr_dspy.evals.solvers import Generator, make_generator


def _arm(model: str, attempts: int, max_tokens: int, concurrency: int) -> Generator:
    return following_rules(make_generator(model, max_tokens=max_tokens, batch_size=concurrency), attempts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--attempts", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    task = rnr_task(limit=args.limit)
    log = EvalLog(config={"models": [args.model], "suite": "rnr", "max_tokens": args.max_tokens,
                          "limit": args.limit, "follow_rules_attempts": [0, *args.attempts]})
    for attempts in [0, *args.attempts]:
        start = time.perf_counter()
        generator = _arm(args.model, attempts, args.max_tokens, args.concurrency)
        label = args.model if attempts == 0 else f"{args.model} + FollowRules x{attempts}"
        settings = {"max_tokens": args.max_tokens, "suite": "rnr", "limit": args.limit, "seed": 0,
                    "judge_lm": None, "follow_rules": attempts}
        run = ModelRun(spec=label, model_id=generator.model_id, backend=generator.backend, settings=settings,
                       precision=getattr(generator, "precision", ""), load_seconds=time.perf_counter() - start)
        run.suites = [evaluate(task, generator)]
        log.runs.append(run)
        calls = getattr(generator, "calls", len(task.dataset))
        print(f"{label}: {time.perf_counter() - start:.0f} s, {calls} LM calls for {len(task.dataset)} items "
              f"({calls / len(task.dataset):.2f} per item)", flush=True)
        del generator
    write_log(log, args.out / "log.json")
    report, _ = write_report(log, args.out)
    print(f"wrote {report}")


if __name__ == "__main__":
    main()
