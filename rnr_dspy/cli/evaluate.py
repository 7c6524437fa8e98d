"""`rnr-dspy eval` and `rnr-dspy report`: evaluate models side by side, and re-render a report from its log.

    rnr-dspy eval --models embedded --models local:runs/x/model --suite all --out runs/eval
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rnr_dspy.cli import Command, app, err, guarded, out, run_stage, say
from rnr_dspy.cli.stage_command import stage_command
from rnr_dspy.evals import EvalConfig, EvalResult


@stage_command(app, "eval")
def eval_command(config: EvalConfig) -> None:
    """Evaluate one or more models on the role-and-rule benchmark and/or IFEval; write a log, report and plot."""
    log: EvalResult = run_stage("eval", config)
    for note in dict.fromkeys(note for run in log.runs for suite in run.suites for note in suite.notes):
        say(err, "note:", note, "yellow")
    for run in log.runs:
        summary = ", ".join(f"{suite.task} {_headline(suite)}" for suite in run.suites)
        say(out, "", f"{run.spec}: {summary}")
        for suite in run.suites:
            for line in _split_lines(suite):
                say(out, "", f"  {suite.task} {line}")
    written = [config.out / name for name in ("log.json", "report.md", "plot.png") if (config.out / name).is_file()]
    say(out, "wrote", ", ".join(str(path) for path in written), "")


@app.command("report", cls=Command)
def report_command(
    log_path: Annotated[Path, typer.Argument(help="An eval log (log.json).", exists=True, dir_okay=False)],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Where to write report.md and plot.png "
                                                 "(default: next to the log).")] = None,
) -> None:
    """Re-render report.md and plot.png from an eval log."""
    from rnr_dspy.evals.log import read_log
    from rnr_dspy.evals.report import write_report

    log = guarded(lambda: read_log(log_path))
    report, plot = write_report(log, out_dir or log_path.parent)
    say(out, "wrote", f"{report}" + (f" and {plot}" if plot else ""), "")


def _headline(suite: Any) -> str:
    name = "pass_rate" if "pass_rate" in suite.metrics else next(iter(suite.metrics), None)
    metric = suite.metrics.get(name) if name else None
    return f"{name} {_rate(metric)}" if metric is not None and metric.value is not None else "n/a"


def _split_lines(suite: Any) -> list[str]:
    """One line per split of the suite (in-distribution, held-out rule types): its headline metrics."""
    from rnr_dspy.evals.splits import LABELS, by_split

    return [f"{LABELS[split]}: " + ", ".join(f"{name} {_rate(metric)}" for name, metric in metrics.items())
            for split, metrics in by_split(suite.metrics).items()]


def _rate(metric: Any) -> str:
    if metric.value is None:
        return f"n/a (unknown {metric.unknown})"
    return f"{metric.value:.3f} [{metric.low:.2f}, {metric.high:.2f}] n={metric.n}"
