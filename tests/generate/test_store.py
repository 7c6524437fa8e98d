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


def test_concurrent_appends_share_fsyncs_and_each_returns_only_once_on_disk(tmp_path, monkeypatch):
    import os
    import threading
    import time

    path = tmp_path / "generated.jsonl"
    store = RunStore(path)
    synced_lines = [0]
    fsync = os.fsync

    def slow_fsync(descriptor):  # a disk that takes 50 ms per fsync; records how many lines each one covered
        time.sleep(0.05)
        fsync(descriptor)
        synced_lines.append(len(path.read_text().splitlines()))

    monkeypatch.setattr(os, "fsync", slow_fsync)
    late = []

    def writer(number):
        for index in range(10):
            store.append({"key": f"{number}-{index}", "stage": "prompt", "status": "passed"})
            written = sum(1 for line in path.read_text().splitlines() if f'"{number}-{index}"' in line)
            if written != 1 or max(synced_lines) < _line_of(path, f"{number}-{index}"):
                late.append((number, index))

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert late == [] and len(RunStore(path).records()) == 160
    assert len(synced_lines) - 1 <= 40  # one fsync per append would be 160


def test_a_failed_fsync_fails_its_append_and_the_next_append_syncs_again(tmp_path, monkeypatch):
    import os

    store = RunStore(tmp_path / "generated.jsonl")
    fsync, calls = os.fsync, []

    def failing_once(descriptor):
        calls.append(descriptor)
        if len(calls) == 1:
            raise OSError(5, "Input/output error")
        fsync(descriptor)

    monkeypatch.setattr(os, "fsync", failing_once)
    with pytest.raises(OSError, match="Input/output error"):
        store.append({"key": "a", "stage": "prompt", "status": "passed"})
    store.append({"key": "b", "stage": "prompt", "status": "passed"})
    assert len(calls) == 2 and [r["key"] for r in RunStore(tmp_path / "generated.jsonl").records()] == ["a", "b"]


def _line_of(path, key):
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if f'"{key}"' in line)


def _spy_parsed_lines(monkeypatch):
    import rnr_dspy.generate.record_index as record_index

    parsed = []
    entry = record_index._entry
    monkeypatch.setattr(record_index, "_entry", lambda raw, *rest: parsed.append(raw) or entry(raw, *rest))
    return parsed


def test_a_reopened_store_reads_its_index_not_its_records(tmp_path, monkeypatch):
    path = tmp_path / "generated.jsonl"
    store = RunStore(path)
    for index in range(50):
        store.append({"key": f"k{index}", "stage": "prompt", "status": "ok", "user": "x" * 1000})
    parsed = _spy_parsed_lines(monkeypatch)
    reopened = RunStore(path)
    assert parsed == [] and len(reopened.index.entries) == 50
    assert reopened.get("k7")["user"] == "x" * 1000  # read back from disk when asked
    with path.open("a") as handle:  # records written after the index's last line (a kill between the writes)
        handle.write(json.dumps({"key": "k3", "stage": "prompt", "status": "error", "error": "LMTimeoutError: t"})
                     + "\n")
    assert len(RunStore(path).index.entries) == 50 and len(parsed) == 1
    again = RunStore(path)
    assert len(parsed) == 1 and again.entry("k3").transient and again.get("k3")["status"] == "error"
    assert [record["key"] for record in again.records()][:4] == ["k0", "k1", "k2", "k3"]


@pytest.mark.parametrize("change", ["replaced", "cut", "index damaged"])
def test_an_index_that_disagrees_with_the_record_is_rebuilt_from_it(tmp_path, change):
    path = tmp_path / "generated.jsonl"
    store = RunStore(path)
    for key in "abc":
        store.append({"key": key, "stage": "prompt", "status": "ok"})
    lines = path.read_text().splitlines(keepends=True)
    if change == "replaced":
        path.write_text(json.dumps({"key": "z", "stage": "system", "status": "ok", "role": "r"}) + "\n"
                        + "".join(lines[1:]))
    elif change == "cut":
        path.write_text("".join(lines[:2]))
    else:
        index = path.with_name("generated.index")
        index.write_bytes(index.read_bytes()[:-3] + b"]]\n")
    reopened = RunStore(path)
    expected = {"replaced": ["z", "b", "c"], "cut": ["a", "b"], "index damaged": ["a", "b", "c"]}[change]
    assert [record["key"] for record in reopened.records()] == expected == list(reopened.index.entries)
    reopened.append({"key": "d", "stage": "prompt", "status": "ok"})
    assert [record["key"] for record in RunStore(path).records()] == [*expected, "d"]


def test_appends_after_close_open_the_record_again_and_every_record_reads_back(tmp_path):
    path = tmp_path / "generated.jsonl"
    store = RunStore(path)
    store.append({"key": "a", "stage": "prompt", "status": "passed"})
    assert path.read_text(encoding="utf-8").count("\n") == 1  # on disk while the file stays open
    store.close()
    store.append({"key": "b", "stage": "prompt", "status": "passed"})
    store.close()
    assert [record["key"] for record in RunStore(path).records()] == ["a", "b"]
    assert store.get("a")["key"] == "a"  # a record read alone
