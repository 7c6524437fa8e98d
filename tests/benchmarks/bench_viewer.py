"""Load and filter time of the `rnr-dspy view` page in headless Chromium, and its size, for 1k, 10k and 100k rows.

    python tests/benchmarks/bench_viewer.py [--rows 1000 10000 100000] [--keep DIR]

Rows are synthetic, shaped like a generate run's: a system prompt with three rules shared by every eight rows, a
user turn, an answer of about 60 words, three verdicts with reasons; one row in four repaired (with its diff), one
in eight a DPO pair. Load: from navigation to the first page of rows drawn. Filter and search: from setting the
control to the new page laid out (`document.body.offsetHeight` read). The first search also builds the page's
search index.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "helpers"))

from headless_chromium import browser, missing_reason

from rnr_dspy.view.data_rows import word_diff
from rnr_dspy.view.page import render_page

WORDS = ("the quick brown fox jumps over lazy dog garden recipe travel budget sure rest steak risotto brine "
         "kyoto plan pack balcony juicy patience crisp white wine five minutes").split()
KINDS = [("length", "max_words"), ("format", "starts_with"), ("style", "no_commas"), ("tone", "judge"),
         ("format", "bullet_list"), ("content", "include_keywords")]
TURNS = ("in_scope", "adversarial", "out_of_scope")


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def synthetic_payload(rows: int, seed: int = 0) -> dict[str, Any]:
    rng = random.Random(seed)
    systems = []
    for _ in range(max(1, rows // 8)):
        rules = [{"id": f"r{i}", "kind": kind, "text": _text(rng, 8), "checker": checker}
                 for i, (kind, checker) in enumerate(rng.sample(KINDS, 3), start=1)]
        systems.append({"text": "You are a helpful assistant. " + _text(rng, 40), "rules": rules})
    out = []
    for index in range(rows):
        system = index // 8
        answer = _text(rng, 60)
        method = "repaired" if index % 4 == 1 else "sampled"
        verdicts = [[rule["id"], rng.random() > 0.1, _text(rng, 6), "check"] for rule in systems[system]["rules"]]
        row = {"kind": "dpo" if index % 8 == 7 else "sft", "id": f"{index:08x}", "status": "passed", "error": None,
               "method": method, "turn_type": TURNS[index % 3], "seed_ids": [f"seed-{index % 500}"],
               "lm": "teacher", "judge_lm": "none", "system": system, "user": _text(rng, 20), "answer": answer,
               "verdicts": verdicts, "problems": [],
               "diff": word_diff(answer[5:], answer) if method == "repaired" else None}
        if row["kind"] == "dpo":
            row["rejected"] = {"answer": _text(rng, 60), "verdicts": verdicts, "problems": []}
        out.append(row)
    return {"title": f"bench-{rows}", "data": {"systems": systems, "rows": out}, "eval": None}


_TIMED_CHANGE = """([selector, value, event]) => {
    const control = document.querySelector(selector);
    const start = performance.now();
    control.value = value;
    control.dispatchEvent(new Event(event));
    document.body.offsetHeight;
    return [performance.now() - start, document.getElementById('data-count').textContent];
}"""


def measure(context: Any, path: Path) -> dict[str, float]:
    page = context.new_page()
    start = time.perf_counter()
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=600_000)
    load = (time.perf_counter() - start) * 1000
    timings = {"load_ms": load}
    for name, selector, value, event in [
            ("filter_ms", "#data-filters select[name=method]", "repaired", "change"),
            ("second_filter_ms", "#data-filters select[name=turn_type]", "adversarial", "change"),
            ("first_search_ms", "#data-filters input[name=search]", "steak", "input"),
            ("search_ms", "#data-filters input[name=search]", "risotto", "input")]:
        timings[name], _ = page.evaluate(_TIMED_CHANGE, [selector, value, event])
    page.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--keep", type=Path, help="Keep the pages in this directory.")
    args = parser.parse_args()
    if (reason := missing_reason()) is not None:
        sys.exit(reason)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-viewer-"))
    folder.mkdir(parents=True, exist_ok=True)
    print("rows | file MB | bytes per 1k rows | load ms | filter ms | 2nd filter ms | 1st search ms | search ms")
    with browser() as context:
        for rows in args.rows:
            path = folder / f"view-{rows}.html"
            path.write_text(render_page(synthetic_payload(rows)), encoding="utf-8")
            size = path.stat().st_size
            t = measure(context, path)
            print(f"{rows} | {size / 1e6:.1f} | {size * 1000 // rows:,} | {t['load_ms']:.0f} | {t['filter_ms']:.0f} | "
                  f"{t['second_filter_ms']:.0f} | {t['first_search_ms']:.0f} | {t['search_ms']:.0f}", flush=True)


if __name__ == "__main__":
    main()
