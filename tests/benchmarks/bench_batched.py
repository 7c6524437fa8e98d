"""Aggregate decode throughput of the batched llama.cpp engine at 1, 2, 4, 8 and 16 concurrent requests.

    python tests/benchmarks/bench_batched.py [--quick] [--tokens 128] [--requests 2] [--rounds 3] [--threads N]

At each level, that many threads each send `--requests` chat requests (a shared system prompt, as a DSPy stage
has, and a distinct user turn) one after another to one engine, greedily; throughput is the output tokens of all
of them over the wall time. Plain and grammar-constrained (a JSON schema) requests are measured separately, and each
is compared with the engine's own single stream and with plain llama-cpp-python (`Llama.create_chat_completion`,
one request at a time) on the same GGUF, with the same prompts, grammar and thread count. Rounds alternate the
configurations so drift in machine load hits them alike; the median round counts. `--quick`: 32 tokens, 1 round.
Plain requests at 1 and 16 are also run with llama.cpp's own greedy sampler chain in place of the engine's numpy
pick (the same tokens), to show what the pick saves.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from dspy.lm15 import Config, Message, Request

from rnr_dspy.models import scheduler
from rnr_dspy.models.engine import LlamaCppEngine
from rnr_dspy.models.grammar import grammar_for
from rnr_dspy.models.lm import embedded_model_path
from rnr_dspy.models.sampling import TokenSampler

LEVELS = (1, 2, 4, 8, 16)
SYSTEM = ("You are a storyteller for a children's magazine. Write vivid, concrete scenes with named characters, "
          "simple words and short sentences. Never use lists or headings.")
TOPICS = ["a lighthouse keeper", "a lost kite", "a robot gardener", "a river otter", "a night train", "a snow fox",
          "a clockmaker", "a paper boat", "a desert well", "a city pigeon", "a brave snail", "a tiny dragon",
          "a moon garden", "a singing whale", "a patient heron", "a lost mitten"]
SCHEMA = {"type": "object", "properties": {"title": {"type": "string"}, "story": {"type": "string"}},
          "required": ["title", "story"]}


def requests(count: int, tokens: int, constrained: bool) -> list[Request]:
    response_format = {"type": "json_schema", "schema": SCHEMA} if constrained else None
    return [Request(model="local/bench", system=SYSTEM,
                    messages=(Message.user(f"Write a long story about {TOPICS[i % len(TOPICS)]} (#{i})."),),
                    config=Config(max_tokens=tokens, temperature=0.0, response_format=response_format))
            for i in range(count)]


def throughput(send: Callable[[Request], int], concurrency: int, work: list[Request]) -> float:
    """Output tokens per second with `concurrency` callers sharing `work`."""
    per_caller = [work[i::concurrency] for i in range(concurrency)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        produced = sum(pool.map(lambda mine: sum(send(r) for r in mine), per_caller))
    return produced / (time.perf_counter() - started)


def llama_cpp_python(threads: int) -> Callable[[Request], int]:
    from llama_cpp import Llama, LlamaGrammar

    llama = Llama(model_path=str(embedded_model_path()), n_ctx=8192, n_threads=threads, verbose=False)

    def send(request: Request) -> int:
        grammar = grammar_for(request)
        result = llama.create_chat_completion(
            messages=LlamaCppEngine.chat_messages(request), max_tokens=request.config.max_tokens, temperature=0.0,
            top_p=1.0, repeat_penalty=1.1,
            grammar=LlamaGrammar.from_string(grammar, verbose=False) if grammar else None)
        return int(result["usage"]["completion_tokens"])

    return send


@contextmanager
def llama_cpp_greedy_chain() -> Iterator[None]:
    """Greedy requests sampled by llama.cpp's sampler chain instead of the engine's numpy pick (same tokens)."""
    original = scheduler.make_sampler
    scheduler.make_sampler = TokenSampler
    try:
        yield
    finally:
        scheduler.make_sampler = original


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--requests", type=int, default=2, help="requests per caller at each level")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    tokens, rounds = (32, 1) if args.quick else (args.tokens, args.rounds)
    engine = LlamaCppEngine(embedded_model_path(), n_ctx=2048, n_threads=args.threads, parallel=max(LEVELS))
    engine_send = lambda request: engine.complete(request).usage.output_tokens  # noqa: E731
    reference = llama_cpp_python(args.threads)
    for send in (engine_send, reference):  # warm up: load, and put the shared system prompt in every slot
        throughput(send, max(LEVELS) if send is engine_send else 1, requests(max(LEVELS), 4, False))
    rates: dict[str, list[float]] = {}
    for _ in range(rounds):
        for constrained in (False, True):
            kind = "grammar" if constrained else "plain"
            work = requests(args.requests, tokens, constrained)
            rates.setdefault(f"{kind} llama-cpp-python x1", []).append(throughput(reference, 1, work))
            for level in LEVELS:
                work = requests(level * args.requests, tokens, constrained)
                rates.setdefault(f"{kind} engine x{level}", []).append(throughput(engine_send, level, work))
                if not constrained and level in (1, max(LEVELS)):
                    with llama_cpp_greedy_chain():
                        rates.setdefault(f"plain engine, llama.cpp greedy chain x{level}", []).append(
                            throughput(engine_send, level, work))
    engine.close()
    median = {name: statistics.median(values) for name, values in rates.items()}
    report: dict[str, object] = {"tokens": tokens, "requests_per_caller": args.requests, "rounds": rounds,
                                 "threads": args.threads,
                                 "tokens_per_second": {k: round(v, 1) for k, v in median.items()}}
    report["numpy_greedy_ratio_to_llama_cpp_chain"] = {
        level: round(median[f"plain engine x{level}"] / median[f"plain engine, llama.cpp greedy chain x{level}"], 2)
        for level in (1, max(LEVELS))}
    for kind in ("plain", "grammar"):
        single, reference_single = median[f"{kind} engine x1"], median[f"{kind} llama-cpp-python x1"]
        report[f"{kind}_ratio_to_engine_single"] = {
            level: round(median[f"{kind} engine x{level}"] / single, 2) for level in LEVELS}
        report[f"{kind}_ratio_to_llama_cpp_python_single"] = {
            level: round(median[f"{kind} engine x{level}"] / reference_single, 2) for level in LEVELS}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
