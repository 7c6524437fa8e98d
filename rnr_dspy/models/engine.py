"""An in-process DSPy engine over llama.cpp: the embedded default LM and any local `.gguf` model.

It follows DSPy 3.4's engine contract (`complete(Request) -> Response`), is safe to share between threads (their
requests are decoded together, see `rnr_dspy.models.scheduler`), fills token usage, and constrains decoding to
the output format the request asks for (see `rnr_dspy.models.grammar`), so a small model's structured replies parse.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from dspy.lm15 import Message, Request, Response, Usage, response_to_events

from rnr_dspy.models.completion import Completion, CompletionJob
from rnr_dspy.models.grammar import grammar_for
from rnr_dspy.models.llama_native import NativeLlama
from rnr_dspy.models.sampling import REPEAT_PENALTY, SamplingParams
from rnr_dspy.models.scheduler import BatchScheduler

__all__ = ["AsyncLlamaCppEngine", "InProcessEngine", "LlamaCppEngine", "busy_elsewhere", "default_threads"]

class InProcessEngine:
    """What the in-process engines share: the request as chat messages, a stream made from the one reply, and
    sharing on deep copy (DSPy deep-copies programs and their LMs while optimizing; a loaded model is a shared,
    lock-protected resource)."""

    def complete(self, request: Request) -> Response:
        raise NotImplementedError

    def stream(self, request: Request) -> Iterator[Any]:
        yield from response_to_events(self.complete(request))

    def __deepcopy__(self, memo: dict[int, Any]) -> InProcessEngine:
        return self

    @staticmethod
    def chat_messages(request: Request) -> list[dict[str, str]]:
        system = [{"role": "system", "content": request.system}] if request.system else []
        return system + [{"role": message.role, "content": message.text} for message in request.messages]


def default_threads() -> int:
    """Every core other processes leave idle now, at least one.

    llama.cpp's threads wait for each other at every operation; when another process holds one of them, the rest
    spin, so on a busy machine fewer threads decode faster.
    """
    cores = os.cpu_count() or 1
    return max(1, min(cores, cores - round(busy_elsewhere())))


def busy_elsewhere(interval: float = 0.2, stat: Path = Path("/proc/stat"),
                   own: Path = Path("/proc/self/stat")) -> float:
    """Cores other processes kept busy over the last `interval` seconds: the machine's CPU time less this process's
    own; the 1-minute load average where the kernel does not say.

    Measured, not counted: the load average still counts the stage that just ended (an eval started after
    training took one of two idle cores), and runnable threads counted while generate starts its groups' threads
    (its own, flipping between running and waiting for the GIL) took one of two idle cores from the model.
    """
    try:
        machine, mine, start = _machine_ticks(stat), _own_ticks(own), time.monotonic()
        time.sleep(interval)
        used = (_machine_ticks(stat) - machine) - (_own_ticks(own) - mine)
        return max(0.0, used / os.sysconf("SC_CLK_TCK") / max(time.monotonic() - start, 1e-3))
    except (OSError, IndexError, ValueError):
        return os.getloadavg()[0]


def _machine_ticks(stat: Path) -> int:
    """Busy clock ticks of every CPU together (`/proc/stat`'s first line less idle and iowait)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, stat.read_text().split()[1:9])
    return user + nice + system + irq + softirq + steal


def _own_ticks(own: Path) -> int:
    """This process's user and system clock ticks (`/proc/self/stat`, after the command name)."""
    fields = own.read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class LlamaCppEngine(InProcessEngine):
    """Run a GGUF model with llama.cpp, decoding concurrent requests together (continuous batching).

    Requests from any number of threads join one running batch, each with its own sampler and grammar; see
    `rnr_dspy.models.scheduler`. The model loads on the first request and `close()` frees it.

    Args:
        model_path: the `.gguf` file.
        n_ctx: context window of each request in tokens (prompt and reply).
        n_threads: CPU threads for llama.cpp (default: the cores other work leaves idle when the model loads, at
            least one; see `default_threads`).
        repeat_penalty: llama.cpp's penalty over the last 64 tokens; small models loop without it.
        parallel: requests decoded together (like llama.cpp server's `--parallel`); more wait in a queue. The KV
            cache holds `parallel * n_ctx` token cells, allocated at load (~23 KB each for SmolLM2-135M).
        n_batch: most tokens per decode step; a long prompt is fed in chunks of this size between other
            requests' tokens.
        repack_weights: let llama.cpp repack the weights for the CPU's matrix units (AMX), in micro-batches of
            16 rows (see `rnr_dspy.models.llama_native`); False keeps its plain kernels (about half the speed).

    A reply does not depend on what it was batched with: greedy decoding gives the same tokens alone or among others.
    """

    supports_response_schema = True
    supported_params = frozenset({"temperature", "max_tokens", "top_p", "stop", "seed", "response_format"})

    def __init__(self, model_path: str | Path, *, n_ctx: int = 8192, n_threads: int | None = None,
                 repeat_penalty: float = REPEAT_PENALTY, parallel: int = 8, n_batch: int = 512,
                 repack_weights: bool = True) -> None:
        if parallel < 1 or n_batch < parallel:
            raise ValueError(f"parallel must be >= 1 and n_batch >= parallel, not parallel={parallel}, "
                             f"n_batch={n_batch}")
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads  # None: decided when the model loads
        self.repeat_penalty = repeat_penalty
        self.parallel = parallel
        self.n_batch = n_batch
        self.repack_weights = repack_weights
        self.scheduler = BatchScheduler(self._load)

    def _load(self) -> NativeLlama:
        return NativeLlama(self.model_path, n_ctx=self.n_ctx, n_seq=self.parallel,
                           n_threads=self.n_threads or default_threads(),
                           n_batch=self.n_batch, repack_weights=self.repack_weights)

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (its decoding thread running)."""
        return self.scheduler.running

    def submit(self, request: Request) -> Future[Completion]:
        """Queue `request`; the future gets its `Completion`, and cancelling it stops the request."""
        return self.scheduler.submit(self.job(request))

    def submit_many(self, requests: list[Request]) -> list[Future[Completion]]:
        """Queue `requests` together, in order."""
        return self.scheduler.submit_many([self.job(request) for request in requests])

    def job(self, request: Request) -> CompletionJob:
        """The request as the scheduler runs it: chat messages, limits, and a sampler with the request's grammar."""
        config = request.config
        sampling = SamplingParams(
            temperature=0.0 if config.temperature is None else config.temperature,
            top_p=1.0 if config.top_p is None else config.top_p, seed=config.seed,
            repeat_penalty=self.repeat_penalty, grammar=grammar_for(request))
        return CompletionJob(messages=self.chat_messages(request), max_tokens=config.max_tokens or 512,
                             stop=tuple(config.stop), sampling=sampling)

    def complete(self, request: Request) -> Response:
        future = self.submit(request)
        try:
            completion = future.result()
        except BaseException:
            future.cancel()  # an interrupted caller frees its slot
            raise
        return self.response(request, completion)

    @staticmethod
    def response(request: Request, completion: Completion) -> Response:
        return Response(
            id=f"rnr-{uuid.uuid4().hex}", model=request.model, message=Message.assistant(completion.text),
            finish_reason=completion.finish_reason,
            usage=Usage(input_tokens=completion.prompt_tokens, output_tokens=completion.completion_tokens),
        )

    def close(self) -> None:
        """Stop decoding (requests still queued or running fail) and free the model; a later request reloads it."""
        self.scheduler.close()

    def dump_state(self) -> dict[str, Any]:
        return {"model_path": str(self.model_path), "n_ctx": self.n_ctx, "repeat_penalty": self.repeat_penalty,
                "parallel": self.parallel, "n_batch": self.n_batch, "repack_weights": self.repack_weights}

    @classmethod
    def load_state(cls, state: dict[str, Any]) -> LlamaCppEngine:
        known = {"model_path", "n_ctx", "n_threads", "repeat_penalty", "parallel", "n_batch", "repack_weights"}
        return cls(**{key: value for key, value in state.items() if key in known})  # older saves had more keys


class AsyncLlamaCppEngine:
    """The async face of a `LlamaCppEngine` (for `acall` and streaming); calls run in a worker thread."""

    def __init__(self, engine: LlamaCppEngine) -> None:
        self.engine = engine

    async def complete(self, request: Request) -> Response:
        # Cancelling the awaiting task cancels the future, which frees the request's slot.
        completion = await asyncio.wrap_future(self.engine.submit(request))
        return self.engine.response(request, completion)

    async def stream(self, request: Request) -> Any:
        for event in response_to_events(await self.complete(request)):
            yield event

    async def aclose(self) -> None:
        await asyncio.to_thread(self.engine.close)

    def __deepcopy__(self, memo: dict[int, Any]) -> AsyncLlamaCppEngine:
        return self
