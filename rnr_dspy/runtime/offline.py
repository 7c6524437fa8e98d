"""Nothing is fetched from the internet behind a run's back.

LiteLLM, which DSPy imports for the first HTTP LM, downloads its model price list from GitHub on import unless
`LITELLM_LOCAL_MODEL_COST_MAP` is set; offline that costs retries and warnings on every run, and online it is a
request nobody asked for. The package sets it (before anything imports LiteLLM), so the price list LiteLLM ships is
used. Set the variable to `False` yourself to fetch the newest one.
"""

import os

__all__ = ["LITELLM_LOCAL_COST_MAP"]

LITELLM_LOCAL_COST_MAP = "LITELLM_LOCAL_MODEL_COST_MAP"

os.environ.setdefault(LITELLM_LOCAL_COST_MAP, "True")
