"""The data-quality gate and the weak-teacher defaults: what the embedded model produced by default (rules copied
from seeds, prompt-format markers in answers) must never become a passing row."""

import json

import pytest

from rnr_dspy.compile import CompileConfig
from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.generate.records import Attempt, PromptRecord, Provenance
from rnr_dspy.program.quality import FORMAT_MARKERS, response_problems, without_cut_off_tail
from rnr_dspy.rules import Rule, RuleVerdict

LEAKS = ["Sure, rest it. [[ ## user ## ]] What next?", "Sure. ## system_prompt ## You are a coach.",
         "Sure, rest it.<|im_end|>", "Sure [[ ## completed ## ]]",
         # What the embedded model wrote (then repaired to pass its rules) in a default run:
         "Sure. Here's an explanation of the above instructions:\n\n1. **System_prompt** (Python)\n2. **user**"]


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("response", LEAKS)
def test_a_response_with_prompt_format_markers_has_a_problem(response):
    assert response_problems(response, []) and FORMAT_MARKERS.search(response)


def test_an_ordinary_answer_and_markdown_headings_have_none():
    assert response_problems("## Steps\n\nSure. Rest the steak for 5 minutes.\n\n### Why ###\nJuices.", []) == []
    assert response_problems("A system prompt sets the assistant's role; follow the instructions.", []) == []


def test_unasked_for_json_is_a_problem_unless_a_rule_asks_for_json():
    answer = '```json\n{"response": "Rest it."}\n```'
    assert response_problems(answer, []) == ["is a JSON object or list, and no rule asks for JSON"]
    asks = [Rule(id="r1", text="x", check={"name": "json_response"})]
    assert response_problems(answer, asks) == []


@pytest.mark.parametrize("leak", LEAKS)
def test_no_sft_row_contains_prompt_format_markers(tmp_path, engine, leak):
    # The fake teacher's answer follows every rule (opens with "Sure", short) but leaks DSPy's prompt format.
    engine.answers["response"] = {"response": leak}
    report = run_generate(GenerateConfig(out=tmp_path / "run", lm="fake/model", limit=8, k=4, attempts=2))
    rows = _lines(tmp_path / "run/data/sft.jsonl") + _lines(tmp_path / "run/data/dpo.jsonl")
    assert not any(FORMAT_MARKERS.search(json.dumps(row, ensure_ascii=False)) for row in rows)
    assert report.passed == 0
    record = next(r for r in _lines(tmp_path / "run/generated.jsonl") if r["stage"] == "prompt")
    assert all(a["problems"] and not a["passed"] for a in record["attempts"])


def test_a_stored_passing_attempt_with_markers_no_longer_passes_when_read_back():
    rules = [Rule(id="r1", text="x", check={"name": "starts_with", "phrase": "Sure"})]
    record = PromptRecord.model_validate({
        "key": "k", "status": "passed", "system_key": "s", "turn_type": "in_scope", "system_prompt": "sp",
        "rules": [rule.model_dump() for rule in rules], "user": "u",
        "provenance": Provenance(seed_ids=["a"], program="p", lm="m", judge_lm="none").model_dump(),
        "attempts": [Attempt(response=LEAKS[0], passed=True,
                             verdicts=[RuleVerdict(rule_id="r1", followed=True, method="check")]).model_dump()]})
    assert record.status == "failed" and record.to_messages() == [] and record.attempts[0].problems


def test_a_copied_rule_set_is_recorded_as_an_error_and_makes_no_row(tmp_path, engine):
    from rnr_dspy.seeds.data import load_seeds

    seed = load_seeds("shipped", limit=1).seeds[0].prompt
    engine.answers["rules"] = {"rules": [{"kind": "other", "text": seed, "check": None}] * 2}
    report = run_generate(GenerateConfig(out=tmp_path / "run", lm="fake/model", rule_source="lm", limit=4, k=4))
    system = next(r for r in _lines(tmp_path / "run/generated.jsonl") if r["stage"] == "system")
    assert system["status"] == "error" and "rule set rejected" in system["error"] and "repeats" in system["error"]
    assert report.sft_rows == 0


def test_the_embedded_teacher_gets_the_recipes_settings_with_a_note(tmp_path):
    config = GenerateConfig(out=tmp_path)
    assert (config.rule_source, config.judge_lm, config.turn_source) == ("sampled", "none", "composed")
    assert config.role_source == "lm" and GenerateConfig(out=tmp_path, role_source="composed").make_program(
        None).role_source == "composed"
    assert len(config.notes) == 1 and "rule_source=sampled" in config.notes[0]
    assert "turn_source=composed" in config.notes[0]
    # It copies DSPy's field markers into its answers: it is asked in the chat format.
    assert config.responder_prompt == "chat" and config.adapter().chat_turns
    # Compile optimizes the flow generate runs: the same weak-teacher settings.
    compile_config = CompileConfig(out=tmp_path)
    assert (compile_config.rule_source, compile_config.judge_lm, compile_config.responder_prompt) == (
        "sampled", "none", "chat")
    assert "rule_source=sampled" in compile_config.notes[0]


def test_settings_given_explicitly_and_other_teachers_keep_their_values(tmp_path):
    given = GenerateConfig(out=tmp_path, role_source="lm", rule_source="lm", judge_lm="openai/judge",
                           turn_source="lm", responder_prompt="fields")
    assert given.make_program(None).role_source == "lm"
    assert (given.rule_source, given.judge_lm, given.turn_source, given.notes) == ("lm", "openai/judge", "lm", [])
    strong = GenerateConfig(out=tmp_path, lm="openai/teacher")
    assert (strong.rule_source, strong.judge_lm, strong.turn_source, strong.notes) == ("lm", None, "lm", [])
    assert strong.responder_prompt == "fields" and not strong.adapter().chat_turns and strong.role_source == "lm"
    assert CompileConfig(out=tmp_path, lm="openai/teacher").rule_source == "lm"
    assert CompileConfig(out=tmp_path, rule_source="lm").rule_source == "lm"
    # A saved config (as the recipe writes it) reads back with the same values.
    assert GenerateConfig(**GenerateConfig(out=tmp_path).model_dump()).rule_source == "sampled"


def test_generate_on_the_embedded_teacher_by_default_samples_checkable_rules_and_says_so(tmp_path, engine):
    report = run_generate(GenerateConfig(out=tmp_path / "run", limit=4, k=4))
    assert report.notes and "embedded" in report.notes[0]
    assert not engine.calls_for("rules")  # the teacher wrote no rule
    system = next(r for r in _lines(tmp_path / "run/generated.jsonl") if r["stage"] == "system")
    assert all(rule["check"] for rule in system["rules"])
    assert "too weak" in (tmp_path / "run/data/README.md").read_text()


@pytest.mark.parametrize(("response", "kept"), [
    ("Rest the steak for five minutes. Then slice it thinly against the grain and serve it with",
     "Rest the steak for five minutes."),
    ("Rest it.\n\nThen slice it thinly against the grain and then serve it", "Rest it."),
    ('Say "done." Then slice it thinly against the grain and', 'Say "done."'),
    ("Use 2.5 cups of stock. Then simmer the rice for twenty minutes until the", "Use 2.5 cups of stock."),
])
def test_a_sentence_the_token_limit_cut_off_is_dropped(response, kept):
    assert without_cut_off_tail(response) == kept


@pytest.mark.parametrize("response", [
    "Rest the steak for five minutes.", "Rest it!", "You will need:\n- flour\n- two eggs and a pinch of salt",
    "Steps:\n1. Preheat the oven to two hundred degrees", "Rest it. Cheers, Nova", "| a | b |\n| 1 | 2",
    "Rest the steak for five minutes and slice it thinly", "", "# Steak resting times for every cut you can buy",
])
def test_finished_answers_structured_endings_and_short_tails_are_kept(response):
    assert without_cut_off_tail(response) == response


def test_a_cut_off_answer_is_trained_on_finished_and_a_closing_phrase_its_rules_ask_for_is_kept(tmp_path, engine):
    cut = "Sure, rest the steak five minutes. Then slice it against the grain and serve it with"
    engine.answers["response"] = {"response": cut}
    run_generate(GenerateConfig(out=tmp_path / "cut", lm="fake/model", limit=4, k=4, user_turns=False))
    assert {row["messages"][2]["content"] for row in _lines(tmp_path / "cut/data/sft.jsonl")} == {
        "Sure, rest the steak five minutes."}
    record = next(r for r in _lines(tmp_path / "cut/generated.jsonl") if r["stage"] == "prompt")
    assert record["attempts"][0]["dropped_tail"] == "Then slice it against the grain and serve it with"  # kept
    assert "| responses cut off mid-sentence by the token limit (that sentence dropped) | 4 |" in (
        tmp_path / "cut/data/README.md").read_text()
    closing = "Sure, rest the steak. Now enjoy every bite of your dinner"
    engine.answers["response"] = {"response": closing}
    engine.answers["rules"] = {"rules": [
        {"kind": "format", "text": "x", "check": {"name": "ends_with", "phrase": "enjoy every bite of your dinner"}},
        {"kind": "format", "text": "x", "check": {"name": "starts_with", "phrase": "Sure"}}]}
    run_generate(GenerateConfig(out=tmp_path / "closing", lm="fake/model", limit=4, k=4, user_turns=False))
    assert {row["messages"][2]["content"] for row in _lines(tmp_path / "closing/data/sft.jsonl")} == {closing}
