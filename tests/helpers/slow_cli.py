"""`rnr-dspy COMMAND ...` (compile or generate) on the scripted fake engine, each LM call taking a fixed time: a
real process to interrupt. Usage: slow_cli.py SECONDS COMMAND ARGS..."""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from fake_engine import FakeEngine, fake_lm, scripted_engine

import rnr_dspy.compile.run as compile_run
import rnr_dspy.generate.flow as pipeline
from rnr_dspy.cli import app


class SlowEngine(FakeEngine):
    latency = 0.0

    def complete(self, request):
        time.sleep(self.latency)
        return super().complete(request)


def main(arguments: list[str]) -> None:
    engine = SlowEngine(scripted_engine().answers)
    engine.latency = float(arguments[0])
    compile_run.make_lm = pipeline.make_lm = lambda spec, **_: fake_lm(engine)
    app(arguments[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
