"""The docs stay true: the generated reference pages match the code, and every Python block of the README and the
docs pages runs offline as written, or, where the page marks it `<!-- no-run: why -->` (it needs a model or a
long run), its imports still resolve."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PAGES = sorted((ROOT / "docs" / "pages").rglob("*.md"))
BLOCK = re.compile(r"(<!-- no-run:[^>]*-->\s*\n)?```python\n(.*?)```", flags=re.DOTALL)


def _generator():
    spec = importlib.util.spec_from_file_location("gen_pages", ROOT / "docs" / "gen_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_pages_match_the_code():
    stale = [path.name for path, text in _generator().pages().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"stale generated pages {stale}: run python docs/gen_pages.py and commit them"


def _blocks():
    for path in [ROOT / "README.md", *PAGES]:
        for index, match in enumerate(BLOCK.finditer(path.read_text(encoding="utf-8"))):
            yield pytest.param(path, match.group(2), match.group(1) is None,
                               id=f"{path.relative_to(ROOT)}:{index}")


@pytest.mark.parametrize(("path", "code", "runs"), list(_blocks()))
def test_a_python_block_runs(path, code, runs):
    tree = ast.parse(code, filename=str(path))
    if not runs:
        tree.body = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    exec(compile(tree, str(path), "exec"), {"__name__": "__docs__"})


def test_the_readme_links_resolve():
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", (ROOT / "README.md").read_text(encoding="utf-8"))
    missing = [link for link in links if "://" not in link and not (ROOT / link).exists()]
    assert not missing


def test_every_page_is_in_the_navigation():
    nav = (ROOT / "docs" / "mkdocs.yml").read_text(encoding="utf-8")
    missing = [str(page.relative_to(ROOT / "docs" / "pages")) for page in PAGES
               if str(page.relative_to(ROOT / "docs" / "pages")) not in nav]
    assert not missing


def test_the_site_builds_strict(tmp_path):
    # A broken link, a stale API reference or a page left out of the navigation fails the build.
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(ROOT / "docs" / "mkdocs.yml"),
         "-d", str(tmp_path / "site")],
        capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=300,
    )
    assert build.returncode == 0, build.stderr[-3000:]
