"""`parallel_map`: once the caller stops waiting (an item's error, Ctrl-C), items already running stop at their next
LM call; under the project's adapter that takes no DSPy callback (one would slow every call of a run)."""

import threading
import time

import dspy
import pytest
from fake_engine import FakeEngine, fake_lm

from rnr_dspy.program.adapter import StructuredAdapter
from rnr_dspy.runtime.parallel import Stopped, parallel_map


class _Engine(FakeEngine):
    """Answers anything, and keeps the question and the DSPy callbacks active at each request."""

    def __init__(self) -> None:
        super().__init__({"answer": {"answer": "fine"}, None: "fine"})
        self.seen: list[tuple[str, list]] = []

    def complete(self, request):
        question = next(line for line in request.messages[-1].parts[0].text.splitlines() if line.startswith("q"))
        self.seen.append((question, list(dspy.settings.get("callbacks") or [])))
        return super().complete(request)


def _interrupted_run(adapter):
    engine, predict = _Engine(), dspy.Predict("question -> answer")
    first_call_done, caller_stopped, outcome = threading.Event(), threading.Event(), []

    def ask(question):
        try:
            predict(question=question)
        except Stopped:
            raise
        except Exception:
            pass  # a reply that does not parse still reached the LM

    def work(item):
        if item == 0:  # fails once the other item is running
            first_call_done.wait(5)
            raise RuntimeError("item 0 failed")
        ask("q1")
        first_call_done.set()
        caller_stopped.wait(5)
        _ask_again(lambda: ask("q2"), outcome)

    _stop_while_running(engine, adapter, work, caller_stopped, outcome)
    return engine, outcome


def _ask_again(ask, outcome):
    """Ask once the caller stopped, noting whether the item was stopped or answered."""
    try:
        ask()
    except Stopped:
        outcome.append("stopped")
        raise
    outcome.append("answered")


def _stop_while_running(engine, adapter, work, caller_stopped, outcome):
    """Run `work` over items 0 and 1 (item 0 fails), then let the running item go on and wait for its outcome."""
    with dspy.context(lm=fake_lm(engine), adapter=adapter):
        with pytest.raises(RuntimeError, match="item 0 failed"):
            list(parallel_map(work, [0, 1], num_threads=2))
        caller_stopped.set()
        deadline = time.monotonic() + 5
        while not outcome and time.monotonic() < deadline:
            time.sleep(0.01)


@pytest.mark.parametrize("adapter", [StructuredAdapter(), dspy.ChatAdapter()], ids=["project", "dspy"])
def test_a_running_item_stops_at_its_next_lm_call(adapter):
    engine, outcome = _interrupted_run(adapter)
    assert outcome == ["stopped"]
    assert {question for question, _ in engine.seen} == {"q1"}  # DSPy's adapter may ask twice (its JSON fallback)


def test_the_projects_adapter_stops_items_without_a_dspy_callback():
    engine, _ = _interrupted_run(StructuredAdapter())
    assert engine.seen == [("q1", [])]
    engine, _ = _interrupted_run(dspy.ChatAdapter())  # another adapter: a DSPy callback stops the item
    assert len(engine.seen[0][1]) == 1


def test_an_item_of_a_map_inside_an_item_stops_when_the_outer_map_stops():
    engine, predict = _Engine(), dspy.Predict("question -> answer")
    inner_asked, caller_stopped, outcome = threading.Event(), threading.Event(), []

    def inner(question):
        predict(question=question)
        inner_asked.set()
        caller_stopped.wait(5)
        _ask_again(lambda: predict(question="q2"), outcome)

    def outer(item):
        if item == 0:
            inner_asked.wait(5)
            raise RuntimeError("item 0 failed")
        return list(parallel_map(inner, ["q1"], num_threads=1))

    _stop_while_running(engine, StructuredAdapter(), outer, caller_stopped, outcome)
    assert outcome == ["stopped"]
    assert [question for question, _ in engine.seen] == ["q1"]


def test_a_map_inside_an_item_adds_no_second_stop_callback():
    engine = _Engine()
    predict = dspy.Predict("question -> answer")

    def inner(question):
        try:
            predict(question=question)
        except Exception:
            pass  # a reply that does not parse still reached the LM

    with dspy.context(lm=fake_lm(engine), adapter=dspy.ChatAdapter()):
        list(parallel_map(lambda _: list(parallel_map(inner, ["q1"])), [0]))
    assert {len(callbacks) for _, callbacks in engine.seen} == {1}


def test_maps_of_a_thread_per_item_reuse_the_threads_of_earlier_maps(monkeypatch):
    started = []
    real_start = threading.Thread.start

    def counted(thread):
        started.append(thread.name)
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    for group in range(20):  # a run maps each group's answers: no new threads once enough are idle
        assert list(parallel_map(lambda item: item * 2, [group, group + 1, group + 2], num_threads=3)) == \
            [2 * group, 2 * group + 2, 2 * group + 4]
    assert len(started) <= 3


def test_a_map_with_fewer_threads_than_items_runs_at_most_that_many_at_once():
    running, most, lock = [0], [0], threading.Lock()

    def work(item):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        threading.Event().wait(0.01)
        with lock:
            running[0] -= 1
        return item

    assert list(parallel_map(work, range(12), num_threads=3)) == list(range(12))
    assert most[0] <= 3


def test_a_forked_child_maps_on_threads_of_its_own():
    import multiprocessing

    list(parallel_map(lambda item: item, range(8), num_threads=8))
    time.sleep(0.2)  # the parent's threads idle: a child that took its pool would queue items for threads it lacks
    child = multiprocessing.get_context("fork").Process(target=_map_in_child)
    child.start()
    child.join(20)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0


def _map_in_child():
    assert list(parallel_map(lambda item: item + 1, [1, 2], num_threads=2)) == [2, 3]
