"""The role-and-rule suite: loading (every bad line named), scoring rule by rule with fixed responses, and its
metrics. The judge is a scripted fake LM."""

from collections import Counter
from pathlib import Path

import pytest
from fake_engine import FakeEngine, fake_lm

from rnr_dspy.evals.rnr_suite import load_rnr_items, rnr_metrics, rnr_task, shipped_bench_path
from rnr_dspy.evals.rule_scorer import item_passed
from rnr_dspy.evals.task import Generation, ScoredSample, SuiteError

SUITES = Path(__file__).parent / "suites"
TINY = SUITES / "tiny.jsonl"


def _scored(task, responses):
    generations = [Generation(text=r) if r is not None else Generation(error="boom") for r in responses]
    return [ScoredSample(sample=s, generation=g, score=task.score(s, g))
            for s, g in zip(task.dataset, generations, strict=True)]


def test_items_become_samples_with_the_rendered_system_prompt():
    sample = rnr_task(TINY).dataset[0]
    assert sample.system.startswith("You are a cooking coach") and '1. Start every answer with "Sure".' in sample.system
    assert sample.metadata["turn_type"] == "in_scope" and len(sample.metadata["rules"]) == 3


def test_a_limit_draws_a_seeded_sample_spread_over_turn_types_and_domains():
    items = load_rnr_items(shipped_bench_path())
    task = rnr_task(limit=30)
    chosen = [sample.id for sample in task.dataset]
    assert len(chosen) == 30 and chosen != [item.id for item in items[:30]]
    assert chosen == [sample.id for sample in rnr_task(limit=30).dataset]  # seeded
    turns = Counter(sample.metadata["turn_type"] for sample in task.dataset)
    share = Counter(item.turn_type for item in items)
    for turn, count in share.items():  # each turn type in proportion, within one item
        assert abs(turns[turn] - 30 * count / len(items)) <= 1
    assert len({sample.metadata["domain"] for sample in task.dataset}) >= 15
    order = [item.id for item in items]
    assert chosen == sorted(chosen, key=order.index)  # in the file's order


def test_every_bad_line_is_named_with_file_line_and_field():
    with pytest.raises(SuiteError) as raised:
        load_rnr_items(SUITES / "malformed.jsonl")
    message = str(raised.value)
    assert "4 problem(s); 1 valid item(s)" in message
    assert "malformed.jsonl:2: turn_type:" in message
    assert "malformed.jsonl:3: not JSON" in message
    assert "malformed.jsonl:4: rules: Value error, rule 1: invalid check" in message
    assert "malformed.jsonl:4: extra: unknown setting" in message


def test_empty_and_missing_files_are_clear_errors(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(SuiteError, match="has no items"):
        load_rnr_items(empty)
    with pytest.raises(SuiteError, match="cannot read suite file"):
        load_rnr_items(tmp_path / "missing.jsonl")


def test_a_duplicate_id_is_an_error(tmp_path):
    line = TINY.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "dup.jsonl"
    path.write_text(f"{line}\n{line}\n", encoding="utf-8")
    with pytest.raises(SuiteError, match=r"dup\.jsonl:2: id: 't-1' already used on line 1"):
        load_rnr_items(path)


def test_the_shipped_benchmark_loads():
    items = load_rnr_items(shipped_bench_path())
    assert len(items) >= 150
    assert {item.turn_type for item in items} == {"in_scope", "adversarial", "out_of_scope"}


def test_without_a_judge_judge_only_rules_are_unknown_and_the_task_says_so():
    task = rnr_task(TINY)
    assert task.notes and "judge" in task.notes[0]
    score = task.score(task.dataset[0], Generation(text="Sure, rest it five minutes."))
    verdicts = {v["rule_id"]: v for v in score.metadata["verdicts"]}
    assert verdicts["r1"]["followed"] and verdicts["r2"]["followed"] and verdicts["r3"]["followed"] is None
    assert score.value is None and score.metadata["checkable_pass"] == 1.0
    assert "r3 (tone) unknown" in score.explanation


def test_a_broken_checkable_rule_decides_the_item_even_without_a_judge():
    task = rnr_task(TINY)
    score = task.score(task.dataset[0], Generation(text="Rest it five minutes, then slice against the grain."))
    assert score.value == 0.0 and "r1 (format) broken" in score.explanation


def test_scope_rules_follow_the_turn_type():
    task = rnr_task(TINY)
    refusal = task.score(task.dataset[1], Generation(text="I only help with cooking."))
    answered = task.score(task.dataset[1], Generation(text="Sure, first gather your receipts."))
    assert refusal.value == 1.0 and answered.value == 0.0


def test_the_judge_decides_judge_only_rules():
    engine = FakeEngine({"verdicts": {"verdicts": [{"rule_id": "r3", "followed": True, "reason": "kind"}]}})
    task = rnr_task(TINY, judge_lm=fake_lm(engine))
    score = task.score(task.dataset[0], Generation(text="Sure, rest it five minutes."))
    assert score.value == 1.0 and not task.notes
    assert engine.calls_for("verdicts"), "the judge was asked"
    assert [v["method"] for v in score.metadata["verdicts"]] == ["check", "check", "judge"]


def test_an_unparsable_judge_reply_is_unknown_not_a_guess():
    task = rnr_task(TINY, judge_lm=fake_lm(FakeEngine({"verdicts": "this is not JSON"})))
    score = task.score(task.dataset[0], Generation(text="Sure, rest it five minutes."))
    assert score.value is None
    assert score.metadata["verdicts"][2]["followed"] is None


def test_item_pass_is_decided_by_any_broken_rule_and_undecided_by_unknowns():
    assert item_passed([True, True]) == 1.0
    assert item_passed([True, None, False]) == 0.0
    assert item_passed([True, None]) is None


def test_metrics_with_fixed_responses():
    engine = FakeEngine({"verdicts": lambda request: {"verdicts": [
        {"rule_id": rule_id, "followed": True, "reason": "ok"} for rule_id in ("r2", "r3")]}})
    task = rnr_task(TINY, judge_lm=fake_lm(engine))
    scored = _scored(task, ["Sure, rest it five minutes.", "I only help with cooking. Sorry!", None])
    metrics = rnr_metrics(scored)
    # t-1 passes; t-2 refuses but with "!"; t-3's generation failed and is undecided.
    assert metrics["pass_rate"].value == 0.5 and metrics["pass_rate"].unknown == 1
    assert metrics["adherence"].value == pytest.approx(4 / 5)
    assert metrics["kind:style"].value == 0.0 and metrics["kind:scope"].value == 1.0
    assert metrics["turn:in_scope"].value == 1.0 and metrics["turn:out_of_scope"].value == 0.0
    assert metrics["turn:adversarial"].value is None and metrics["turn:adversarial"].unknown == 1
    assert scored[2].score.explanation.startswith("generation failed: boom")


def test_a_judge_that_fails_leaves_that_items_verdicts_unknown():
    def fail(request):
        raise RuntimeError("judge server down")

    task = rnr_task(TINY, judge_lm=fake_lm(FakeEngine({"verdicts": fail})))
    score = task.score(task.dataset[0], Generation(text="Sure, rest it five minutes."))
    assert score.value is None and "judge failed" in score.metadata["verdicts"][2]["reason"]


SPLIT_SUITE = SUITES / "splits.jsonl"  # s-1, s-3 in-distribution; s-2, s-4, s-5 held-out rule types


def test_an_items_split_is_derived_from_its_rules_and_travels_with_its_sample():
    task = rnr_task(SPLIT_SUITE)
    splits = {sample.id: sample.metadata["split"] for sample in task.dataset}
    assert splits == {"s-1": "in_distribution", "s-2": "held_out", "s-3": "in_distribution", "s-4": "held_out",
                      "s-5": "held_out"}
    assert {sample.metadata["split"] for sample in rnr_task(TINY).dataset} == {"in_distribution"}


def test_the_headline_metrics_are_reported_per_split_beside_the_whole_suite():
    task = rnr_task(SPLIT_SUITE)
    # The answers echo the user turns: s-1, s-2 and s-5 follow their rules, s-3 and s-4 do not; s-4's tone
    # rule is judge-only, unknown without a judge.
    metrics = rnr_metrics(_scored(task, [sample.user for sample in task.dataset]))
    assert metrics["split:in_distribution:pass_rate"].value == 0.5
    assert metrics["split:in_distribution:pass_rate"].n == 2
    assert metrics["split:held_out:checkable_pass_rate"].value == pytest.approx(2 / 3)
    assert metrics["split:held_out:checkable_pass_rate"].n == 3
    held_out = metrics["split:held_out:adherence"]
    assert held_out.value == pytest.approx(2 / 3) and held_out.unknown == 1
    assert held_out.low <= held_out.value <= held_out.high
    assert metrics["checkable_pass_rate"].value == pytest.approx(3 / 5)


def test_a_suite_with_one_split_reports_only_that_split():
    task = rnr_task(TINY)
    metrics = rnr_metrics(_scored(task, ["Sure, rest it five minutes.", "I only help with cooking.", None]))
    assert sorted(name for name in metrics if name.startswith("split:")) == [
        "split:in_distribution:adherence", "split:in_distribution:checkable_pass_rate",
        "split:in_distribution:pass_rate"]
    assert metrics["split:in_distribution:pass_rate"] == metrics["pass_rate"]


def test_a_limit_samples_every_split():
    sample = [s.metadata["split"] for s in rnr_task(SPLIT_SUITE, limit=2).dataset]
    assert sorted(sample) == ["held_out", "in_distribution"]


def test_a_limited_run_of_the_shipped_benchmark_measures_both_splits():
    splits = Counter(sample.metadata["split"] for sample in rnr_task(limit=64).dataset)
    total = Counter(item.split for item in load_rnr_items(shipped_bench_path()))
    assert sum(splits.values()) == 64 and splits["held_out"] >= 15
    assert abs(splits["held_out"] / 64 - total["held_out"] / total.total()) < 1 / 64
