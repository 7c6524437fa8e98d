"""The RNR modules against a real OpenAI-compatible server (llama.cpp serving the embedded model), replayed
from cassettes. How to re-record: see docs/pages/testing.md.

The model is tiny, so these tests check what the code guarantees (requests go out and come back, replies parse
into the declared types or fail with a parse error at a known stage), never the quality of the content.
"""

import os
from pathlib import Path

import dspy
import pytest
import yaml
from dspy.utils.exceptions import AdapterParseError

from rnr_dspy import RNRProgram, Rule, RuleJudge, RuleVerdict, make_lm, render_system_prompt
from rnr_dspy.program.adapter import StructuredAdapter
from rnr_dspy.signatures import GenerateRole, GenerateRules, RespondFollowingRules

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

SERVER_URL = "http://127.0.0.1:8765/v1"
API_KEY = "sk-test-not-a-secret"
CASSETTES = Path(__file__).parent / "cassettes" / Path(__file__).stem
FILTERED_HEADERS = ["authorization", "api-key", "x-api-key"]
INSTRUCTIONS = ["Plan a 3-day trip to Kyoto.", "What should I pack for Iceland?"]
PROGRAM_STAGES = [GenerateRole, GenerateRules, RespondFollowingRules]


@pytest.fixture(scope="module")
def vcr_config():
    # No "record_mode" key: pytest-recording would let it override --record-mode. Its own default is "none".
    return {"filter_headers": FILTERED_HEADERS, "match_on": ["method", "path", "body"]}


@pytest.fixture
def lm():
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    return make_lm("openai/smollm2", api_base=SERVER_URL, api_key=API_KEY, engine="litellm", cache=False,
                   structured_output="json_object", max_tokens=256)


@pytest.mark.vcr
def test_generate_role_meets_its_constraints_or_is_a_parse_error(lm, vcr):
    # This server offers JSON mode only, so the role's constraints are checked after decoding, not during it.
    with dspy.context(lm=lm, adapter=StructuredAdapter()):
        try:
            role = dspy.Predict(GenerateRole)(seed_instructions=INSTRUCTIONS).role
        except AdapterParseError as error:
            assert "role breaks its constraints" in str(error)
        else:
            assert role.startswith("You are ") and len(role) >= 40
    assert lm.history[0]["kwargs"].get("response_format") == {"type": "json_object"}
    assert len(vcr) == len(lm.history) == 1


@pytest.mark.vcr
def test_rnr_program_returns_every_field_or_stops_at_the_stage_that_did_not_parse(lm, vcr):
    with dspy.context(lm=lm, adapter=StructuredAdapter()):
        try:
            prediction = RNRProgram()(instructions=INSTRUCTIONS)
        except AdapterParseError as error:
            assert error.signature in PROGRAM_STAGES
            assert len(lm.history) == PROGRAM_STAGES.index(error.signature) + 1
        else:
            assert isinstance(prediction.role, str)
            assert all(isinstance(rule, Rule) for rule in prediction.rules)
            assert [rule.id for rule in prediction.rules] == [f"r{i}" for i in range(1, len(prediction.rules) + 1)]
            assert prediction.system_prompt == render_system_prompt(prediction.role, prediction.rules)
            assert prediction.user == INSTRUCTIONS[0]
            assert isinstance(prediction.response, str)
            assert [v.rule_id for v in prediction.verdicts] == [rule.id for rule in prediction.rules]
            assert all(isinstance(verdict, RuleVerdict) for verdict in prediction.verdicts)
    recorded = vcr.play_count if vcr.rewound else len(vcr)  # replaying, or recording
    assert recorded == len(lm.history) >= 1


@pytest.mark.vcr
def test_rule_judge_sends_only_the_judge_rule_and_checks_the_other(lm, vcr):
    rules = [Rule(id="r1", text="Be polite."), Rule(id="r2", text="Short.", check={"name": "max_words", "limit": 50})]
    with dspy.context(lm=lm, adapter=StructuredAdapter()):
        verdicts = RuleJudge()(
            system_prompt=render_system_prompt("You are a travel guide.", rules),
            user="Plan a trip to Kyoto.",
            response="Sure! Day 1: temples. Day 2: markets. Day 3: gardens.",
            rules=rules,
        ).verdicts

    judged, checked = verdicts
    assert (judged.rule_id, judged.method) == ("r1", "judge")
    assert judged.followed is not None or judged.reason.startswith(("judge reply did not parse", "judge gave no"))
    assert (checked.rule_id, checked.method, checked.followed) == ("r2", "check", True)
    prompt = lm.history[0]["messages"][-1]["content"]
    assert '"id": "r1"' in prompt and '"id": "r2"' not in prompt
    assert len(vcr) == len(lm.history) == 1


def test_cassettes_hold_no_credentials():
    cassettes = sorted(CASSETTES.glob("*.yaml"))
    assert len(cassettes) == 3
    for cassette in cassettes:
        text = cassette.read_text()
        assert "sk-test" not in text, cassette.name
        for interaction in yaml.safe_load(text)["interactions"]:
            sent = {name.lower() for name in interaction["request"]["headers"]}
            assert sent.isdisjoint(FILTERED_HEADERS), cassette.name
