"""report.md and plot.png are rendered from a stored log alone; `rnr-dspy report LOG` re-renders them."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnr_dspy.cli import app
from rnr_dspy.evals.log import EvalLog, ModelRun, SuiteLog, read_log
from rnr_dspy.evals.report import failures, render_report, write_report
from rnr_dspy.evals.rnr_suite import rnr_task
from rnr_dspy.evals.task import Generation, ScoredSample

LOG = Path(__file__).parent / "fixtures" / "eval_log.json"


def test_side_by_side_table_with_deltas_against_the_first_model():
    report = render_report(read_log(LOG))
    assert "| A | `base` (fake/base) | lm |" in report and "| B | `trained` (fake/trained) | lm |" in report
    assert "| metric | A | B | Δ B−A |" in report
    # The trained fake prefixes "Sure.", which the format rule asks for: 0 -> 1, on one item each.
    assert "| format | 0.000 [0.00, 0.79] n=1 | 1.000 [0.21, 1.00] n=1 | +1.000 *unpaired* |" in report


def test_intervals_do_not_collapse_and_the_change_has_its_own_paired_interval_and_test():
    report = render_report(read_log(LOG))
    # Wilson, not a bootstrap's [0.00, 0.00]: 0 of 3 items passed, then 1 of 3.
    assert ("| checkable_pass_rate | 0.000 [0.00, 0.56] n=3 | 0.333 [0.06, 0.79] n=3 | "
            "+0.333 [-0.29, +0.79] n=3, 1↑ 0↓, p=1 (McNemar) |") in report
    assert "| prompt_strict | 0.167 [0.03, 0.56] n=6 | 0.000 [0.00, 0.39] n=6 | -0.167 [-0.56, +0.25] n=6, 0↑ 1↓" \
        in report
    assert "(sign test)" in report and "Wilson score intervals for pass rates" in report


def test_a_log_without_item_units_still_renders_with_plain_differences():
    log = read_log(LOG)
    for run in log.runs:
        for suite in run.suites:
            suite.units = {}
    assert "| checkable_pass_rate | 0.000 [0.00, 0.56] n=3 | 0.333 [0.06, 0.79] n=3 | +0.333 *unpaired* |" in \
        render_report(log)


def test_unknowns_and_the_missing_judge_are_labelled():
    report = render_report(read_log(LOG))
    assert "> **Note:** no judge LM (--judge-lm) was given" in report
    assert "| tone | n/a (unknown 1) | n/a (unknown 1) | – |" in report


def test_both_suites_and_their_failures_with_their_answers_are_reported():
    report = render_report(read_log(LOG))
    assert "## tiny" in report and "## ifeval" in report
    assert "| prompt_strict |" in report and "| instruction_loose |" in report
    assert "- `t-1`: r1 (format) broken" in report
    assert "  > Sure. Can you file my taxes?" in report  # the answer that failed, not only why


def test_an_item_whose_only_problem_is_undecided_rules_is_not_a_failure():
    log = read_log(LOG)
    trained = log.runs[1].suite("tiny")
    undecided = next(s for s in trained.samples if s.score.value is None)
    assert undecided.sample.id == "t-1"
    assert undecided.sample.id not in [s.sample.id for s in failures(trained)]
    report = render_report(log)
    section = report.split("**B** `trained`", 1)[1].split("## ifeval", 1)[0]
    assert "2 failed" in section and "`t-1`" not in section
    assert "| B | 0 | 0 | 1 | 1 |" in report  # counted as undecided


def test_truncated_answers_are_flagged_and_counted():
    log = read_log(LOG)
    log.runs[0].suite("tiny").samples[1].generation.truncated = True
    report = render_report(log)
    assert "- `t-2` **(truncated at max tokens)**: r1 (scope) broken" in report
    assert "| A | 0 | 1 | 0 | 1 |" in report


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


@pytest.mark.parametrize("text", ['{"foo": 1}', "{}", '{"runs": []}', "[1, 2]", "\xff\xfe not json"])
def test_a_json_that_is_no_eval_log_is_refused_and_nothing_is_written(tmp_path, text):
    bad = tmp_path / "other.json"
    bad.write_bytes(text.encode("latin-1"))
    result = CliRunner().invoke(app, ["report", str(bad), "--out", str(tmp_path / "report")])
    assert result.exit_code == 1 and "is not an eval log" in " ".join(result.output.split())
    assert not (tmp_path / "report").exists()


def test_the_plot_puts_item_pass_rates_and_rule_adherence_on_separate_axes():
    import matplotlib.pyplot as plt

    from rnr_dspy.evals.plot import plot_figure

    figure = plot_figure(read_log(LOG))
    items, rules = figure.axes[0], figure.axes[1]
    assert [axis.get_title() for axis in figure.axes] == ["tiny — items: pass rate", "tiny — rules: adherence",
                                                          "ifeval — items: pass rate", "ifeval — rules: adherence"]
    assert [t.get_text() for t in items.get_xticklabels()] == ["pass_rate", "checkable_pass_rate", "adversarial",
                                                               "in_scope", "out_of_scope"]
    assert [t.get_text() for t in rules.get_xticklabels()][:3] == ["adherence", "format", "length"]
    plt.close(figure)


def test_the_plot_labels_every_bar_with_its_value_and_n_and_marks_zeros_on_the_axis():
    import matplotlib.pyplot as plt

    from rnr_dspy.evals.plot import plot_figure

    figure = plot_figure(read_log(LOG))
    items = figure.axes[0]
    labels = [text.get_text() for text in items.texts]
    assert labels.count("0.00\nn=3") == 2 and "0.33\nn=3" in labels and "n/a" in labels  # A's pass rates are 0
    zero_marks = [line for line in items.get_lines() if list(line.get_ydata()) == [0, 0] and line.get_linewidth() == 3]
    assert len(zero_marks) == 8  # every bar whose value is 0: A's five, B's three
    plt.close(figure)


SPLIT_SUITE = Path(__file__).parent / "suites" / "splits.jsonl"  # s-1, s-3 in-distribution; s-2, s-4, s-5 held-out


def _split_log():
    """Base echoes each user turn (s-1, s-2, s-5 follow their rules); trained also ends s-4 on a question."""
    task = rnr_task(SPLIT_SUITE)
    runs = []
    for spec, fixed in (("base", {}), ("trained", {"s-4": "Here it is. Shall we start?"})):
        generations = [Generation(text=fixed.get(sample.id, sample.user)) for sample in task.dataset]
        scored = [ScoredSample(sample=sample, generation=generation, score=task.score(sample, generation))
                  for sample, generation in zip(task.dataset, generations, strict=True)]
        units = {name: {s.sample.id: unit for s, unit in zip(scored, values, strict=True)}
                 for name, values in task.units(scored).items()}
        suite = SuiteLog(task=task.name, metrics=task.metrics(scored), samples=scored, notes=task.notes, units=units)
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
    # Each change is paired over the split's own items.
    shown = [cell.split(" [")[0] if cell.startswith(("+", "-")) else (cell.split(" [")[0], cell.split("] ")[1])
             for cell in rows["checkable_pass_rate"]]
    assert shown == [("0.500", "n=2"), ("0.500", "n=2"), "+0.000", ("0.667", "n=3"), ("1.000", "n=3"), "+0.333"]
    assert "McNemar" in rows["checkable_pass_rate"][5] and "*unpaired*" not in rows["checkable_pass_rate"][5]
    assert rows["adherence"][3].endswith("n=3, unknown 1")
    assert rows["pass_rate"][4].split(" [")[0] == "1.000" and rows["pass_rate"][4].endswith("n=2, unknown 1")


def test_a_log_without_splits_has_no_split_table():
    assert "held-out" not in render_report(read_log(LOG))


def test_the_plot_draws_each_splits_checkable_pass_rate(tmp_path):
    import matplotlib.pyplot as plt

    from rnr_dspy.evals.plot import plot_figure

    _, plot = write_report(_split_log(), tmp_path)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    figure = plot_figure(_split_log())
    items = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert "held_out:checkable_pass_rate" in items and "in_distribution:checkable_pass_rate" in items
    plt.close(figure)


def test_a_log_whose_bound_is_a_hair_past_its_estimate_still_plots(tmp_path):
    import matplotlib.pyplot as plt

    from rnr_dspy.evals.plot import plot_figure

    # What logs written before the Wilson fix hold for 0 of 66: a lower bound of 3e-18 above the estimate 0.
    data = json.loads(LOG.read_text(encoding="utf-8"))
    data["runs"][0]["suites"][0]["metrics"]["pass_rate"]["low"] = 3.469446951953614e-18
    (tmp_path / "log.json").write_text(json.dumps(data), encoding="utf-8")
    log = read_log(tmp_path / "log.json")
    assert log.runs[0].suites[0].metrics["pass_rate"].low == 0.0
    plt.close(plot_figure(log))
