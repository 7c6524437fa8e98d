"""The artifacts an edit must never leave, each found in the edited text and none blamed on the answer itself;
`repair` gives up rather than leave one."""

import pytest

from rnr_dspy.rules import Rule, decide
from rnr_dspy.rules.artifacts import repair_artifacts
from rnr_dspy.rules.checkers import REGISTRY
from rnr_dspy.rules.repair import repair


@pytest.mark.parametrize(("before", "after", "found"), [
    ("Intro. Chapter 2 This one is short.", "Chapter 1\nIntro.\n\nChapter 2\nChapter 2 This one is short.",
     "a line repeated on the next: Chapter 2"),
    ("<output> When you slice it.", "<output>\n<output> When you slice it.\n</output>", "a tag twice in a row"),
    ("Slice it.", "<answer>\nSlice it.\n</answer>", "a tag no rule asks for: <answer>"),
    ("Take 2 eggs.", "Take two eggs.", "numbers spelled out where no rule asks for it"),
    ("It is (0.4986^3).", "It is (zero point four nine eight six^three).", "a number spelled digit by digit"),
    ("It is (2^3).", "It is (two^three).", "a number spelled in a formula"),
    ("The 5th day.", "The fiveth day.", "a number spelled with a suffix: fiveth"),
    ("1. **Financial situation**", "one. **Financial situation**", "a number spelled as a list marker"),
])
def test_each_artifact_is_named(before, after, found):
    assert any(problem.startswith(found) for problem in repair_artifacts(before, after, [])), found


def test_what_the_answer_already_held_and_what_a_rule_asks_for_are_not_artifacts():
    no_digits, wrapper = REGISTRY["no_digits"](), REGISTRY["tagged_wrapper"](tag="answer")
    assert repair_artifacts("Chapter 2\nChapter 2 again.", "Chapter 2\nChapter 2 again!", []) == []
    assert repair_artifacts("Take 2 eggs on the 4th.", "<answer>\nTake two eggs on the fourth.\n</answer>",
                            [no_digits, wrapper]) == []


def test_repair_gives_up_rather_than_leave_an_artifact(monkeypatch):
    rules = [Rule(id="r1", text="-", check={"name": "ends_with", "phrase": "Chapter 2"})]
    response = "Read on now."
    monkeypatch.setattr(REGISTRY["ends_with"], "_repair", lambda self, text: f"Chapter 2\nChapter 2 {text} Chapter 2")
    assert rules[0].check.enforce(response) is not None  # the check alone would take it
    assert repair(response, rules, decide(rules, response)) is None
