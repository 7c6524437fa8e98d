import logging

import pytest

from rnr_dspy.runtime.masking import CredentialFilter, mask_credentials, mask_in, mask_library_logs


@pytest.mark.parametrize(("text", "masked"), [
    ("http://user:PW@host:8000/v1", "http://user:***@host:8000/v1"),
    ("https://TOKEN@github.com/x", "https://***@github.com/x"),
    ("http://u:p@ss@host/v1", "http://u:***@host/v1"),
    ("http://host/v1?api_key=sk-1&model=x&token=t#top", "http://host/v1?api_key=***&model=x&token=***#top"),
    ("http://host/v1?email=a@b.c", "http://host/v1?email=a@b.c"),
    ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
    ("failed to connect to me:SECRET@127.0.0.1:9: [Errno -2]", "failed to connect to me:***@127.0.0.1:9: [Errno -2]"),
    ("host='me:p@ss@10.0.0.1'", "host='me:***@10.0.0.1'"),
    ("mail me at bob@example.com", "mail me at bob@example.com"),
    ("APIConnectionError: cannot reach 'http://a:PW1@h1/v1' nor http://b:PW2@h2/v1.",
     "APIConnectionError: cannot reach 'http://a:***@h1/v1' nor http://b:***@h2/v1."),
])
def test_credentials_in_every_url_of_a_text_are_masked(text, masked):
    assert mask_credentials(text) == masked


def test_nested_data_is_masked_everywhere_and_not_changed_in_place():
    report = {"config": {"api_base": "http://me:PW@h/v1", "limit": 3, "list": ["http://x:PW@h", None]}}
    masked = mask_in(report)
    assert "PW" not in str(masked) and masked["config"]["limit"] == 3
    assert report["config"]["api_base"] == "http://me:PW@h/v1"


def test_a_log_record_is_masked_after_its_arguments_are_filled_in():
    record = logging.LogRecord("LiteLLM", logging.WARNING, __file__, 1, "calling %s failed", ("http://u:PW@h",), None)
    assert CredentialFilter().filter(record) and record.getMessage() == "calling http://u:***@h failed"


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_library_logs_are_masked_once_installed():
    mask_library_logs()
    mask_library_logs()
    dspy_handlers = logging.getLogger("dspy").handlers
    assert dspy_handlers  # DSPy logs through a handler of its own
    for target in [logging.getLogger("LiteLLM"), logging.getLogger("httpx"), *dspy_handlers]:
        assert sum(isinstance(f, CredentialFilter) for f in target.filters) == 1
    logger = logging.getLogger("LiteLLM")
    collect, level = _Collect(), logger.level
    logger.addHandler(collect)
    logger.setLevel(logging.WARNING)
    try:
        logger.warning("retrying %s", "http://u:SECRET@host/v1")
    finally:
        logger.removeHandler(collect)
        logger.setLevel(level)
    # LiteLLM, once imported, adds a redacting filter of its own; either way no password is logged.
    assert len(collect.messages) == 1 and "SECRET" not in collect.messages[0]
