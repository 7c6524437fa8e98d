"""The `rnr-dspy` command line: each command builds its stage's config from `--config FILE` and flags made from
the config's fields, calls one library function, and renders the result. Commands live one per module, what
they share in `rnr_dspy.cli.common`; this module builds the app from them.

Exit codes: 0 done; 1 a runtime error (a seed file that does not load, an LM that does not answer, a run that
produced nothing); 2 a usage error (an unknown option or setting, a wrong value, from a flag or the config file;
nothing is written); 130 interrupted (Ctrl-C; the run resumes when the same command runs again).
"""

from __future__ import annotations

from importlib import metadata
from typing import Annotated

import typer

from rnr_dspy.cli import check, compile, evaluate, generate, run, train, view
from rnr_dspy.cli.common import Command, Group, out

__all__ = ["app"]

app = typer.Typer(cls=Group, no_args_is_help=True, help="Teach LLMs to follow roles and rules (RNR) with DSPy.")


def _version(value: bool) -> None:
    if value:
        out.print(f"rnr-dspy {metadata.version('rnr-dspy')}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True,
                                               callback=_version)] = False) -> None:
    """Teach LLMs to follow roles and rules (RNR) with DSPy."""


for _name, _command in (("check", check.check_command), ("compile", compile.compile_command),
                        ("eval", evaluate.eval_command), ("report", evaluate.report_command),
                        ("generate", generate.generate_command), ("run", run.run_command),
                        ("train", train.train_command), ("view", view.view_command)):
    app.command(_name, cls=Command)(_command)
