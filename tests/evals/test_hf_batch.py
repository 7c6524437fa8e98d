"""A batch of the transformers back end reports its answers as they finish and keeps a heartbeat, so a long batch
never leaves the progress lines silent."""

import torch

from rnr_dspy.evals import hf_batch
from rnr_dspy.evals.hf_batch import _Finished

EOS = 2


def test_answers_are_reported_as_they_finish_and_a_heartbeat_in_between(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(hf_batch.time, "monotonic", lambda: clock[0])
    seen = []
    finished = _Finished(seen.append, before=8, eos_token_id=EOS).after(prompt_length=2)
    stop = finished(torch.tensor([[7, 7, 5], [7, 7, 6]]), None)
    assert seen == [] and not stop.any()  # nothing finished, no time passed: silent, and it never stops a batch
    finished(torch.tensor([[7, 7, 5, EOS], [7, 7, 6, 4]]), None)
    assert seen == [9]
    clock[0] += finished.HEARTBEAT
    finished(torch.tensor([[7, 7, 5, EOS, EOS], [7, 7, 6, 4, 4]]), None)
    assert seen == [9, 9]
