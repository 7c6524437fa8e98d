"""`rnr-dspy view`: one HTML file to browse a run's rows, or its eval items side by side, offline.

    rnr-dspy view runs/demo --open
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rnr_dspy.cli.common import guarded, out, say


def view_command(
    run_dir: Annotated[Path, typer.Argument(help="A generate run, an eval run, or a recipe run (rnr-dspy run) "
                                            "holding both.", exists=True, file_okay=False)],
    out_file: Annotated[Path | None, typer.Option("--out", help="Where to write the page (default: "
                                                  "RUN_DIR/view.html).", dir_okay=False)] = None,
    open_page: Annotated[bool, typer.Option("--open", help="Open the page in a web browser.")] = False,
) -> None:
    """Write a self-contained HTML viewer of a run: every row with its rules and verdicts, every eval item side by
    side; it opens from disk and fetches nothing."""
    from rnr_dspy.view import write_view

    page = guarded(lambda: write_view(run_dir, out_file))
    say(out, "", str(page))
    if open_page:
        import webbrowser

        webbrowser.open(page.resolve().as_uri())
