"""`rnr-dspy eval` counts every LM call it makes, per model: the answers (the load probe included) and the
judge's verdicts apart, answered and failed, with their tokens; checked against a fake server's request count."""

import json

import dspy
import pytest
from fake_openai_server import FakeOpenAIServer, output_field

from rnr_dspy.evals import EvalConfig, build_tasks, run_eval
from rnr_dspy.evals.usage import describe_usage

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


@pytest.fixture(autouse=True)
def no_cache():
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)


def _failing_answers_to(user):
    """A 500 for every answer to `user`; healthy otherwise (the judge's calls ask for fields)."""

    def fault(body):
        asked = next((m["content"] for m in body.get("messages", []) if m.get("role") == "user"), "")
        return "server_error" if output_field(body) is None and asked == user else None

    return fault


def test_the_answers_and_the_judges_calls_are_counted_as_the_server_got_them(tmp_path):
    with FakeOpenAIServer() as server:
        config = EvalConfig(models=["openai/student"], judge_lm="openai/judge", api_base=server.url,
                            api_key="sk-test-not-a-secret", suite="rnr", limit=8, num_retries=0, batch_size=2,
                            out=tmp_path / "eval")
        log = run_eval(config)
        by_model = {}
        for body in server.bodies:
            by_model[body["model"]] = by_model.get(body["model"], 0) + 1
    usage = log.runs[0].usage
    answers, judge = usage["answers"], usage["judge"]
    assert answers["lm_calls"] + answers["failed_lm_calls"] == by_model["student"] > 8  # 8 answers and the probe
    assert judge["lm_calls"] + judge["failed_lm_calls"] == by_model["judge"] > 0
    assert answers["tokens"] == 15 * answers["lm_calls"] and judge["tokens"] == 15 * judge["lm_calls"]
    saved = json.loads((tmp_path / "eval" / "log.json").read_text())
    assert saved["runs"][0]["usage"]["judge"]["lm_calls"] == judge["lm_calls"]
    report = (tmp_path / "eval" / "report.md").read_text()
    assert f"| A | {answers['lm_calls']} | 0 | {answers['tokens']} | {judge['lm_calls']} | 0 |" in report


def test_failed_requests_are_counted_apart(tmp_path):
    with FakeOpenAIServer() as server:
        config = EvalConfig(models=["openai/student"], api_base=server.url, api_key="sk-test-not-a-secret",
                            suite="rnr", limit=6, num_retries=1, out=tmp_path / "eval")
        server.fault_for = fault = _failing_answers_to(build_tasks(config)[0].dataset[0].user)
        log = run_eval(config)
        sent = server.requests
        failed = sum(fault(body) is not None for body in server.bodies)
    answers = log.runs[0].usage["answers"]
    assert failed == 2 and answers["failed_lm_calls"] == failed  # each try of the failing item
    assert answers["lm_calls"] + answers["failed_lm_calls"] == sent
    assert f"{answers['lm_calls']} LM calls answered, {failed} failed" in describe_usage(log.runs[0].usage)
