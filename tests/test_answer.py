"""Answering one prompt under its rules: what becomes a hindsight row and what does not; DSPy's Refine prints
nothing."""

import dspy
import pytest
from fake_engine import fake_lm, scripted_engine
from pydantic import ValidationError

from rnr_dspy.program.answer import AnswerSettings, answer_under_rules
from rnr_dspy.program.modules import RuleFollowingResponder, RuleJudge
from rnr_dspy.rules import Rule

OFF_TOPIC_ANSWER = ("Monday: a lentil soup. Tuesday: a grain bowl with roasted vegetables. Wednesday: a pasta salad "
                    "with feta. Thursday: chicken wraps. Friday: leftovers from the week.")
RULES = [Rule(id="r1", text="Only talk about personal finance.", check={"name": "stay_on_topic", "topics": ["money"]}),
         Rule(id="r2", text="Use at most 5 words.", check={"name": "max_words", "limit": 5})]


def _attempts(turn_type):
    def responder(**_):
        return dspy.Prediction(response=OFF_TOPIC_ANSWER)

    with dspy.context(lm=fake_lm(scripted_engine())):
        return answer_under_rules(responder, RuleJudge(use_judge=False), AnswerSettings(hindsight=True),
                                  system_prompt="You are a finance coach.", user="Plan my lunches.", rules=RULES,
                                  turn_type=turn_type, role="You are a finance coach.", seed="s")


@pytest.mark.parametrize(("turn_type", "hindsight_rows"), [("in_scope", 1), ("out_of_scope", 0)])
def test_an_answer_to_an_out_of_scope_request_is_no_hindsight_row_without_a_refusal(turn_type, hindsight_rows):
    # Rules read off an answer it should not have given, its scope rule dropped, would teach answering such requests.
    attempts = _attempts(turn_type)
    assert sum(attempt.method == "hindsight" for attempt in attempts) == hindsight_rows


def test_a_failed_refine_feedback_call_prints_nothing_and_logs_no_password(capsys, caplog):
    def feedback_unreachable(request):  # the answer misses "Sure", so Refine asks for feedback: that call fails
        if "discussion" in (request.system or ""):
            raise RuntimeError("cannot reach http://me:SECRET-PW@127.0.0.1:9/v1")
        return {"response": "Rest it."}

    engine = scripted_engine(response=feedback_unreachable)
    rules = [Rule(id="r1", kind="format", text="Open warmly.", check={"name": "starts_with", "phrase": "Sure"})]
    with dspy.context(lm=fake_lm(engine)), caplog.at_level("INFO"):
        attempts = answer_under_rules(RuleFollowingResponder(), RuleJudge(use_judge=False),
                                      AnswerSettings(attempts=2, strategy="refine", repair=False, hindsight=False),
                                      system_prompt="You are a coach.\n\n1. Open warmly.", user="How long to rest?",
                                      rules=rules, turn_type="in_scope", role="You are a coach.", seed="s")
    assert attempts and capsys.readouterr().out == ""
    assert "SECRET-PW" not in caplog.text and "me:***@127.0.0.1" in caplog.text


def test_refine_samples_with_the_response_settings_and_a_seed_per_attempt():
    def feedback_unreachable(request):  # every answer misses "Sure"; each feedback call fails
        if "discussion" in (request.system or ""):
            raise RuntimeError("feedback unavailable")
        return {"response": "Rest it."}

    engine = scripted_engine(response=feedback_unreachable)
    rules = [Rule(id="r1", kind="format", text="Open warmly.", check={"name": "starts_with", "phrase": "Sure"})]
    settings = AnswerSettings(attempts=3, strategy="refine", temperature=0.3, max_tokens=77, repair=False,
                              hindsight=False)
    with dspy.context(lm=fake_lm(engine)):
        answer_under_rules(RuleFollowingResponder(), RuleJudge(use_judge=False), settings,
                           system_prompt="You are a coach.\n\n1. Open warmly.", user="How long to rest?",
                           rules=rules, turn_type="in_scope", role="You are a coach.", seed="s")
    answers = [request.config for request in engine.requests if "discussion" not in (request.system or "")]
    assert len(answers) == 3
    assert {(config.temperature, config.max_tokens) for config in answers} == {(0.3, 77)}
    assert len({config.seed for config in answers}) == 3


def test_a_misspelt_answer_setting_raises():
    with pytest.raises(ValidationError, match="attemps"):
        AnswerSettings(attemps=3)
