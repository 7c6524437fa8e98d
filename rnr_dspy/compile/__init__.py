"""`rnr-dspy compile`: optimize the RNR program's prompts against the rule-adherence metric."""

from rnr_dspy.compile.config import CompileConfig
from rnr_dspy.compile.result import CompileResult
from rnr_dspy.compile.run import make_examples, run_compile

__all__ = ["CompileConfig", "CompileResult", "make_examples", "run_compile"]
