"""What the eval GGUF's weight type costs: the embedded model written as an F16 and as a Q8_0 GGUF (as `rnr-dspy
run` writes the base and the trained model with `eval_as_gguf`), each evaluated on the same IFEval sample.

    python tests/benchmarks/bench_eval_gguf_type.py [--limit 96] [--threads 2]

Each eval is a fresh `rnr-dspy eval` process with an empty DSPy cache, 16 requests in flight, greedy, 160 tokens
(the recipe's settings). Printed: the suite's wall time, output tokens, prompt-strict accuracy and the share of
answers that agree word for word, and the speed-up of Q8_0 over F16.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rnr_dspy.models.convert import embedded_hf_dir
from rnr_dspy.models.lm import embedded_model_path
from rnr_dspy.models.to_gguf import write_gguf

EVAL = ["eval", "--suite", "ifeval", "--batch-size", "16", "--max-tokens", "160"]


def _eval(model: Path, limit: int, threads: int) -> dict[str, object]:
    out = Path(tempfile.mkdtemp(prefix=f"eval-{model.stem}-"))
    with tempfile.TemporaryDirectory() as cache:
        subprocess.run([sys.executable, "-m", "rnr_dspy.cli", *EVAL, "--models", f"local:{model}", "--limit",
                        str(limit), "--engine-threads", str(threads), "--out", str(out)], check=True,
                       capture_output=True, env={**os.environ, "DSPY_CACHEDIR": cache})
    suite = json.loads((out / "log.json").read_text())["runs"][0]["suites"][0]
    return {"seconds": round(suite["wall_seconds"], 1),
            "output_tokens": sum(sample["generation"].get("output_tokens") or 0 for sample in suite["samples"]),
            "prompt_strict": round(suite["metrics"]["prompt_strict"]["value"], 3),
            "answers": [sample["generation"]["text"] for sample in suite["samples"]]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=96)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as models:
        runs = {}
        for file_type in ("F16", "Q8_0"):
            path = write_gguf(embedded_hf_dir(), embedded_model_path(), Path(models) / f"{file_type}.gguf", file_type)
            runs[file_type] = _eval(path, args.limit, args.threads)
    for file_type, run in runs.items():
        print(file_type, json.dumps({key: value for key, value in run.items() if key != "answers"}))
    same = sum(a == b for a, b in zip(runs["F16"]["answers"], runs["Q8_0"]["answers"], strict=True))
    print(f"speed-up of Q8_0: {runs['F16']['seconds'] / runs['Q8_0']['seconds']:.2f}x; "
          f"the same answer for {same} of {args.limit} prompts")


if __name__ == "__main__":
    main()
