import json

import pytest
from fake_engine import fake_lm, scripted_engine

from rnr_dspy import RNRProgram
from rnr_dspy.compile import CompileConfig, make_examples, run_compile
from rnr_dspy.errors import SeedError

FAILING_RESPONSE = {"response": "Well, here is a long and rambling answer that never opens the expected way at all."}


@pytest.fixture
def engine(monkeypatch):
    engine = scripted_engine()
    monkeypatch.setattr("rnr_dspy.compile.run.make_lm", lambda spec, **_: fake_lm(engine))
    return engine


def config(tmp_path, **overrides):
    # One answer per group (no generated turns), so each example passes or fails by its one response.
    settings = {"user_turns": False, **overrides}
    return CompileConfig(out=tmp_path / "out", lm="fake/model", limit=24, k=3, train_size=3, val_size=2, **settings)


def _answer_by_demos(passes_with_demos, train_users):
    """The responder's reply: passing or failing depending on whether the request carries demos (the optimized
    program) and whether it is for a training group (the traces bootstrapping collects demos from)."""
    from fake_engine import PASSING_RESPONSE

    def answer(request):
        with_demos = len(request.messages) > 1
        training = any(user in request.messages[-1].text for user in train_users)
        passes = with_demos == passes_with_demos if not training else True
        return PASSING_RESPONSE if passes else FAILING_RESPONSE

    return answer


def _scripted(monkeypatch, tmp_path, passes_with_demos):
    trainset, _, _ = make_examples(config(tmp_path))
    engine = scripted_engine(response=_answer_by_demos(passes_with_demos, [e.user for e in trainset]))
    monkeypatch.setattr("rnr_dspy.compile.run.make_lm", lambda spec, **_: fake_lm(engine))
    return engine


def test_a_better_optimized_program_is_saved_with_its_demos(tmp_path, monkeypatch):
    engine = _scripted(monkeypatch, tmp_path, passes_with_demos=True)
    report = run_compile(config(tmp_path))
    saved = json.loads((tmp_path / "out" / "compile_report.json").read_text())
    assert saved["score_before"] == report.score_before < report.score_after == 1.0
    assert saved["kept"] == "optimized" and "scored higher" in saved["kept_reason"]
    assert {"score_after", "lm_calls", "tokens", "wall_seconds", "parse", "demos"} <= saved.keys()
    assert saved["lm_calls"] == len(engine.requests) and saved["tokens"] == 15 * len(engine.requests)
    assert saved["demos"]["rule_generator.generate"] == 2  # bootstrapped from passing traces, up to max_demos
    program = RNRProgram()
    program.load(str(tmp_path / "out" / "program.json"))
    assert len(program.responder.respond.demos) == 2


def test_a_worse_optimized_program_is_not_saved_the_baseline_is(tmp_path, monkeypatch):
    _scripted(monkeypatch, tmp_path, passes_with_demos=False)
    report = run_compile(config(tmp_path))
    assert report.pass_rate_before == 1.0 and report.pass_rate_after == 0.0
    assert report.kept == "baseline" and "did not score higher" in report.kept_reason
    assert "pass rate 1.00 → 0.00" in report.kept_reason
    assert set(report.demos.values()) == {0}
    program = RNRProgram()
    program.load(str(tmp_path / "out" / "program.json"))
    assert all(not predictor.demos for _, predictor in program.named_predictors())


def test_a_tie_keeps_the_baseline(tmp_path, engine):
    report = run_compile(config(tmp_path))  # every answer passes, with or without demos
    assert report.score_before == report.score_after == 1.0
    assert report.kept == "baseline" and set(report.demos.values()) == {0}


def test_bootstrap_keeps_no_demo_from_a_failing_trace(tmp_path, monkeypatch):
    engine = scripted_engine(response=FAILING_RESPONSE)
    monkeypatch.setattr("rnr_dspy.compile.run.make_lm", lambda spec, **_: fake_lm(engine))
    report = run_compile(config(tmp_path))
    assert report.pass_rate_before == 0.0 and report.score_before < 1.0
    assert set(report.demos.values()) == {0}


def test_unparsable_outputs_are_counted_per_stage_and_score_zero(tmp_path, monkeypatch):
    engine = scripted_engine(rules="not json")
    monkeypatch.setattr("rnr_dspy.compile.run.make_lm", lambda spec, **_: fake_lm(engine))
    report = run_compile(config(tmp_path, optimizer="none"))
    assert report.kept == "baseline" and report.kept_reason.startswith("optimizer none")
    assert report.before.failed_items == report.val_examples == 2
    assert report.score_before == 0.0
    assert report.parse["GenerateRules"]["parse_failures"] == report.parse["GenerateRules"]["replies"] > 0
    assert report.parse["GenerateRole"]["parse_failures"] == 0


def test_api_key_never_reaches_the_report_or_the_program(tmp_path, engine):
    run_compile(config(tmp_path, api_key="sk-secret-123", optimizer="none"))
    for name in ("compile_report.json", "program.json"):
        assert "sk-secret-123" not in (tmp_path / "out" / name).read_text()


def test_held_out_examples_are_not_trained_on(tmp_path):
    trainset, valset, seeds = make_examples(config(tmp_path))
    train_ids = {i for example in trainset for i in example.seed_ids}
    assert valset and trainset and not train_ids & {i for example in valset for i in example.seed_ids}
    assert seeds["loaded"] == 24


def test_too_few_seeds_for_a_held_out_group_is_a_clear_error(tmp_path):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text('{"instruction": "Only one"}\n')
    with pytest.raises(SeedError, match="at least 2"):
        make_examples(CompileConfig(out=tmp_path, seeds=str(seeds)))


def test_invalid_checks_are_counted_and_their_rules_judged(tmp_path, monkeypatch):
    rules = {"rules": [{"kind": "length", "text": "Be short.", "check": {"name": "max_words", "limit": 0}},
                       {"kind": "format", "text": "No commas.", "check": {"name": "no_commas"}}]}
    engine = scripted_engine(rules=rules, verdicts={"verdicts": [{"rule_id": "r1", "followed": True, "reason": "ok"}]})
    monkeypatch.setattr("rnr_dspy.compile.run.make_lm", lambda spec, **_: fake_lm(engine))
    report = run_compile(config(tmp_path, optimizer="none"))
    assert report.before.invalid_checks == report.val_examples
    assert report.per_kind_adherence["length"]["before"] == 1.0  # judged, since its check was refused


def test_progress_shows_each_phase_from_its_start_with_its_total(tmp_path, engine):
    seen = []
    result = run_compile(config(tmp_path), progress=seen.append)
    phases = [event.phase for event in seen]
    assert phases[0] == "before" and phases[-1] == "after"
    first = {phase: next(e for e in seen if e.phase == phase) for phase in ("before", "optimize", "after")}
    assert [(e.done, e.total) for e in first.values()] == [(0, 2), (0, 3), (0, 2)]  # bootstrap: one call an example
    last = [e for e in seen if e.phase == "optimize"][-1]
    assert last.done == last.total == 2  # it stopped once it had its 2 demos: the bar ends full
    saved = json.loads((tmp_path / "out" / "compile_report.json").read_text())
    assert saved == result.model_dump(mode="json")


def test_engine_threads_reach_every_lm_the_stage_makes(tmp_path, monkeypatch):
    engine, made = scripted_engine(), []

    def make(spec, **settings):
        made.append(settings["engine_threads"])
        return fake_lm(engine)

    monkeypatch.setattr("rnr_dspy.compile.run.make_lm", make)
    run_compile(config(tmp_path, engine_threads=3, optimizer="none", judge_lm="embedded"))
    assert made == [3, 3]  # the teacher and the judge


def test_composed_roles_and_sampled_rules_make_no_role_or_rule_call_in_compile(tmp_path, engine):
    report = run_compile(config(tmp_path, optimizer="none", role_source="composed", rule_source="sampled",
                                judge_lm="none"))
    assert report.lm_calls > 0 and engine.calls_for("role") == [] and engine.calls_for("rules") == []
    trainset, valset, _ = make_examples(config(tmp_path))
    examples = trainset + valset
    assert all(e.theme for e in examples) and len({e.seed for e in examples}) == len(examples)
