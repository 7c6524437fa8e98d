import pytest
from fake_engine import fake_lm, scripted_engine


@pytest.fixture
def engine(monkeypatch):
    """The scripted fake engine behind every LM the generate pipeline makes."""
    engine = scripted_engine()
    monkeypatch.setattr("rnr_dspy.generate.flow.make_lm", lambda spec, **_: fake_lm(engine))
    return engine
