"""report.md and plot.png are rendered from a stored log alone; `rnr-dspy report LOG` re-renders them."""

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from rnr_dspy.cli import app
from rnr_dspy.evals.log import EvalLog, ModelRun, SuiteLog, read_log
from rnr_dspy.evals.report import render_report, write_report
from rnr_dspy.evals.rnr_suite import rnr_task
from rnr_dspy.evals.task import Generation, ScoredSample

LOG = Path(__file__).parent / "fixtures" / "eval_log.json"


def test_side_by_side_table_with_deltas_against_the_first_model():
    report = render_report(read_log(LOG))
    assert "| A | `base` (fake/base) | lm |" in report and "| B | `trained` (fake/trained) | lm |" in report
    assert "| metric | A | B | Δ B−A |" in report
    # The trained fake prefixes "Sure.", which the format rule asks for: 0 -> 1.
    assert "| format | 0.000 [0.00, 0.00] n=1 | 1.000 [1.00, 1.00] n=1 | +1.000 |" in report
    assert "| checkable_pass_rate | 0.000 [0.00, 0.00] n=3 | 0.333 [0.00, 1.00] n=3 | +0.333 |" in report


def test_unknowns_and_the_missing_judge_are_labelled():
    report = render_report(read_log(LOG))
    assert "> **Note:** no judge LM (--judge-lm) was given" in report
    assert "| tone | n/a (unknown 1) | n/a (unknown 1) | – |" in report


def test_both_suites_and_their_failures_are_reported():
    report = render_report(read_log(LOG))
    assert "## tiny" in report and "## ifeval" in report
    assert "| prompt_strict |" in report and "| instruction_loose |" in report
    assert "- `t-1`: r1 (format) broken" in report


def test_report_command_rerenders_report_and_plot(tmp_path):
    log = tmp_path / "log.json"
    shutil.copy(LOG, log)
    result = CliRunner().invoke(app, ["report", str(log)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == render_report(read_log(LOG))
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_file_that_is_not_an_eval_log_exits_1_naming_it(tmp_path):
    bad = tmp_path / "log.json"
    bad.write_text(json.dumps({"runs": [{"spec": 3}]}), encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(bad)])
    assert result.exit_code == 1 and "is not an eval log: runs.0.spec" in " ".join(result.output.split())


SPLIT_SUITE = Path(__file__).parent / "suites" / "splits.jsonl"  # s-1, s-3 in-distribution; s-2, s-4, s-5 held-out


def _split_log():
    """Base echoes each user turn (s-1, s-2, s-5 follow their rules); trained also ends s-4 on a question."""
    task = rnr_task(SPLIT_SUITE)
    runs = []
    for spec, fixed in (("base", {}), ("trained", {"s-4": "Here it is. Shall we start?"})):
        generations = [Generation(text=fixed.get(sample.id, sample.user)) for sample in task.dataset]
        scored = [ScoredSample(sample=sample, generation=generation, score=task.score(sample, generation))
                  for sample, generation in zip(task.dataset, generations, strict=True)]
        suite = SuiteLog(task=task.name, metrics=task.metrics(scored), samples=scored, notes=task.notes)
        runs.append(ModelRun(spec=spec, model_id=f"fake/{spec}", backend="lm", suites=[suite]))
    return EvalLog(config={"suite": str(SPLIT_SUITE)}, runs=runs)


def test_in_distribution_and_held_out_rates_side_by_side_with_deltas():
    lines = render_report(_split_log()).splitlines()
    header = ("| metric | in-distribution A | in-distribution B | in-distribution Δ B−A | held-out A | held-out B "
              "| held-out Δ B−A |")
    assert "### In-distribution vs held-out rule types" in lines and header in lines
    start = lines.index(header) + 2
    rows = {cells[0]: cells[1:] for cells in ([cell.strip() for cell in line.strip("|").split("|")]
                                              for line in lines[start : start + 3])}
    assert list(rows) == ["checkable_pass_rate", "adherence", "pass_rate"]
    # Value and n of each cell, and the deltas (the interval maths is the metric helpers' business).
    shown = [cell if cell.startswith(("+", "-")) else (cell.split(" [")[0], cell.split("] ")[1])
             for cell in rows["checkable_pass_rate"]]
    assert shown == [("0.500", "n=2"), ("0.500", "n=2"), "+0.000", ("0.667", "n=3"), ("1.000", "n=3"), "+0.333"]
    assert rows["adherence"][3].endswith("n=3, unknown 1")
    assert rows["pass_rate"][4].split(" [")[0] == "1.000" and rows["pass_rate"][4].endswith("n=2, unknown 1")


def test_a_log_without_splits_has_no_split_table():
    assert "held-out" not in render_report(read_log(LOG))


def test_the_plot_draws_each_splits_checkable_pass_rate(tmp_path):
    from rnr_dspy.evals.plot import _label

    _, plot = write_report(_split_log(), tmp_path)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _label("split:held_out:checkable_pass_rate") == "held-out checkable_pass_rate"
    assert _label("kind:format") == "format"
