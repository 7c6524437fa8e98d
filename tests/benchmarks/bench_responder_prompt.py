"""`rnr-dspy generate` on the embedded model at the recipe's settings, the responder asked in DSPy's field format
and in the chat format: rows, rows per minute, rows lost to field markers copied into answers, prompt and output
tokens. Each format runs in a fresh process with an empty DSPy cache, one after the other.

    python tests/benchmarks/bench_responder_prompt.py [--limit 180]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rnr_dspy.recipe import load_recipe, stage_configs
from rnr_dspy.runtime.atomic import write_yaml


def _run(responder_prompt: str, limit: int, out: Path) -> dict[str, object]:
    # The shipped recipe's generate settings, without its compiled program (it has no demos).
    settings = stage_configs(load_recipe("embedded-smollm2"))["generate"].model_dump(mode="json")
    config = write_yaml(out.with_suffix(".yaml"), {**settings, "program": None, "out": str(out), "limit": limit,
                                                   "responder_prompt": responder_prompt})
    with tempfile.TemporaryDirectory() as cache:
        subprocess.run([sys.executable, "-m", "rnr_dspy.cli", "generate", "--config", str(config)],
                       check=True, capture_output=True, env={**os.environ, "DSPY_CACHEDIR": cache})
    report = json.loads((out / "generate_report.json").read_text())
    wall = report["this_run"]["wall_seconds"]
    records = [json.loads(line) for line in (out / "generated.jsonl").read_text().splitlines()]
    marked = sum(1 for record in records if record["stage"] == "prompt"
                 for attempt in record["attempts"][:1] if any("prompt-format marker" in p for p in attempt["problems"]))
    return {"responder_prompt": responder_prompt, "prompts": report["prompts"], "sft_rows": report["sft_rows"],
            "rows_by_method": report["rows_by_method"], "dpo_pairs": report["dpo_pairs"],
            "answers_with_field_markers": marked, "wall_seconds": wall,
            "rows_per_min": round(report["sft_rows"] / wall * 60, 1),
            "input_tokens": report["this_run"]["input_tokens"], "output_tokens": report["this_run"]["output_tokens"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=180, help="seeds (the recipe: 180)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        results = [_run(form, args.limit, Path(directory) / form) for form in ("fields", "chat")]
    ratio = round(results[1]["rows_per_min"] / results[0]["rows_per_min"], 2)
    print(json.dumps({"results": results, "chat_over_fields_rows_per_min": ratio}, indent=2))


if __name__ == "__main__":
    main()
