"""`rnr-dspy generate`: seeds → roles, rules and user turns → judged responses → SFT rows and DPO pairs."""

from rnr_dspy.generate.config import GenerateConfig
from rnr_dspy.generate.result import GenerateResult
from rnr_dspy.generate.run import run_generate

__all__ = ["GenerateConfig", "GenerateResult", "run_generate"]
