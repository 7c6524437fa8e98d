"""Embedded engine decode speed as a ratio to llama-cpp-python on the same GGUF, in one process.

    python tests/benchmarks/bench_decode.py [--rounds 5] [--tokens 128]

Both sides decode greedily from the same chat prompt with the same thread count; the engine side goes through
`dspy.LM` (request mapping, usage, history) as a user's program would. A second pair measures constrained
decoding: the engine with a JSON-schema grammar against llama-cpp-python given the same grammar.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from dspy.lm15 import Config, Message, Request
from llama_cpp import Llama, LlamaGrammar

from rnr_dspy.models.grammar import _json_schema_grammar
from rnr_dspy.models.lm import embedded_model_path, make_lm

PROMPT = "Write a short story about a lighthouse keeper who finds a message in a bottle."
SCHEMA = {"type": "object", "properties": {"story": {"type": "string"}}, "required": ["story"]}


def tokens_per_second(call) -> float:
    started = time.perf_counter()
    output_tokens = call()
    return output_tokens / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=128)
    args = parser.parse_args()
    threads = os.cpu_count() or 1
    reference = Llama(model_path=str(embedded_model_path()), n_ctx=8192, n_threads=threads, verbose=False)
    lm = make_lm("embedded", cache=False)
    messages = [{"role": "user", "content": PROMPT}]
    grammar = _json_schema_grammar(json.dumps(SCHEMA))
    # ignore_eos keeps both sides decoding exactly --tokens tokens.
    raw = dict(max_tokens=args.tokens, temperature=0.0, repeat_penalty=1.1)

    def reference_call(constrained: bool) -> int:
        extra = {"grammar": LlamaGrammar.from_string(grammar, verbose=False)} if constrained else {}
        return reference.create_chat_completion(messages, **raw, **extra)["usage"]["completion_tokens"]

    def engine_call(constrained: bool) -> int:
        response_format = {"type": "json_schema", "schema": SCHEMA} if constrained else None
        config = Config(max_tokens=args.tokens, temperature=0.0, response_format=response_format)
        return lm(Request(model=lm.model, messages=(Message.user(PROMPT),), config=config)).usage.output_tokens

    results = {}
    for constrained in (False, True):
        engine_rates, reference_rates = [], []
        for _ in range(args.rounds):  # alternate so drift in machine load hits both sides alike
            reference_rates.append(tokens_per_second(lambda c=constrained: reference_call(c)))
            engine_rates.append(tokens_per_second(lambda c=constrained: engine_call(c)))
        name = "constrained" if constrained else "free"
        engine, ref = statistics.median(engine_rates), statistics.median(reference_rates)
        results[name] = {"engine_tok_s": round(engine, 1), "llama_cpp_tok_s": round(ref, 1),
                         "ratio": round(engine / ref, 3)}
    print(json.dumps({"threads": threads, "tokens": args.tokens, "rounds": args.rounds, **results}, indent=2))


if __name__ == "__main__":
    main()
