"""The fake OpenAI-compatible server as a process of its own (benchmarks): each answer takes `--latency` seconds,
at most `--capacity` requests at a time (a server's batch; the rest queue), by default whatever else is in flight.
Prints its URL, serves until SIGTERM, then prints `{"requests": N, "peak_in_flight": M}` (M: requests being
answered at once). Usage: serve_fake_openai.py [--latency SECONDS] [--capacity N]"""

import argparse
import http.server
import json
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from fake_openai_server import FakeOpenAIServer


class TimedServer(FakeOpenAIServer):
    def __init__(self, latency: float, capacity: int | None = None) -> None:
        http.server.ThreadingHTTPServer.request_queue_size = 4096  # hundreds of connections open at once
        super().__init__()
        self.wait = latency
        self._batch = threading.BoundedSemaphore(capacity) if capacity else None
        self.in_flight = self.peak_in_flight = 0
        self._count = threading.Lock()

    def _healthy(self, body):
        if self._batch is None:
            return self._answer(body)
        with self._batch:
            return self._answer(body)

    def _answer(self, body):
        with self._count:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            time.sleep(self.wait)
            return super()._healthy(body)
        finally:
            with self._count:
                self.in_flight -= 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--capacity", type=int, default=None)
    args = parser.parse_args()
    server = TimedServer(args.latency, args.capacity)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with server:
        print(server.url, flush=True)
        stopped.wait()
    print(json.dumps({"requests": server.requests, "peak_in_flight": server.peak_in_flight}), flush=True)


if __name__ == "__main__":
    main()
