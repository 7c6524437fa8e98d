"""The eval tab holds every item of every suite for every model, its verdicts, and the items a model gained or
lost against the baseline: the same items the report's paired ↑/↓ count."""

import re

import pytest

from rnr_dspy.evals.log import read_log
from rnr_dspy.evals.metrics import paired_delta
from rnr_dspy.evals.report import render_report
from rnr_dspy.view.eval_items import eval_view, headline_metric, paired_changes


@pytest.fixture
def log(eval_run):
    return read_log(eval_run / "log.json")


def test_every_item_of_every_suite_has_every_models_answer(log):
    items = eval_view(log)["items"]
    for index, run in enumerate(log.runs):
        for suite in run.suites:
            shown = {item["id"]: item for item in items if item["suite"] == suite.task}
            assert set(shown) == {s.sample.id for s in suite.samples}
            for scored in suite.samples:
                answer = shown[scored.sample.id]["answers"][index]
                assert answer["text"] == scored.generation.text and answer["score"] == scored.score.value
                assert answer["truncated"] == scored.generation.truncated


def test_every_rule_verdict_is_shown_with_its_reason(log):
    items = {(i["suite"], i["id"]): i for i in eval_view(log)["items"]}
    suite = log.runs[1].suite("tiny")
    for scored in suite.samples:
        verdicts = items[("tiny", scored.sample.id)]["answers"][1]["verdicts"]
        assert [(v[0], v[1], v[2]) for v in verdicts] == [
            (v["rule_id"], v["followed"], v["reason"]) for v in scored.score.metadata["verdicts"]]


def test_ifeval_items_show_each_instruction_strict_and_loose(log):
    item = next(i for i in eval_view(log)["items"] if i["suite"] == "ifeval" and i["id"] == "1000")
    verdicts = item["answers"][0]["verdicts"]
    assert [v[0] for v in verdicts] == ["punctuation:no_comma", "detectable_format:number_highlighted_sections",
                                        "length_constraints:number_words"]
    assert [v[1] for v in verdicts] == [False, True, False]
    assert item["kinds"] == ["punctuation", "detectable_format", "length_constraints"]


def test_gained_and_lost_items_are_those_the_report_counts(log):
    view = eval_view(log)
    report = render_report(log)
    compared = 0
    for task, metric in view["headlines"].items():
        base, other = (run.suite(task) for run in log.runs)
        changes = [item["changes"][1] for item in view["items"] if item["suite"] == task]
        gained, lost = changes.count(1), changes.count(-1)
        ids = [i for i in base.units[metric] if i in other.units[metric]]
        delta = paired_delta([base.units[metric][i] for i in ids], [other.units[metric][i] for i in ids])
        assert (gained, lost) == (delta.better, delta.worse)
        section = report.split(f"## {task}\n", 1)[1]
        row = next(line for line in section.splitlines() if line.startswith(f"| {metric} |"))
        assert re.search(rf"\b{gained}↑ {lost}↓", row), row
        compared += gained + lost
    assert compared  # the fixture has items that changed, so the check compares something


def test_the_headline_is_the_pass_rate_or_the_first_paired_metric(log):
    assert headline_metric(log.runs[0].suite("tiny")) == "pass_rate"
    assert headline_metric(log.runs[0].suite("ifeval")) == "prompt_strict"


def test_paired_changes_leave_undecided_items_undecided():
    base = {"a": (1.0, 1.0), "b": (0.0, 1.0), "c": None, "d": (1.0, 2.0)}
    other = {"a": (0.0, 1.0), "b": (1.0, 1.0), "c": (1.0, 1.0), "d": (1.0, 2.0), "e": (1.0, 1.0)}
    assert paired_changes(base, other) == {"a": -1, "b": 1, "c": None, "d": 0}
