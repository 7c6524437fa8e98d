"""Answering samples with the model under test: its rules in a real system message, greedy by default.

Two back ends:
- `LMGenerator`: any `dspy.LM` from `rnr_dspy.models.lm.make_lm` (the embedded GGUF on llama.cpp, `local:PATH`,
  a served or hosted model), called with a raw chat request (system + user), so DSPy's prompt formatting never
  wraps the system prompt. HTTP models get `batch_size` concurrent requests; in-process ones run one at a time.
- `HFBatchGenerator` (`rnr_dspy.evals.hf_batch`): batched transformers generation for a Hugging Face directory
  (or a GGUF file converted to one).

Example:
    >>> generator = make_generator("embedded", max_tokens=256)  # doctest: +SKIP
    >>> generator.generate([Sample(id="1", system="You are terse.", user="Hi")])  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal, Protocol

import dspy
from dspy.lm15 import Config, Message, Request

from rnr_dspy.errors import LMSpecError
from rnr_dspy.evals.task import Generation, Sample
from rnr_dspy.models.lm import lm_id, make_lm

__all__ = ["Backend", "Generator", "LMGenerator", "make_generator"]

Backend = Literal["auto", "lm", "transformers"]
Done = Callable[[int], None]


class Generator(Protocol):
    """Answers samples in order; `done(n)` is called as answers arrive. A failed answer is a `Generation` with an
    `error`, never an exception."""

    model_id: str
    backend: str

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

    def generate(self, samples: Sequence[Sample], done: Done | None = None) -> list[Generation]:
        with ThreadPoolExecutor(self.concurrency) as pool:
            results = []
            for generation in pool.map(self._answer, samples):
                results.append(generation)
                if done:
                    done(len(results))
        return results

    def probe(self) -> None:
        """One tiny request, so a model that does not load or answer fails before the run, naming the model."""
        try:
            self.lm(self._request(Sample(id="probe", user="Hi"), max_tokens=1))
        except Exception as error:
            raise LMSpecError(f"model {self.model_id!r} did not load or answer: {type(error).__name__}: {error}") \
                from error

    def _request(self, sample: Sample, max_tokens: int | None = None) -> Request:
        return Request(model=self.lm.model, system=sample.system, messages=(Message.user(sample.user),),
                       config=Config(max_tokens=max_tokens or self.max_tokens, temperature=self.temperature))

    def _answer(self, sample: Sample) -> Generation:
        start = time.perf_counter()
        try:
            response = self.lm(self._request(sample))
        except Exception as error:  # recorded per item: one failed answer must not end the run
            return Generation(error=f"{type(error).__name__}: {error}", seconds=time.perf_counter() - start)
        usage = getattr(response, "usage", None)
        return Generation(text=response.text or "", seconds=time.perf_counter() - start,
                          output_tokens=getattr(usage, "output_tokens", 0) or 0)


def make_generator(spec: str, *, backend: Backend = "auto", batch_size: int = 8, max_tokens: int = 512,
                   temperature: float = 0.0, api_base: str | None = None, api_key: str | None = None,
                   engine_threads: int | None = None) -> Generator:
    """The generator for an LM spec. `auto`: batched transformers for a Hugging Face directory, the `dspy.LM`
    otherwise (llama.cpp for GGUF, `batch_size` concurrent requests for HTTP). `transformers` also runs a GGUF
    file (the embedded model included) through batched transformers, converted once to a Hugging Face dir."""
    local = _local_path(spec)
    hf_dir = local is not None and local.is_dir()
    if backend == "transformers" or (backend == "auto" and hf_dir):
        if local is None:
            raise LMSpecError(f"the transformers back end needs a local model ('embedded' or 'local:PATH'), "
                              f"not {spec!r}")
        from rnr_dspy.evals.hf_batch import HFBatchGenerator

        return HFBatchGenerator(local, batch_size=batch_size, max_tokens=max_tokens, temperature=temperature)
    lm = make_lm(spec, api_base=api_base, api_key=api_key, temperature=temperature, max_tokens=max_tokens,
                 cache=False, engine_threads=engine_threads)
    # An in-process model serves one call at a time: threads would only queue.
    generator = LMGenerator(lm, max_tokens=max_tokens, temperature=temperature,
                            concurrency=1 if local is not None else batch_size)
    generator.probe()
    return generator


def _local_path(spec: str) -> Path | None:
    if spec == "embedded":
        from rnr_dspy.models.lm import embedded_model_path

        return embedded_model_path()
    if spec.startswith("local:"):
        path = Path(spec.removeprefix("local:")).expanduser()
        if not path.exists():
            raise LMSpecError(f"local model {str(path)!r} does not exist")
        return path
    return None
