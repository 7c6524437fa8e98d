"""The batch scheduler's life cycle without a model: a load that fails fails its requests and is retried, and
closing fails what is queued and leaves no thread."""

import threading

import pytest

from rnr_dspy.errors import LMError
from rnr_dspy.models.completion import CompletionJob
from rnr_dspy.models.scheduler import BatchScheduler


def job():
    return CompletionJob(messages=[{"role": "user", "content": "Hi"}])


def test_a_load_that_fails_fails_the_queued_requests_and_is_tried_again():
    calls = []

    def load():
        calls.append(1)
        raise OSError("no such model")

    scheduler = BatchScheduler(load)
    for attempt in (1, 2):
        with pytest.raises(OSError, match="no such model"):
            scheduler.submit(job()).result(timeout=10)
        assert len(calls) == attempt  # the failure is not cached
    scheduler.close()
    assert not scheduler.running


def test_close_fails_queued_requests_and_a_cancelled_one_stays_cancelled():
    release = threading.Event()

    def load():
        release.wait(10)
        raise OSError("never loads")

    before = set(threading.enumerate())
    scheduler = BatchScheduler(load)
    futures = [scheduler.submit(job()) for _ in range(3)]
    assert futures[0].cancel()
    closing = threading.Thread(target=scheduler.close)
    closing.start()
    release.set()
    closing.join(10)
    assert futures[0].cancelled()
    for future in futures[1:]:
        with pytest.raises(LMError, match="closed"):
            future.result(timeout=10)
    assert set(threading.enumerate()) <= before
