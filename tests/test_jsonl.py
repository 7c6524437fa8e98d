import codecs

from rnr_dspy.runtime.jsonl import LineProblem, cut_torn_last_line, read_jsonl


def read(path):
    problems: list[LineProblem] = []
    rows = list(read_jsonl(path, problems))
    return rows, problems


def test_objects_come_with_their_line_numbers_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\n\n   \n{"b": 2}\r\n')
    assert read(path) == ([(1, {"a": 1}), (4, {"b": 2})], [])


def test_each_bad_line_is_a_problem_with_file_line_and_reason_and_the_rest_still_reads(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b'{"a": 1}\n{"broken\n{"caf\xff": 1}\n[1, 2]\n"text"\nnull\n' + b"[" * 100_000 + b'\n{"z": 0}\n')
    rows, problems = read(path)
    assert rows == [(1, {"a": 1}), (8, {"z": 0})]
    assert [(p.line, p.reason) for p in problems] == [
        (2, "not JSON"), (3, "not UTF-8"), (4, "not a JSON object"), (5, "not a JSON object"),
        (6, "not a JSON object"), (7, "not JSON")]
    assert str(problems[0]).startswith(f"{path}:2: not JSON (Unterminated string")
    assert problems[1].where == f"{path}:3" and "at byte 5" in problems[1].message
    assert [p.detail for p in problems[2:5]] == ["a JSON array", "a JSON string", "a JSON null"]
    assert problems[5].detail == "nested too deeply"


def test_a_utf8_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(codecs.BOM_UTF8 + b'{"instruction": "x"}\n')
    assert read(path) == ([(1, {"instruction": "x"})], [])


def test_a_torn_last_line_is_cut_and_complete_lines_are_kept(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c": ')
    assert cut_torn_last_line(path) is True
    assert path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    assert cut_torn_last_line(path) is False and path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'


def test_a_file_that_is_one_torn_line_longer_than_a_block_becomes_empty(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"x" * 200_000)
    assert cut_torn_last_line(path) is True and path.read_bytes() == b""
    assert cut_torn_last_line(path) is False
