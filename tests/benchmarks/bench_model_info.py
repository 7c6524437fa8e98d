"""CPU per call of a served LM for a model DSPy's model table does not list (a self-served `hosted_vllm/...`),
with DSPy's `model_info` lookup as DSPy ships it and memoized (`rnr_dspy.models.model_table`).

    python tests/benchmarks/bench_model_info.py [--calls 300]

The server is the fake OpenAI-compatible server on 127.0.0.1, so nearly all the CPU is the client's own.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "helpers"))

import dspy
from fake_openai_server import FakeOpenAIServer

from rnr_dspy.models.lm import make_lm
from rnr_dspy.models.model_table import _PATCHED_MODULES


def _cpu_per_call(url: str, calls: int, memoized: bool) -> float:
    lm = make_lm("hosted_vllm/my-self-served-model", api_base=url, cache=False)  # memoizes the lookup
    if not memoized:
        import dspy.clients.model_metadata as metadata

        for name in _PATCHED_MODULES:
            importlib.import_module(name).model_info = metadata.model_info  # DSPy's own again
    lm("warm up")
    started = time.process_time()
    for n in range(calls):
        lm(f"hello {n}")
    return (time.process_time() - started) / calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    with FakeOpenAIServer() as server:
        shipped = _cpu_per_call(server.url, args.calls, memoized=False)
        memoized = _cpu_per_call(server.url, args.calls, memoized=True)
    print(f"CPU per call, {args.calls} calls: DSPy's lookup {shipped * 1000:.2f} ms, memoized {memoized * 1000:.2f} ms "
          f"({1 - memoized / shipped:.0%} less)")


if __name__ == "__main__":
    main()
