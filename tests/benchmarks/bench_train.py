"""Training throughput of `run_train` as a ratio to a plain TRL `SFTTrainer` script, and the effect of packing.

    python tests/benchmarks/bench_train.py [--model embedded|local:PATH] [--steps 8] [--rows 96] [--repeats 2]
                                           [--threads N]

Same model, rows, settings and process for both: the plain script builds `SFTConfig` and `SFTTrainer` itself on
prompt/completion rows; `run_train` reads the same rows from a JSONL file and adds its own checks, length
counting, saving and reports. Also `run_train` with packing, and in the machine's other precision (fp32 where
the default is bf16, and the reverse), against the same baseline. Runs alternate (plain, rnr, rnr+packing,
rnr+other precision, plain, ...) so load from other processes hits all alike; best, median and paired ratios
are reported. Tokens/s counts real (unpadded) tokens per second of training.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

SYSTEM = ("You are a concise travel assistant for budget travellers.\n\n1. Answer in under 40 words.\n"
          "2. Never recommend a specific hotel.\n3. End with 'Safe travels.'")


def rows(count: int) -> list[dict]:
    rng = random.Random(0)
    places = ["Lisbon", "Hanoi", "Quito", "Tbilisi", "Oaxaca", "Krakow", "Penang", "Valparaiso"]
    out = []
    for index in range(count):
        place = places[index % len(places)]
        answer = " ".join(rng.choice(["Take", "the", "night", "bus", "and", "eat", "street", "food", "near", "the",
                                      "market", "in", place]) for _ in range(rng.randint(8, 40))) + ". Safe travels."
        out.append({"id": f"bench-{index}", "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"How can I spend three cheap days in {place}? ({index})"},
            {"role": "assistant", "content": answer}]})
    return out


def plain_trl(model_dir: Path, data: list[dict], settings: dict, out: Path) -> float:
    """The reference: what a user would write with TRL alone."""
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    pairs = [{"prompt": row["messages"][:-1], "completion": row["messages"][-1:]} for row in data]
    args = SFTConfig(output_dir=str(out), **settings)
    trainer = SFTTrainer(model=str(model_dir), args=args, train_dataset=Dataset.from_list(pairs),
                         processing_class=AutoTokenizer.from_pretrained(model_dir))
    metrics = trainer.train().metrics
    tokens = [entry["num_tokens"] for entry in trainer.state.log_history if "num_tokens" in entry][-1]
    return tokens / metrics["train_runtime"]


def rnr_train(model_spec: str, data_file: Path, settings: dict, out: Path) -> tuple[float, float]:
    from rnr_dspy.train import TrainConfig, run_train

    started = time.perf_counter()
    result = run_train(TrainConfig(data=[data_file], model=model_spec, out=out, sft_config=settings))
    (stage,) = result.stages
    return stage.tokens / stage.runtime_s, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--rows", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, help="torch CPU threads (1 on a box shared with other jobs: "
                        "contended OpenMP threads spin and slow every step several times over)")
    options = parser.parse_args()
    if options.threads:
        import torch

        torch.set_num_threads(options.threads)

    from rnr_dspy.models.convert import hf_model_dir
    from rnr_dspy.train.config import machine_defaults

    model_dir = hf_model_dir(options.model)
    settings = {**machine_defaults(), "max_steps": options.steps, "per_device_train_batch_size": 4,
                "max_length": 256, "learning_rate": 1e-5, "seed": 0}
    data = rows(options.rows)
    precision = not settings["bf16"]  # the other precision than this machine's default
    other = f"run_train {'bf16' if precision else 'fp32'}"
    results: dict[str, list[float]] = {"plain TRL": [], "run_train": [], "run_train packing": [], other: []}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        data_file = work / "sft.jsonl"
        data_file.write_text("".join(json.dumps(row) + "\n" for row in data))
        runs = 0

        def out() -> Path:
            nonlocal runs
            runs += 1
            return work / f"run-{runs}"

        for _ in range(options.repeats):
            results["plain TRL"].append(plain_trl(model_dir, data, settings, out()))
            results["run_train"].append(rnr_train(options.model, data_file, settings, out())[0])
            results["run_train packing"].append(rnr_train(options.model, data_file, {**settings, "packing": True},
                                                          out())[0])
            results[other].append(rnr_train(options.model, data_file, {**settings, "bf16": precision}, out())[0])
    baseline, baseline_median = max(results["plain TRL"]), statistics.median(results["plain TRL"])
    import torch

    print(f"model {options.model}, {options.steps} steps x batch 4, max_length 256, {options.rows} short rows, "
          f"{options.repeats} repeats, {torch.get_num_threads()} torch threads, default bf16={settings['bf16']}")
    print("| run | tokens/s, each run | best | ratio (best) | ratio (median) | median of paired ratios |")
    print("|---|---|---|---|---|---|")
    for name, values in results.items():
        paired = statistics.median(v / p for v, p in zip(values, results["plain TRL"], strict=True))
        print(f"| {name} | {', '.join(f'{v:.0f}' for v in values)} | {max(values):.0f} | "
              f"{max(values) / baseline:.2f} | {statistics.median(values) / baseline_median:.2f} | {paired:.2f} |")


if __name__ == "__main__":
    main()
