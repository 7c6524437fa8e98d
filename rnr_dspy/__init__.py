"""rnr-dspy: teach LLMs to follow roles and rules (RNR), as a DSPy plugin."""

# First, before anything imports LiteLLM: use its shipped price list instead of fetching one.
from rnr_dspy.runtime import offline as _offline  # noqa: F401, I001

from rnr_dspy.program.adapter import StructuredAdapter
from rnr_dspy.seeds.data import Seed, SeedColumns, SeedSet, group_seeds, load_seeds
from rnr_dspy.errors import ConfigError, LMError, LMSpecError, RnrError, SeedError
from rnr_dspy.program.follow_rules import FollowRules, rules_reward
from rnr_dspy.models.lm import embedded_model_path, make_lm
from rnr_dspy.program.modules import RoleGenerator, RuleFollowingResponder, RuleGenerator, RuleJudge
from rnr_dspy.optimizers.metrics import rule_adherence
from rnr_dspy.program.rnr_program import RNRProgram
from rnr_dspy.rules import Rule, RuleVerdict, SystemPrompt, render_system_prompt
from rnr_dspy.rules.reading import read_check, read_rules, read_system_prompt

__all__ = [
    "ConfigError",
    "FollowRules",
    "LMError",
    "LMSpecError",
    "RNRProgram",
    "RnrError",
    "RoleGenerator",
    "Rule",
    "RuleFollowingResponder",
    "RuleGenerator",
    "RuleJudge",
    "RuleVerdict",
    "Seed",
    "SeedColumns",
    "SeedError",
    "SeedSet",
    "StructuredAdapter",
    "SystemPrompt",
    "embedded_model_path",
    "group_seeds",
    "load_seeds",
    "make_lm",
    "read_check",
    "read_rules",
    "read_system_prompt",
    "render_system_prompt",
    "rule_adherence",
    "rules_reward",
]
