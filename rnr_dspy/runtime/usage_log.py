"""A run directory's usage, kept as it happens: `usage.jsonl` gets a line per LM call the moment its usage is known,
and `usage.json` (runs and totals) is rebuilt from those lines.

A killed run therefore keeps every call it made (its run is listed as unfinished), a half-written last line is cut
off, and a damaged line is reported with its file and line instead of stopping a later run. A `usage.json` written
before `usage.jsonl` existed is read in once; when it cannot be read it is kept aside as `usage.json.damaged` and
reported, never fatal.

Lines (all counts add up): `{"run", "started"}` when a run starts; `{"run", "lm", "calls", "input_tokens",
"output_tokens"}` per call; `{"run", "cost_usd"}` when a price becomes known; `{"run", "finished", ...}` at the end.
"""

from __future__ import annotations

import json
import os
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from rnr_dspy.runtime.atomic import write_json
from rnr_dspy.runtime.jsonl import AppendedFile, LineProblem, cut_torn_last_line, read_jsonl

__all__ = ["UsageLog", "summarize_usage"]


class UsageLog:
    """The append-only usage lines of the run directory that holds `summary_path` (`usage.json`)."""

    def __init__(self, summary_path: Path) -> None:
        self.summary_path = summary_path
        self.path = summary_path.with_suffix(".jsonl")
        self.problems: list[str] = []
        self._lock = threading.Lock()
        self._file = AppendedFile(self.path)
        summary_path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and cut_torn_last_line(self.path):
            self.problems.append(f"{self.path}: a torn last line (a run killed while writing it) was cut off")
        elif not self.path.exists() and summary_path.exists():
            self._import_summary()

    def append(self, line: dict[str, Any]) -> None:
        text = json.dumps(line, ensure_ascii=False) + "\n"
        with self._lock:
            self._file.append(text.encode("utf-8"))

    def write_summary(self) -> dict[str, Any]:
        """Rebuild `usage.json` from the lines (atomically) and return it; the lines' file is closed until the next
        append."""
        with self._lock:
            self._file.close()
        summary = summarize_usage(self.path)
        summary["problems"] = self.problems + summary.get("problems", [])
        if not summary["problems"]:
            del summary["problems"]
        write_json(self.summary_path, summary)
        return summary

    def _import_summary(self) -> None:
        try:
            runs = json.loads(self.summary_path.read_text(encoding="utf-8"))["runs"]
            lines = [line for run in runs for line in _lines_of_summarized_run(run)]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
            aside = self.summary_path.with_name(self.summary_path.name + ".damaged")
            os.replace(self.summary_path, aside)
            self.problems.append(f"{self.summary_path} could not be read ({type(error).__name__}: {error}); kept as "
                                 f"{aside.name}, its runs are not in the totals")
            return
        for line in lines:
            self.append(line)


def summarize_usage(path: Path) -> dict[str, Any]:
    """Runs (in order of start) and totals from the usage lines at `path`; damaged lines listed as `problems`."""
    problems: list[LineProblem] = []
    runs: dict[str, dict[str, Any]] = {}
    for _, line in read_jsonl(path, problems) if path.exists() else ():
        run = runs.setdefault(str(line.get("run")), {"started": line.get("started", line.get("run")),
                                                     "status": "unfinished", "per_lm": defaultdict(_counts)})
        if "lm" in line:
            counts = run["per_lm"][str(line["lm"])]
            for key in counts:
                counts[key] += _number(line.get(key))
        if line.get("cost_usd") is not None:
            run["cost_usd"] = run.get("cost_usd", 0.0) + _number(line["cost_usd"])
        if "finished" in line:
            run.update({key: value for key, value in line.items() if key != "run"}, status="finished")
    listed = [_totals(run) for run in runs.values()]
    costs = [run["cost_usd"] for run in listed if run["cost_usd"] is not None]
    summary: dict[str, Any] = {"runs": listed, "total": {
        "lm_calls": sum(run["lm_calls"] for run in listed), "tokens": sum(run["tokens"] for run in listed),
        "cost_usd": round(sum(costs), 6) if costs else None}}
    if problems:
        summary["problems"] = [str(problem) for problem in problems]
    return summary


def _counts() -> dict[str, float]:
    return {"calls": 0, "input_tokens": 0, "output_tokens": 0}


def _number(value: Any) -> float:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _totals(run: dict[str, Any]) -> dict[str, Any]:
    per_lm = {lm: {"calls": c["calls"], "input_tokens": c["input_tokens"], "output_tokens": c["output_tokens"]}
              for lm, c in run.pop("per_lm").items()}
    cost = run.pop("cost_usd", None)
    calls = {"lm_calls": sum(c["calls"] for c in per_lm.values()),
             "input_tokens": sum(c["input_tokens"] for c in per_lm.values()),
             "output_tokens": sum(c["output_tokens"] for c in per_lm.values())}
    return {"started": run.pop("started"), "status": run.pop("status"), **calls,
            "tokens": calls["input_tokens"] + calls["output_tokens"], "per_lm": per_lm,
            "cost_usd": round(cost, 6) if cost is not None else None, **run}


def _lines_of_summarized_run(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The usage lines equivalent to one run of a `usage.json` written before `usage.jsonl` existed."""
    name = str(run["started"])
    lines: list[dict[str, Any]] = [{"run": name, "started": run["started"]}]
    lines += [{"run": name, "lm": lm, **{key: counts.get(key, 0) for key in _counts()}}
              for lm, counts in run.get("per_lm", {}).items()]
    if run.get("cost_usd") is not None:
        lines.append({"run": name, "cost_usd": run["cost_usd"]})
    extra = {key: value for key, value in run.items()
             if key not in {"started", "per_lm", "cost_usd", "lm_calls", "input_tokens", "output_tokens", "tokens"}}
    lines.append({"run": name, "finished": run.get("finished"), **extra})
    return lines
