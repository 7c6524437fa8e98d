"""`rnr-dspy eval` and `rnr-dspy report`: evaluate models side by side, and re-render a report from its log.

    rnr-dspy eval --models embedded --models local:runs/x/model --suite all --out runs/eval
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rnr_dspy.cli.common import err, guarded, out, run_stage, say, usage_error
from rnr_dspy.cli.stage_command import stage_command
from rnr_dspy.evals import EvalConfig, EvalResult
from rnr_dspy.evals.comparable import differences
from rnr_dspy.evals.usage import describe_usage


@stage_command("eval")
def eval_command(config: EvalConfig) -> None:
    """Evaluate one or more models on the role-and-rule benchmark and/or IFEval; write a log, report and plot."""
    log: EvalResult = run_stage("eval", config)
    for difference in differences(log.runs):
        say(err, "warning:", f"not compared like for like (the report says so too): {difference}", "red")
    for note in dict.fromkeys(note for run in log.runs for suite in run.suites for note in suite.notes):
        say(err, "note:", note, "yellow")
    for run in log.runs:
        summary = ", ".join(f"{suite.task} {_headline(suite)}" for suite in run.suites)
        say(out, "", f"{run.spec}: {summary}")
        for suite in run.suites:
            for line in _split_lines(suite):
                say(out, "", f"  {suite.task} {line}")
        if spent := describe_usage(run.usage):
            say(out, "", f"  {spent}")
    written = [config.out / name for name in ("log.json", "report.md", "plot.png") if (config.out / name).is_file()]
    say(out, "wrote", ", ".join(str(path) for path in written), "")


def report_command(
    log_paths: Annotated[list[Path], typer.Argument(
        help="Eval logs (log.json). Several are merged into one comparison, the first log's first model the "
        "baseline (their items must be the same).", exists=True, dir_okay=False)],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Where to write report.md and plot.png "
                                                 "(default: next to the first log).")] = None,
    allow_mismatch: Annotated[bool, typer.Option("--allow-mismatch", help="Compare logs made under different "
                                                 "settings (max tokens, back end, precision, suite version, "
                                                 "judge); the report warns of each difference.")] = False,
) -> None:
    """Re-render report.md and plot.png from an eval log, or compare the models of several logs."""
    from rnr_dspy.evals.log import merge_logs, read_log, write_log
    from rnr_dspy.evals.report import write_report

    if len(log_paths) > 1 and out_dir is None:
        usage_error("several logs are merged into a new comparison: say where it goes with --out DIR")
    logs = {str(path): guarded(lambda path=path: read_log(path)) for path in log_paths}
    target = out_dir or log_paths[0].parent
    log = guarded(lambda: merge_logs(logs, allow_mismatch=allow_mismatch))
    for mismatch in log.config.get("mismatches", []):
        say(err, "warning:", f"compared anyway: {mismatch}", "red")
    if len(log_paths) > 1:
        target.mkdir(parents=True, exist_ok=True)
        write_log(log, target / "log.json")  # the merged log: the report can be rendered from it again
    report, plot = write_report(log, target)
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
