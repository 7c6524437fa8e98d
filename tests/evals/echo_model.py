"""A fake model under test for eval tests: it answers with the user's message and records what it was sent.
A user message containing FAIL raises, like a server error would."""

from __future__ import annotations

from typing import Any

import dspy
from dspy.lm15 import Message, Request, Response, Usage, response_to_events

from rnr_dspy.evals.solvers import LMGenerator


class EchoEngine:
    supported_params = frozenset({"temperature", "max_tokens"})

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def complete(self, request: Request) -> Response:
        self.requests.append(request)
        text = request.messages[-1].text
        if "FAIL" in text:
            raise RuntimeError("the server fell over")
        return Response(id="echo", model=request.model, message=Message.assistant(text), finish_reason="stop",
                        usage=Usage(input_tokens=3, output_tokens=len(text.split())))

    def stream(self, request: Request) -> Any:
        yield from response_to_events(self.complete(request))

    def __deepcopy__(self, memo: dict[int, Any]) -> EchoEngine:
        return self


def echo_generator(engine: EchoEngine | None = None) -> LMGenerator:
    return LMGenerator(dspy.LM("fake/echo", engine=engine or EchoEngine(), cache=False), max_tokens=64)
