"""The datasets of a run are written row by row, never held as one string."""

import json

import rnr_dspy.generate.export as export
from rnr_dspy.generate import GenerateConfig, run_generate


def test_the_jsonl_datasets_are_streamed_to_disk_line_by_line(tmp_path, engine, monkeypatch):
    whole_texts = []
    write_text = export.write_text

    def recorded(path, text):
        whole_texts.append(path.name)
        return write_text(path, text)

    monkeypatch.setattr(export, "write_text", recorded)
    report = run_generate(GenerateConfig(out=tmp_path / "run", lm="fake/model", limit=4, k=4, user_turns=False))
    assert whole_texts == ["README.md"]  # the card only
    rows = [json.loads(line) for line in (tmp_path / "run/data/sft.jsonl").read_text().splitlines()]
    assert len(rows) == report.sft_rows > 0 and rows[0]["messages"][0]["role"] == "system"
    assert not list((tmp_path / "run/data").glob(".*.tmp*"))  # nothing left half-written
