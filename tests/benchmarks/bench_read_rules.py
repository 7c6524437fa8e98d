"""Reading rules from system prompts: how many of the benchmark's rules read back to their annotated check, and
how fast a system prompt is read.

    python tests/benchmarks/bench_read_rules.py [--rounds 3]

Accuracy: each rule text of the shipped role-and-rule benchmark read alone (`read_check`) against the check the
item carries: right, wrong (a false check) and missed; judge-only rules given a check are false checks too. Whole
prompts: rendered system prompts split back into their role and rule texts. Speed: every distinct system prompt
read once per round, nothing cached, the median round counts (prompts/s, ms per prompt).
"""

from __future__ import annotations

import argparse
import statistics
import time

from rnr_dspy.evals.rnr_suite import load_rnr_items, shipped_bench_path
from rnr_dspy.rules import reading, render_system_prompt
from rnr_dspy.rules.reading import read_check, read_system_prompt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items = load_rnr_items(shipped_bench_path())
    texts = {rule.text: rule.check for item in items for rule in item.rules}
    right = sum(check is not None and read_check(text) == check for text, check in texts.items())
    wrong = sum(check is not None and read_check(text) not in (None, check) for text, check in texts.items())
    false = sum(check is None and read_check(text) is not None for text, check in texts.items())
    checkable = sum(check is not None for check in texts.values())
    print(f"{len(texts)} distinct rule texts: {checkable} checkable: {right} read right, {wrong} wrong, "
          f"{checkable - right - wrong} missed; {len(texts) - checkable} judge-only: {false} given a check")
    prompts = {render_system_prompt(item.role, item.rules): item for item in items}
    exact = sum(read_system_prompt(prompt).role == item.role and [rule.text for rule in read_system_prompt(
        prompt).rules] == [rule.text for rule in item.rules] for prompt, item in prompts.items())
    print(f"{len(prompts)} distinct system prompts: {exact} split back exactly into their role and rules")
    rounds = []
    for _ in range(args.rounds):
        # Each prompt and rule text read anew: a round reads what a new process would.
        reading._read.cache_clear()
        read_check.cache_clear()
        start = time.perf_counter()
        for prompt in prompts:
            read_system_prompt(prompt)
        rounds.append(time.perf_counter() - start)
    median = statistics.median(rounds)
    print(f"read: {len(prompts) / median:.0f} prompts/s, {1000 * median / len(prompts):.1f} ms a prompt "
          f"(median of {args.rounds} rounds)")


if __name__ == "__main__":
    main()
