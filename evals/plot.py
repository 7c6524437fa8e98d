"""`plot.png` from an eval log: per suite, the headline rate per model (and the checkable pass rate, overall and
per split: in-distribution and held-out rule types), then each rule kind's adherence (IFEval: strict accuracy per
instruction group), with 95% bootstrap intervals."""

from __future__ import annotations

from pathlib import Path

from rnr_dspy.evals.log import EvalLog
from rnr_dspy.evals.splits import LABELS, SPLITS, metric_name

__all__ = ["write_plot"]

HEADLINE = {"rnr": "pass_rate", "ifeval": "prompt_strict"}


def write_plot(log: EvalLog, path: str | Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(suite.task for run in log.runs for suite in run.suites))
    figure, axes = plt.subplots(len(tasks), 1, figsize=(11, 3.6 * max(1, len(tasks))), squeeze=False)
    for axis, task in zip(axes[:, 0], tasks, strict=True):
        suites = [run.suite(task) for run in log.runs]
        names = list(dict.fromkeys(n for s in suites if s for n in s.metrics))
        headline = HEADLINE.get(task, "pass_rate" if "pass_rate" in names else names[0])
        checkable = ["checkable_pass_rate", *(metric_name(split, "checkable_pass_rate") for split in SPLITS)]
        extra = [name for name in checkable if name in names and name != headline]
        columns = [headline, *extra] + [name for name in names if name.startswith("kind:")]
        width = 0.8 / len(log.runs)
        for index, (run, suite) in enumerate(zip(log.runs, suites, strict=True)):
            metrics = [suite.metrics.get(name) if suite else None for name in columns]
            known = [m if m is not None and m.value is not None and m.low is not None and m.high is not None
                     else None for m in metrics]
            values = [m.value if m else 0.0 for m in known]
            errors = [[m.value - m.low if m else 0.0 for m in known], [m.high - m.value if m else 0.0 for m in known]]
            positions = [x + (index - (len(log.runs) - 1) / 2) * width for x in range(len(columns))]
            axis.bar(positions, values, width, yerr=errors, capsize=2, label=f"{chr(65 + index)}: {run.spec}")
            for position, metric in zip(positions, known, strict=True):
                if metric is None:  # undecided (e.g. judge-only rules without a judge): say so, do not draw a 0
                    axis.text(position, 0.02, "n/a", ha="center", fontsize=7, rotation=90)
        axis.set_xticks(range(len(columns)), [_label(name) for name in columns], rotation=30,
                        ha="right", fontsize=8)
        axis.set_ylim(0, 1.05)
        axis.set_title(f"{task}: {headline} and per-kind rate")
        axis.legend(fontsize=8)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _label(name: str) -> str:
    for split in SPLITS:
        name = name.replace(metric_name(split, ""), f"{LABELS[split]} ")
    return name.removeprefix("kind:")
