"""Wall time of the default `rnr-dspy compile` on the embedded model (the README's main job).

    python tests/benchmarks/bench_compile.py [--out runs/bench-compile] [extra compile flags...]

Runs the real command in a subprocess with an empty DSPy cache (a cold run), then prints its wall time beside
the report's own figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    args = sys.argv[1:]
    out = Path(args[args.index("--out") + 1]) if "--out" in args else Path("runs/bench-compile")
    if "--out" not in args:
        args += ["--out", str(out)]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as cache:
        environment = {**os.environ, "DSPY_CACHEDIR": cache}
        subprocess.run([sys.executable, "-m", "rnr_dspy.cli", "compile", *args], check=True, env=environment)
    wall = time.perf_counter() - started
    report = json.loads((out / "compile_report.json").read_text())
    keys = ("score_before", "score_after", "pass_rate_before", "pass_rate_after", "lm_calls", "tokens",
            "wall_seconds", "train_examples", "val_examples", "demos")
    print(json.dumps({"command_wall_seconds": round(wall, 1), **{key: report[key] for key in keys},
                      "parse": {stage: v["parse_success"] for stage, v in report["parse"].items()}}, indent=2))


if __name__ == "__main__":
    main()
