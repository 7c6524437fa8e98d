"""What copying a shared prompt prefix between the engine's slots saves, on the embedded model, end to end:
`rnr-dspy generate` rows per minute and the wall time of the project benchmark's eval, with the copy off (each
slot reuses only the prefix it holds itself) and on.

    python tests/benchmarks/bench_prefix_copy.py generate [--limit 64] [--threads 2]
    python tests/benchmarks/bench_prefix_copy.py eval [--threads 2]

Each run is a fresh process with an empty DSPy cache; `generate` runs the recipe's settings (groups of 8, 16
groups and 16 sequences in flight, 1 rule set), `eval` the base model on the whole project benchmark (16 requests
in flight, 160 tokens). Copying changes no token (tests/models/test_batch_engine.py), so both runs answer alike.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

GENERATE = ["generate", "--k", "8", "--rule-sets", "1", "--num-threads", "16", "--engine-batch", "16",
            "--answer.attempts", "1", "--answer.max-tokens", "200", "--max-tokens", "384"]
EVAL = ["eval", "--models", "embedded", "--suite", "rnr", "--batch-size", "16", "--max-tokens", "160"]


def _child(copy: str, argv: list[str]) -> None:
    """The CLI, with the copy switched off by a threshold no prefix reaches."""
    from rnr_dspy.models import scheduler

    if copy == "off":
        scheduler._MIN_COPIED_TOKENS = 1 << 30
    from rnr_dspy.cli import app

    sys.argv = ["rnr-dspy", *argv]
    app()


def _run(copy: str, argv: list[str], threads: int) -> Path:
    out = Path(tempfile.mkdtemp(prefix=f"prefix-copy-{copy}-"))
    with tempfile.TemporaryDirectory() as cache:
        subprocess.run([sys.executable, __file__, "_child", copy, *argv, "--engine-threads", str(threads),
                        "--out", str(out)], check=True, capture_output=True,
                       env={**os.environ, "DSPY_CACHEDIR": cache})
    return out


def _generate(copy: str, limit: int, threads: int) -> dict[str, float]:
    out = _run(copy, [*GENERATE, "--limit", str(limit)], threads)
    report = json.loads((out / "generate_report.json").read_text())
    seconds = report["this_run"]["wall_seconds"]
    return {"prompts": report["prompts"], "seconds": seconds, "rows_per_min": 60 * report["prompts"] / seconds,
            "input_tokens": report["this_run"]["input_tokens"], "output_tokens": report["this_run"]["output_tokens"]}


def _eval(copy: str, threads: int) -> dict[str, float]:
    out = _run(copy, EVAL, threads)
    suite = json.loads((out / "log.json").read_text())["runs"][0]["suites"][0]
    tokens = sum(sample["generation"].get("output_tokens") or 0 for sample in suite["samples"])
    texts = [sample["generation"]["text"] for sample in suite["samples"]]
    return {"items": len(texts), "seconds": suite["wall_seconds"], "output_tokens": tokens,
            "answers": hash(tuple(texts))}


def main() -> None:
    if sys.argv[1] == "_child":
        _child(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["generate", "eval"])
    parser.add_argument("--limit", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    runs = {copy: _generate(copy, args.limit, args.threads) if args.what == "generate" else _eval(copy, args.threads)
            for copy in ("off", "on")}
    for copy, run in runs.items():
        print(copy, json.dumps({key: round(value, 2) if isinstance(value, float) else value
                                for key, value in run.items()}))
    print(f"speed-up: {runs['off']['seconds'] / runs['on']['seconds']:.2f}x")
    if args.what == "eval":
        print("same answers:", runs["off"]["answers"] == runs["on"]["answers"])


if __name__ == "__main__":
    main()
