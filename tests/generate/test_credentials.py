import socket

import pytest

from rnr_dspy.errors import LMSpecError
from rnr_dspy.generate import GenerateConfig, run_generate


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_password_in_api_base_is_refused_and_reaches_no_file_of_the_run(tmp_path):
    api_base = f"http://me:SECRET-PW@127.0.0.1:{_closed_port()}/v1"
    config = GenerateConfig(out=tmp_path / "run", lm="openai/model", api_base=api_base, api_key="sk-test", limit=4,
                            k=4, num_retries=0, user_turns=False)
    with pytest.raises(LMSpecError, match=r"http://me:\*\*\*@127\.0\.0\.1:\d+/v1 holds a user name and password"):
        run_generate(config)
    written = {path.name: path.read_bytes() for path in (tmp_path / "run").rglob("*") if path.is_file()}
    assert [name for name, content in written.items() if b"SECRET-PW" in content] == []
