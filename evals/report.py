"""`report.md` and `plot.png`, rendered from an eval log alone: a side-by-side table per suite, each model's change
against the first (the baseline) with its own paired interval and test, in-distribution and held-out rule types
side by side, the failures with the answers that failed, and the caveats the run recorded.

Example:
    >>> write_report(read_log("runs/eval/log.json"), "runs/eval")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from rnr_dspy.evals.comparable import differences, model_letter
from rnr_dspy.evals.log import EvalLog, ModelRun, SuiteLog
from rnr_dspy.evals.metrics import Delta, Metric, paired_delta
from rnr_dspy.evals.splits import LABELS, SPLIT_METRICS, SPLITS, by_split, metric_name
from rnr_dspy.evals.task import ScoredSample
from rnr_dspy.runtime.atomic import write_text

__all__ = ["failures", "render_report", "write_report"]

GROUPS = (("", "Overall"), ("kind:", "By rule kind (adherence; IFEval: strict, by instruction group)"),
          ("turn:", "By turn type (pass rate)"))
EXAMPLES_PER_MODEL = 5
RESPONSE_CHARS = 300
INTERVALS = ("Values with 95% intervals: Wilson score intervals for pass rates, BCa bootstrap intervals over items "
             "for ratios (rule adherence, instruction level); n = units counted; unknown = undecided (judge missing "
             "or unparsed, generation failed), left out, not guessed. Δ = change against A, paired over the items "
             "both models decided: its own 95% interval (Newcombe's paired interval for pass rates, a paired BCa "
             "bootstrap for ratios), p from an exact McNemar test (pass rates) or sign test (ratios), ↑/↓ items "
             "better/worse; a Δ marked *unpaired* is a plain difference.")

VIEWER = ("Every item of every model side by side, with its verdicts and the items each model gained or lost: "
          "`rnr-dspy view DIR` (DIR: this report's directory, or the recipe run holding it) writes `DIR/view.html`, "
          "one file that opens offline.")


def write_report(log: EvalLog, out: str | Path) -> tuple[Path, Path | None]:
    """Write `report.md` (and `plot.png` when matplotlib is installed) into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = out / "report.md"
    write_text(report, render_report(log))
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
             *_warnings(log), INTERVALS, "", VIEWER, "", "| | model | back end | precision | load (s) |",
             "|---|---|---|---|---|"]
    lines += [f"| {model_letter(i)} | `{run.spec}` ({run.model_id}) | {run.backend} | {run.precision or '?'} | "
              f"{run.load_seconds:.1f} |" for i, run in enumerate(log.runs)]
    lines += _usage_table(log.runs)
    for task in dict.fromkeys(suite.task for run in log.runs for suite in run.suites):
        lines += ["", *_suite_section(log.runs, task)]
    return "\n".join(lines) + "\n"


def _usage_table(runs: list[ModelRun]) -> list[str]:
    """LM calls answered, failed, and tokens, of each model's answers and of the judge (none in an older log)."""
    if not any(run.usage for run in runs):
        return []
    lines = ["", "| | answer calls | failed | tokens | judge calls | failed | tokens |",
             "|---|---|---|---|---|---|---|"]
    for i, run in enumerate(runs):
        cells = [f"{counts.get('lm_calls', 0)} | {counts.get('failed_lm_calls', 0)} | {counts.get('tokens', 0)}"
                 for counts in (run.usage.get("answers", {}), run.usage.get("judge", {}))]
        lines.append(f"| {model_letter(i)} | {' | '.join(cells)} |")
    return lines


def _warnings(log: EvalLog) -> list[str]:
    """Each way the models were not evaluated alike, first, so no number is read without it."""
    found = dict.fromkeys([*log.config.get("mismatches", []), *differences(log.runs)])
    return [f"> **Warning: not compared like for like.** {problem}\n" for problem in found]


def failures(suite: SuiteLog) -> list[ScoredSample]:
    """Items that failed: a rule known to be broken (score 0), or no answer. An item whose only problem is rules
    without a verdict is undecided, not a failure."""
    return [s for s in suite.samples if s.score.value == 0.0 or s.generation.text is None]


def _suite_section(runs: list[ModelRun], task: str) -> list[str]:
    suites = [run.suite(task) for run in runs]
    first = next(suite for suite in suites if suite is not None)
    sample = first.settings.get("sample")
    lines = [f"## {task}", "", f"{len(first.samples)} items{f': {sample}' if sample else ''}."]
    lines += [f"\n> **Note:** {note}" for note in dict.fromkeys(n for s in suites if s for n in s.notes)]
    names = list(dict.fromkeys(name for suite in suites if suite for name in suite.metrics))
    header = "| metric | " + " | ".join(model_letter(i) for i in range(len(runs)))
    header += "".join(f" | Δ {model_letter(i)}−A" for i in range(1, len(runs))) + " |"
    for prefix, title in GROUPS:
        group = [name for name in names if (name.startswith(prefix) if prefix else ":" not in name)]
        if not group:
            continue
        lines += ["", f"### {title}", "", header, "|---" * (len(runs) * 2) + "|"]
        for name in group:
            metrics = [suite.metrics.get(name) if suite else None for suite in suites]
            cells = [_cell(metric) for metric in metrics]
            cells += [_change(name, suites[0], suite, metrics[0], metric)
                      for suite, metric in zip(suites[1:], metrics[1:], strict=True)]
            lines.append(f"| {name.removeprefix(prefix)} | " + " | ".join(cells) + " |")
        if not prefix:
            lines += _split_table(runs, suites)
    lines += ["", "| | generation errors | truncated (hit max tokens) | undecided items | wall (s) |",
              "|---|---|---|---|---|"]
    lines += [f"| {model_letter(i)} | {s.generation_errors} | {sum(x.generation.truncated for x in s.samples)} | "
              f"{sum(x.score.value is None and x.generation.text is not None for x in s.samples)} | "
              f"{s.wall_seconds:.0f} |" for i, s in enumerate(suites) if s]
    return lines + _failures(runs, task)


def _split_table(runs: list[ModelRun], suites: list[SuiteLog | None]) -> list[str]:
    """Each headline metric per split, every model and its change against the baseline, splits side by side."""
    splits = [by_split(suite.metrics) if suite else {} for suite in suites]
    shown = [split for split in SPLITS if any(split in found for found in splits)]
    if not shown:
        return []
    header, rule = "| metric |", "|---|"
    for split in shown:
        header += "".join(f" {LABELS[split]} {model_letter(i)} |" for i in range(len(runs)))
        header += "".join(f" {LABELS[split]} Δ {model_letter(i)}−A |" for i in range(1, len(runs)))
        rule += "---|" * (2 * len(runs) - 1)
    lines = ["", "### In-distribution vs held-out rule types",
             "", "Held-out items carry checkable rules of types generation never draws (`rnr_dspy.rules.held_out`): "
             "how far rule following carries over to rules never trained on.", "", header, rule]
    for name in SPLIT_METRICS:
        cells = []
        for split in shown:
            metrics = [found.get(split, {}).get(name) for found in splits]
            cells += [_cell(metric) for metric in metrics]
            cells += [_change(metric_name(split, name), suites[0], suite, metrics[0], metric)
                      for suite, metric in zip(suites[1:], metrics[1:], strict=True)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _failures(runs: list[ModelRun], task: str) -> list[str]:
    lines = ["", f"### Failures (up to {EXAMPLES_PER_MODEL} per model; every item is in log.json)", "",
             "A failure is an item with a rule known to be broken, or with no answer; an item whose only problem "
             "is rules left without a verdict is undecided and not listed."]
    for i, run in enumerate(runs):
        suite = run.suite(task)
        failed = failures(suite) if suite else []
        lines += ["", f"**{model_letter(i)}** `{run.spec}`: {len(failed)} failed" + (":" if failed else "")]
        for scored in failed[:EXAMPLES_PER_MODEL]:
            flag = " **(truncated at max tokens)**" if scored.generation.truncated else ""
            lines += ["", f"- `{scored.sample.id}`{flag}: {_one_line(scored.score.explanation)}"]
            if scored.generation.text is not None:
                lines.append(f"  > {_one_line(scored.generation.text, RESPONSE_CHARS) or '(empty answer)'}")
    return lines


def _cell(metric: Metric | None) -> str:
    if metric is None or metric.value is None:
        return "–" if metric is None else f"n/a (unknown {metric.unknown})"
    text = f"{metric.value:.3f} [{metric.low:.2f}, {metric.high:.2f}] n={metric.n}"
    return text + (f", unknown {metric.unknown}" if metric.unknown else "")


def _change(name: str, base_suite: SuiteLog | None, suite: SuiteLog | None, base: Metric | None,
            other: Metric | None) -> str:
    if base is None or other is None or base.value is None or other.value is None:
        return "–"
    base_units = _units(base_suite, name) if base_suite is not None else None
    other_units = _units(suite, name) if suite is not None else None
    if base_units is None or other_units is None:
        return f"{other.value - base.value:+.3f} *unpaired*"
    ids = [sample_id for sample_id in base_units if sample_id in other_units]
    return _delta_cell(paired_delta([base_units[i] for i in ids], [other_units[i] for i in ids]))


def _units(suite: SuiteLog, name: str) -> dict[str, tuple[float, float] | None] | None:
    """Each item's unit of metric `name`; a split's metric (`split:<split>:<metric>`) pairs over that split's items."""
    if name in suite.units:
        return suite.units[name]
    if name.startswith("split:"):
        _, split, metric = name.split(":", 2)
        ids = {s.sample.id for s in suite.samples if s.sample.metadata.get("split") == split}
        units = suite.units.get(metric)
        return {key: unit for key, unit in units.items() if key in ids} if units is not None else None
    return None


def _delta_cell(delta: Delta) -> str:
    if delta.value is None:
        return "– (no item decided by both)"
    test = "McNemar" if delta.test == "mcnemar" else "sign test"
    return (f"{delta.value:+.3f} [{delta.low:+.2f}, {delta.high:+.2f}] n={delta.n}, {delta.better}↑ {delta.worse}↓, "
            f"p={delta.p_value:.3g} ({test})")



def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[:limit - 1] + "…"
