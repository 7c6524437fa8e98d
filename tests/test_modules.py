import json
import threading
import time

import dspy
import pytest
from dspy.utils.exceptions import AdapterParseError
from fake_engine import PASSING_RESPONSE, RULES, fake_lm, scripted_engine

from rnr_dspy import RNRProgram, RoleGenerator, Rule, RuleFollowingResponder, RuleGenerator, RuleJudge
from rnr_dspy.program.adapter import StructuredAdapter

INSTRUCTIONS = ["Why rest a steak after cooking?", "How do I make a pan sauce?"]


def run(engine, module, **inputs):
    with dspy.context(lm=fake_lm(engine), adapter=StructuredAdapter()):
        return module(**inputs)


def test_role_generator_returns_the_role_and_sends_the_instructions():
    engine = scripted_engine()
    pred = run(engine, RoleGenerator(), instructions=INSTRUCTIONS)
    assert pred.role.startswith("You are a friendly cooking coach")
    assert "Why rest a steak" in engine.requests[0].messages[-1].text


def test_role_schema_constrains_the_opening_and_length():
    engine = scripted_engine()
    run(engine, RoleGenerator(), instructions=INSTRUCTIONS)
    role_schema = engine.requests[0].config.response_format["schema"]["properties"]["role"]
    assert role_schema["pattern"].startswith("^You are ") and "{30,400}$" in role_schema["pattern"]


def test_rule_generator_numbers_rules_and_renders_checked_rules_from_their_check():
    rules = run(scripted_engine(), RuleGenerator(), role="You are a coach.", instructions=INSTRUCTIONS).rules
    assert [rule.id for rule in rules] == ["r1", "r2", "r3"]
    assert rules[0].text == rules[0].check.describe() and "40" in rules[0].text
    assert rules[0].kind == "length" and rules[1].kind == "format"
    assert rules[2].check is None and rules[2].text == RULES["rules"][2]["text"]


def test_rule_generator_keeps_a_rule_whose_check_is_invalid_as_judge_only():
    bad = {"rules": [{"kind": "length", "text": "Be short.", "check": {"name": "max_words", "limit": -5}},
                     {"kind": "tone", "text": "Be kind.", "check": None}]}
    rules = run(scripted_engine(rules=bad), RuleGenerator(), role="You are a coach.", instructions=INSTRUCTIONS).rules
    assert len(rules) == 2
    assert rules[0].check is None and rules[0].text == "Be short."
    assert "limit" in rules[0].check_error


def test_rule_generator_asks_for_two_to_five_rules():
    engine = scripted_engine()
    run(engine, RuleGenerator(), role="You are a coach.", instructions=INSTRUCTIONS)
    rules_schema = engine.requests[0].config.response_format["schema"]["properties"]["rules"]
    assert (rules_schema["minItems"], rules_schema["maxItems"]) == (2, 5)


def test_responder_answers_the_user():
    pred = run(scripted_engine(), RuleFollowingResponder(), system_prompt="You are a coach.", user="Hi")
    assert pred.response == PASSING_RESPONSE["response"]


def _rules():
    return [Rule(id="r1", text="Short.", check={"name": "max_words", "limit": 5}),
            Rule(id="r2", text="Be kind.", kind="tone")]


def test_judge_checks_checkable_rules_in_code_and_asks_the_lm_only_for_the_rest():
    engine = scripted_engine(verdicts={"verdicts": [{"rule_id": "r2", "followed": False, "reason": "rude"}]})
    verdicts = run(engine, RuleJudge(), system_prompt="sp", user="u", response="one two three four five six",
                   rules=_rules()).verdicts
    assert [(v.rule_id, v.followed, v.method) for v in verdicts] == [("r1", False, "check"), ("r2", False, "judge")]
    assert len(engine.requests) == 1
    assert '"r1"' not in engine.requests[0].messages[-1].text  # only the open rule is sent to the judge


def test_judge_makes_no_lm_call_when_every_rule_is_checkable():
    engine = scripted_engine()
    rules = [_rules()[0]]
    verdicts = run(engine, RuleJudge(), system_prompt="sp", user="u", response="ok", rules=rules).verdicts
    assert verdicts[0].followed is True and engine.requests == []


def test_unparsable_judge_reply_gives_unknown_verdicts_not_a_pass_or_fail():
    engine = scripted_engine(verdicts="this is not json at all")
    verdicts = run(engine, RuleJudge(), system_prompt="sp", user="u", response="ok", rules=_rules()).verdicts
    assert verdicts[1].followed is None and "did not parse" in verdicts[1].reason


def test_judge_verdict_for_an_unknown_rule_id_is_ignored_and_the_missing_rule_is_unknown():
    engine = scripted_engine(verdicts={"verdicts": [{"rule_id": "r9", "followed": True, "reason": "?"}]})
    verdicts = run(engine, RuleJudge(), system_prompt="sp", user="u", response="ok", rules=_rules()).verdicts
    assert [v.rule_id for v in verdicts] == ["r1", "r2"] and verdicts[1].followed is None


def test_judge_uses_its_own_lm_when_given_one():
    teacher, judge_engine = scripted_engine(), scripted_engine()
    judge = RuleJudge(judge_lm=fake_lm(judge_engine))
    run(teacher, judge, system_prompt="sp", user="u", response="ok", rules=_rules())
    assert teacher.requests == [] and len(judge_engine.requests) == 1


def test_program_runs_every_stage_and_renders_the_system_prompt_from_role_and_rules():
    engine = scripted_engine()
    pred = run(engine, RNRProgram(), instructions=INSTRUCTIONS)
    assert pred.user == INSTRUCTIONS[0]
    assert pred.system_prompt.startswith(pred.role) and "1. Keep every answer under 41 words" in pred.system_prompt
    assert all(v.followed for v in pred.verdicts)
    assert pred.system_prompt in engine.calls_for("response")[0].messages[-1].text


def test_program_state_saves_as_json_and_loads_back(tmp_path):
    program = RNRProgram()
    program.rule_generator.generate.demos = [dspy.Example(role="You are x.", seed_instructions=["a"], **RULES)]
    program.save(str(tmp_path / "program.json"))
    loaded = RNRProgram()
    loaded.load(str(tmp_path / "program.json"))
    assert len(loaded.rule_generator.generate.demos) == 1
    state = json.loads((tmp_path / "program.json").read_text())
    assert state["rule_generator.generate"]["demos"][0]["rules"][0]["check"]["name"] == "max_words"


def test_a_reply_that_breaks_a_declared_constraint_is_a_parse_error_not_a_role():
    engine = scripted_engine(role={"role": "You are"})
    with pytest.raises(AdapterParseError, match="role breaks its constraints"):
        run(engine, RoleGenerator(), instructions=INSTRUCTIONS)


def test_every_module_answers_on_dspys_async_path():
    import asyncio

    from rnr_dspy.program.rnr_program import RNRProgram

    async def run_all(lm):
        with dspy.context(lm=lm, adapter=StructuredAdapter()):
            role = await RoleGenerator().acall(instructions=INSTRUCTIONS)
            rules = await RuleGenerator().acall(role=role.role, instructions=INSTRUCTIONS)
            response = await RuleFollowingResponder().acall(system_prompt="You are a coach.", user="Hi")
            verdicts = await RuleJudge().acall(system_prompt="You are a coach.", user="Hi",
                                               response=response.response, rules=rules.rules)
            program = await RNRProgram().acall(instructions=INSTRUCTIONS, user="Hi")
        return role, rules, response, verdicts, program

    role, rules, response, verdicts, program = asyncio.run(run_all(fake_lm(scripted_engine())))
    assert role.role.startswith("You are a friendly cooking coach") and len(rules.rules) == 3
    assert response.response == PASSING_RESPONSE["response"]
    assert [v.followed for v in verdicts.verdicts] == [True, True, True]
    assert program.response == PASSING_RESPONSE["response"] and program.rules == rules.rules


def test_without_an_adapter_in_the_context_the_program_brings_the_structured_adapter():
    engine = scripted_engine()
    with dspy.context(lm=fake_lm(engine)):  # DSPy's default would be ChatAdapter
        pred = RNRProgram()(instructions=INSTRUCTIONS)
    assert len(pred.rules) == 3 and pred.role.startswith("You are a friendly cooking coach")
    assert engine.calls_for("role") and engine.calls_for("rules")  # asked with the constrained JSON schema


def chat(answers, module, **inputs):
    """Run under DSPy's ChatAdapter, with a scripted LM that answers in its [[ ## field ## ]] format."""
    from dspy.utils import DummyLM

    with dspy.context(lm=DummyLM(answers), adapter=dspy.ChatAdapter(use_json_adapter_fallback=False)):
        return module(**inputs)


def test_under_chat_adapter_a_looping_role_is_a_clear_parse_error():
    looping = "You are a helpful assistant. " + "You are a helpful assistant who helps. " * 120
    with pytest.raises(AdapterParseError, match="field role breaks its constraints"):
        chat([{"role": looping}], RoleGenerator(), instructions=INSTRUCTIONS)
    with pytest.raises(AdapterParseError, match="field role breaks its constraints"):
        chat([{"role": "Sure! Here is a role for you."}], RoleGenerator(), instructions=INSTRUCTIONS)


def test_under_chat_adapter_thirteen_rules_are_a_parse_error_not_a_rule_set():
    same = {"kind": "other", "text": "Always be helpful and kind to the user.", "check": None}
    rules = [same] * 12 + [{"kind": "other", "text": "Be brief.", "check": None}]
    with pytest.raises(AdapterParseError, match="field rules breaks its constraints"):
        chat([{"rules": json.dumps(rules)}], RuleGenerator(), role="You are a coach.", instructions=INSTRUCTIONS)


def test_under_chat_adapter_a_valid_reply_still_parses():
    pred = chat([{"rules": json.dumps(RULES["rules"])}], RuleGenerator(), role="You are a coach.",
                instructions=INSTRUCTIONS)
    assert [rule.id for rule in pred.rules] == ["r1", "r2", "r3"]


@pytest.mark.parametrize(("rules", "problem"), [
    ([{"text": "Keep it friendly and warm."}, {"text": "keep it friendly and warm"}], "r2 repeats r1"),
    ([{"check": {"name": "no_commas"}, "text": "-"}, {"check": {"name": "no_commas"}, "text": "x"}], "r2 repeats r1"),
    ([{"text": "What is the best way to rest a steak?"}, {"text": "Be kind."}], "r1 is a question"),
    ([{"text": "Be kind."}, {"text": "How do I make a pan sauce"}], "r2 is a question"),
    ([{"text": "Be kind."}, {"text": "Why rest a steak after cooking."}], "r2 copies the request"),
])
def test_a_rule_set_with_duplicate_question_or_copied_rules_is_rejected(rules, problem):
    engine = scripted_engine(rules={"rules": rules})
    with pytest.raises(AdapterParseError, match=f"rule set rejected: .*{problem}"):
        run(engine, RuleGenerator(), role="You are a coach.", instructions=INSTRUCTIONS)


def test_user_turns_without_words_are_rejected():
    from fake_engine import TURNS

    from rnr_dspy.program.modules import UserTurnGenerator

    engine = scripted_engine(in_scope={**TURNS, "adversarial": "7.8,9.10,11.11,12.12,13.13"})
    with pytest.raises(AdapterParseError, match="user turns rejected: adversarial has fewer than 3 words"):
        run(engine, UserTurnGenerator(), system_prompt="You are a coach.")
    turns = run(scripted_engine(), UserTurnGenerator(), system_prompt="You are a coach.").turns
    assert [kind for kind, _ in turns] == ["in_scope", "adversarial", "out_of_scope"]


def test_program_answers_a_groups_prompts_concurrently_and_keeps_their_order():
    # A batching engine (or server) can only decode together what is asked together.
    in_flight, most = 0, 0
    lock = threading.Lock()

    def slow_response(request):
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.2)
        with lock:
            in_flight -= 1
        user = request.messages[-1].text
        return {"response": f"Sure, about {next(i for i in instructions if i in user)}"}

    instructions = [f"Question number {n} about pan sauces?" for n in range(4)]
    pred = run(scripted_engine(response=slow_response), RNRProgram(), instructions=instructions)
    assert most == len(instructions)
    assert [answer.user for answer in pred.answers] == instructions
    assert [answer.best().response for answer in pred.answers] == [f"Sure, about {i}" for i in instructions]


def test_chat_turns_send_the_responder_the_conversation_the_trained_model_will_see():
    engine = scripted_engine()
    engine.answers[None] = "Sure, rest it five minutes."  # a request with no field markers
    system_prompt = "You are a cooking coach.\n\nRules:\n1. Be brief."
    with dspy.context(lm=fake_lm(engine), adapter=StructuredAdapter(chat_turns=True)):
        pred = RuleFollowingResponder()(system_prompt=system_prompt, user="How long do I rest a steak?")
    assert pred.response == "Sure, rest it five minutes."
    sent = engine.requests[0]
    assert sent.system == system_prompt
    assert [(m.role, m.text) for m in sent.messages] == [("user", "How long do I rest a steak?")]
    assert sent.config.response_format is None  # plain text, unconstrained


def test_chat_turns_keep_demos_as_earlier_exchanges_and_other_signatures_in_fields():
    engine = scripted_engine()
    engine.answers[None] = "Sure."
    responder = RuleFollowingResponder()
    responder.respond.demos = [dspy.Example(system_prompt="other", user="Hello?", response="Sure, hello.")]
    with dspy.context(lm=fake_lm(engine), adapter=StructuredAdapter(chat_turns=True)):
        responder(system_prompt="You are a coach.", user="Hi")
        RoleGenerator()(instructions=INSTRUCTIONS)
    assert [(m.role, m.text) for m in engine.requests[0].messages] == [
        ("user", "Hello?"), ("assistant", "Sure, hello."), ("user", "Hi")]
    assert "[[ ## seed_instructions ## ]]" in engine.requests[1].messages[-1].text  # the role generator: fields


@pytest.mark.parametrize("setting", [{"rule_source": "registry"}, {"role_source": "LM"}, {"turn_source": "sampled"}])
def test_rnr_program_refuses_a_source_it_does_not_know(setting):
    name, value = next(iter(setting.items()))
    with pytest.raises(ValueError, match=f"{name} must be one of .* not {value!r}"):
        RNRProgram(**setting)
