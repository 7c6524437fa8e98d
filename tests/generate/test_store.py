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


@pytest.mark.parametrize(("content", "message"), [
    (b'{"key": "a", "stage": "prompt", "status": "passed"}\nnot json\n', r"generated.jsonl:2"),
    (b'{"key": "a", "stage": "prompt", "status": "passed"}\n{"key": "b\xff"}\n{"key": "c"}\n',
     r"generated\.jsonl:2: not UTF-8 .*the run record is damaged"),
    (b'{"key": "a"}\n{"stage": "prompt"}\n', r"generated\.jsonl:2: a record without a key"),
], ids=["not json", "not utf-8", "no key"])
def test_a_damaged_complete_line_is_an_error_naming_file_and_line(tmp_path, content, message):
    path = tmp_path / "generated.jsonl"
    path.write_bytes(content)
    with pytest.raises(RnrError, match=message):
        RunStore(path)


def test_a_password_in_a_url_of_an_error_text_never_reaches_the_record(tmp_path):
    store = RunStore(tmp_path / "generated.jsonl")
    store.append({"key": "a", "stage": "system", "status": "error",
                  "error": "APIConnectionError: cannot reach http://me:SECRET@127.0.0.1:9/v1/chat/completions"})
    text = (tmp_path / "generated.jsonl").read_text()
    assert "SECRET" not in text and "http://me:***@127.0.0.1:9/v1" in text
    assert "SECRET" not in store.get("a")["error"]
