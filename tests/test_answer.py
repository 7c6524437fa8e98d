"""Answering under rules with DSPy's Refine: its failed feedback call reaches no console."""

import dspy
from fake_engine import fake_lm, scripted_engine

from rnr_dspy.answer import AnswerSettings, answer_under_rules
from rnr_dspy.modules import RuleFollowingResponder, RuleJudge
from rnr_dspy.rules import Rule


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
