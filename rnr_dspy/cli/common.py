"""What the `rnr-dspy` commands share: the consoles, the command class, messages and exit codes, and running a
stage with its progress on stderr. Each command module imports it; `rnr_dspy.cli` builds the app from the commands.

Everything the user or an LM wrote (seed ids, column names, errors, prompts) is printed literally: the consoles
interpret no Rich markup, and styles are applied to `Text` objects only.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperCommand, TyperGroup

from rnr_dspy.cli.display import ProgressDisplay, describe_stats
from rnr_dspy.errors import ConfigError, RnrError
from rnr_dspy.stages import STAGES, Stage

__all__ = ["Command", "Group", "err", "fail", "guarded", "out", "run_stage", "say", "usage_error"]

err = Console(stderr=True, markup=False, highlight=False)
out = Console(markup=False, highlight=False)


class _SwitchesTakeNoValue:
    """A switch (`--help`, `--dry-run`) is listed without a `<bool>` beside it."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params


class Command(_SwitchesTakeNoValue, TyperCommand):
    pass


class Group(_SwitchesTakeNoValue, TyperGroup):
    pass


def say(console: Console, label: str, text: str, style: str = "bold") -> None:
    """`label` styled, then `text` exactly as it is."""
    console.print(Text.assemble((label, style), " " if label else "", text), soft_wrap=True)


def usage_error(message: str) -> NoReturn:
    say(err, "error:", message, "red")
    raise typer.Exit(code=2)


def fail(message: str, label: str = "error:") -> NoReturn:
    say(err, label, message, "red")
    raise typer.Exit(code=1)


def guarded(call: Callable[[], Any], resume: str = "") -> Any:
    """`call()`, with the library's errors mapped to messages and exit codes; Ctrl-C exits 130 at once."""
    try:
        return call()
    except KeyboardInterrupt:
        _interrupted(resume)
    except ConfigError as error:
        usage_error(str(error))
    except RnrError as error:
        fail(str(error))
    except Exception as error:
        from dspy.utils.exceptions import LMError

        if isinstance(error, LMError):
            fail(str(error), "LM error:")
        raise


def run_stage(stage: Stage, config: Any, describe: Callable[[dict[str, Any]], str] = describe_stats,
              resume: str = "") -> Any:
    """`run_<stage>(config, progress)` with its progress on stderr (bars on a terminal, lines otherwise)."""

    def call() -> Any:
        with ProgressDisplay(err, describe) as display:
            return STAGES[stage].run(config, progress=display)

    return guarded(call, resume)


def _interrupted(resume: str) -> NoReturn:
    say(err, "interrupted", resume or "(exit code 130)", "yellow")
    sys.stdout.flush()
    sys.stderr.flush()
    workers = [thread for thread in threading.enumerate() if thread is not threading.main_thread()
               and thread.is_alive() and not thread.daemon]
    if not workers:
        raise typer.Exit(code=130)
    # A worker thread may be inside an LM call, and the interpreter would wait for it at exit: that wait made
    # Ctrl-C take 45 s and more. What the workers finished is on disk already, so the process ends here.
    os._exit(130)
