import json

from typer.testing import CliRunner

from rnr_dspy.cli import app

runner = CliRunner()


def test_generate_writes_the_datasets_and_says_what_it_made(tmp_path, engine):
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--lm", "fake/model", "--limit", "4", "--k", "4"])
    assert result.exit_code == 0, result.output
    summary = " ".join(result.output.split())
    assert "7 prompts, pass rate 1.00; 7 SFT rows (7 sampled), " in summary and "{" not in summary
    for name in ("generated.jsonl", "usage.json", "generate_report.json", "data/sft.jsonl", "data/dpo.jsonl",
                 "data/README.md", "data/hf/sft"):
        assert (tmp_path / name).exists(), name


def test_dry_run_prints_each_stage_of_the_first_groups_and_calls_no_lm(tmp_path, engine):
    result = runner.invoke(app, ["generate", "--dry-run", "--dry-run-groups", "2", "--out", str(tmp_path),
                                 "--limit", "8"])
    assert result.exit_code == 0, result.output
    assert result.output.count("GenerateUserTurns") == 2 and "group 2" in result.output
    assert engine.requests == [] and not tmp_path.joinpath("generated.jsonl").exists()


def test_malformed_seed_lines_are_reported_and_the_rest_is_used(tmp_path, engine):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_bytes(b'{"instruction": "Name a river."}\nnot json\n{"instruction": "Name a lake."}\n'
                      b'\xff\xfe{"instruction": "x"}\n')
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "run"), "--seeds", str(seeds), "--k", "2"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "run/generate_report.json").read_text())
    assert report["seeds"]["kept"] == 2
    assert [p.split(": ", 1)[0][-len("seeds.jsonl:2"):] for p in report["seeds"]["problems"]] == [
        "seeds.jsonl:2", "seeds.jsonl:4"]


def test_a_missing_instruction_column_names_the_columns_and_the_flag(tmp_path, engine):
    seeds = tmp_path / "dolly.jsonl"
    seeds.write_text(json.dumps({"query": "Name a river.", "answer": "Nile"}) + "\n")
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "run"), "--seeds", str(seeds)])
    assert result.exit_code == 1
    assert "['answer', 'query']" in result.output and "--columns.instruction" in result.output
    mapped = runner.invoke(app, ["generate", "--out", str(tmp_path / "run"), "--seeds", str(seeds),
                                 "--columns.instruction", "query", "--columns.output", "answer"])
    assert mapped.exit_code == 0, mapped.output


def test_dolly_and_messages_shaped_seeds_load(tmp_path, engine):
    dolly = tmp_path / "dolly.jsonl"
    dolly.write_text(json.dumps({"instruction": "Summarize the passage.", "context": "Rivers flow.",
                                 "response": "Rivers move.", "category": "summarization"}) + "\n")
    chat = tmp_path / "chat.jsonl"
    chat.write_text(json.dumps({"messages": [{"role": "user", "content": "Name a lake."},
                                             {"role": "assistant", "content": "Lake Baikal."}]}) + "\n")
    for seeds in (dolly, chat):
        result = runner.invoke(app, ["generate", "--out", str(tmp_path / seeds.stem), "--seeds", str(seeds)])
        assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "dolly/data/sft.jsonl").read_text().splitlines()]
    assert rows[0]["messages"][1]["content"] == "Summarize the passage.\n\nRivers flow."


def test_a_run_where_every_row_fails_exits_1_with_the_first_errors_and_how_to_retry(tmp_path, engine):
    def refused(request):
        raise RuntimeError("429 Too Many Requests [/rate limit]")

    engine.answers["role"] = refused
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--limit", "8", "--k", "4"])
    assert result.exit_code == 1, result.output
    errors = " ".join(result.stderr.split())
    assert "failed: system: " in errors and "429 Too Many Requests [/rate limit]" in errors  # printed literally
    assert "no SFT row was produced: 2 rows or stages failed" in errors and "--retry-failed" in errors
    assert json.loads((tmp_path / "generate_report.json").read_text())["first_errors"][0].startswith("system: ")

    engine.answers["role"] = {"role": "You are a friendly cooking coach for home cooks."}
    retried = runner.invoke(app, ["generate", "--out", str(tmp_path), "--limit", "8", "--k", "4", "--retry-failed"])
    assert retried.exit_code == 0, retried.output


def test_progress_lines_show_the_total_from_the_start_when_stderr_is_not_a_terminal(tmp_path, engine):
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--limit", "4", "--k", "4"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("generate: ")]
    assert lines[0].startswith("generate: 0/7 (0%)") and lines[-1].startswith("generate: 5/5 (100%) · pass ")


def test_the_out_set_in_the_config_file_is_the_one_reported(tmp_path, engine):
    config = tmp_path / "generate.yaml"
    config.write_text(f"out: {tmp_path / 'from-yaml'}\nlimit: 4\nk: 4\n")
    result = runner.invoke(app, ["generate", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'from-yaml' / 'data'}" in result.output and "runs/generate" not in result.output


def test_skipped_seed_rows_are_counted_on_the_console_and_escapes_in_them_are_shown_not_sent(tmp_path, engine):
    seeds = tmp_path / "seeds.jsonl"
    rows = [json.dumps({"id": f"s{n}", "instruction": f"How do I plan meal {n} for a busy week?"}) for n in range(4)]
    seeds.write_text("\n".join([*rows, "{not json \x1b[2J", json.dumps({"id": "s9", "instruction": 7})]) + "\n")
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "run"), "--seeds", str(seeds), "--k", "4"])
    assert result.exit_code == 0, result.output
    stderr = " ".join(result.stderr.split())
    assert "seeds: 2 rows skipped, the first: " in stderr and f"{seeds}:5" in stderr
    assert "\x1b" not in result.stderr and "generate_report.json" in stderr


def test_a_dry_run_shows_an_escape_in_a_seed_id_without_sending_it(tmp_path):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(json.dumps({"id": "s\x1b[31mred", "instruction": "How do I plan a week of meals?"}) + "\n")
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "run"), "--seeds", str(seeds), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "s\\x1b[31mred" in result.output


def test_an_out_inside_a_file_is_a_usage_error_not_a_traceback(tmp_path):
    (tmp_path / "a_file").write_text("x")
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "a_file/sub"), "--limit", "2"])
    assert result.exit_code == 2 and (result.exception is None or isinstance(result.exception, SystemExit))
    assert f"is inside {tmp_path / 'a_file'}, a file" in " ".join(result.stderr.split())


def test_replies_that_did_not_parse_are_counted_by_stage_and_the_run_goes_on(tmp_path, engine):
    engine.answers["in_scope"] = "these are not turns"
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--lm", "fake/model", "--limit", "4", "--k", "4"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "generate_report.json").read_text())
    (stage, counts), = [(stage, c) for stage, c in report["parse"].items() if c["parse_failures"]]
    assert counts["parse_failures"] >= 1 and report["sft_rows"] > 0
    assert f"replies that did not parse, by stage: {stage} {counts['parse_failures']} of" in " ".join(
        result.stderr.split())
