"""A run that did not produce every row it set out to is not finished: `generate` exits 1 saying how many rows are
missing and what finishes them; a plain rerun retries the rows that failed for a reason a new try may clear
(connection, timeout, 429, 5xx), and a full recovery leaves no failure behind, not even of turns composed while
the LM's turns were failing. Against a fake OpenAI-compatible server on 127.0.0.1."""

import json

import pytest
from fake_openai_server import FakeOpenAIServer, output_field
from typer.testing import CliRunner

from rnr_dspy.cli import app
from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.generate.failures import is_transient

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
runner = CliRunner()


def _seeds(path, count=4):
    themes = ["cooking", "travel"]
    lines = [json.dumps({"id": f"s{n}", "instruction": f"Question {n} about {themes[n % 2]}: what should I know?",
                         "theme": themes[n % 2]}) for n in range(count)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _flags(out, server, seeds):
    return ["generate", "--out", str(out), "--lm", "openai/fake", "--api-base", server.url, "--api-key", "sk-test",
            "--seeds", str(seeds), "--k", "2", "--judge-lm", "none", "--rule-source", "sampled", "--no-user-turns",
            "--answer.attempts", "1", "--num-threads", "1", "--num-retries", "0", "--request-timeout", "2"]


def test_a_server_that_dies_mid_run_exits_1_and_a_plain_rerun_finishes_the_rows(tmp_path):
    seeds = _seeds(tmp_path / "seeds.jsonl", 6)
    with FakeOpenAIServer() as server:
        server.fault_for = lambda body: "server_error" if server.requests > 3 else None  # dies after 3 requests
        died = runner.invoke(app, _flags(tmp_path / "run", server, seeds))
        assert died.exit_code == 1, died.output
        stderr = " ".join(died.stderr.split())
        report = json.loads((tmp_path / "run/generate_report.json").read_text())
        assert report["missing_rows"] > 0 and report["planned_rows"] == 6
        assert f"{report['missing_rows']} of 6 rows missing" in stderr
        assert "run the same command again" in stderr and "--retry-failed" not in stderr

        server.fault_for = None
        sent = server.requests
        rerun = runner.invoke(app, _flags(tmp_path / "run", server, seeds))
        assert rerun.exit_code == 0, rerun.output
        assert server.requests > sent
        report = json.loads((tmp_path / "run/generate_report.json").read_text())
        assert report["missing_rows"] == 0 and report["errors"] == 0 and report["sft_rows"] == 6


def test_a_reply_that_did_not_parse_asks_for_retry_failed(tmp_path):
    seeds = _seeds(tmp_path / "seeds.jsonl")
    with FakeOpenAIServer("empty_choices") as server:
        result = runner.invoke(app, _flags(tmp_path / "run", server, seeds))
        assert result.exit_code == 1 and "--retry-failed" in " ".join(result.stderr.split())
        server.mode = "healthy"
        sent = server.requests
        assert runner.invoke(app, _flags(tmp_path / "run", server, seeds)).exit_code == 1
        assert server.requests == sent  # a plain rerun leaves such a failure as it is
        retried = runner.invoke(app, [*_flags(tmp_path / "run", server, seeds), "--retry-failed"])
        assert retried.exit_code == 0, retried.output


def _turn_config(out, server, seeds):
    return GenerateConfig(out=out, lm="openai/fake", api_base=server.url, api_key="sk-test", seeds=str(seeds), k=2,
                          judge_lm="none", rule_source="sampled", role_source="composed", turn_source="lm",
                          user_turns=True, attempts=1, num_threads=1, num_retries=0, request_timeout=2)


def _sft_users(out):
    return sorted(json.loads(line)["messages"][1]["content"] for line in (out / "data/sft.jsonl").read_text()
                  .splitlines())


def test_a_full_recovery_clears_the_turns_composed_while_the_turns_stage_failed(tmp_path):
    seeds = _seeds(tmp_path / "seeds.jsonl")
    with FakeOpenAIServer() as server:
        clean = run_generate(_turn_config(tmp_path / "clean", server, seeds))
        assert clean.errors == 0 and clean.missing_rows == 0

        # Every call but the roles' fails: the turns, then the answers of the instructions and the composed turns.
        server.fault_for = lambda body: None if output_field(body) == "role" else "server_error"
        down = run_generate(_turn_config(tmp_path / "run", server, seeds))
        assert down.sft_rows == 0 and down.missing_rows > 0
        stored = [json.loads(line) for line in (tmp_path / "run/generated.jsonl").read_text().splitlines()]
        assert {"turns", "prompt"} <= {r["stage"] for r in stored if r["status"] == "error"}

        server.fault_for = None
        recovered = run_generate(_turn_config(tmp_path / "run", server, seeds))  # no --retry-failed
        assert recovered.errors == 0 and recovered.missing_rows == 0 and recovered.first_errors == []
        assert _sft_users(tmp_path / "run") == _sft_users(tmp_path / "clean")

        sent = server.requests
        again = run_generate(_turn_config(tmp_path / "run", server, seeds).model_copy(update={"retry_failed": True}))
        assert again.errors == 0 and server.requests == sent  # nothing left to retry


def test_a_server_that_fails_only_the_turns_keeps_its_composed_rows_until_the_turns_come_back(tmp_path):
    seeds = _seeds(tmp_path / "seeds.jsonl")
    with FakeOpenAIServer() as server:
        server.fault_for = lambda body: "server_error" if output_field(body) == "in_scope" else None
        flaky = run_generate(_turn_config(tmp_path / "run", server, seeds))
        assert flaky.missing_rows == 0 and flaky.errors == 2  # each group's turns stage; composed turns answered
        server.fault_for = None
        recovered = run_generate(_turn_config(tmp_path / "run", server, seeds))
        run_generate(_turn_config(tmp_path / "clean", server, seeds))
        assert recovered.errors == 0 and _sft_users(tmp_path / "run") == _sft_users(tmp_path / "clean")


@pytest.mark.parametrize(("error", "transient"), [
    ("LMServerError: [openai/fake] internal error", True), ("LMTransportError: connection refused", True),
    ("LMRateLimitError: rate limited", True), ("LMError: openai/fake at x is not answering", True),
    ("AdapterParseError: no fields", False), ("LMAuthError: [openai/fake] bad key", False), (None, False)])
def test_which_failures_a_plain_rerun_retries(error, transient):
    assert is_transient(error) is transient
