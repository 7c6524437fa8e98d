"""A fake OpenAI-compatible server on 127.0.0.1 for fault-injection tests: a real HTTP server in a thread serving
`POST /v1/chat/completions`, which answers healthily (from the scripted answers of `fake_engine`) or with one
fault: 429 with Retry-After, 500, a reply with no choices, a body that is not JSON, a stall (never answers), a reply
whose text is not the JSON asked for (`unparsable`), or vLLM's 400 for a prompt longer than the model's context.
It counts the requests it got. Tests that use it mark themselves
`@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])`: every other host stays blocked."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from fake_engine import reply_text, scripted_engine

Mode = Literal["healthy", "rate_limited", "server_error", "empty_choices", "bad_json", "stall", "unparsable",
               "context_overflow"]
_OUTPUT_FIELD = re.compile(r"Your output fields are:\s*1\. `(\w+)`")
FAULTS: tuple[Mode, ...] = ("rate_limited", "server_error", "empty_choices", "bad_json", "stall")
UNPARSABLE = "Sure! Here is what you asked for, in plain words."
CONTEXT_OVERFLOW = ("This model's maximum context length is 4096 tokens. However, you requested 5120 tokens "
                    "(4096 in the messages, 1024 in the completion). Please reduce the length of the messages or "
                    "completion.")


class FakeOpenAIServer:
    """`with FakeOpenAIServer("stall") as server: ... server.url ... server.requests`. `mode` may be changed while
    it runs; `retry_after` is the Retry-After header (seconds) of a 429; `fault_for(body)`, when set, picks the mode
    of each request (None: `mode`)."""

    def __init__(self, mode: Mode = "healthy", *, retry_after: float = 1,
                 answers: dict[Any, Any] | None = None) -> None:
        self.mode: Mode = mode
        self.fault_for: Callable[[dict[str, Any]], Mode | None] | None = None
        self.retry_after = retry_after
        self.answers = {None: "Happy to help.", **(answers or scripted_engine().answers)}  # None: a plain prompt
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []  # each request's headers, names lowercased
        self.require_auth: str | None = None  # the Authorization header every request must carry (else 401)
        self.latency = 0.0  # seconds each request waits before its answer
        # The response_format types it takes (None: any); another is refused as llama.cpp's Python server does.
        self.takes_formats: tuple[str, ...] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def requests(self) -> int:
        with self._lock:
            return len(self.bodies)

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()  # releases stalled handlers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _record(self, body: dict[str, Any], headers: dict[str, str]) -> None:
        with self._lock:
            self.bodies.append(body)
            self.headers.append(headers)

    def _healthy(self, body: dict[str, Any]) -> dict[str, Any]:
        field = output_field(body)
        text = reply_text(self.answers, {"properties": {field: {}}} if field else {}, _system(body))
        return {"id": f"chatcmpl-{self.requests}", "object": "chat.completion", "created": 0,
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}


def refused_format(format_type: str, takes: tuple[str, ...]) -> str:
    """llama.cpp's Python server's words for a response_format type it does not take."""
    expected = " or ".join(f"'{name}'" for name in takes)
    return (f"1 validation error:\n  {{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
            f"'msg': \"Input should be {expected}\", 'input': '{format_type}'}}")


def output_field(body: dict[str, Any]) -> str | None:
    """The first output field a chat request asks for: from its response schema, else as the adapter's system
    message lists them (None: a plain prompt)."""
    response_format = body.get("response_format") or {}
    schema = (response_format.get("json_schema") or {}).get("schema") or response_format.get("schema")
    if schema:
        return next(iter(schema.get("properties", {})), None)
    first = _OUTPUT_FIELD.search(_system(body))
    return first.group(1) if first else None


def _system(body: dict[str, Any]) -> str:
    system = next((m["content"] for m in body.get("messages", []) if m.get("role") == "system"), "")
    return system if isinstance(system, str) else ""


def _handler(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.endswith("/chat/completions"):
                return self._send(404, {"error": {"message": f"no route {self.path}"}})
            server._record(body, {name.lower(): value for name, value in self.headers.items()})
            if server.require_auth is not None and self.headers.get("Authorization") != server.require_auth:
                return self._send(401, b"")  # as llama.cpp's Python server refuses a key: no reason given
            format_type = (body.get("response_format") or {}).get("type")
            if server.takes_formats is not None and format_type and format_type not in server.takes_formats:
                return self._send(500, {"error": {"message": refused_format(format_type, server.takes_formats),
                                                  "type": "internal_server_error"}})
            mode = (server.fault_for(body) if server.fault_for else None) or server.mode
            if server.latency:
                time.sleep(server.latency)
            if mode == "stall":
                server._stop.wait()
                return None
            if mode == "rate_limited":
                return self._send(429, {"error": {"message": "rate limited", "type": "rate_limit_error"}},
                                  {"Retry-After": str(server.retry_after)})
            if mode == "server_error":
                return self._send(500, {"error": {"message": "internal error", "type": "server_error"}})
            if mode == "bad_json":
                return self._send(200, b"{'choices': not json")
            if mode == "context_overflow":  # as vLLM words it
                return self._send(400, {"error": {"message": CONTEXT_OVERFLOW, "type": "BadRequestError",
                                                  "param": None, "code": 400}})
            try:
                reply = server._healthy(body)
            except Exception as error:  # a request the scripted answers do not cover: say so, loudly
                return self._send(400, {"error": {"message": f"fake server: {type(error).__name__}: {error}"}})
            if mode == "empty_choices":
                reply["choices"] = []
            if mode == "unparsable":
                reply["choices"][0]["message"]["content"] = UNPARSABLE
            return self._send(200, reply)

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
