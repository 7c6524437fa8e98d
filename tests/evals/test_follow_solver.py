from __future__ import annotations

import pytest
from fake_engine import FakeEngine, fake_lm

from rnr_dspy.errors import ConfigError
from rnr_dspy.evals.comparable import differences
from rnr_dspy.evals.follow_solver import FollowRulesGenerator, following_rules
from rnr_dspy.evals.log import ModelRun
from rnr_dspy.evals.solvers import LMGenerator
from rnr_dspy.evals.task import Sample

SYSTEM = "You are Ava.\n\nRules:\n1. Answer in at most 6 words.\n2. Never use commas."


def test_answers_come_through_follow_rules_and_its_calls_are_counted() -> None:
    too_long = "Oil the chain about every two weeks and after rain"
    answers = iter([too_long, "Every two weeks, after rain.", "Oil it weekly."])
    engine = FakeEngine({None: lambda request: next(answers)})
    generator = following_rules(LMGenerator(fake_lm(engine), concurrency=1), attempts=2)
    assert isinstance(generator, FollowRulesGenerator)
    done: list[int] = []
    generations = generator.generate([Sample(id="1", system=SYSTEM, user="Chain?"),
                                      Sample(id="2", system=SYSTEM, user="Tyres?")], done=done.append)
    assert [generation.text for generation in generations] == ["Every two weeks after rain.", "Oil it weekly."]
    assert generator.calls == 3 and done == [1, 2]
    assert generator.backend == "lm, FollowRules with 2 attempts"


def test_no_attempts_leave_the_generator_as_it_is_and_a_batched_back_end_is_refused() -> None:
    plain = LMGenerator(fake_lm(FakeEngine({None: "hi"})))
    assert following_rules(plain, 0) is plain

    class Batched:
        backend = "transformers, batch 8"

    with pytest.raises(ConfigError, match="--backend lm"):
        following_rules(Batched(), 1)  # type: ignore[arg-type]


def test_runs_with_and_without_follow_rules_are_not_like_for_like() -> None:
    plain = ModelRun(spec="embedded", model_id="m", backend="llama.cpp", settings={"max_tokens": 160})
    held = ModelRun(spec="embedded", model_id="m", backend="llama.cpp, FollowRules with 2 attempts",
                    settings={"max_tokens": 160, "follow_rules": 2})
    assert differences([plain, held]) == ["B `embedded`: follow_rules 2, A has 0"]
    assert differences([plain, plain.model_copy(update={"settings": {"max_tokens": 160, "follow_rules": 0}})]) == []
