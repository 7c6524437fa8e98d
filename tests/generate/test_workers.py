"""`generate` with `workers` > 1: the groups spread over processes against a fake OpenAI-compatible server give the
rows, counts and usage one process gives; a resume sends nothing, whatever the worker count; a worker killed mid-run
fails the run with a clear error and a rerun finishes it without a row doubled; Ctrl-C stops them all quietly."""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest
from fake_openai_server import FakeOpenAIServer

from rnr_dspy.errors import RnrError
from rnr_dspy.generate import GenerateConfig, run_generate

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


def _config(out, server, **overrides):
    return GenerateConfig(**{"out": out, "lm": "openai/fake", "api_base": server.url, "api_key": "sk-test",
                             "limit": 8, "k": 2, "num_threads": 2, **overrides})


def _lines(path):
    return sorted(path.read_text().splitlines())


def _keys(out):
    return [json.loads(line)["key"] for line in (out / "generated.jsonl").read_text().splitlines()]


def test_two_workers_make_the_rows_counts_and_usage_of_one_process(tmp_path):
    with FakeOpenAIServer() as server:
        one = run_generate(_config(tmp_path / "one", server))
        alone = server.requests
        two = run_generate(_config(tmp_path / "two", server, workers=2))
        together = server.requests - alone
    assert one.sft_rows > 0 and one.errors == 0, one.first_errors
    assert sorted(_keys(tmp_path / "one")) == sorted(_keys(tmp_path / "two"))
    for name in ("sft.jsonl", "dpo.jsonl"):
        assert _lines(tmp_path / "one" / "data" / name) == _lines(tmp_path / "two" / "data" / name)
    assert (two.sft_rows, two.passed, two.failed, two.errors) == (one.sft_rows, one.passed, one.failed, one.errors)
    assert together == alone == one.this_run["lm_calls"] == two.this_run["lm_calls"]
    assert two.this_run["tokens"] == one.this_run["tokens"] > 0
    assert two.parse == one.parse


def test_a_resume_sends_nothing_and_starts_no_worker_whatever_the_worker_count(tmp_path, monkeypatch):
    with FakeOpenAIServer() as server:
        first = run_generate(_config(tmp_path / "run", server, workers=2))
        sent = server.requests
        monkeypatch.setattr(multiprocessing, "get_context", lambda *_: pytest.fail("a worker was started"))
        for workers in (2, 1):
            again = run_generate(_config(tmp_path / "run", server, workers=workers))
            assert server.requests == sent and again.sft_rows == first.sft_rows
    assert len(_keys(tmp_path / "run")) == len(set(_keys(tmp_path / "run")))


def _killing_worker_0(server, at_request=12):
    """A server fault that SIGKILLs generate worker 0 when the server has seen `at_request` requests."""
    def kill(body):
        if server.requests == at_request:
            worker = next(child for child in multiprocessing.active_children() if child.name == "generate worker 0")
            os.kill(worker.pid, signal.SIGKILL)
        return None

    return kill


def test_a_worker_killed_mid_run_fails_the_run_and_a_rerun_finishes_it_with_no_row_doubled(tmp_path):
    with FakeOpenAIServer() as server:
        server.fault_for = _killing_worker_0(server)
        with pytest.raises(RnrError, match=r"generate worker 0 stopped \(exit code -9\).*run the same command again"):
            run_generate(_config(tmp_path / "run", server, workers=2))
        server.fault_for = None
        finished = run_generate(_config(tmp_path / "run", server, workers=2))
        whole = run_generate(_config(tmp_path / "whole", server))
    keys = _keys(tmp_path / "run")
    assert finished.errors == finished.missing_rows == 0 and finished.sft_rows == whole.sft_rows
    assert sorted(set(keys)) == sorted(_keys(tmp_path / "whole"))
    assert len(keys) == len(set(keys))  # nothing the killed worker had sent was generated again


def test_a_killed_worker_stops_the_run_while_the_others_are_still_sending(tmp_path):
    # The dead worker is noticed within about a second, not once the others have run out of groups.
    with FakeOpenAIServer() as server:
        server.latency = 0.1  # the other worker keeps sending for several seconds
        server.fault_for = _killing_worker_0(server, at_request=12)
        with pytest.raises(RnrError, match=r"generate worker 0 stopped \(exit code -9\)"):
            run_generate(_config(tmp_path / "run", server, workers=2, limit=48))
        after_the_kill = server.requests - 12
        server.fault_for, server.latency = None, 0.0
        whole = run_generate(_config(tmp_path / "whole", server, limit=48)).this_run["lm_calls"]
    assert after_the_kill < whole / 4, (after_the_kill, whole)


@pytest.mark.parametrize("lm", ["embedded", "local:model.gguf"])
def test_workers_are_refused_for_a_local_model_each_would_load_again(tmp_path, lm):
    with pytest.raises(ValueError, match=r"workers: 2 would load the local model .* --workers is for a served LM"):
        GenerateConfig(out=tmp_path / "run", lm=lm, workers=2)
    assert GenerateConfig(out=tmp_path / "run", lm=lm).workers == 1


def test_ctrl_c_in_a_terminal_stops_the_run_and_its_workers_with_the_usual_message(tmp_path):
    out = tmp_path / "run"
    with FakeOpenAIServer() as server:
        server.latency = 0.5
        process = subprocess.Popen(
            [sys.executable, "-m", "rnr_dspy.cli", "generate", "--lm", "openai/fake", "--api-base", server.url,
             "--api-key", "sk-test", "--limit", "16", "--k", "2", "--num-threads", "2", "--workers", "2",
             "--out", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
            env={**os.environ, "COLUMNS": "200"})
        deadline = time.monotonic() + 60
        while server.requests < 4 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)  # as a terminal sends it: to the whole process group
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "run the same command again to resume" in stderr and "Traceback" not in stderr, stderr
    for _ in range(50):  # the workers (and multiprocessing's resource tracker) are gone with it
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("processes of the run are still alive after it exited")


def test_a_workers_messages_reach_the_parent_together_in_order_and_done_at_once():
    import queue

    from rnr_dspy.generate import workers

    messages = queue.Queue()
    sender = workers._Sender(3, messages)
    for number in range(50):
        sender("record", {"key": number})
    time.sleep(3 * workers._SEND_EVERY)
    sender("count", ((), 0))
    sender("done", {"reached": []})  # sent at once, after what came before it
    assert messages.qsize() <= 4  # a queue message per batch (the timer may split them), not one per message
    sender._thread.join(1)
    assert not sender._thread.is_alive()  # its sending thread ended
    assert workers._next_messages(messages) == [(3, "record", {"key": number}) for number in range(50)] + [
        (3, "count", ((), 0)), (3, "done", {"reached": []})]
