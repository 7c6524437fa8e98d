from __future__ import annotations

import asyncio
from typing import Any

import dspy
import pytest
from dspy.lm15 import Request
from fake_engine import FakeEngine, fake_lm

from rnr_dspy.program.follow_rules import FollowRules, rules_reward
from rnr_dspy.program.modules import RuleFollowingResponder

SYSTEM = ("You are Ava, the support assistant of Acme Bikes.\n\nRules:\n1. Answer in at most 12 words.\n"
          "2. Never use commas.\n3. Be warm.")
USER = "How often should I oil my chain?"


def _texts(request: Request) -> list[str]:
    return [message.text() if callable(getattr(message, "text", None)) else str(message) for message in
            request.messages]


def _chat_lm(*answers: str) -> tuple[dspy.LM, FakeEngine]:
    """A bare LM that gives `answers` in turn, recording each request."""
    engine = FakeEngine({None: lambda request: answers[min(len(engine.requests), len(answers)) - 1]})
    return fake_lm(engine), engine


def test_an_answer_that_follows_every_checkable_rule_costs_one_call() -> None:
    lm, engine = _chat_lm("Oil it every two weeks and after rain.")
    prediction = FollowRules(lm, attempts=3)(system_prompt=SYSTEM, user=USER)
    assert len(engine.requests) == 1
    assert prediction.response == "Oil it every two weeks and after rain."
    assert [verdict.followed for verdict in prediction.verdicts] == [True, True, None]  # a judge rule stays unknown
    assert [rule.check.name if rule.check else None for rule in prediction.rules] == ["max_words", "no_commas", None]
    assert prediction.attempts == 1 and not prediction.repaired


def test_a_broken_rule_code_can_mend_is_repaired_without_another_call() -> None:
    lm, engine = _chat_lm("Oil it every two weeks, and after rain.")
    prediction = FollowRules(lm, attempts=3)(system_prompt=SYSTEM, user=USER)
    assert len(engine.requests) == 1
    assert "," not in prediction.response and prediction.repaired
    assert prediction.verdicts[1].followed is True


def test_a_rule_no_repair_can_mend_is_retried_with_the_broken_rule_as_feedback() -> None:
    long_answer = "Oil the chain about every two weeks and also after every single wet ride in the rain."
    lm, engine = _chat_lm(long_answer, "Every two weeks and after rain.")
    prediction = FollowRules(lm, attempts=3)(system_prompt=SYSTEM, user=USER)
    assert prediction.response == "Every two weeks and after rain."
    assert prediction.attempts == 2
    retry = engine.requests[1]
    assert retry.config.temperature == 1.0  # a new rollout, never the cached first answer
    feedback = str(retry.messages[-1])
    assert "Answer in at most 12 words." in feedback and "limit is 12" in feedback


def test_attempts_are_bounded_and_the_answer_that_follows_most_rules_is_returned() -> None:
    system = "You are Ava.\n\nRules:\n1. Answer in at most 12 words.\n2. Write at least 3 sentences."
    half = "Oil it often."  # follows the length rule only
    neither = "Oil the chain about every two weeks and also after every single wet ride in the rain"
    lm, engine = _chat_lm(neither, half, neither, neither)
    prediction = FollowRules(lm, attempts=3)(system_prompt=system, user=USER)
    assert len(engine.requests) == 3 and prediction.attempts == 3
    assert prediction.response == half
    assert [verdict.followed for verdict in prediction.verdicts] == [True, False]


def test_a_dspy_module_gets_the_feedback_as_an_input_field() -> None:
    seen: list[dict[str, Any]] = []

    def respond(request: Request) -> dict[str, str]:
        seen.append({"system": request.system, "user": " ".join(str(message) for message in request.messages)})
        too_long = "Oil the chain about every two weeks and also after every single wet ride in the rain."
        return {"response": too_long if len(seen) == 1 else "Every two weeks and after rain."}

    engine = FakeEngine({"response": respond})
    with dspy.context(lm=fake_lm(engine)):
        prediction = FollowRules(RuleFollowingResponder(), attempts=2)(system_prompt=SYSTEM, user=USER)
    assert prediction.response == "Every two weeks and after rain."
    assert "feedback" not in (seen[0]["system"] or "") + seen[0]["user"]
    assert "at most 12 words" in seen[1]["user"] + (seen[1]["system"] or "")


def test_async_gives_the_same_answer() -> None:
    long_answer = "Oil the chain about every two weeks and also after every single wet ride in the rain."
    lm, _ = _chat_lm(long_answer, "Every two weeks and after rain.")
    prediction = asyncio.run(FollowRules(lm, attempts=2).acall(system_prompt=SYSTEM, user=USER))
    assert prediction.response == "Every two weeks and after rain." and prediction.attempts == 2


def test_a_refusal_rule_is_not_decided_or_repaired_without_the_turn_type() -> None:
    system = 'You are Ava.\n\nRules:\n1. When a request is outside your scope, reply with "I only help with bikes."'
    lm, engine = _chat_lm("Oil it every two weeks.")
    prediction = FollowRules(lm, attempts=2)(system_prompt=system, user=USER)
    assert prediction.response == "Oil it every two weeks." and len(engine.requests) == 1
    assert prediction.verdicts[0].followed is None
    decided = FollowRules(lm, attempts=1)(system_prompt=system, user=USER, turn_type="in_scope")
    assert decided.verdicts[0].followed is True


def test_the_reward_works_with_dspy_best_of_n() -> None:
    long_answer = "Oil the chain about every two weeks and also after every single wet ride in the rain."
    engine = FakeEngine({"response": lambda request: {"response": long_answer if len(engine.requests) == 1
                                                      else "Every two weeks and after rain."}})
    with dspy.context(lm=fake_lm(engine)):
        best = dspy.BestOfN(RuleFollowingResponder(), N=3, reward_fn=rules_reward, threshold=1.0)
        prediction = best(system_prompt=SYSTEM, user=USER)
    assert prediction.response == "Every two weeks and after rain."
    assert rules_reward({"system_prompt": SYSTEM}, dspy.Prediction(response=long_answer)) == 0.5


def test_attempts_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        FollowRules(_chat_lm("x")[0], attempts=0)


def test_a_reader_with_an_lm_fallback_reads_what_the_deterministic_reader_cannot() -> None:
    from rnr_dspy.program.modules import RuleReader

    system = "You are Ava.\n\nRules:\n1. Keep it comma-free.\n2. Be warm.\n3. Answer in at most 12 words."
    picks = iter([{"check": {"name": "no_commas"}}, {"check": None}])
    engine = FakeEngine({"check": lambda request: next(picks)})
    with dspy.context(lm=fake_lm(engine)):
        read = RuleReader(lm_fallback=True)(system_prompt=system)
    assert [rule.check.name if rule.check else None for rule in read.rules] == ["no_commas", None, "max_words"]
    assert len(engine.requests) == 2  # only the two rules the deterministic reader left to a judge
    assert read.rules[0].kind == "format" and read.rules[0].text == "Keep it comma-free."

    lm, _ = _chat_lm("Hi, there")
    follow = FollowRules(lm, attempts=1, reader=lambda text: read.rules)
    prediction = follow(system_prompt=system, user=USER)
    assert prediction.response == "Hi there" and prediction.repaired


def test_an_lm_pick_that_is_no_valid_check_leaves_the_rule_to_a_judge() -> None:
    from rnr_dspy.program.modules import RuleReader

    engine = FakeEngine({"check": {"check": {"name": "max_words", "limit": -3}}})
    with dspy.context(lm=fake_lm(engine)):
        read = RuleReader(lm_fallback=True)(system_prompt="You are Ava.\n\nRules:\n1. Be short.")
    assert read.rules[0].check is None


@pytest.mark.parametrize("adapter", [dspy.ChatAdapter(), dspy.JSONAdapter()], ids=["chat", "json"])
def test_any_adapter_carries_the_feedback_on_the_async_path(adapter: dspy.Adapter) -> None:
    requests: list[str] = []
    too_long = "Oil the chain about every two weeks and also after every single wet ride in the rain."

    def reply(request: Request) -> Any:
        requests.append(" ".join(str(message) for message in request.messages))
        answer = too_long if len(requests) == 1 else "Every two weeks and after rain."
        if isinstance(adapter, dspy.JSONAdapter):
            return {"response": answer}
        return f"[[ ## response ## ]]\n{answer}\n\n[[ ## completed ## ]]"

    engine = FakeEngine({None: reply, "response": reply})
    with dspy.context(lm=fake_lm(engine), adapter=adapter):
        follow = FollowRules(RuleFollowingResponder(), attempts=2)
        prediction = asyncio.run(follow.acall(system_prompt=SYSTEM, user=USER))
    assert prediction.response == "Every two weeks and after rain."
    assert "feedback" in requests[1] and "at most 12 words" in requests[1]
