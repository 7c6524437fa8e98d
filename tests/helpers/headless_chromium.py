"""The system's Chromium (Debian's `chromium` package), headless, driven by Playwright: pages opened from disk,
every request they make recorded. Playwright never downloads a browser here; it launches the one installed."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
MISSING = f"{CHROMIUM} is absent: install Debian's chromium package (apt-get install -y chromium) to run browser tests"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing_reason() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if not CHROMIUM.is_file():
        return MISSING
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[dev]'"
    return None


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium with a fresh profile directory, closed (and its profile removed) on exit."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=FLAGS,
                viewport={"width": 1280, "height": 900})
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@contextmanager
def opened(path: Path, context: Any = None) -> Iterator[tuple[Any, list[str]]]:
    """`path` opened in a new page once the viewer has drawn it, and the URL of every request the page made."""
    if context is None:
        with browser() as fresh, opened(path, fresh) as result:
            yield result
        return
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(path.resolve().as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=120_000)
        yield page, requests
    finally:
        page.close()
