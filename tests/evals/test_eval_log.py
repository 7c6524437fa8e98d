import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from echo_model import echo_generator

from rnr_dspy.evals.log import EvalLog, LogError, read_log, write_log


def test_a_log_reads_back_as_written_and_leaves_no_temporary_file(tmp_path):
    from rnr_dspy.evals.log import ModelRun, SuiteLog

    run = ModelRun(spec="embedded", model_id="m", backend="lm", suites=[SuiteLog(task="rnr", metrics={}, samples=[])])
    path = write_log(EvalLog(config={"suite": "rnr"}, runs=[run]), tmp_path / "eval" / "log.json")
    assert read_log(path).config == {"suite": "rnr"} and [p.name for p in path.parent.iterdir()] == ["log.json"]


@pytest.mark.parametrize(("content", "message"), [
    (b'{"runs": [{"spec": "embedded"}]}', r"not an eval log: runs\.0\.model_id: Field required \(and 1 more\)"),
    (b'{"runs": \xff}', r"not an eval log: not UTF-8 text"),
    (b'{"runs": [', r"not an eval log: Invalid JSON"),
])
def test_a_file_that_is_not_an_eval_log_is_named_with_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "log.json"
    path.write_bytes(content)
    with pytest.raises(LogError, match=message):
        read_log(path)


def test_the_logged_settings_hold_no_password_from_a_server_address(tmp_path, monkeypatch):
    import rnr_dspy.evals.run as run_module
    from rnr_dspy.evals import EvalConfig, run_eval
    from rnr_dspy.evals.rnr_suite import rnr_task

    monkeypatch.setattr(run_module, "make_generator", lambda spec, **_: echo_generator())
    config = EvalConfig(models=["openai/model"], out=tmp_path, api_base="http://me:SECRET@127.0.0.1:1/v1")
    run_eval(config, tasks=[rnr_task(Path(__file__).parent / "suites" / "tiny.jsonl")])
    log = (tmp_path / "log.json").read_text()
    assert "SECRET" not in log and json.loads(log)["config"]["api_base"] == "http://me:***@127.0.0.1:1/v1"
