"""The library page's "use the judge and the metric in your own DSPy program" example runs as written (on a scripted
fake LM) and teaches no unlabelled demos."""

import re
from pathlib import Path

import dspy
from fake_engine import fake_lm, scripted_engine

README = Path(__file__).parents[1] / "docs" / "pages" / "library.md"


def _coach_example():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    return next(block for block in blocks if "class Coach" in block)


def test_the_coach_example_keeps_no_demo_without_a_response(monkeypatch):
    # The answer breaks the 50-word rule, so no trace is kept: a labelled demo would be the bare user turn.
    long_answer = "Start slowly. " * 40
    engine = scripted_engine(verdicts={"verdicts": [{"rule_id": "r2", "followed": True, "reason": "no diagnosis"}]})
    engine.answers[None] = f"[[ ## response ## ]]\n{long_answer}\n\n[[ ## completed ## ]]"
    monkeypatch.setattr("rnr_dspy.make_lm", lambda spec, **_: fake_lm(engine))
    namespace: dict = {}
    exec(compile(_coach_example(), str(README), "exec"), namespace)
    coach = namespace["coach"]
    demos = [demo for _, predictor in coach.named_predictors() for demo in predictor.demos]
    assert all("response" in demo for demo in demos)
    assert isinstance(coach, dspy.Module)


def test_the_coach_example_needs_no_api_key(monkeypatch):
    specs = []
    engine = scripted_engine(verdicts={"verdicts": [{"rule_id": "r2", "followed": True, "reason": "no diagnosis"}]})

    def make_lm(spec, **_):
        specs.append(spec)
        return fake_lm(engine)

    monkeypatch.setattr("rnr_dspy.make_lm", make_lm)
    exec(compile(_coach_example(), str(README), "exec"), {})
    assert specs and set(specs) == {"embedded"}

