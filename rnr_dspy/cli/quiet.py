"""While a command draws its own progress, the libraries under it draw none: DSPy's tqdm bars are turned off, and
its log warnings and Python warnings are printed on the command's console as notes, each distinct one once (with
how often it came at the end), so they neither break the progress lines nor repeat hundreds of times.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections import Counter
from collections.abc import Iterator

from rich.console import Console
from rich.text import Text

__all__ = ["library_output_as_notes"]

# The loggers whose warnings become notes: DSPy's, and Python's warnings once captured into logging.
_LOGGERS = ("dspy", "py.warnings")


class _NoteOnce(logging.Handler):
    def __init__(self, console: Console) -> None:
        super().__init__(logging.WARNING)
        self.console = console
        self.seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        text = _message(record)
        with self._lock:
            self.seen[text] += 1
            first = self.seen[text] == 1
        if first:
            self.console.print(Text.assemble(("note:", "yellow"), " ", text), soft_wrap=True)

    def repeats(self) -> None:
        for text, count in self.seen.items():
            if count > 1:
                self.console.print(Text.assemble(("note:", "yellow"), f" {count} times: ", text), soft_wrap=True)


@contextlib.contextmanager
def library_output_as_notes(console: Console) -> Iterator[None]:
    """Inside: no tqdm bar is drawn, and the libraries' warnings go to `console` as notes, each once."""
    import tqdm
    from dspy.utils.logging_utils import DSPY_LOGGING_STREAM

    handler = _NoteOnce(console)
    original_init, dspy_stream = tqdm.tqdm.__init__, DSPY_LOGGING_STREAM.enabled
    tqdm.tqdm.__init__ = functools.partialmethod(original_init, disable=True)  # type: ignore[method-assign]
    DSPY_LOGGING_STREAM.enabled = False
    logging.captureWarnings(True)
    for name in _LOGGERS:
        logging.getLogger(name).addHandler(handler)
    try:
        yield
    finally:
        for name in _LOGGERS:
            logging.getLogger(name).removeHandler(handler)
        logging.captureWarnings(False)
        DSPY_LOGGING_STREAM.enabled = dspy_stream
        tqdm.tqdm.__init__ = original_init  # type: ignore[method-assign]
        handler.repeats()


def _message(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.name == "py.warnings":  # "path:line: UserWarning: text\n  source line" -> "text"
        text = text.split("Warning: ", 1)[-1].split("\n", 1)[0]
    return text.strip()
