import json

import datasets
import dspy
import pytest
from fake_engine import PASSING_RESPONSE, RULES, TURNS

from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.program.composed_turns import OUT_OF_SCOPE_TURNS
from rnr_dspy.rules import HELD_OUT, REGISTRY


def _config(tmp_path, **overrides):
    return GenerateConfig(out=tmp_path / "run", lm="fake/model", limit=8, k=4, **overrides)


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_passing_responses_become_trl_conversational_rows_with_provenance(tmp_path, engine):
    report = run_generate(_config(tmp_path))
    assert report.prompts == report.passed == 14 and report.sft_rows == 14  # 2 groups, 4 seeds + 3 turns
    rows = datasets.load_dataset("json", data_files=str(tmp_path / "run/data/sft.jsonl"), split="train")
    row = rows[0]
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
    assert row["messages"][0]["content"].startswith("You are a friendly cooking coach")
    assert row["messages"][2]["content"] == PASSING_RESPONSE["response"]
    assert row["seed_ids"] and row["program"] and row["lm"] == "fake/model" and row["method"] == "sampled"
    assert set(report.rows_by_turn_type) == {"in_scope", "adversarial", "out_of_scope"}
    assert datasets.load_from_disk(str(tmp_path / "run/data/hf/sft")).num_rows == 14
    card = (tmp_path / "run/data/README.md").read_text()
    assert "| SFT rows (`sft.jsonl`, TRL conversational) | 14 |" in card and "Apache-2.0" in card


def test_a_finished_run_makes_no_lm_call_when_run_again(tmp_path, engine):
    first = run_generate(_config(tmp_path))
    calls = len(engine.requests)
    again = run_generate(_config(tmp_path))
    assert len(engine.requests) == calls and again.sft_rows == first.sft_rows
    assert _lines(tmp_path / "run/data/sft.jsonl") == _lines(tmp_path / "run/data/sft.jsonl")
    usage = json.loads((tmp_path / "run/usage.json").read_text())
    assert [run["lm_calls"] for run in usage["runs"]] == [calls, 0] and usage["total"]["lm_calls"] == calls


def test_failed_samples_are_repaired_and_paired_for_dpo(tmp_path, engine):
    engine.answers["response"] = {"response": "Rest the steak. It keeps the juices in."}  # misses "Sure"
    report = run_generate(_config(tmp_path, attempts=2))
    assert report.rows_by_method == {"repaired": 14} and report.dpo_pairs == 14
    pair = _lines(tmp_path / "run/data/dpo.jsonl")[0]
    assert [m["role"] for m in pair["prompt"]] == ["system", "user"]
    assert pair["chosen"][0]["content"] == "Sure Rest the steak. It keeps the juices in."
    assert pair["rejected"][0]["content"] == "Rest the steak. It keeps the juices in."
    record = next(r for r in _lines(tmp_path / "run/generated.jsonl") if r["stage"] == "prompt")
    assert [a["method"] for a in record["attempts"]] == ["sampled", "sampled", "repaired"]


def test_hindsight_rules_rescue_a_response_no_repair_can_fix(tmp_path, engine):
    rules = {"rules": [*RULES["rules"][:2], {"kind": "content", "text": "x",
                                              "check": {"name": "include_keywords", "keywords": ["thermometer"]}}]}
    engine.answers["rules"] = rules
    report = run_generate(_config(tmp_path, attempts=1))
    # The 2 out-of-scope turns' rules ask for no refusal: an answer to them is no row.
    assert report.passed == 0 and report.rows_by_method == {"hindsight": 12} and report.dpo_pairs == 0
    row = _lines(tmp_path / "run/data/sft.jsonl")[0]
    assert "thermometer" not in row["messages"][0]["content"]  # the failed rule is not in the hindsight prompt
    assert row["messages"][0]["content"].count("\n") >= 4  # the role, "Rules:" and at least 2 rules


def test_a_hindsight_row_keeps_the_rules_a_repair_could_mend(tmp_path, engine):
    # "Open warmly" (starts with "Sure") is broken and repairable; the keyword rule is not: the hindsight row is the
    # answer with "Sure" added, under rules that keep the opening.
    engine.answers["response"] = {"response": "Rest the steak. It keeps the juices in."}
    engine.answers["rules"] = {"rules": [*RULES["rules"][:2], {"kind": "content", "text": "x", "check": {
        "name": "include_keywords", "keywords": ["thermometer"]}}]}
    report = run_generate(_config(tmp_path, attempts=1))
    assert report.rows_by_method == {"hindsight": 12}  # none for the out-of-scope turns: no refusal is asked for
    row = _lines(tmp_path / "run/data/sft.jsonl")[0]
    assert row["messages"][2]["content"] == "Sure Rest the steak. It keeps the juices in."
    assert "Sure" in row["messages"][0]["content"] and "thermometer" not in row["messages"][0]["content"]
    # The mended answer against the raw one, under the hindsight rules, is a DPO pair.
    pair = _lines(tmp_path / "run/data/dpo.jsonl")[0]
    assert report.dpo_pairs == 12 and pair["prompt"][0]["content"] == row["messages"][0]["content"]
    assert (pair["chosen"][0]["content"], pair["rejected"][0]["content"]) == (
        "Sure Rest the steak. It keeps the juices in.", "Rest the steak. It keeps the juices in.")


def test_an_answer_the_quality_gate_fails_is_not_mended_into_a_row(tmp_path, engine):
    # Adding the opening "Sure" would hide that the answer is a bare JSON object.
    engine.answers["response"] = {"response": '{"answer": "Rest the steak."}'}
    engine.answers["rules"] = {"rules": [*RULES["rules"][:2], {"kind": "content", "text": "x", "check": {
        "name": "include_keywords", "keywords": ["thermometer"]}}]}
    report = run_generate(_config(tmp_path, attempts=1))
    assert report.sft_rows == 0 and report.failed == 14


def test_repair_and_hindsight_can_be_switched_off(tmp_path, engine):
    engine.answers["response"] = {"response": "Rest the steak."}
    report = run_generate(_config(tmp_path, attempts=1, repair=False, hindsight=False))
    assert report.sft_rows == 0 and report.failed == 14


def test_an_out_of_scope_turn_passes_only_by_declining(tmp_path, engine):
    refusal = "Sorry, I only help with cooking."
    engine.answers["rules"] = {"rules": [RULES["rules"][0], {"kind": "scope", "text": "x",
                                                             "check": {"name": "refusal_phrase", "phrase": refusal}}]}
    run_generate(_config(tmp_path, attempts=1, repair=False, hindsight=False))
    passed = {r["turn_type"]: r["status"] for r in _lines(tmp_path / "run/generated.jsonl") if r["stage"] == "prompt"}
    assert passed == {"in_scope": "passed", "adversarial": "passed", "out_of_scope": "failed"}


def test_lm_errors_are_recorded_and_retried_only_when_asked(tmp_path, engine):
    def broken(request):
        raise TimeoutError("the server did not answer in 30 s")

    engine.answers["response"] = broken
    report = run_generate(_config(tmp_path))
    assert report.errors == 14 and report.sft_rows == 0
    record = next(r for r in _lines(tmp_path / "run/generated.jsonl") if r["stage"] == "prompt")
    assert record["status"] == "error" and "did not answer in 30 s" in record["error"]
    calls = len(engine.requests)
    assert run_generate(_config(tmp_path)).errors == 14 and len(engine.requests) == calls
    engine.answers["response"] = PASSING_RESPONSE
    retried = run_generate(_config(tmp_path, retry_failed=True))
    assert retried.errors == 0 and retried.sft_rows == 14
    assert len(_lines(tmp_path / "run/data/sft.jsonl")) == 14  # no duplicate of a retried row


def test_a_failed_stage_skips_its_group_and_is_recorded(tmp_path, engine):
    engine.answers["role"] = "not json at all"
    report = run_generate(_config(tmp_path))
    assert report.prompts == 0 and report.errors == 2
    systems = [r for r in _lines(tmp_path / "run/generated.jsonl") if r["stage"] == "system"]
    assert all(r["status"] == "error" and r["error"] for r in systems)


@pytest.mark.parametrize("threads", [4])
def test_threads_make_the_same_rows(tmp_path, engine, threads):
    one = run_generate(_config(tmp_path / "one"))
    many = run_generate(_config(tmp_path / "many", num_threads=threads))
    ids = [{row["id"] for row in _lines(tmp_path / name / "run/data/sft.jsonl")} for name in ("one", "many")]
    assert ids[0] == ids[1] and one.sft_rows == many.sft_rows


def test_progress_reports_rows_pass_rate_and_tokens(tmp_path, engine):
    seen = []
    run_generate(_config(tmp_path), progress=seen.append)
    assert seen[0].done == 0 and seen[0].total == 14  # the total is shown from the start
    assert seen[-1].done == seen[-1].total == 14 and seen[-1].stats["passed"] == 14 and seen[-1].stats["tokens"] > 0


def test_sampled_rules_need_no_lm_and_are_all_checkable(tmp_path, engine):
    report = run_generate(_config(tmp_path, rule_source="sampled", user_turns=False))
    systems = [r for r in _lines(tmp_path / "run/generated.jsonl") if r["stage"] == "system"]
    assert all(2 <= len(r["rules"]) <= 7 and all(rule["check"] for rule in r["rules"]) for r in systems)
    assert engine.calls_for("rules") == [] and engine.calls_for("checks") == []
    # The report and the card count the rule types and wordings the rows were trained under (hindsight rows' too).
    drawable = set(REGISTRY) - HELD_OUT
    assert report.sft_rows and set(report.rule_types) <= drawable and report.judge_only_rules == 0
    assert sum(report.rule_wordings.values()) == sum(report.rule_types.values())
    assert set(report.rule_wordings) <= {"canonical", "terse", "prohibitive", "third_person", "requirement"}
    card = (tmp_path / "run/data/README.md").read_text()
    assert f"| rule types ({len(report.rule_types)}) |" in card and "| rule wordings |" in card


def test_generate_runs_the_programs_own_forward(tmp_path, engine, monkeypatch):
    from rnr_dspy.program.rnr_program import RNRProgram

    calls = []
    forward = RNRProgram.forward

    def spy(self, *args, **kwargs):
        calls.append(kwargs["instructions"])
        return forward(self, *args, **kwargs)

    monkeypatch.setattr(RNRProgram, "forward", spy)
    report = run_generate(_config(tmp_path))
    assert len(calls) == 2 and report.prompts == 14  # one forward per group; every prompt comes from it


def test_a_compiled_programs_demo_changes_the_prompt_generate_sends(tmp_path, engine):
    from rnr_dspy.program.rnr_program import RNRProgram

    program = RNRProgram()
    demo = {"seed_instructions": ["How do I fold dumplings?"], "role": "You are a dumpling folding tutor for cooks."}
    program.role_generator.generate.demos = [dspy.Example(**demo)]
    program.save(str(tmp_path / "program.json"))
    run_generate(_config(tmp_path, program=tmp_path / "program.json"))
    role_requests = engine.calls_for("role")
    assert role_requests and all("dumpling folding tutor" in str(r.messages) for r in role_requests)
    baseline = len(engine.requests)
    run_generate(_config(tmp_path / "plain"))
    assert not any("dumpling folding tutor" in str(r.messages) for r in engine.requests[baseline:])


def test_compile_and_generate_build_the_same_program_from_their_settings(tmp_path):
    from rnr_dspy.compile import CompileConfig

    shared = {"rule_source": "sampled", "user_turns": False, "judge_lm": "none"}
    compiled = CompileConfig(out=tmp_path, **shared).make_program(None)
    generating = GenerateConfig(out=tmp_path, **shared).make_program(None)
    assert (compiled.rule_source, compiled.user_turns, compiled.judge._use_judge) == ("sampled", False, False)
    assert (generating.rule_source, generating.user_turns) == (compiled.rule_source, compiled.user_turns)


def test_each_rule_set_answers_every_seed_under_its_own_rules(tmp_path, engine):
    seen = []
    report = run_generate(_config(tmp_path, rule_source="sampled", user_turns=False, rule_sets=2),
                          progress=seen.append)
    assert report.prompts == 16 and seen[0].total == seen[-1].done == 16  # 8 seeds x 2 rule sets
    systems = [r for r in _lines(tmp_path / "run/generated.jsonl") if r["stage"] == "system"]
    assert len(systems) == 4 and len({json.dumps(r["rules"]) for r in systems}) == 4
    prompts = [r for r in _lines(tmp_path / "run/generated.jsonl") if r["stage"] == "prompt"]
    for user in {r["user"] for r in prompts}:
        assert len({r["system_prompt"] for r in prompts if r["user"] == user}) == 2
    # The second rule set is a fresh sample of the LM's stages, not the first one's cached reply.
    assert sorted(r.config.temperature for r in engine.calls_for("role")) == [0.0, 0.0, 0.7, 0.7]
    # ... and a seeded one: another run of the same settings samples the same system prompts.
    seeds = sorted(r.config.seed for r in engine.calls_for("role") if r.config.temperature == 0.7)
    assert None not in seeds and len(set(seeds)) == 2
    engine.requests.clear()
    run_generate(_config(tmp_path / "again", rule_source="sampled", user_turns=False, rule_sets=2))
    assert sorted(r.config.seed for r in engine.calls_for("role") if r.config.temperature == 0.7) == seeds


def test_the_first_rule_set_is_the_run_a_single_rule_set_makes(tmp_path, engine):
    one = run_generate(_config(tmp_path / "one", rule_source="sampled", user_turns=False))
    two = run_generate(_config(tmp_path / "two", rule_source="sampled", user_turns=False, rule_sets=2))
    ids = [{row["id"] for row in _lines(tmp_path / name / "run/data/sft.jsonl")} for name in ("one", "two")]
    assert ids[0] < ids[1] and two.sft_rows == 2 * one.sft_rows


def test_rows_are_written_in_the_programs_order_whatever_order_the_answers_finish(tmp_path, engine):
    import time

    def first_is_slowest(request):
        if "number 0" in request.messages[-1].text:
            time.sleep(0.3)
        return PASSING_RESPONSE

    engine.answers["response"] = first_is_slowest
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text("".join(json.dumps({"instruction": f"Cooking question number {n}?", "theme": "cooking"}) + "\n"
                             for n in range(3)))
    run_generate(GenerateConfig(out=tmp_path / "run", lm="fake/model", seeds=str(seeds), k=4))
    users = [row["messages"][1]["content"] for row in _lines(tmp_path / "run/data/sft.jsonl")]
    system = next(r for r in _lines(tmp_path / "run/generated.jsonl") if r["stage"] == "system")
    assert users[:3] == system["instructions"] and sorted(users[:3]) == [f"Cooking question number {n}?"
                                                                         for n in range(3)]
    assert users[3:] == [TURNS["in_scope"], TURNS["adversarial"], TURNS["out_of_scope"]]


def test_turns_the_teacher_cannot_write_are_composed_from_the_group_and_another_theme(tmp_path, engine):
    seeds = tmp_path / "seeds.jsonl"
    themed = [("cooking", f"Cooking question {n}?") for n in range(4)] + [
        ("gardening", f"Gardening question {n}?") for n in range(4)]
    seeds.write_text("".join(json.dumps({"instruction": text, "theme": theme}) + "\n" for theme, text in themed))
    engine.answers["in_scope"] = {"in_scope": "Hi", "adversarial": "Hi", "out_of_scope": "Hi"}  # too short: rejected
    report = run_generate(GenerateConfig(out=tmp_path / "run", lm="fake/model", seeds=str(seeds), k=4))
    prompts = [r for r in _lines(tmp_path / "run/generated.jsonl") if r["stage"] == "prompt"]
    assert report.rows_by_turn_type == {"in_scope": 8, "adversarial": 2, "out_of_scope": 2 * OUT_OF_SCOPE_TURNS}
    for theme in ("cooking", "gardening"):
        own = {text for t, text in themed if t == theme}
        group = next(r["system_key"] for r in prompts if r["turn_type"] == "in_scope" and r["user"] in own)
        [adversarial] = [r["user"] for r in prompts if r["system_key"] == group and r["turn_type"] == "adversarial"]
        outside = {r["user"] for r in prompts if r["system_key"] == group and r["turn_type"] == "out_of_scope"}
        assert adversarial.split("\n\n")[0] in own  # one of the group's requests, with a temptation
        # distinct requests of the other theme
        assert len(outside) == OUT_OF_SCOPE_TURNS and outside <= {text for t, text in themed if t != theme}


def test_an_out_of_scope_answer_no_repair_can_fix_becomes_the_refusal_its_rules_ask_for(tmp_path, engine):
    seeds = tmp_path / "seeds.jsonl"
    themed = [("cooking", f"Cooking question {n}?") for n in range(4)] + [
        ("gardening", f"Gardening question {n}?") for n in range(4)]
    seeds.write_text("".join(json.dumps({"instruction": text, "theme": theme}) + "\n" for theme, text in themed))
    refusal = "Sorry, I only talk about cooking."
    engine.answers["rules"] = {"rules": [
        {"kind": "length", "text": "x", "check": {"name": "max_words", "limit": 40}},
        {"kind": "scope", "text": "x", "check": {"name": "refusal_phrase", "phrase": refusal}},
        {"kind": "content", "text": "x", "check": {"name": "include_keywords", "keywords": ["thermometer"]}}]}
    run_generate(GenerateConfig(out=tmp_path / "run", lm="fake/model", seeds=str(seeds), k=4, turn_source="composed",
                                judge_lm="none"))
    refusals = [row for row in _lines(tmp_path / "run/data/sft.jsonl") if row["turn_type"] == "out_of_scope"]
    assert len(refusals) == 2 * OUT_OF_SCOPE_TURNS and all(row["method"] == "hindsight" for row in refusals)
    for row in refusals:
        system, _, answer = (message["content"] for message in row["messages"])
        assert answer == refusal and f'"{refusal}"' in system and "thermometer" not in system
    pairs = [pair for pair in _lines(tmp_path / "run/data/dpo.jsonl") if pair["turn_type"] == "out_of_scope"]
    assert len(pairs) == 2 * OUT_OF_SCOPE_TURNS
    assert all(pair["chosen"][0]["content"] == refusal and pair["rejected"][0]["content"] ==
               PASSING_RESPONSE["response"] and f'"{refusal}"' in pair["prompt"][0]["content"] for pair in pairs)
