"""`plot.png` from an eval log: per suite, two panels side by side, since they count different things: item pass
rates (an item passes when every rule is followed; per split — in-distribution and held-out rule types — and per
turn type; IFEval: prompt level) and rule adherence (per split and rule kind; IFEval: instruction level, per
instruction group). Each bar carries its 95% interval and is labelled with its value and n; a value of 0 is drawn
as a mark on the axis, an undecided one is labelled n/a."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnr_dspy.evals.log import EvalLog, SuiteLog
from rnr_dspy.evals.metrics import Metric
from rnr_dspy.runtime.atomic import staged

__all__ = ["ITEM_METRICS", "plot_figure", "write_plot"]

# Rates over items; every other metric is a rate over rules (instructions).
ITEM_METRICS = ("pass_rate", "checkable_pass_rate", "prompt_strict", "prompt_loose")
PANELS = (("items: pass rate", True), ("rules: adherence", False))


def write_plot(log: EvalLog, path: str | Path) -> Path:
    import matplotlib.pyplot as plt

    figure = plot_figure(log)
    path = Path(path)
    with staged(path) as staging:
        figure.savefig(staging, dpi=100)
    plt.close(figure)
    return path


def plot_figure(log: EvalLog) -> Any:
    """The matplotlib figure: one row per suite, the item panel then the rule panel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(suite.task for run in log.runs for suite in run.suites))
    figure, axes = plt.subplots(len(tasks), 2, figsize=(14, 4.2 * max(1, len(tasks))), squeeze=False,
                                gridspec_kw={"width_ratios": [1, 2]})
    for row, task in zip(axes, tasks, strict=True):
        suites = [run.suite(task) for run in log.runs]
        names = list(dict.fromkeys(n for s in suites if s for n in s.metrics))
        for axis, (title, items) in zip(row, PANELS, strict=True):
            columns = [name for name in names if _is_item_metric(name) == items]
            _panel(axis, log, suites, columns, f"{task} — {title}")
    figure.tight_layout()
    return figure


def _is_item_metric(name: str) -> bool:
    return name in ITEM_METRICS or name.startswith("turn:") or (name.startswith("split:") and "pass_rate" in name)


def _panel(axis: Any, log: EvalLog, suites: list[SuiteLog | None], columns: list[str], title: str) -> None:
    width = 0.8 / len(log.runs)
    for index, (run, suite) in enumerate(zip(log.runs, suites, strict=True)):
        metrics = [_known(suite.metrics.get(name)) if suite else None for name in columns]
        positions = [x + (index - (len(log.runs) - 1) / 2) * width for x in range(len(columns))]
        values = [m.value if m else 0.0 for m in metrics]
        errors = [[m.value - m.low if m else 0.0 for m in metrics], [m.high - m.value if m else 0.0 for m in metrics]]
        bars = axis.bar(positions, values, width, yerr=errors, capsize=2, label=f"{chr(65 + index)}: {run.spec}")
        color = bars.patches[0].get_facecolor() if bars.patches else None
        for position, metric in zip(positions, metrics, strict=True):
            if metric is None:  # undecided (e.g. judge-only rules without a judge): say so, do not draw a 0
                axis.text(position, 0.02, "n/a", ha="center", va="bottom", fontsize=6, rotation=90)
                continue
            if metric.value == 0:  # a bar of height 0 is invisible: mark it on the axis
                axis.plot([position - width / 2.5, position + width / 2.5], [0, 0], color=color, linewidth=3,
                          solid_capstyle="butt", clip_on=False)
            top = metric.high if metric.high is not None else metric.value
            axis.text(position, top + 0.02, f"{metric.value:.2f}\nn={metric.n}", ha="center", va="bottom",
                      fontsize=7)
    axis.set_xticks(range(len(columns)), [name.split(":", 1)[-1] for name in columns], rotation=30, ha="right",
                    fontsize=8)
    axis.set_ylim(0, 1.2)
    axis.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    axis.axhline(0, color="black", linewidth=0.6)
    axis.set_title(title, fontsize=10)
    axis.legend(fontsize=7, loc="upper right")


def _known(metric: Metric | None) -> Metric | None:
    if metric is None or metric.value is None or metric.low is None or metric.high is None:
        return None
    return metric
