"""Which recorded failures a plain rerun generates again: those a later try may clear (a connection error, a
timeout, a rate limit, a server error, a server that stopped answering). Failures of the reply itself (it did not
parse, the request was refused) would fail the same way again; they are generated again with `retry_failed`."""

from __future__ import annotations

__all__ = ["TRANSIENT_ERRORS", "is_transient"]

# The recorded error text starts with the exception's class name: DSPy's retryable LM errors, and the
# project's own `LMError` of a server that stopped answering (or an engine that closed) during the run.
TRANSIENT_ERRORS = frozenset({"LMRateLimitError", "LMTimeoutError", "LMServerError", "LMTransportError",
                              "LMLockTimeoutError", "LMError"})


def is_transient(error: str | None) -> bool:
    """Whether a recorded error (`ClassName: message`) is one a later try may clear."""
    return bool(error) and str(error).split(":", 1)[0].strip() in TRANSIENT_ERRORS
