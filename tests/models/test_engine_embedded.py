"""The embedded engine on the real model (SmolLM2-135M, llama.cpp): structure is guaranteed, content is not."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import dspy
import pytest
from dspy.lm15 import Config, Message, Request

from rnr_dspy import Rule, make_lm
from rnr_dspy.program.adapter import StructuredAdapter
from rnr_dspy.signatures import GenerateRole, GenerateRules, JudgeRuleAdherence

pytestmark = pytest.mark.embedded

INSTRUCTIONS = ["How do I make a basic pan sauce?", "Why should a steak rest after cooking?"]


@pytest.fixture(scope="module")
def lm():
    return make_lm("embedded", cache=False, max_tokens=1024)


def test_rules_decode_into_two_to_five_typed_rules(lm):
    with dspy.context(lm=lm, adapter=StructuredAdapter()):
        rules = dspy.Predict(GenerateRules)(role="You are a cooking coach.", seed_instructions=INSTRUCTIONS).rules
    assert 2 <= len(rules) <= 5 and all(isinstance(rule, Rule) for rule in rules)


def test_role_decodes_with_the_required_opening_and_usage_is_filled(lm):
    with dspy.context(lm=lm, adapter=StructuredAdapter()):
        role = dspy.Predict(GenerateRole)(seed_instructions=INSTRUCTIONS).role
    assert role.startswith("You are ") and len(role) >= 40
    usage = lm.history[-1]["usage"]
    assert usage["prompt_tokens"] > 50 and usage["completion_tokens"] > 5


def test_judge_verdicts_decode_as_typed_verdicts(lm):
    rules = [Rule(id="r1", text="Be polite."), Rule(id="r2", text="Stay on cooking topics.")]
    with dspy.context(lm=lm, adapter=StructuredAdapter()):
        verdicts = dspy.Predict(JudgeRuleAdherence)(
            system_prompt="You are a cooking coach.", user="Hi", response="Hello! Ready to cook?", rules=rules
        ).verdicts
    assert all(isinstance(verdict.followed, bool | None) for verdict in verdicts)


def test_chat_adapter_replies_are_constrained_to_its_sections(lm):
    with dspy.context(lm=lm, adapter=dspy.ChatAdapter(use_json_adapter_fallback=False)):
        role = dspy.Predict(GenerateRole, max_tokens=48)(seed_instructions=INSTRUCTIONS).role
    assert lm.history[-1]["outputs"][0].startswith("[[ ## role ## ]]\n")
    assert isinstance(role, str) and "[[ ##" not in role


def test_plain_chat_under_a_real_system_prompt_is_unconstrained_text(lm):
    request = Request(model=lm.model, system="You are a pirate.", messages=(Message.user("Say hello."),),
                      config=Config(max_tokens=24))
    response = lm(request)
    assert isinstance(response.text, str) and response.text.strip()


def test_concurrent_calls_from_threads_all_complete(lm):
    def ask(i: int) -> str:
        request = Request(model=lm.model, messages=(Message.user(f"Count to {i}."),), config=Config(max_tokens=16))
        return lm(request).text

    with ThreadPoolExecutor(max_workers=3) as pool:
        replies = list(pool.map(ask, [2, 3, 4]))
    assert len(replies) == 3 and all(isinstance(reply, str) for reply in replies)


def test_async_calls_use_the_async_engine(lm):
    with dspy.context(lm=lm, adapter=StructuredAdapter()):
        role = asyncio.run(dspy.Predict(GenerateRole).acall(seed_instructions=INSTRUCTIONS)).role
    assert role.startswith("You are ")
