"""Continuous batching for llama.cpp: one thread decodes every running request together.

Callers submit `CompletionJob`s from any thread and wait on their futures. Between decode steps the thread admits
queued jobs into free sequence slots, so a new request joins the running batch at once. Each step puts the next
token of every generating sequence, and prompt chunks up to the batch size, into one `llama_decode`, then samples
each sequence with its own sampler chain and grammar. A request that fails (a prompt longer than the context, a
grammar llama.cpp rejects) fails alone; the others go on.

A slot keeps its KV cells when its request ends, and a new request goes to the free slot that shares the longest
token prefix with it, so a system prompt that DSPy repeats for every call of a stage is decoded once per slot
(llama.cpp's server reuses its slots the same way). Where another slot, running or not, holds a longer prefix (the
prompts of one group share its system prompt; the items of one benchmark role share theirs), its KV cells are
copied into the new request's slot instead of decoded again: one memory copy of a stream against a forward pass
per token. The model's whole memory is therefore fixed when it loads: weights plus slots x context KV cells (for
SmolLM2-135M, ~23 KB per token cell).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from dspy.lm15 import ContextLengthError, InvalidRequestError, LM15Error

from rnr_dspy.errors import LMError
from rnr_dspy.models.chat_prompt import ChatPrompt
from rnr_dspy.models.completion import Completion, CompletionJob, ReplyText
from rnr_dspy.models.sampling import GreedySampler, TokenSampler, make_sampler

__all__ = ["BatchScheduler"]

_CLOSED = "the llama.cpp engine was closed before this request finished"
# A copy moves a slot's whole KV stream (n_ctx cells): worth it only for a prefix this much longer than the slot's own.
_MIN_COPIED_TOKENS = 32


class BatchScheduler:
    """Owns the queue and the decoding thread; the thread loads the model (via `load`) when it starts and frees it
    when it stops. `close()` stops it; the next `submit` starts a fresh one."""

    def __init__(self, load: Callable[[], Any]) -> None:
        self._load = load
        self._changed = threading.Condition()
        self._queue: deque[CompletionJob] = deque()
        self._worker: _Worker | None = None
        self.peak_batch = 0  # the most requests one decode step has held
        self.steps = 0  # decode steps run
        self.copied_tokens = 0  # prompt tokens whose KV cells were copied from another slot, not decoded

    def submit(self, job: CompletionJob) -> Future[Completion]:
        return self.submit_many([job])[0]

    def submit_many(self, jobs: list[CompletionJob]) -> list[Future[Completion]]:
        """Queue `jobs` at once, in order (they are admitted in this order as slots free up)."""
        with self._changed:
            self._queue.extend(jobs)
            if self._worker is None:
                self._worker = _Worker(self)
                self._worker.start()
            self._changed.notify_all()
        return [job.future for job in jobs]

    def close(self) -> None:
        """Fail what is queued or running, stop the thread and free the model; returns once the thread is gone."""
        with self._changed:
            worker, self._worker = self._worker, None
            queued = list(self._queue)
            self._queue.clear()
            if worker is not None:
                worker.stopping = True
            self._changed.notify_all()
        for job in queued:
            _fail(job, LMError(_CLOSED))
        if worker is not None and worker is not threading.current_thread():
            worker.join()

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    @property
    def active(self) -> int:
        """Requests decoding now."""
        worker = self._worker
        return worker.active if worker is not None else 0

    def _take(self, worker: _Worker, free: int, wait: bool) -> list[CompletionJob] | None:
        """Up to `free` queued jobs (waiting for one when `wait`), or None when `worker` must stop."""
        with self._changed:
            while wait and not worker.stopping and not self._queue:
                self._changed.wait()
            if worker.stopping:
                return None
            return [self._queue.popleft() for _ in range(min(free, len(self._queue)))]

    def _return(self, jobs: list[CompletionJob]) -> None:
        """Put taken jobs back at the head of the queue, in their order."""
        with self._changed:
            self._queue.extendleft(reversed(jobs))

    def _abandon(self, worker: _Worker, error: BaseException) -> None:
        # A thread that could not load or crashed: the queue fails with it, and the next submit starts a new one.
        with self._changed:
            if self._worker is not worker:
                return
            self._worker = None
            queued = list(self._queue)
            self._queue.clear()
        for job in queued:
            _fail(job, error)


@dataclass
class _Run:
    job: CompletionJob
    prompt_tokens: int
    pending: list[int]  # tokens to decode before the next sample: the prompt's rest, then the last sampled token
    max_tokens: int
    sampler: TokenSampler | GreedySampler
    reply: ReplyText
    output: list[int] = field(default_factory=list)


@dataclass
class _Slot:
    seq_id: int
    cached: list[int] = field(default_factory=list)  # the tokens whose KV cells this sequence holds
    run: _Run | None = None


class _Worker(threading.Thread):
    def __init__(self, scheduler: BatchScheduler) -> None:
        super().__init__(name="llama-batch", daemon=True)
        self.scheduler = scheduler
        self.stopping = False
        self.active = 0

    def run(self) -> None:
        try:
            native = self.scheduler._load()
        except BaseException as load_error:
            self.scheduler._abandon(self, load_error)
            return
        slots = [_Slot(seq_id) for seq_id in range(native.n_seq)]
        outcome: BaseException = LMError(_CLOSED)
        try:
            self._loop(native, ChatPrompt(native), slots)
        except BaseException as crash:
            outcome = LMError(f"the llama.cpp engine failed: {type(crash).__name__}: {crash}")
            self.scheduler._abandon(self, outcome)
        finally:
            for slot in slots:
                if slot.run is not None:
                    self._finish(slot, outcome)
            native.close()

    def _loop(self, native: Any, prompt: ChatPrompt, slots: list[_Slot]) -> None:
        while True:
            free = [slot for slot in slots if slot.run is None]
            jobs = self.scheduler._take(self, len(free), wait=len(free) == len(slots))
            if jobs is None:
                return
            for index, job in enumerate(jobs):
                if not self._admit(native, prompt, job, free, slots):
                    self.scheduler._return(jobs[index:])
                    break
            for slot in slots:
                if slot.run is not None and slot.run.job.future.cancelled():
                    self._finish(slot, None)
            self.active = sum(1 for slot in slots if slot.run is not None)
            self.scheduler.peak_batch = max(self.scheduler.peak_batch, self.active)
            if self.active:
                self._step(native, slots)

    def _admit(self, native: Any, prompt: ChatPrompt, job: CompletionJob, free: list[_Slot],
               slots: list[_Slot]) -> bool:
        """Start `job` in a free slot (or fail it alone); False when it waits instead, because a running request
        is still decoding a longer prefix the job shares (the next step can copy it)."""
        if job.future.cancelled():
            return True
        try:
            tokens = prompt.render(job.messages)
            if not tokens.tokens:
                raise InvalidRequestError("the chat template rendered an empty prompt")
            if len(tokens.tokens) >= native.n_ctx:
                raise ContextLengthError(f"the prompt has {len(tokens.tokens)} tokens; this engine's context window "
                                         f"is {native.n_ctx} tokens per request")
            sampler = make_sampler(native, job.sampling)
        except Exception as error:  # this request fails alone
            _fail(job, error if isinstance(error, LM15Error) else
                  InvalidRequestError(f"{type(error).__name__}: {error}"))
            return True
        ids = tokens.tokens
        shared = {other.seq_id: _common_prefix(other.cached, ids) for other in slots}
        # The longest reusable prefix, else the lowest id: running sequences stay packed at the low ids.
        slot = max((slot for slot in free if slot.run is None), key=lambda slot: (shared[slot.seq_id], -slot.seq_id))
        reused = shared[slot.seq_id]
        donor = max((other for other in slots if other is not slot), key=lambda other: shared[other.seq_id],
                    default=None)
        donated = shared[donor.seq_id] if donor is not None else 0
        # A request still decoding its prompt will hold more of this one after the next step: wait for it.
        coming = max((_common_prefix(other.cached + other.run.pending, ids) for other in slots
                      if other.run is not None and not other.run.output), default=0)
        if coming >= max(reused, donated) + _MIN_COPIED_TOKENS:
            sampler.close()
            return False
        if donor is not None and donated >= reused + _MIN_COPIED_TOKENS:
            native.copy(donor.seq_id, slot.seq_id)
            slot.cached, reused = list(donor.cached), donated
            self.scheduler.copied_tokens += donated - shared[slot.seq_id]
        keep = native.forget(slot.seq_id, min(reused, len(ids) - 1))
        slot.cached = slot.cached[:keep]
        room = native.n_ctx - len(ids)
        slot.run = _Run(job=job, prompt_tokens=len(ids), pending=ids[keep:],
                        max_tokens=room if job.max_tokens <= 0 else min(job.max_tokens, room), sampler=sampler,
                        reply=ReplyText(job.stop + tokens.stop))
        return True

    def _step(self, native: Any, slots: list[_Slot]) -> None:
        """One `llama_decode` of each running sequence's pending tokens (as many as fit), in sequence-id order.

        llama.cpp splits a batch into separate passes at every gap in the sequence ids, so an idle slot between
        running ones gets a throwaway token, removed again after the step."""
        running = [slot.seq_id for slot in slots if slot.run is not None]
        span = slots[min(running):max(running) + 1]
        batch = native.batch
        batch.clear()
        room = batch.capacity - len(span)  # tokens beyond one per slot in the span
        chunks: list[tuple[_Slot, int, int]] = []  # slot, tokens taken, batch index of its logits (or -1)
        for slot in span:
            if slot.run is None:
                batch.add(slot.seq_id, [slot.cached[-1] if slot.cached else 0], len(slot.cached), logits=False)
                continue
            taken = min(len(slot.run.pending), 1 + room)
            room -= taken - 1
            last = taken == len(slot.run.pending)
            index = batch.add(slot.seq_id, slot.run.pending[:taken], len(slot.cached), logits=last)
            chunks.append((slot, taken, index if last else -1))
        status = native.decode(batch)
        self.scheduler.steps += 1
        for slot in span:
            if slot.run is None:
                native.forget(slot.seq_id, len(slot.cached))
        for slot, taken, index in chunks:
            run = slot.run
            assert run is not None
            if status != 0:
                slot.cached = slot.cached[:native.forget(slot.seq_id, 0)]
                self._finish(slot, LMError(f"llama_decode failed with status {status}"))
                continue
            slot.cached += run.pending[:taken]
            del run.pending[:taken]
            if index >= 0:
                self._sample(native, slot, index)

    def _sample(self, native: Any, slot: _Slot, index: int) -> None:
        run = slot.run
        assert run is not None
        try:
            token = run.sampler.sample(index)
        except InvalidRequestError as error:
            self._finish(slot, error)
            return
        if native.is_end(token):
            self._finish(slot, "stop")
            return
        run.output.append(token)
        if run.reply.add(native.piece(token)):
            self._finish(slot, "stop")
        elif len(run.output) >= run.max_tokens:
            self._finish(slot, "length")
        else:
            run.pending.append(token)

    def _finish(self, slot: _Slot, outcome: str | BaseException | None) -> None:
        """End the slot's run: a finish reason completes it, an error fails it, None (cancelled) drops it."""
        run = slot.run
        assert run is not None
        slot.run = None
        self.active -= 1
        run.sampler.close()
        if isinstance(outcome, BaseException):
            _fail(run.job, outcome)
        elif outcome is not None:
            completion = Completion(text=run.reply.text(), finish_reason="stop" if outcome == "stop" else "length",
                                    prompt_tokens=run.prompt_tokens, tokens=tuple(run.output))
            _resolve(run.job.future, completion)


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    if n == 0:
        return 0
    differ = np.flatnonzero(np.asarray(a[:n]) != np.asarray(b[:n]))
    return int(differ[0]) if len(differ) else n


def _resolve(future: Future[Completion], completion: Completion) -> None:
    if not future.done():
        try:
            future.set_result(completion)
        except Exception:  # cancelled meanwhile by its caller
            pass


def _fail(job: CompletionJob, error: BaseException) -> None:
    if not job.future.done():
        try:
            job.future.set_exception(error)
        except Exception:  # cancelled meanwhile by its caller
            pass
