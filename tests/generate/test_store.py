import json

import pytest

from rnr_dspy.errors import RnrError
from rnr_dspy.generate.store import RunStore


def test_records_survive_a_reopen_and_later_records_supersede(tmp_path):
    store = RunStore(tmp_path / "generated.jsonl")
    store.append({"key": "a", "stage": "prompt", "status": "error"})
    store.append({"key": "b", "stage": "system", "status": "ok"})
    store.append({"key": "a", "stage": "prompt", "status": "passed"})
    reopened = RunStore(tmp_path / "generated.jsonl")
    assert reopened.get("a")["status"] == "passed"
    assert [r["key"] for r in reopened.records()] == ["a", "b"] and len(reopened.records("prompt")) == 1


def test_a_torn_last_line_is_cut_off_and_nothing_else(tmp_path):
    path = tmp_path / "generated.jsonl"
    path.write_text(json.dumps({"key": "a", "stage": "prompt", "status": "passed"}) + '\n{"key": "b", "sta')
    store = RunStore(path)
    assert store.torn_lines == 1 and store.get("b") is None and store.get("a") is not None
    store.append({"key": "b", "stage": "prompt", "status": "passed"})
    assert [json.loads(line)["key"] for line in path.read_text().splitlines()] == ["a", "b"]


def test_a_damaged_complete_line_is_an_error_naming_file_and_line(tmp_path):
    path = tmp_path / "generated.jsonl"
    path.write_text('{"key": "a", "stage": "prompt", "status": "passed"}\nnot json\n')
    with pytest.raises(RnrError, match=r"generated.jsonl:2"):
        RunStore(path)
