"""What DPO's reference pass (`precompute_ref_log_probs`, run while its trainer is built) costs in time and memory
with glibc's default heap, as training runs it, and with freed memory kept in the heap, as training's steps run
(`rnr_dspy.train.method._heap_kept`): over the pairs a recipe's DPO steps reach, on the rows a generate run made,
from the model DPO starts from; seconds to build the trainer (loading and tokenizing included) and peak RSS, each
run in its own process, stopped before the first step.

    python tests/benchmarks/bench_reference_pass.py --data runs/embedded-smollm2/generate
        --model local:runs/embedded-smollm2/model/sft [--recipe embedded-smollm2] [--repeats 1]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import time
from pathlib import Path

from heap_arms import child_arm, run_arm


class _BuiltError(Exception):
    """Raised where training would start: the trainer, and its reference pass, are done."""


def child(config_file: Path, result_file: Path, keep_heap: bool) -> None:
    from rnr_dspy.train import TrainConfig, run_train, stage, trainer

    dpo = trainer._TRAINERS["dpo"]()
    built: dict[str, float] = {}

    class Measured(dpo):
        def __init__(self, *args, **kwargs):
            start = time.perf_counter()
            with stage._heap_kept() if keep_heap else contextlib.nullcontext():
                super().__init__(*args, **kwargs)
            built["seconds"] = time.perf_counter() - start

        def train(self, *args, **kwargs):
            raise _BuiltError

    trainer._TRAINERS["dpo"] = lambda: Measured
    with contextlib.suppress(_BuiltError):
        run_train(TrainConfig.model_validate_json(config_file.read_text()))
    result_file.write_text(json.dumps(built))


def measure(config: dict, work: Path, name: str, keep_heap: bool) -> tuple[float, float]:
    """Seconds to build the trainer and peak RSS in GB of one run in its own process."""
    result, peak = run_arm(__file__, config, work, name, keep_heap)
    return result["seconds"], peak


def main() -> None:
    if (arm := child_arm()) is not None:
        child(*arm)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a generate run directory")
    parser.add_argument("--model", required=True, help="the model DPO starts from, e.g. local:RUN/model/sft")
    parser.add_argument("--recipe", default="embedded-smollm2")
    parser.add_argument("--repeats", type=int, default=1)
    options = parser.parse_args()

    from rnr_dspy.recipe import load_recipe

    recipe = load_recipe(options.recipe)
    arms = [("glibc's default heap (training's)", False), ("kept heap", True)]
    print(f"recipe {options.recipe}, DPO's reference pass, data {options.data}, model {options.model}")
    print("| heap | s to build, each run | ratio to the first (median) | peak RSS GB |")
    print("|---|---|---|---|")
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in arms}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for repeat in range(options.repeats):  # arms alternate: load from other processes hits both alike
            for name, keep_heap in arms:
                tag = f"{repeat}-{keep_heap}"
                config = {"data": [options.data], "model": options.model, "method": ["dpo"],
                          "out": str(work / tag), "dpo_config": recipe.train.get("dpo_config", {})}
                runs[name].append(measure(config, work, tag, keep_heap))
    first = runs[arms[0][0]]
    for name, _ in arms:
        ratio = statistics.median(run[0] / base[0] for run, base in zip(runs[name], first, strict=True))
        print(f"| {name} | {', '.join(f'{run[0]:.0f}' for run in runs[name])} | {ratio:.2f} | "
              f"{max(run[1] for run in runs[name]):.2f} |")


if __name__ == "__main__":
    main()
