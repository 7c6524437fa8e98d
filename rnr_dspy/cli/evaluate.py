"""`rnr-dspy eval` and `rnr-dspy report`: evaluate models side by side, and re-render a report from its log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rnr_dspy.cli import (
    LM_PANEL,
    ApiBase,
    ApiKey,
    ConfigFile,
    app,
    err,
    guarded,
    out,
    phase_reporter,
    progress_bars,
    stage_config,
)

EVAL_PANEL = "Suites"


@app.command("eval")
def eval_command(
    ctx: typer.Context,
    model: Annotated[list[str] | None, typer.Option(
        "--model", help="Model under test (repeat to compare; the first is the baseline): embedded, local:PATH "
        "(Hugging Face dir or .gguf), or provider/model.", rich_help_panel=LM_PANEL)] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Output directory: log.json, report.md, plot.png.")]
    = Path("runs/eval"),
    config_file: ConfigFile = None,
    suite: Annotated[str, typer.Option(help="rnr, ifeval, all, or a suite file (.jsonl).",
                                       rich_help_panel=EVAL_PANEL)] = "rnr",
    limit: Annotated[int | None, typer.Option(help="Use at most N items of each suite.",
                                              rich_help_panel=EVAL_PANEL)] = None,
    judge_lm: Annotated[str | None, typer.Option(help="Judge LM for judge-only rules (without one they are "
                                                 "reported as unknown).", rich_help_panel=LM_PANEL)] = None,
    api_base: ApiBase = None,
    api_key: ApiKey = None,
    max_tokens: Annotated[int, typer.Option(help="Longest answer, in tokens.")] = 512,
    batch_size: Annotated[int, typer.Option(help="Prompts per batch (transformers) or concurrent requests "
                                            "(HTTP models).")] = 8,
    backend: Annotated[str, typer.Option(help="auto (batched transformers for a Hugging Face dir, llama.cpp for "
                                         "GGUF), lm, or transformers (also for GGUF, converted once).")] = "auto",
) -> None:
    """Evaluate one or more models on the role-and-rule benchmark and/or IFEval; write a log, report and plot."""
    from rnr_dspy.evals.run import EvalConfig, run_eval

    flags = {"models": model or ["embedded"], "out": out_dir, "suite": suite, "limit": limit, "judge_lm": judge_lm,
             "api_base": api_base, "api_key": api_key, "max_tokens": max_tokens, "batch_size": batch_size,
             "backend": backend}
    config = guarded(lambda: stage_config(ctx, EvalConfig, config_file, flags,
                                          parameter_names={"out": "out_dir", "models": "model"}))
    with progress_bars() as bars:
        log = guarded(lambda: run_eval(config, progress=phase_reporter(bars)))
    for note in dict.fromkeys(note for run in log.runs for suite in run.suites for note in suite.notes):
        err.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    for run in log.runs:
        summary = ", ".join(f"{suite.task} {_headline(suite)}" for suite in run.suites)
        out.print(f"{run.spec}: {summary}", highlight=False)
        for suite in run.suites:
            for line in _split_lines(suite):
                out.print(f"  {suite.task} {line}", highlight=False)
    written = [config.out / name for name in ("log.json", "report.md", "plot.png") if (config.out / name).is_file()]
    out.print("wrote " + ", ".join(str(path) for path in written))


@app.command("report")
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
    out.print(f"wrote {report}" + (f" and {plot}" if plot else ""))


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
