"""The viewer page: one self-contained HTML file (its script, styles, data and plot inside it) that opens from disk
with no server and fetches nothing.

Everything a model or a user wrote travels as JSON inside a `<script type="application/json">` element, with `<`,
`>` and `&` written as `\\u003c`, `\\u003e`, `\\u0026`, so no text can close the element or open a tag; the page's
script puts it on screen with `textContent` only.

Example:
    >>> write_view(Path("runs/demo"))  # doctest: +SKIP
    PosixPath('runs/demo/view.html')
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from rnr_dspy.errors import RnrError
from rnr_dspy.generate.run_dir import RECORD_FILE
from rnr_dspy.runtime.atomic import write_text

__all__ = ["VIEW_FILE", "RunSources", "ViewError", "embed_json", "find_sources", "render_page", "write_view"]

VIEW_FILE = "view.html"
LOG_FILE = "log.json"
# In this order: the list and its helpers, the two tabs, then what starts the page.
_SCRIPTS = ("list.js", "data_tab.js", "eval_tab.js", "start.js")
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


class ViewError(RnrError):
    """The directory holds neither a generate run nor an eval run."""


@dataclass(frozen=True)
class RunSources:
    generate: Path | None
    eval: Path | None


def find_sources(run_dir: Path) -> RunSources:
    """The generate run (a `generated.jsonl`) and the eval run (a `log.json`) in `run_dir` itself or, for a recipe
    run, in its stage directories."""
    if not run_dir.is_dir():
        raise ViewError(f"{run_dir}: not a directory")
    places = [run_dir, *sorted(path for path in run_dir.iterdir() if path.is_dir())]
    generate = next((place for place in places if (place / RECORD_FILE).is_file()), None)
    evaluated = next((place for place in places if (place / LOG_FILE).is_file()), None)
    if generate is None and evaluated is None:
        raise ViewError(f"{run_dir} holds no run to view: neither {RECORD_FILE} (rnr-dspy generate) nor {LOG_FILE} "
                        "(rnr-dspy eval), in it or in a directory inside it (rnr-dspy run)")
    return RunSources(generate=generate, eval=evaluated)


def write_view(run_dir: Path, out: Path | None = None) -> Path:
    """Write the viewer of the run in `run_dir` to `out` (default `run_dir/view.html`) and return its path."""
    from rnr_dspy.evals.log import read_log
    from rnr_dspy.evals.report import render_report
    from rnr_dspy.view.data_rows import data_view
    from rnr_dspy.view.eval_items import eval_view

    sources = find_sources(run_dir)
    payload: dict[str, Any] = {"title": run_dir.resolve().name, "data": None, "eval": None}
    report, plot = None, None
    if sources.generate is not None:
        payload["data"] = data_view(sources.generate)
    if sources.eval is not None:
        log = read_log(sources.eval / LOG_FILE)
        payload["eval"] = eval_view(log)
        report = render_report(log)
        plot_file = sources.eval / "plot.png"
        plot = plot_file.read_bytes() if plot_file.is_file() else None
    target = out or run_dir / VIEW_FILE
    return write_text(target, render_page(payload, report_markdown=report, plot_png=plot))


def render_page(payload: dict[str, Any], *, report_markdown: str | None = None, plot_png: bytes | None = None) -> str:
    """The page's HTML: `payload` (`title`, `data`, `eval`) embedded as JSON, the report rendered from markdown with
    raw HTML switched off, the plot as a data URI."""
    import jinja2
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    folder = resources.files("rnr_dspy.view")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string((folder / "page.html.j2").read_text(encoding="utf-8"))
    # The "js-default" preset leaves raw HTML out (escaped) and refuses javascript: links.
    report = MarkdownIt("js-default").render(report_markdown) if report_markdown is not None else None
    plot = f"data:image/png;base64,{base64.b64encode(plot_png).decode()}" if plot_png is not None else None
    script = _script(folder)
    # The page runs its own script and nothing else: no inline handler, whatever text slipped into the markup.
    script_hash = "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return template.render(
        title=payload.get("title") or "run", data_json=Markup(embed_json(payload)),
        script=Markup(script), script_hash=script_hash,
        style=Markup((folder / "viewer.css").read_text(encoding="utf-8")),
        report=Markup(report) if report is not None else None, plot=plot,
    )


def _script(folder: Any) -> str:
    """The viewer's script files as one function, so that their names stay out of the page's global scope."""
    parts = [(folder / name).read_text(encoding="utf-8") for name in _SCRIPTS]
    return '(function () {\n"use strict";\n' + "\n".join(parts) + "})();"


def embed_json(value: Any) -> str:
    """`value` as JSON that is safe inside a `<script>` element: no `<`, `>` or `&` left in it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_ESCAPES)
