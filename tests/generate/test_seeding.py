"""Every sampled request carries a seed made from its row and the run seed, so a resumed run samples exactly what an
uninterrupted one does."""

import pytest

from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.runtime.hashing import sampling_seed

FAILING = {"response": "Rest the steak. It keeps the juices in."}  # breaks the "Sure" rule: every attempt is sampled


def _sampled(engine):
    """(request text, seed) of every sampled response request."""
    return {(request.system, request.messages[-1].text, request.config.seed)
            for request in engine.calls_for("response") if request.config.temperature}


def _config(out, **overrides):
    return GenerateConfig(**{"out": out, "limit": 8, "k": 4, "attempts": 3, "turn_source": "lm", **overrides})


def test_a_resumed_run_sends_the_seeds_an_uninterrupted_run_sends(tmp_path, engine):
    engine.answers["response"] = FAILING
    run_generate(_config(tmp_path / "whole"))
    whole = _sampled(engine)
    assert len(whole) == 14 * 3 and len({seed for *_, seed in whole}) == 14 * 3  # every row and attempt its own

    engine.requests.clear()
    answered = []

    def interrupted(request):
        if len(answered) == 20:
            raise KeyboardInterrupt
        answered.append(request)
        return FAILING

    engine.answers["response"] = interrupted
    with pytest.raises(KeyboardInterrupt):
        run_generate(_config(tmp_path / "resumed"))
    engine.answers["response"] = FAILING
    run_generate(_config(tmp_path / "resumed", num_threads=2))
    assert _sampled(engine) == whole


def test_another_run_seed_samples_with_other_seeds(tmp_path, engine):
    engine.answers["response"] = FAILING
    run_generate(_config(tmp_path / "a", seed=0, limit=4))
    first = {seed for *_, seed in _sampled(engine)}
    engine.requests.clear()
    run_generate(_config(tmp_path / "b", seed=1, limit=4))
    assert first and first.isdisjoint({seed for *_, seed in _sampled(engine)})


def test_sampling_seed_depends_on_the_run_seed_the_row_and_the_attempt_only():
    assert sampling_seed(0, "row", 1) == sampling_seed(0, "row", 1)
    assert len({sampling_seed(0, "row", 1), sampling_seed(1, "row", 1), sampling_seed(0, "other", 1),
                sampling_seed(0, "row", 2)}) == 4
    assert 0 <= sampling_seed(7, "row", 0) < 2**31
