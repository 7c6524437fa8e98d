"""How a served LM authenticates: the key it sends, a server without auth, credentials that cannot be sent.

- No key for a `hosted_vllm/...` or `openai/...` server at `api_base` (vLLM or llama.cpp's server started without
  `--api-key`): the placeholder key `NO_KEY` is sent, which such a server ignores; `openai/...` uses
  `OPENAI_API_KEY` when it is set, and other providers read their own environment variables.
- `user:password@` in `api_base` is refused before any call: the HTTP client would take it for part of the host
  name, and it cannot be sent as a basic auth header on every provider's route.
- A refused key is reported as what happened and which setting to change.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from dspy.utils.exceptions import LMAuthError

from rnr_dspy.errors import LMSpecError
from rnr_dspy.runtime.masking import mask_credentials

__all__ = ["NO_KEY", "explain_auth_error", "key_settings", "refuse_credentials_in_url", "sent_key"]

NO_KEY = "EMPTY"
_KEY_SETTING = "--api-key (or the environment variable RNR_DSPY_API_KEY)"


def key_settings(model: str, api_key: str | None, api_base: str | None) -> dict[str, str]:
    """The `api_key` argument of the served LM: the key given, the placeholder for an OpenAI-compatible server at
    `api_base` without auth, or none (the provider reads its own environment variable)."""
    if api_key:
        return {"api_key": api_key}
    if api_base and model.startswith("hosted_vllm/"):
        return {"api_key": NO_KEY}
    if api_base and model.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
        return {"api_key": NO_KEY}
    return {}


def refuse_credentials_in_url(api_base: str | None) -> None:
    """Raise `LMSpecError` (the URL masked) when `api_base` holds a user name or password."""
    if not api_base or "@" not in api_base:
        return
    try:
        parts = urlsplit(api_base)
    except ValueError:
        return  # not a URL the client can use either; its own error says so
    if parts.username is not None or parts.password is not None:
        raise LMSpecError(
            f"api_base {mask_credentials(api_base)} holds a user name and password; they are not sent (basic auth "
            f"is not supported). Give the server's key with {_KEY_SETTING}, sent as 'Authorization: Bearer KEY', "
            "and the address without them")


def explain_auth_error(error: Exception, model: str, endpoint: str, key_given: bool) -> None:
    """Reword a refused-credentials error in place: what the server said, and what to change."""
    if not isinstance(error, LMAuthError):
        return
    said = next((line.strip() for line in str(error.message or "").splitlines() if line.strip()), "")
    said = "" if said.startswith("HTTP ") else said  # the status alone, said below
    status = f"HTTP {error.status}" if error.status else "refused"
    advice = (f"check the key given with {_KEY_SETTING}" if key_given
              else f"it wants an API key: give it with {_KEY_SETTING}")
    text = f"{model} at {endpoint} refused the request's credentials ({status}: {said or 'no reason given'}); {advice}"
    error.message, error.args = text, (text,)


def sent_key(kwargs: dict[str, Any]) -> bool:
    """Whether the LM settings carry a key of the user's (not the placeholder)."""
    return bool(kwargs.get("api_key")) and kwargs.get("api_key") != NO_KEY
