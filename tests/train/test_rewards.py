"""The GRPO reward is the one verdict policy's arithmetic: checks decide, unknown earns nothing."""

import asyncio
import json

import pytest
from fake_engine import FakeEngine, fake_lm

from rnr_dspy.rules import Rule
from rnr_dspy.train.rewards import KindAdherence, RuleReward, completion_text

RULES = [Rule(id="r1", kind="length", text="-", check={"name": "max_words", "limit": 6}),
         Rule(id="r2", kind="style", text="-", check={"name": "no_commas"}),
         Rule(id="r3", kind="tone", text="Stay warm.")]
PROMPT = [{"role": "system", "content": "You are a cook."}, {"role": "user", "content": "Rice?"}]


def reward(design, responses, rules=RULES, turn_type="in_scope", judge_lm=None):
    completions = [[{"role": "assistant", "content": text}] for text in responses]
    rules_json = [json.dumps([rule.model_dump(mode="json") for rule in rules])] * len(responses)
    return asyncio.run(RuleReward(design, judge_lm)(prompts=[PROMPT] * len(responses), completions=completions,
                                                    rules=rules_json, turn_type=[turn_type] * len(responses)))


def test_follows_all_breaks_one_and_an_unknown_judge_rule():
    checkable = RULES[:2]
    follows, breaks_one = "Simmer rice gently.", "Simmer, then rest the rice."
    assert reward("all_rules", [follows, breaks_one], rules=checkable) == [1.0, 0.0]
    assert reward("fraction", [follows, breaks_one], rules=checkable) == [1.0, 0.5]
    # Without a judge the judge-only rule is unknown: no reward for it, and no pass.
    assert reward("fraction", [follows]) == [pytest.approx(2 / 3)]
    assert reward("all_rules", [follows]) == [0.0]


def test_a_judge_lm_decides_the_judge_only_rule_and_never_a_checkable_one():
    judge = fake_lm(FakeEngine({"verdicts": {"verdicts": [{"rule_id": "r3", "followed": True, "reason": "warm"},
                                                          {"rule_id": "r1", "followed": True, "reason": "forged"}]}}))
    assert reward("all_rules", ["Simmer rice gently.", "Simmer rice gently and slowly for twenty minutes."],
                  judge_lm=judge) == [1.0, 0.0]


def test_a_refusal_rule_pays_for_declining_only_out_of_scope_requests():
    refusal = [Rule(id="r1", kind="scope", text="-", check={"name": "refusal_phrase", "phrase": "I only cook."})]
    assert reward("all_rules", ["I only cook."], rules=refusal, turn_type="out_of_scope") == [1.0]
    assert reward("all_rules", ["I only cook."], rules=refusal, turn_type="in_scope") == [0.0]


def test_kind_adherence_logs_one_kind_and_skips_prompts_without_it():
    completions = [[{"role": "assistant", "content": "Simmer, rest."}]] * 2
    rules = [json.dumps([RULES[1].model_dump(mode="json")]), json.dumps([RULES[0].model_dump(mode="json")])]
    style = KindAdherence("style")
    assert style.__name__ == "adherence_style"
    assert style(completions=completions, rules=rules, turn_type=["in_scope"] * 2) == [0.0, None]


def test_completion_text_reads_both_trl_formats():
    assert completion_text("plain") == "plain"
    assert completion_text([{"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}]) == "ab"
