"""The page: one file holding its data as JSON no text can break out of, found for a generate, an eval or a recipe
run directory, written by `rnr-dspy view`."""

import json
import re
import shutil

import pytest
from typer.testing import CliRunner
from view_runs import IMAGE, SCRIPT

from rnr_dspy.cli import app
from rnr_dspy.view import ViewError, find_sources, write_view
from rnr_dspy.view.page import embed_json, render_page


def _embedded(html):
    match = re.search(r'<script type="application/json" id="viewer-data">(.*?)</script>', html, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_embedded_json_holds_no_character_that_could_open_or_close_a_tag():
    value = {"text": SCRIPT + IMAGE + " & <!-- \u2028"}
    text = embed_json(value)
    assert not set("<>&") & set(text) and "\u2028" not in text
    assert json.loads(text) == value


def test_the_page_embeds_every_row_and_only_one_script_element_holds_data(hand_run):
    html = write_view(hand_run).read_text(encoding="utf-8")
    data = json.loads(_embedded(html))
    assert data["eval"] is None
    users = {row["user"] for row in data["data"]["rows"]}
    assert SCRIPT in users  # the markup arrived whole, as text
    assert html.count("</script>") == 2  # the data element's and the viewer's: no text closed one early
    assert "<img src=x" not in html


def test_the_page_fetches_nothing_it_does_not_hold(eval_run):
    html = write_view(eval_run).read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert 'src="data:image/png;base64,' in html  # the plot travels inside the page
    assert "default-src 'none'; script-src 'sha256-" in html  # only the page's own script runs


def test_the_viewer_scripts_never_parse_text_as_html():
    from importlib import resources

    folder = resources.files("rnr_dspy.view")
    scripts = [path.read_text(encoding="utf-8") for path in folder.iterdir() if path.name.endswith(".js")]
    assert len(scripts) == 4
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert not any(forbidden in script for script in scripts), forbidden


def test_the_report_is_rendered_with_raw_html_left_as_text(eval_run):
    html = render_page({"title": "t", "data": None, "eval": None}, report_markdown=f"# Report\n\n{IMAGE}\n\n"
                       "| a | b |\n|---|---|\n| 1 | 2 |\n\n[x](javascript:alert(1))\n")
    assert "<h1>Report</h1>" in html and "<table>" in html
    assert "&lt;img src=x" in html and "<img src=x" not in html
    assert 'href="javascript:' not in html


def test_sources_of_a_recipe_run_are_its_stage_directories(tmp_path, hand_run, eval_run):
    recipe = tmp_path / "recipe"
    shutil.copytree(hand_run, recipe / "generate")
    shutil.copytree(eval_run, recipe / "eval")
    sources = find_sources(recipe)
    assert (sources.generate, sources.eval) == (recipe / "generate", recipe / "eval")
    data = json.loads(_embedded(write_view(recipe).read_text(encoding="utf-8")))
    assert data["data"]["rows"] and data["eval"]["items"]


def test_a_directory_without_a_run_is_refused(tmp_path):
    with pytest.raises(ViewError, match="holds no run to view"):
        find_sources(tmp_path)


def test_the_command_prints_the_page_it_wrote(tmp_path, hand_run):
    target = tmp_path / "page.html"
    result = CliRunner().invoke(app, ["view", str(hand_run), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(target) and target.is_file()


def test_the_command_opens_the_page_in_a_browser_when_asked(hand_run, monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    result = CliRunner().invoke(app, ["view", str(hand_run), "--open"])
    assert result.exit_code == 0, result.output
    assert opened == [(hand_run / "view.html").resolve().as_uri()]


def test_the_command_names_a_record_it_cannot_read(hand_run):
    with (hand_run / "generated.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"stage": "prompt", "key": "odd", "status": "ok", "turn_type": "sideways"}) + "\n")
    result = CliRunner().invoke(app, ["view", str(hand_run)])
    assert result.exit_code == 1
    assert "record odd cannot be read" in result.output


def test_the_command_fails_on_a_directory_without_a_run(tmp_path):
    result = CliRunner().invoke(app, ["view", str(tmp_path)])
    assert result.exit_code == 1
    assert "holds no run to view" in result.output
