"""Progress shown as plain lines when stderr is not a terminal, as bars with an ETA when it is."""

import io

from rich.console import Console

from rnr_dspy.cli.display import ProgressDisplay, describe_stats
from rnr_dspy.runtime.progress import ProgressEvent


def _show(events, interval, terminal=False):
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=terminal, width=200, markup=False)
    with ProgressDisplay(console, interval=interval) as display:
        for event in events:
            display(event)
    return stream.getvalue()


def test_lines_at_start_and_end_of_each_phase_and_none_in_between_within_the_interval():
    events = [ProgressEvent(phase="generate", done=done, total=4, stats={"tokens": 10 * done}) for done in range(5)]
    lines = _show([*events, events[-1]], interval=3600).splitlines()
    assert [line.split(" · ")[0] for line in lines] == ["generate: 0/4 (0%)", "generate: 4/4 (100%)"]
    assert lines[1].startswith("generate: 4/4 (100%) · tokens 40 · 0:00:00 elapsed")


def test_lines_between_carry_an_eta_and_an_unknown_total_shows_the_count():
    lines = _show([ProgressEvent(phase="before", done=0, total=2), ProgressEvent(phase="before", done=1, total=2),
                   ProgressEvent(phase="optimize", done=3, total=None)], interval=0).splitlines()
    assert lines[1].startswith("before: 1/2 (50%) · 0:00:00 elapsed, ETA 0:00:0")
    assert lines[2].startswith("optimize: 3 · ")


def test_a_terminal_gets_bars_not_lines():
    shown = _show([ProgressEvent(phase="generate", done=1, total=4)], interval=0, terminal=True)
    assert "ETA" in shown and "generate: 1/4" not in shown


def test_stats_are_shown_as_they_are():
    assert describe_stats({"loss": 1.23456, "label": "[/b]"}) == "loss 1.235 · label [/b]"
