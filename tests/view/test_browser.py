"""The page in a real browser (the system's headless Chromium): filters and search narrow the rows and the counts
follow; text that is markup is shown as text and never runs; the page requests nothing from any network.

Screenshots of each view are left in the test's tmp_path (`data.png`, `eval.png`, `report.png`)."""

import json
import re

import pytest
from headless_chromium import browser, missing_reason, opened
from view_runs import IMAGE, SCRIPT

from rnr_dspy.view import write_view
from rnr_dspy.view.data_rows import data_view

pytestmark = [pytest.mark.browser, pytest.mark.skipif(missing_reason() is not None, reason=missing_reason() or "")]


@pytest.fixture(scope="module")
def chromium():
    with browser() as context:
        yield context


def _count(page, view):
    return page.inner_text(f"#{view}-count")


def _cards(page, view):
    return page.locator(f"#{view}-list > article").count()


def _only_the_page_itself(requests, page_path):
    return [url for url in requests if url != page_path.resolve().as_uri() and not url.startswith("data:")]


def test_data_view_filters_and_searches_and_its_counts_follow(chromium, pipeline_run, tmp_path):
    rows = data_view(pipeline_run)["rows"]
    page_path = write_view(pipeline_run)
    with opened(page_path, chromium) as (page, requests):
        assert _count(page, "data").startswith(f"{len(rows)} of {len(rows)} rows")
        assert _cards(page, "data") == min(len(rows), 25)
        pairs = sum(r["kind"] == "dpo" for r in rows)
        assert 0 < pairs < len(rows)
        page.select_option("#data-filters select[name=kind]", "DPO pair")
        assert _count(page, "data").startswith(f"{pairs} of {len(rows)} rows")
        assert _cards(page, "data") == min(pairs, 25)
        label = page.locator("#data-filters select[name=kind] option[value='SFT row']").inner_text()
        assert label == "SFT row (0)"  # the options count the rows now shown
        checker = page.locator("#data-filters select[name=checker] option[value=starts_with]").inner_text()
        assert checker == f"starts_with ({pairs})"  # rows, not rules
        user = rows[0]["user"]
        expected = sum(r["kind"] == "dpo" and r["user"] == user for r in rows)
        assert 0 < expected < pairs
        page.fill("#data-filters input[name=search]", user.upper())  # search ignores case
        assert _count(page, "data").startswith(f"{expected} of {len(rows)} rows")
        assert page.locator("#data-list .side .rejected").count() == expected  # each pair side by side
        assert page.locator("#data-list ins").first.inner_text().strip() == "Sure"  # the repair's diff
        page.select_option("#data-filters select[name=broken]", "starts_with")  # the rejected answers' broken rule
        assert _count(page, "data").startswith(f"{expected} of {len(rows)} rows")
        page.select_option("#data-filters select[name=broken]", "")
        page.fill("#data-filters input[name=search]", "no row says this")
        assert _count(page, "data") == f"0 of {len(rows)} rows" and _cards(page, "data") == 0
        page.fill("#data-filters input[name=search]", "")
        page.select_option("#data-filters select[name=kind]", "")
        page.screenshot(path=tmp_path / "data.png", full_page=True)
        assert _only_the_page_itself(requests, page_path) == []
    assert (tmp_path / "data.png").stat().st_size > 10_000


def test_eval_view_filters_gained_and_lost_items_and_shows_the_report(chromium, eval_run, tmp_path):
    page_path = write_view(eval_run)
    data = json.loads(re.search(r'id="viewer-data">(.*?)</script>', page_path.read_text(), re.DOTALL).group(1))
    items = data["eval"]["items"]
    gained = sum(item["changes"][1] == 1 for item in items)
    lost = sum(item["changes"][1] == -1 for item in items)
    with opened(page_path, chromium) as (page, requests):
        page.click("#button-eval")
        assert _count(page, "eval").startswith(f"{len(items)} of {len(items)} items")
        assert page.locator("#eval-list > article").first.locator(".side > .turn").count() == 2  # A and B
        page.select_option("#eval-filters select[name=change]", "B lost")
        assert _count(page, "eval").startswith(f"{lost} of {len(items)} items")
        assert page.locator("#eval-list .badge.bad", has_text="lost (").count() == lost
        page.select_option("#eval-filters select[name=change]", "B gained")
        assert _count(page, "eval").startswith(f"{gained} of {len(items)} items")
        page.select_option("#eval-filters select[name=change]", "B lost")
        page.select_option("#eval-filters select[name=suite]", "splits")
        splits_lost = sum(item["changes"][1] == -1 and item["suite"] == "splits" for item in items)
        assert 0 < splits_lost < lost
        assert _count(page, "eval").startswith(f"{splits_lost} of {len(items)} items")
        page.select_option("#eval-filters select[name=change]", "")
        page.select_option("#eval-filters select[name=suite]", "")
        page.select_option("#eval-filters select[name=split]", "held-out")
        held_out = sum(item["split"] == "held_out" for item in items)
        assert _count(page, "eval").startswith(f"{held_out} of {len(items)} items")
        page.select_option("#eval-filters select[name=split]", "")
        page.screenshot(path=tmp_path / "eval.png", full_page=True)
        page.click("#button-report")
        assert page.locator("#report table").count() >= 2
        assert page.evaluate("document.getElementById('plot').naturalWidth") > 100  # the plot drew from its data URI
        page.screenshot(path=tmp_path / "report.png", full_page=True)
        assert _only_the_page_itself(requests, page_path) == []


def test_markup_in_rows_is_shown_as_text_and_nothing_runs(chromium, hand_run, eval_run, tmp_path):
    from rnr_dspy.evals.log import read_log, write_log

    log = read_log(eval_run / "log.json")
    log.runs[1].suites[0].samples[0].generation.text = IMAGE + SCRIPT
    write_log(log, eval_run / "log.json")
    (hand_run / "eval").mkdir()
    for name in ("log.json", "plot.png"):
        (hand_run / "eval" / name).write_bytes((eval_run / name).read_bytes())
    page_path = write_view(hand_run)
    with opened(page_path, chromium) as (page, requests):
        made = page.eval_on_selector_all("#data-filters select[name=method] option", "os => os.map(o => o.value)")
        assert made == ["", "as written", "failed", "hindsight", "refusal", "repaired"]
        page.fill("#data-filters input[name=search]", "pwned")
        assert _count(page, "data").startswith("2 of")
        shown = page.inner_text("#data-list")
        assert SCRIPT in shown and IMAGE in shown
        page.click("#button-eval")
        page.fill("#eval-filters input[name=search]", "pwned")
        assert _count(page, "eval").startswith("1 of")
        assert IMAGE + SCRIPT in page.inner_text("#eval-list")
        page.screenshot(path=tmp_path / "injection.png", full_page=True)
        assert page.evaluate("window.pwned") is None
        assert page.title().startswith("rnr-dspy view")
        assert page.locator("main img").count() == 1 and page.locator("main b").count() == 0  # the plot alone
        assert page.locator("script").count() == 2
        assert _only_the_page_itself(requests, page_path) == []
