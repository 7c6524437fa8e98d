"""The library page's "Rules at inference time" example runs as written (on a scripted fake LM)."""

import re
from pathlib import Path

from fake_engine import FakeEngine, fake_lm

README = Path(__file__).parents[1] / "docs" / "pages" / "library.md"


def test_the_rules_at_inference_time_example_runs(monkeypatch, capsys):
    block = next(block for block in re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"),
                                                flags=re.DOTALL) if "FollowRules(" in block)
    too_long = "Oil it " + "and then oil it again " * 9 + "after rain"  # one sentence past 40 words: no repair
    answers = iter([too_long, "Oil it weekly, and after rain."])
    engine = FakeEngine({None: lambda request: next(answers)})
    monkeypatch.setattr("rnr_dspy.make_lm", lambda spec, **_: fake_lm(engine))
    exec(compile(block, str(README), "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "['max_words', 'no_commas', 'ends_with']"
    assert printed[1] == "Oil it weekly and after rain. Anything else? [True, True, True]"
    # The first answer was asked again; the second's comma was dropped and its ending added by code.
    assert len(engine.requests) == 2
