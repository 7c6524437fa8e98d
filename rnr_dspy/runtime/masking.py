"""Credentials in URLs, masked wherever the project writes or prints a URL.

`--api-base http://user:PASSWORD@host/v1` names a server behind basic auth; the password must still never reach a
report, a record, an error message or a log. `mask_credentials` masks every URL in a text: the password of its user
info (the whole user info when it has no password: a bare token) and the values of query parameters that hold keys
or tokens; and the password of a `user:password@host` written without its scheme, as some clients do in errors.

Example:
    >>> mask_credentials("cannot reach http://me:hunter2@host:8000/v1?api_key=sk-1&x=2")
    'cannot reach http://me:***@host:8000/v1?api_key=***&x=2'
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = ["MASK", "CredentialFilter", "mask_credentials", "mask_in", "mask_library_logs"]

MASK = "***"

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>`]+")
# The user info runs to the last "@" before the path, query or fragment (an unescaped "@" in a password included).
_USERINFO = re.compile(r"^(?P<scheme>[^:]+://)(?P<userinfo>[^/?#]*)@")
# "user:password@host" outside a URL, as some clients render an address in their errors ("failed to connect to
# me:PW@127.0.0.1:9"): the password runs to the last "@" before a space, slash or quote.
_BARE_USERINFO = re.compile(r"(?<![^\s'\"(\[=,])(?P<user>[\w.~%+-]+):(?P<password>[^\s/'\"]+)@(?=[\w\[])")
_SECRET_PARAM = re.compile(
    r"(?P<name>[?&;](?:api[_-]?key|key|token|access[_-]?token|auth|secret|password|passwd|pwd|sig|signature)=)"
    r"(?P<value>[^&#;]+)", re.IGNORECASE)


def mask_credentials(text: str) -> str:
    """`text` with the credentials of every URL in it (and of every bare `user:password@host`) replaced by `***`."""
    if "://" in text:
        text = _URL.sub(lambda match: _mask_url(match.group(0)), text)
    if "@" in text:
        text = _BARE_USERINFO.sub(lambda match: f"{match.group('user')}:{MASK}@", text)
    return text


def mask_in(data: Any) -> Any:
    """A copy of JSON-like `data` (dicts, lists, tuples, strings) with `mask_credentials` applied to every string."""
    if isinstance(data, str):
        return mask_credentials(data)
    if isinstance(data, dict):
        return {key: mask_in(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return type(data)(mask_in(value) for value in data)
    return data


class CredentialFilter(logging.Filter):
    """A logging filter that masks credentials in URLs of every record it passes (attach it to a handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_credentials(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


# The libraries between us and an HTTP LM, by the loggers they write to: LiteLLM and httpx log on these loggers
# themselves (a logger's filter sees them); DSPy logs on child loggers of "dspy", so its handlers get the filter.
_LIBRARY_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx")
_FILTER = CredentialFilter()


def mask_library_logs() -> None:
    """Mask credentials in URLs in what DSPy, LiteLLM and httpx log; called for every HTTP LM (idempotent)."""
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in _LIBRARY_LOGGERS]
    targets += logging.getLogger("dspy").handlers
    for target in targets:
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)


def _mask_url(url: str) -> str:
    def userinfo(match: re.Match[str]) -> str:
        user, has_password, _ = match.group("userinfo").partition(":")
        return f"{match.group('scheme')}{user + ':' + MASK if has_password else MASK}@"

    return _SECRET_PARAM.sub(lambda m: m.group("name") + MASK, _USERINFO.sub(userinfo, url, count=1))
