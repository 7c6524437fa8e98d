"""The one progress protocol of the stages: `run_<stage>(config, progress=None)` calls `progress(event)`.

A stage reports each phase it goes through (`before`, `optimize`, `after` in compile; `generate`; `sft`, `dpo` in
train; `<model> <suite>` in eval). A total known from the start is reported from the start (an event with
`done=0`); `total=None` means it is not known (an optimizer's number of metric calls). `stats` carries what the
phase counts besides (pass rate, tokens, the latest loss). The library never prints: the caller decides how to
show events (bars on a terminal, plain lines in a log file).

Example:
    >>> events = []
    >>> progress = events.append
    >>> progress(ProgressEvent(phase="generate", done=0, total=14))
    >>> events[0].fraction
    0.0
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Progress", "ProgressEvent"]


class ProgressEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    phase: str
    done: int = Field(ge=0)
    total: int | None = Field(None, ge=0, description="None: not known (yet).")
    stats: dict[str, float | int | str] = Field(default_factory=dict)

    @property
    def fraction(self) -> float | None:
        """Share of the phase done, when its total is known."""
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


Progress = Callable[[ProgressEvent], None]
