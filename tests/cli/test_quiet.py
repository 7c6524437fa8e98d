"""While progress is shown, DSPy's tqdm bars are off and its warnings come once each as notes on the console."""

import io
import logging
import warnings

import tqdm
from rich.console import Console

from rnr_dspy.cli.display import ProgressDisplay
from rnr_dspy.runtime.progress import ProgressEvent


def test_library_bars_and_warnings_do_not_interleave_with_the_progress_lines(capsys):
    stream = io.StringIO()
    with ProgressDisplay(Console(file=stream, width=200, markup=False), interval=0) as display:
        display(ProgressEvent(phase="generate", done=0, total=2))
        assert list(tqdm.tqdm(range(3))) == [0, 1, 2]
        for _ in range(3):
            logging.getLogger("dspy.clients.lm").warning("LM response was truncated; increase max_tokens.")
        warnings.warn("rollout_id has no effect when temperature=0", UserWarning, stacklevel=1)
        display(ProgressEvent(phase="generate", done=2, total=2))
    lines = stream.getvalue().splitlines()
    assert lines[1:3] == ["note: LM response was truncated; increase max_tokens.",
                          "note: rollout_id has no effect when temperature=0"]
    assert lines[-1] == "note: 3 times: LM response was truncated; increase max_tokens."
    assert capsys.readouterr().err == ""


def test_the_libraries_output_is_restored_afterwards(capsys):
    with ProgressDisplay(Console(file=io.StringIO()), interval=0):
        pass
    list(tqdm.tqdm(range(2)))
    assert "2/2" in capsys.readouterr().err
