"""`generate` against a real OpenAI-compatible server (llama.cpp serving the embedded model), replayed from
cassettes; re-record as docs/pages/testing.md says for `tests/test_http_recorded.py`, with this file's path.

The model is tiny: these tests check what the pipeline guarantees over HTTP (every stage is recorded as a result
or as an error with its message; the datasets keep TRL's formats; no key reaches a cassette or a file), not the
quality of what it wrote.
"""

import json
import os
from pathlib import Path

import dspy
import pytest

import rnr_dspy.generate.flow as pipeline
from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.models.lm import make_lm

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

SERVER_URL = "http://127.0.0.1:8765/v1"
API_KEY = "sk-test-not-a-secret"


@pytest.fixture(scope="module")
def vcr_config():
    return {"filter_headers": ["authorization", "api-key", "x-api-key"], "match_on": ["method", "path", "body"]}


@pytest.fixture
def http_lm(monkeypatch):
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    monkeypatch.setattr(pipeline, "make_lm", lambda spec, **kwargs: make_lm(
        spec, **{**kwargs, "engine": "litellm", "cache": False, "structured_output": "json_object"}))


@pytest.mark.vcr
def test_generate_over_http_records_every_stage_and_writes_trl_rows(tmp_path, http_lm, vcr):
    config = GenerateConfig(out=tmp_path, lm="openai/smollm2", api_base=SERVER_URL, api_key=API_KEY, judge_lm="none",
                            limit=6, k=1, attempts=2, response_max_tokens=64, max_tokens=384)
    report = run_generate(config)
    records = [json.loads(line) for line in (tmp_path / "generated.jsonl").read_text().splitlines()]
    assert records and all(r["status"] != "error" or r["error"] for r in records)
    assert len(vcr) >= len(records) and report.this_run["lm_calls"] == len(vcr)
    for row in (json.loads(line) for line in (tmp_path / "data/sft.jsonl").read_text().splitlines()):
        assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
    for path in [*tmp_path.rglob("*.json*"), *Path(vcr._path).parent.glob("*.yaml")]:
        assert API_KEY not in path.read_text(errors="ignore"), path


@pytest.mark.vcr
def test_real_responses_are_sampled_judged_and_repaired_over_http(tmp_path, vcr):
    from rnr_dspy.program.adapter import StructuredAdapter
    from rnr_dspy.program.answer import AnswerSettings, answer_under_rules
    from rnr_dspy.program.modules import RuleFollowingResponder, RuleJudge
    from rnr_dspy.rules import normalize_rules, render_system_prompt

    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    lm = make_lm("openai/smollm2", api_base=SERVER_URL, api_key=API_KEY, engine="litellm", cache=False,
                 structured_output="json_object", max_tokens=96)
    rules = normalize_rules([{"text": "x", "check": {"name": "starts_with", "phrase": "Happy to help"}},
                             {"text": "x", "check": {"name": "max_words", "limit": 40}}])
    role = "You are a friendly cooking coach for busy parents."
    settings = AnswerSettings(attempts=2, temperature=0.8, max_tokens=96, repair=True, hindsight=True)
    with dspy.context(lm=lm, adapter=StructuredAdapter()):
        attempts = answer_under_rules(RuleFollowingResponder(), RuleJudge(use_judge=False), settings,
                                      system_prompt=render_system_prompt(role, rules), user="How do I cook rice?",
                                      rules=rules, turn_type="in_scope", role=role, seed="k")
    sampled = [a for a in attempts if a.method == "sampled"]
    assert len(sampled) == len(vcr) and 1 <= len(sampled) <= 2 and all(a.response for a in sampled)
    for attempt in attempts:  # every verdict is the checkers' own, whatever the model wrote
        expected = [rule.verify(attempt.response, "in_scope").followed for rule in (attempt.rules or rules)]
        assert [v.followed for v in attempt.verdicts] == expected
        assert attempt.passed == all(expected)
    repaired = [a for a in attempts if a.method == "repaired"]
    assert all(a.response.startswith("Happy to help") for a in repaired)
    assert [a.method for a in attempts][-1] in ("sampled", "repaired", "hindsight")
