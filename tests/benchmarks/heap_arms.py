"""What the heap benchmarks share: each arm runs in a process of its own, with freed memory kept in the heap or
glibc's defaults; its settings go in as a JSON file, its result comes back as one, with the process's peak RSS."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def run_arm(script: str, config: dict, work: Path, name: str, keep_heap: bool) -> tuple[dict, float]:
    """The result `script`'s child wrote for `config`, and its peak RSS in GB."""
    from rnr_dspy.runtime.peak_memory import run_measured

    config_file, result_file = work / f"{name}.json", work / f"{name}.result.json"
    config_file.write_text(json.dumps(config))
    code, peak = run_measured([sys.executable, script, "--child", str(config_file), str(result_file),
                               "keep-heap" if keep_heap else "glibc"])
    if code != 0:
        raise SystemExit(f"{name}: exited with {code}")
    return json.loads(result_file.read_text()), peak / 1e9


def child_arm() -> tuple[Path, Path, bool] | None:
    """In a child `run_arm` started: its config file, result file and whether it keeps the heap; else None."""
    if sys.argv[1:2] != ["--child"]:
        return None
    config_file, result_file, heap = sys.argv[2:5]
    return Path(config_file), Path(result_file), heap == "keep-heap"
