import os
import subprocess
import sys

import pytest

CHECK = """
import os, sys
import rnr_dspy
assert "litellm" not in sys.modules
print(os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP"))
"""


def run(code, **env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LITELLM_")}
    return subprocess.run([sys.executable, "-c", code], env={**environment, **env}, capture_output=True, text=True,
                          timeout=120, check=True).stdout.strip()


def test_importing_the_package_makes_litellm_use_its_shipped_price_list():
    # LiteLLM is imported later, by the first HTTP LM: the setting must be in place before that, set by the package.
    assert run(CHECK) == "True"


def test_a_users_own_setting_is_kept():
    assert run(CHECK, LITELLM_LOCAL_MODEL_COST_MAP="False") == "False"


def test_litellm_then_loads_the_price_list_without_a_request():
    pytest.importorskip("litellm")
    code = ("import rnr_dspy, litellm\n"
            "from litellm.litellm_core_utils.get_model_cost_map import _cost_map_source_info as info\n"
            "print(info.source, info.url, len(litellm.model_cost) > 100)")
    assert run(code) == "local None True"
