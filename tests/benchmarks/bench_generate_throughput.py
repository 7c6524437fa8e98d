"""Throughput of `rnr-dspy generate` with 1, 2, 4 and 8 threads: prompt rows per minute and the scaling ratio
(rows/min at N threads over rows/min at 1; the target is at least 0.8 N where the LM has capacity).

    python tests/benchmarks/bench_generate_throughput.py fake [--latency 0.5]
    python tests/benchmarks/bench_generate_throughput.py server [--port 8765]

`fake`: an LM with unlimited capacity and a fixed latency per call (the scripted fake engine): the pipeline's own
scaling. `server`: llama.cpp's OpenAI-compatible server running the embedded model, started by this script, each
thread count run in a fresh process with an empty DSPy cache.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HELPERS = Path(__file__).parents[1] / "helpers"
THREADS = (1, 2, 4, 8)


def _generate(command: list[str], out: Path) -> float:
    """The run's own wall time (from its report: process start-up and imports excluded)."""
    with tempfile.TemporaryDirectory() as cache:
        subprocess.run([*command, "--out", str(out)], check=True, capture_output=True,
                       env={**os.environ, "DSPY_CACHEDIR": cache})
    return float(json.loads((out / "generate_report.json").read_text())["this_run"]["wall_seconds"])


def _rows(out: Path) -> int:
    return sum(1 for line in (out / "generated.jsonl").read_text().splitlines()
               if json.loads(line)["stage"] == "prompt" or json.loads(line)["status"] == "error")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("lm", choices=["fake", "server"])
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--limit", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    common = ["--limit", str(args.limit), "--k", "1", "--answer.attempts", "2", "--judge-lm", "none"]
    server = None
    if args.lm == "fake":
        base = [sys.executable, str(HELPERS / "slow_generate.py"), str(args.latency), *common]
    else:
        from rnr_dspy.models.lm import embedded_model_path

        server = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_model_path()),
                                   "--port", str(args.port), "--n_ctx", "4096", "--chat_format", "chatml"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(10)
        base = [sys.executable, "-m", "rnr_dspy.cli", "generate", *common, "--lm", "openai/smollm2",
                "--api-base", f"http://127.0.0.1:{args.port}/v1", "--api-key", "unused"]
    results = []
    try:
        with tempfile.TemporaryDirectory() as directory:
            for threads in THREADS:
                out = Path(directory) / f"threads-{threads}"
                wall = _generate([*base, "--num-threads", str(threads)], out)
                results.append({"threads": threads, "rows": _rows(out), "wall_seconds": round(wall, 1),
                                "rows_per_min": round(_rows(out) / wall * 60, 1)})
    finally:
        if server is not None:
            server.terminate()
    for result in results:
        result["scaling"] = round(result["rows_per_min"] / results[0]["rows_per_min"], 2)
        result["scaling_per_thread"] = round(result["scaling"] / result["threads"], 2)
    print(json.dumps({"lm": args.lm, "latency_s": args.latency if args.lm == "fake" else None,
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()
