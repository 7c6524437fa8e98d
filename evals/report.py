"""`report.md` and `plot.png`, rendered from an eval log alone: a side-by-side table per suite, each model's
delta against the first (the baseline), in-distribution and held-out rule types side by side, and the caveats the
run recorded.

Example:
    >>> write_report(read_log("runs/eval/log.json"), "runs/eval")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from rnr_dspy.evals.log import EvalLog, ModelRun, SuiteLog
from rnr_dspy.evals.metrics import Metric
from rnr_dspy.evals.splits import LABELS, SPLIT_METRICS, SPLITS, by_split

__all__ = ["render_report", "write_report"]

GROUPS = (("", "Overall"), ("kind:", "By rule kind (adherence; IFEval: strict, by instruction group)"),
          ("turn:", "By turn type (pass rate)"))
EXAMPLES_PER_MODEL = 5


def write_report(log: EvalLog, out: str | Path) -> tuple[Path, Path | None]:
    """Write `report.md` (and `plot.png` when matplotlib is installed) into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = out / "report.md"
    report.write_text(render_report(log), encoding="utf-8")
    from rnr_dspy.evals.plot import write_plot

    try:
        return report, write_plot(log, out / "plot.png")
    except ImportError:  # matplotlib is an optional extra: pip install 'rnr-dspy[eval]'
        return report, None


def render_report(log: EvalLog) -> str:
    config = log.config
    lines = ["# Eval report", "",
             f"Created {log.created}. Suite `{config.get('suite', '?')}`, limit {config.get('limit') or 'none'}, "
             f"judge {config.get('judge_lm') or 'none'}, max tokens {config.get('max_tokens', '?')}, greedy.", "",
             "| | model | back end | load (s) |", "|---|---|---|---|"]
    lines += [f"| {_name(i)} | `{run.spec}` ({run.model_id}) | {run.backend} | {run.load_seconds:.1f} |"
              for i, run in enumerate(log.runs)]
    for task in dict.fromkeys(suite.task for run in log.runs for suite in run.suites):
        lines += ["", *_suite_section(log.runs, task)]
    return "\n".join(lines) + "\n"


def _suite_section(runs: list[ModelRun], task: str) -> list[str]:
    suites = [run.suite(task) for run in runs]
    first = next(suite for suite in suites if suite is not None)
    lines = [f"## {task}", "", f"{len(first.samples)} items. Values with 95% bootstrap intervals; n = units "
             "counted; unknown = undecided (judge missing or unparsed, generation failed), left out, not guessed."]
    lines += [f"\n> **Note:** {note}" for note in dict.fromkeys(n for s in suites if s for n in s.notes)]
    names = list(dict.fromkeys(name for suite in suites if suite for name in suite.metrics))
    header = "| metric | " + " | ".join(_name(i) for i in range(len(runs)))
    header += "".join(f" | Δ {_name(i)}−A" for i in range(1, len(runs))) + " |"
    for prefix, title in GROUPS:
        group = [name for name in names if (name.startswith(prefix) if prefix else ":" not in name)]
        if not group:
            continue
        lines += ["", f"### {title}", "", header, "|---" * (len(runs) * 2) + "|"]
        for name in group:
            metrics = [suite.metrics.get(name) if suite else None for suite in suites]
            cells = [_cell(metric) for metric in metrics] + [_delta(metrics[0], m) for m in metrics[1:]]
            lines.append(f"| {name.removeprefix(prefix)} | " + " | ".join(cells) + " |")
        if not prefix:
            lines += _split_table(runs, suites)
    lines += ["", "| | generation errors | wall (s) |", "|---|---|---|"]
    lines += [f"| {_name(i)} | {s.generation_errors} | {s.wall_seconds:.0f} |" for i, s in enumerate(suites) if s]
    return lines + _examples(runs, task)


def _split_table(runs: list[ModelRun], suites: list[SuiteLog | None]) -> list[str]:
    """Each headline metric per split, every model and its delta beside the baseline, splits side by side."""
    splits = [by_split(suite.metrics) if suite else {} for suite in suites]
    shown = [split for split in SPLITS if any(split in found for found in splits)]
    if not shown:
        return []
    header, rule = "| metric |", "|---|"
    for split in shown:
        header += "".join(f" {LABELS[split]} {_name(i)} |" for i in range(len(runs)))
        header += "".join(f" {LABELS[split]} Δ {_name(i)}−A |" for i in range(1, len(runs)))
        rule += "---|" * (2 * len(runs) - 1)
    lines = ["", "### In-distribution vs held-out rule types",
             "", "Held-out items carry checkable rules of types generation never draws (`rnr_dspy.rules.held_out`): "
             "how far rule following carries over to rules never trained on.", "", header, rule]
    for name in SPLIT_METRICS:
        cells = []
        for split in shown:
            metrics = [found.get(split, {}).get(name) for found in splits]
            cells += [_cell(metric) for metric in metrics] + [_delta(metrics[0], m) for m in metrics[1:]]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _examples(runs: list[ModelRun], task: str) -> list[str]:
    lines = ["", f"### First failures (up to {EXAMPLES_PER_MODEL} per model; every one is in log.json)"]
    for i, run in enumerate(runs):
        suite = run.suite(task)
        failed = [s for s in suite.samples if s.score.value != 1.0][:EXAMPLES_PER_MODEL] if suite else []
        lines += ["", f"**{_name(i)}** `{run.spec}`: " + ("none" if not failed else "")]
        lines += [f"- `{s.sample.id}`: {_one_line(s.score.explanation)}" for s in failed]
    return lines


def _cell(metric: Metric | None) -> str:
    if metric is None or metric.value is None:
        return "–" if metric is None else f"n/a (unknown {metric.unknown})"
    text = f"{metric.value:.3f} [{metric.low:.2f}, {metric.high:.2f}] n={metric.n}"
    return text + (f", unknown {metric.unknown}" if metric.unknown else "")


def _delta(base: Metric | None, other: Metric | None) -> str:
    if base is None or other is None or base.value is None or other.value is None:
        return "–"
    return f"{other.value - base.value:+.3f}"


def _name(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else f"M{index}"


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[:limit - 1] + "…"
