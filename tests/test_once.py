"""`built_once`: a key missing on many threads at once is built once; hits take no lock; the oldest key goes first."""

import threading

from rnr_dspy.runtime.once import built_once


def test_a_key_asked_for_on_many_threads_at_once_is_built_once():
    builds, started = [], threading.Barrier(32)

    @built_once(maxsize=4)
    def schema(name):
        builds.append(name)
        threading.Event().wait(0.05)  # a slow build: every other thread misses meanwhile
        return {"title": name}

    def ask():
        started.wait()
        results.append(schema("Rule"))

    results = []
    threads = [threading.Thread(target=ask) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == ["Rule"]
    assert len(results) == 32 and all(result is results[0] for result in results)


def test_the_oldest_key_is_dropped_beyond_maxsize():
    builds = []

    @built_once(maxsize=2)
    def square(number):
        builds.append(number)
        return number * number

    assert [square(2), square(3), square(2), square(4), square(3), square(2)] == [4, 9, 4, 16, 9, 4]
    assert builds == [2, 3, 4, 2]  # 4 pushed 2 out; 3 was still held


def test_a_per_process_value_is_made_once_and_again_in_a_forked_child():
    import multiprocessing
    import os

    from rnr_dspy.runtime.once import per_process

    @per_process
    def owner():
        return os.getpid()

    assert owner() == owner() == os.getpid()
    child = multiprocessing.get_context("fork").Process(target=_exit_unless_own, args=(owner,))
    child.start()
    child.join(20)
    assert child.exitcode == 0


def _exit_unless_own(owner):
    import os

    os._exit(0 if owner() == os.getpid() else 1)
