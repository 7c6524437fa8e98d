"""The served recipe's code paths end to end against a real OpenAI-compatible server started here: llama.cpp's Python
server (`llama-cpp-python[server]`) serving the embedded GGUF as teacher and judge, on a free port.

`rnr-dspy run` takes a copy of the `teacher-vllm-7b` recipe at small limits: compile (bootstrap), generate with
LM-written roles, rules and user turns under `strategy: refine`, the judge on the same server, train under
`accelerate launch` on 2 CPU processes with LoRA (SFT then DPO), eval with the judge. The stand-in teacher is weak, so
the test holds the path, not the quality: every stage ends done, replies that did not parse are counted (never the
end of a stage), the rows written are valid training rows, the adapter is written, the eval log has results, and
the server's refusal of `json_schema` costs no row (structured_output auto steps down to the form it takes).

It runs only when selected: `OMP_NUM_THREADS=2 pytest -m real_server` (see docs/pages/testing.md)."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from rnr_dspy.models.spec import embedded_model_path
from rnr_dspy.train.data import load_dpo_rows, load_sft_rows

pytestmark = [pytest.mark.real_server, pytest.mark.block_network(allowed_hosts=["127.0.0.1"])]

MODEL = "hosted_vllm/smollm2-stand-in"
STAGES = ["compile", "generate", "train", "eval"]
_REQUEST = re.compile(r'"POST /v1/chat/completions HTTP/1\.1" (\d{3})')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    """The base URL of llama.cpp's Python server on a free port, and its log; stopped at the end."""
    if "real_server" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("runs for several minutes on 2 cores: run it with pytest -m real_server")
    pytest.importorskip("llama_cpp.server.app", reason="needs llama-cpp-python[server] (pip install -e '.[server]')")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_model_path()), "--host", "127.0.0.1",
             "--port", str(port), "--n_ctx", "4096", "--chat_format", "chatml", "--n_threads", "2"],
            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"the server exited: {log_path.read_text()[-2000:]}"
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, f"the server did not answer: {log_path.read_text()[-2000:]}"
                time.sleep(0.5)
        yield url, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _recipe(url: str, out: Path, student: Path) -> dict:
    served = {"api_base": url, "num_retries": 1, "request_timeout": 300, "max_tokens": 256}
    # The LM writes the roles and user turns and chooses the rules (registry checks with their parameters: the
    # stand-in's free-text rules are rejected as copies of the requests, which would leave train nothing).
    lm_turns = {"rule_source": "lm", "checks_only": True, "role_source": "lm", "turn_source": "lm",
                "user_turns": True, "judge_lm": MODEL}
    return {
        "name": "served-real", "out": str(out), "lm": MODEL, "student": f"local:{student}", "stages": STAGES,
        "compile": {**served, **lm_turns, "optimizer": "bootstrap", "limit": 8, "k": 2, "train_size": 2,
                    "val_size": 1, "max_demos": 1, "num_threads": 2},
        "generate": {**served, **lm_turns, "limit": 4, "k": 2, "attempts": 2, "strategy": "refine",
                     "response_max_tokens": 64, "num_threads": 2},
        "train": {"launch": {"num_processes": 2}, "lora": True, "method": ["sft", "dpo"],
                  "sft_config": {"max_steps": 2, "per_device_train_batch_size": 1},
                  "dpo_config": {"max_steps": 2, "per_device_train_batch_size": 1}},
        "eval": {"suite": "rnr", "limit": 1, "judge_lm": MODEL, "api_base": url, "num_retries": 1,
                 "request_timeout": 300, "max_tokens": 32},
    }


def test_the_served_recipe_runs_end_to_end_against_a_real_server(server, tiny_model_dir, tmp_path):
    url, server_log = server
    out = tmp_path / "run"
    recipe = tmp_path / "served.yaml"
    recipe.write_text(yaml.safe_dump(_recipe(url, out, tiny_model_dir)))
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    env.pop("RNR_DSPY_API_KEY", None)  # a server without auth needs no key
    done = subprocess.run([sys.executable, "-m", "rnr_dspy.cli", "run", str(recipe)], capture_output=True, text=True,
                          env=env, timeout=1800)
    console = done.stdout + done.stderr
    assert done.returncode == 0, console[-4000:]

    state = json.loads((out / "run_state.json").read_text())
    assert {stage: state[stage]["status"] for stage in STAGES} == dict.fromkeys(STAGES, "done")

    compiled = json.loads((out / "compile" / "compile_report.json").read_text())
    assert (out / "compile" / "program.json").is_file() and compiled["lm_calls"] > 0

    generated = json.loads((out / "generate" / "generate_report.json").read_text())
    assert generated["missing_rows"] == 0 and generated["sft_rows"] > 0
    # Replies that did not parse are counted per stage, each stage by its name (the program was loaded).
    assert generated["parse"] and "StringSignature" not in generated["parse"]
    sft = load_sft_rows([out / "generate" / "data" / "sft.jsonl"])
    assert len(sft.rows) == generated["sft_rows"] and not sft.skipped, sft.problems
    if generated["dpo_pairs"]:
        assert not load_dpo_rows([out / "generate" / "data" / "dpo.jsonl"]).skipped
    failures = (out / "generate" / "generated.jsonl").read_text()
    assert "response_format" not in failures  # the refused schema cost no row

    model = out / "model"
    assert (model / "adapter_config.json").is_file() or (model / "model.safetensors").is_file()
    trained = json.loads((model / "train_report.json").read_text())
    assert trained["processes"] == 2 and [stage["stage"] for stage in trained["stages"]] == ["sft", "dpo"]

    log = json.loads((out / "eval" / "log.json").read_text())
    assert [run["spec"] for run in log["runs"]] == [f"local:{tiny_model_dir}", f"local:{model}"]
    for run in log["runs"]:
        (suite,) = run["suites"]
        assert suite["samples"] and suite["metrics"]["adherence"]["n"] == len(suite["samples"])
        assert run["usage"]["judge"]["lm_calls"] > 0  # the judge on the same server answered, and was counted

    codes = _REQUEST.findall(server_log.read_text())
    # Each stage process learns once that the server refuses json_schema (a request or two in flight); the
    # rest go out as json_object with the schema, which it decodes under.
    assert codes.count("200") > 0 and codes.count("500") <= 2 * 3
