"""What activation checkpointing and keeping freed memory in the heap (`rnr_dspy.train.method`) cost and save with
a recipe's training settings, on the rows a generate run made: seconds per optimizer step, peak RSS, minor page
faults and system CPU time, each run in its own process: the recipe's settings, without checkpointing, and with
glibc's default heap.

    python tests/benchmarks/bench_checkpointing.py --data runs/embedded-smollm2/generate
        [--recipe embedded-smollm2] [--steps 6] [--methods sft dpo] [--repeats 1]

Every other setting is the recipe's (micro-batch, accumulation, max_length, precision), with `max_steps` set to
`--steps`. DPO computes the reference log-probabilities each step here instead of once for every pair before
training (that pass is the same with or without checkpointing and would dominate a few steps), so its ratios are a
floor. Runs alternate so load from other processes hits every run alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from heap_arms import child_arm, run_arm


def child(config_file: Path, result_file: Path, keep_heap: bool) -> None:
    import resource

    from rnr_dspy.train import TrainConfig, run_train, stage

    if not keep_heap:
        stage._libc_function = lambda name: None  # glibc's own malloc settings, no trims
    result = run_train(TrainConfig.model_validate_json(config_file.read_text()))
    (trained,) = result.stages
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result_file.write_text(json.dumps({"steps": trained.steps, "seconds": trained.runtime_s,
                                       "faults": usage.ru_minflt, "system_s": usage.ru_stime}))


def measure(config: dict, work: Path, name: str, keep_heap: bool) -> tuple[float, float, int, float]:
    """Seconds per optimizer step, peak RSS in GB, minor page faults and system CPU seconds of one training run
    in its own process."""
    result, peak = run_arm(__file__, config, work, name, keep_heap)
    return result["seconds"] / result["steps"], peak, result["faults"], result["system_s"]


def main() -> None:
    if (arm := child_arm()) is not None:
        child(*arm)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a generate run directory")
    parser.add_argument("--recipe", default="embedded-smollm2")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--methods", nargs="+", default=["sft", "dpo"], choices=["sft", "dpo"])
    parser.add_argument("--repeats", type=int, default=1)
    options = parser.parse_args()

    from rnr_dspy.recipe import load_recipe

    recipe = load_recipe(options.recipe)
    # (name, activation checkpointing, freed memory kept in the heap): the recipe's settings first.
    arms = [("recipe's settings", True, True), ("no checkpointing", False, True), ("glibc's default heap", True, False)]
    print(f"recipe {options.recipe}, {options.steps} optimizer steps per run, data {options.data}")
    print("| method | run | s/step, each run | ratio to the first (median) | peak RSS GB | minor faults (M) | "
          "system CPU s |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for method in options.methods:
            settings = {**recipe.train.get(f"{method}_config", {}), "max_steps": options.steps}
            if method == "dpo":
                settings["precompute_ref_log_probs"] = False
                settings.pop("precompute_ref_batch_size", None)
            runs: dict[str, list[tuple[float, float, int, float]]] = {name: [] for name, _, _ in arms}
            for repeat in range(options.repeats):
                for name, checkpointing, keep_heap in arms:
                    tag = f"{method}-{repeat}-{checkpointing}-{keep_heap}"
                    config = {"data": [options.data], "model": recipe.student, "method": [method],
                              "out": str(work / tag),
                              f"{method}_config": {**settings, "activation_checkpointing": checkpointing}}
                    runs[name].append(measure(config, work, tag, keep_heap))
            first = runs[arms[0][0]]
            for name, _, _ in arms:
                ratio = statistics.median(run[0] / base[0] for run, base in zip(runs[name], first, strict=True))
                print(f"| {method} | {name} | {', '.join(f'{run[0]:.1f}' for run in runs[name])} | {ratio:.2f} | "
                      f"{max(run[1] for run in runs[name]):.2f} | "
                      f"{statistics.median(run[2] for run in runs[name]) / 1e6:.1f} | "
                      f"{statistics.median(run[3] for run in runs[name]):.0f} |")


if __name__ == "__main__":
    main()
