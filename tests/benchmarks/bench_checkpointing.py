"""What activation checkpointing costs and saves with a recipe's training settings, on the rows a generate run made:
seconds per optimizer step and peak RSS, with it and without it, SFT and DPO, each run in its own process.

    python tests/benchmarks/bench_checkpointing.py --data runs/embedded-smollm2/generate
        [--recipe embedded-smollm2] [--steps 6] [--methods sft dpo] [--repeats 1]

Every other setting is the recipe's (micro-batch, accumulation, max_length, precision), with `max_steps` set to
`--steps`. DPO computes the reference log-probabilities each step here instead of once for every pair before
training (that pass is the same with or without checkpointing and would dominate a few steps), so its ratio is a
floor. Runs alternate (on, off, on, off, ...) so load from other processes hits both alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

_KEY = "activation_checkpointing"


def child(config_file: Path, result_file: Path) -> None:
    from rnr_dspy.train import TrainConfig, run_train

    result = run_train(TrainConfig.model_validate_json(config_file.read_text()))
    (stage,) = result.stages
    result_file.write_text(json.dumps({"steps": stage.steps, "seconds": stage.runtime_s}))


def measure(config: dict, work: Path, name: str) -> tuple[float, float]:
    """Seconds per optimizer step and peak RSS in GB of one training run in its own process."""
    from rnr_dspy.peak_memory import run_measured

    config_file, result_file = work / f"{name}.json", work / f"{name}.result.json"
    config_file.write_text(json.dumps(config))
    code, peak = run_measured([sys.executable, __file__, "--child", str(config_file), str(result_file)])
    if code != 0:
        raise SystemExit(f"{name}: training exited with {code}")
    result = json.loads(result_file.read_text())
    return result["seconds"] / result["steps"], peak / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a generate run directory")
    parser.add_argument("--recipe", default="embedded-smollm2")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--methods", nargs="+", default=["sft", "dpo"], choices=["sft", "dpo"])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(*options.child)
        return

    from rnr_dspy.recipe import load_recipe

    recipe = load_recipe(options.recipe)
    print(f"recipe {options.recipe}, {options.steps} optimizer steps per run, data {options.data}")
    print("| method | checkpointing | s/step, each run | peak RSS GB, each run | s/step ratio off/on (median) |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for method in options.methods:
            settings = {**recipe.train.get(f"{method}_config", {}), "max_steps": options.steps}
            if method == "dpo":
                settings["precompute_ref_log_probs"] = False
                settings.pop("precompute_ref_batch_size", None)
            runs: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
            for repeat in range(options.repeats):
                for on in (True, False):
                    config = {"data": [options.data], "model": recipe.student, "method": [method],
                              "out": str(work / f"{method}-{on}-{repeat}"), f"{method}_config": {**settings, _KEY: on}}
                    runs[on].append(measure(config, work, f"{method}-{on}-{repeat}"))
            ratio = statistics.median(off[0] / on[0] for on, off in zip(runs[True], runs[False], strict=True))
            for on in (True, False):
                steps = ", ".join(f"{run[0]:.1f}" for run in runs[on])
                peaks = ", ".join(f"{run[1]:.2f}" for run in runs[on])
                print(f"| {method} | {'on' if on else 'off'} | {steps} | {peaks} | {'' if on else f'{ratio:.2f}'} |")


if __name__ == "__main__":
    main()
