"""`rnr-dspy generate`: seeds → roles, rules and user turns → judged responses → SFT rows and DPO pairs."""

from rnr_dspy.generate.config import GenerateConfig
from rnr_dspy.generate.pipeline import GenerateProgress, run_generate

__all__ = ["GenerateConfig", "GenerateProgress", "run_generate"]
