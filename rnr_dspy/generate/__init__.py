"""`rnr-dspy generate`: seeds → roles, rules and user turns → judged responses → SFT rows and DPO pairs."""

from rnr_dspy.generate.config import GenerateConfig
from rnr_dspy.generate.pipeline import run_generate
from rnr_dspy.generate.result import GenerateResult

__all__ = ["GenerateConfig", "GenerateResult", "run_generate"]
