"""Every malformed seed file becomes a clear error or a per-row problem with its file and line, never a traceback."""

import codecs
import json

import pytest

from rnr_dspy.errors import SeedError
from rnr_dspy.seeds.data import load_seeds


def problems_of(seeds):
    return [(problem.where, problem.message) for problem in seeds.problems]


def test_a_ragged_csv_reports_each_short_or_long_row_and_loads_the_rest(tmp_path):
    path = tmp_path / "seeds.csv"
    path.write_text('instruction,input\nFirst?,ctx\nToo,many,fields\nShort\n"Multi\nline?",x\nLast?,\n')
    seeds = load_seeds(path)
    assert [(s.instruction, s.input) for s in seeds.seeds] == [("First?", "ctx"), ("Multi\nline?", "x"),
                                                               ("Last?", "")]
    assert problems_of(seeds) == [(f"{path}:3", "3 fields where the header has 2"),
                                  (f"{path}:4", "1 fields where the header has 2")]


def test_a_csv_with_a_byte_order_mark_has_plain_column_names(tmp_path):
    path = tmp_path / "seeds.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"instruction,category\nExplain tides.,science\n")
    assert [(s.instruction, s.theme) for s in load_seeds(path).seeds] == [("Explain tides.", "science")]


def test_jsonl_and_json_with_a_byte_order_mark_load(tmp_path):
    jsonl, plain = tmp_path / "seeds.jsonl", tmp_path / "seeds.json"
    jsonl.write_bytes(codecs.BOM_UTF8 + b'{"instruction": "One?"}\n')
    plain.write_bytes(codecs.BOM_UTF8 + b'[{"instruction": "Two?"}]')
    assert [s.instruction for s in load_seeds(jsonl).seeds] == ["One?"]
    assert [s.instruction for s in load_seeds(plain).seeds] == ["Two?"]


def test_a_csv_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "seeds.csv"
    path.write_bytes(b"instruction\nFine?\nCaf\xe9?\n")
    with pytest.raises(SeedError, match=r"seeds\.csv:3: not UTF-8 .*save the file as UTF-8"):
        load_seeds(path)


def test_a_csv_header_that_repeats_a_column_is_refused(tmp_path):
    path = tmp_path / "seeds.csv"
    path.write_text("instruction,instruction\na,b\n")
    with pytest.raises(SeedError, match=r"seeds\.csv:1: the header repeats column\(s\) \['instruction'\]"):
        load_seeds(path)


def test_a_csv_row_the_csv_module_refuses_is_a_problem(tmp_path):
    path = tmp_path / "seeds.csv"
    path.write_text('instruction\nGood?\n"' + "x" * 200_000 + '"\nAlso good?\n')
    seeds = load_seeds(path)
    assert [s.instruction for s in seeds.seeds] == ["Good?", "Also good?"]
    assert len(seeds.problems) == 1 and "not valid CSV (field larger than field limit" in seeds.problems[0].message


def test_a_parquet_file_that_is_not_parquet_is_a_clear_error(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "seeds.parquet"
    path.write_text('{"instruction": "I am JSON"}\n')
    with pytest.raises(SeedError, match=r"seeds\.parquet: not a readable parquet file"):
        load_seeds(path)


def test_a_parquet_row_whose_instruction_is_not_text_is_a_problem(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "seeds.parquet"
    pq.write_table(pa.table({"instruction": [1, 2]}), path)
    with pytest.raises(SeedError, match=r"seeds\.parquet\[0\]: the instruction is not text \(int\)"):
        load_seeds(path)


def test_a_json_list_of_strings_is_one_problem_per_item_not_columns_of_characters(tmp_path):
    path = tmp_path / "seeds.json"
    path.write_text(json.dumps(["Explain tides.", {"instruction": "Plan a trip."}]))
    seeds = load_seeds(path)
    assert [s.instruction for s in seeds.seeds] == ["Plan a trip."]
    assert problems_of(seeds) == [(f"{path}[0]", "not a JSON object (a JSON string)")]


@pytest.mark.parametrize(("content", "message"), [
    ("[1, 2, 3]", r"no usable seed instruction .*seeds\.json\[0\]: not a JSON object \(a JSON number\)"),
    ("42", "expected a JSON list of objects .*got a JSON number"),
    ('{"data": 7}', "expected a JSON list of objects .*got a JSON number"),
    ("[" * 100_000, "not valid JSON"),
])
def test_json_that_holds_no_objects_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "seeds.json"
    path.write_text(content)
    with pytest.raises(SeedError, match=message):
        load_seeds(path)


def test_a_row_without_an_instruction_column_is_a_problem_and_the_file_still_loads(tmp_path):
    path = tmp_path / "seeds.jsonl"
    path.write_text('{"instruction": "First?"}\n{"text": "no instruction here"}\n{"instruction": "Third?"}\n')
    seeds = load_seeds(path)
    assert [s.instruction for s in seeds.seeds] == ["First?", "Third?"]
    [(where, message)] = problems_of(seeds)
    assert where == f"{path}:2" and message.startswith("no instruction column; found columns ['text']")


def test_a_file_where_no_row_has_an_instruction_says_how_to_map_one(tmp_path):
    path = tmp_path / "seeds.jsonl"
    path.write_text("".join(json.dumps({"text": f"row {i}"}) + "\n" for i in range(5)))
    with pytest.raises(SeedError, match=r"5 problem\(s\), the first: .*seeds\.jsonl:1: no instruction column.*"
                                        r"--columns\.instruction"):
        load_seeds(path)


def test_a_directory_is_named_as_a_directory(tmp_path):
    (tmp_path / "seeds.jsonl").mkdir()
    for path in (tmp_path, tmp_path / "seeds.jsonl"):
        with pytest.raises(SeedError, match="is a directory, not a seed file"):
            load_seeds(path)


def test_a_seed_file_that_cannot_be_opened_is_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "seeds.jsonl"
    path.write_text('{"instruction": "x"}\n')

    def denied(*_, **__):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("pathlib.Path.open", denied)
    with pytest.raises(SeedError, match=r"cannot read seed file .*Permission denied"):
        load_seeds(path)


@pytest.mark.parametrize("tail", ['"Plan a trip\nWrite a poem\nName a bird\n', '"Plan a trip,x\nWrite a poem,y\n'])
def test_a_quote_never_closed_is_a_problem_not_rows_merged_into_one(tmp_path, tail):
    path = tmp_path / "seeds.csv"
    header = "instruction\n" if tail.count(",") == 0 else "instruction,input\n"
    path.write_text(header + "First?" + ("" if header == "instruction\n" else ",ctx") + "\n" + tail)
    seeds = load_seeds(path)
    assert [s.instruction for s in seeds.seeds] == ["First?"]
    (where, message), = problems_of(seeds)
    assert where == f"{path}:3" and message.startswith("a quoted field opened here is never closed (lines 3 to ")


def test_a_quoted_field_over_lines_at_the_end_of_the_file_is_one_row(tmp_path):
    path = tmp_path / "seeds.csv"
    path.write_text('instruction\nFirst?\n"Multi\nline, 5"" tall?"\n')
    assert [s.instruction for s in load_seeds(path).seeds] == ["First?", 'Multi\nline, 5" tall?']


def test_a_quote_never_closed_is_found_after_a_line_separator_inside_a_field(tmp_path):
    # The csv module ends lines at \n and \r only: a U+2028 inside a field must not shift the line count.
    path = tmp_path / "seeds.csv"
    path.write_text('instruction\nFirst\u2028part?\n"Plan a trip\nWrite a poem\n', encoding="utf-8")
    seeds = load_seeds(path)
    assert [s.instruction for s in seeds.seeds] == ["First\u2028part?"]
    (where, message), = problems_of(seeds)
    assert where == f"{path}:3" and message.startswith("a quoted field opened here is never closed")
