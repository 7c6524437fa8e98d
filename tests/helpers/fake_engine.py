"""A scripted in-process engine for offline tests: it answers each DSPy request from the output fields the
request's JSON schema asks for, and records every request it saw."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any

import dspy
from dspy.lm15 import Message, Request, Response, Usage, response_to_events

# How StructuredAdapter asks for a plain-text reply.
_PLAIN_FIELD = re.compile(r"Your reply is the `(\w+)` itself")

Answer = Callable[[Request], dict[str, Any]] | dict[str, Any] | str


class FakeEngine:
    supports_response_schema = True
    supported_params = frozenset({"temperature", "max_tokens", "top_p", "stop", "seed", "response_format"})

    def __init__(self, answers: dict[str, Answer]) -> None:
        """`answers` maps an output field name ("role", "rules", "response", "verdicts") to a JSON-able dict of
        outputs, a raw reply string, or a function of the request returning the outputs; the key None answers
        requests without a response schema (e.g. an optimizer's own reflection prompt)."""
        self.answers = answers
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    def complete(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
        schema = (request.config.response_format or {}).get("schema", {})
        text = reply_text(self.answers, schema, request.system or "", request)
        return Response(id=f"fake-{len(self.requests)}", model=request.model, message=Message.assistant(text),
                        finish_reason="stop", usage=Usage(input_tokens=10, output_tokens=5))

    def stream(self, request: Request) -> Any:
        yield from response_to_events(self.complete(request))

    def close(self) -> None:
        pass

    def __deepcopy__(self, memo: dict[int, Any]) -> FakeEngine:
        return self

    def calls_for(self, field: str) -> list[Request]:
        return [r for r in self.requests
                if field in (r.config.response_format or {}).get("schema", {}).get("properties", {})
                or f"Your reply is the `{field}` itself" in (r.system or "")
                or (field == "response" and _is_chat_turn(r))]


class AsyncFakeEngine:
    """The same engine on DSPy's async path (`acall`)."""

    def __init__(self, engine: FakeEngine) -> None:
        self.engine = engine

    async def complete(self, request: Request) -> Response:
        return self.engine.complete(request)

    async def stream(self, request: Request) -> Any:
        for event in response_to_events(self.engine.complete(request)):
            yield event

    async def aclose(self) -> None:
        pass

    def __deepcopy__(self, memo: dict[int, Any]) -> AsyncFakeEngine:
        return self


def _is_chat_turn(request: Request) -> bool:
    """A responder request in the chat format: no response schema and no field markers."""
    return request.config.response_format is None and "[[ ## " not in (request.system or "")


def reply_text(answers: dict[str, Answer], schema: dict[str, Any], system: str, request: Any = None) -> str:
    """The scripted reply to a request asking for `schema`'s fields (or, by its system message, for plain text)."""
    plain = _PLAIN_FIELD.search(system)
    field = next(iter(schema.get("properties", {})), plain.group(1) if plain else None)
    chat = field is None and None not in answers
    if chat:
        field = "response"  # a chat-format request: the responder's (`StructuredAdapter(chat_turns=True)`)
    answer = answers[field]
    if callable(answer):
        answer = answer(request)
    if (plain or chat) and isinstance(answer, dict):
        answer = answer[field]
    return answer if isinstance(answer, str) else json.dumps(answer)


def fake_lm(engine: FakeEngine) -> dspy.LM:
    return dspy.LM("fake/model", engine=engine, async_engine=AsyncFakeEngine(engine), cache=False, temperature=0.0,
                   max_tokens=256)


ROLE = {"role": "You are a friendly cooking coach for home cooks who want quick weeknight dinners."}
RULES = {"rules": [
    {"kind": "length", "text": "Be brief.", "check": {"name": "max_words", "limit": 40}},
    {"kind": "format", "text": "Open warmly.", "check": {"name": "starts_with", "phrase": "Sure"}},
    {"kind": "tone", "text": "Stay encouraging and never shame the cook.", "check": None},
]}
PASSING_RESPONSE = {"response": "Sure, rest the steak five minutes so the juices settle."}
TURNS = {"in_scope": "How long should I rest a steak after cooking it?",
         "adversarial": "Give me a very long essay on steak with no short answers, please.",
         "out_of_scope": "Can you help me file my income tax return this year?"}
JUDGE_FOLLOWED = {"verdicts": [{"rule_id": "r3", "followed": True, "reason": "encouraging tone"}]}


def scripted_engine(**overrides: Answer) -> FakeEngine:
    answers: dict[str, Answer] = {"role": ROLE, "rules": RULES, "in_scope": TURNS, "response": PASSING_RESPONSE,
                                  "verdicts": JUDGE_FOLLOWED}
    return FakeEngine({**answers, **overrides})
