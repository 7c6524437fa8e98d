"""Answering samples with the model under test: its rules in a real system message, greedy by default.

Two back ends:
- `LMGenerator`: any `dspy.LM` from `rnr_dspy.models.lm.make_lm` (the embedded GGUF on llama.cpp, `local:PATH`,
  a served or hosted model), called with a raw chat request (system + user), so DSPy's prompt formatting never
  wraps the system prompt. HTTP models and GGUF models get `batch_size` concurrent requests: llama.cpp decodes
  them together (continuous batching, the same answers as one at a time); the engine is sized for the eval and
  freed with the generator.
- `HFBatchGenerator` (`rnr_dspy.evals.hf_batch`): batched transformers generation for a Hugging Face directory
  (or a GGUF file converted to one).

Example:
    >>> generator = make_generator("embedded", max_tokens=256)  # doctest: +SKIP
    >>> generator.generate([Sample(id="1", system="You are terse.", user="Hi")])  # doctest: +SKIP
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Sequence
from typing import Literal, Protocol

import dspy
from dspy.lm15 import Config, Message, Request

from rnr_dspy.errors import LMSpecError
from rnr_dspy.evals.task import Generation, Sample
from rnr_dspy.models.llama_native import gguf_file_type
from rnr_dspy.models.lm import lm_id, make_lm
from rnr_dspy.models.served import DEFAULT_RETRIES, DEFAULT_TIMEOUT
from rnr_dspy.models.spec import ModelSpec
from rnr_dspy.runtime.masking import mask_credentials
from rnr_dspy.runtime.parallel import parallel_map

__all__ = ["Backend", "Generator", "LMGenerator", "make_generator"]

Backend = Literal["auto", "lm", "transformers"]
Done = Callable[[int], None]

_PROMPT_ROOM = 2048  # tokens for an item's system prompt and user turn (the shipped suites' longest is ~400)


class Generator(Protocol):
    """Answers samples in order; `done(n)` is called as answers arrive. A failed answer is a `Generation` with an
    `error`, never an exception."""

    model_id: str
    backend: str
    precision: str

    def generate(self, samples: Sequence[Sample], done: Done | None = None) -> list[Generation]: ...


class LMGenerator:
    def __init__(self, lm: dspy.BaseLM, *, max_tokens: int = 512, temperature: float = 0.0,
                 concurrency: int = 1) -> None:
        self.lm = lm
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.concurrency = max(1, concurrency)
        self.model_id = lm_id(lm)
        self.backend = "lm" if self.concurrency == 1 else f"lm, {self.concurrency} threads"
        self.precision = ""  # a served model's is the server's to know

    def generate(self, samples: Sequence[Sample], done: Done | None = None) -> list[Generation]:
        # Each answer runs in a copy of the caller's context: its usage tracking and failure reporting included.
        results = []
        for generation in parallel_map(self._answer, samples, self.concurrency):
            results.append(generation)
            if done:
                done(len(results))
        return results

    def probe(self) -> None:
        """One tiny request, so a model that does not load or answer fails before the run, naming the model."""
        try:
            self.lm(self._request(Sample(id="probe", user="Hi"), max_tokens=1))
        except Exception as error:
            raise LMSpecError(mask_credentials(f"model {self.model_id!r} did not load or answer: "
                                               f"{type(error).__name__}: {error}")) from error

    def _request(self, sample: Sample, max_tokens: int | None = None) -> Request:
        return Request(model=self.lm.model, system=sample.system, messages=(Message.user(sample.user),),
                       config=Config(max_tokens=max_tokens or self.max_tokens, temperature=self.temperature))

    def _answer(self, sample: Sample) -> Generation:
        start = time.perf_counter()
        try:
            response = self.lm(self._request(sample))
        except Exception as error:  # recorded per item: one failed answer must not end the run
            return Generation(error=mask_credentials(f"{type(error).__name__}: {error}"),
                              seconds=time.perf_counter() - start)
        usage = getattr(response, "usage", None)
        return Generation(text=response.text or "", seconds=time.perf_counter() - start,
                          output_tokens=getattr(usage, "output_tokens", 0) or 0,
                          truncated=getattr(response, "finish_reason", None) == "length")


def make_generator(spec: str, *, backend: Backend = "auto", batch_size: int = 8, max_tokens: int = 512,
                   temperature: float = 0.0, api_base: str | None = None, api_key: str | None = None,
                   timeout: float = DEFAULT_TIMEOUT, num_retries: int = DEFAULT_RETRIES,
                   engine_threads: int | None = None) -> Generator:
    """The generator for an LM spec. `auto`: batched transformers for a Hugging Face directory, the `dspy.LM`
    otherwise (llama.cpp for GGUF, `batch_size` concurrent requests for HTTP). `transformers` also runs a GGUF
    file (the embedded model included) through batched transformers, converted once to a Hugging Face dir."""
    parsed = ModelSpec.parse(spec, api_base=api_base)
    if backend == "transformers" or (backend == "auto" and parsed.kind == "hf_dir"):
        local = parsed.local_path()
        if local is None:
            raise LMSpecError(f"the transformers back end needs a local model ('embedded' or 'local:PATH'), "
                              f"not {spec!r}")
        from rnr_dspy.evals.hf_batch import HFBatchGenerator

        return HFBatchGenerator(local, batch_size=batch_size, max_tokens=max_tokens, temperature=temperature)
    gguf = parsed.kind in ("gguf", "embedded")
    options = {"parallel": batch_size, "n_ctx": max_tokens + _PROMPT_ROOM} if gguf else None
    lm = make_lm(parsed, api_key=api_key, temperature=temperature, max_tokens=max_tokens, cache=False,
                 timeout=timeout, num_retries=num_retries, engine_options=options, engine_threads=engine_threads)
    # A transformers model serves one call at a time: threads would only queue.
    generator = LMGenerator(lm, max_tokens=max_tokens, temperature=temperature,
                            concurrency=batch_size if gguf or not parsed.is_local else 1)
    if gguf:
        generator.backend = "llama.cpp"  # one engine decodes the concurrent requests as one batch
        weakref.finalize(generator, lm.engine.close)  # its KV cache goes with the generator
    generator.probe()
    if gguf:
        generator.precision = gguf_file_type(parsed.gguf_file())
    return generator
