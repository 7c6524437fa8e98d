import dspy
import pytest

from rnr_dspy.program.composed_roles import ROLE_TEMPLATES, composed_role
from rnr_dspy.program.rnr_program import RNRProgram


def test_a_composed_role_names_the_theme_as_its_subject_and_is_drawn_from_the_seed():
    roles = {composed_role("home-repair", str(seed)) for seed in range(40)}
    assert len(roles) == len(ROLE_TEMPLATES)
    assert all(role.startswith("You are ") and "home repair" in role and "{" not in role for role in roles)
    assert composed_role("personal_finance", "a") == composed_role("personal_finance", "a")
    assert "personal finance" in composed_role("personal_finance", "a")


@pytest.mark.parametrize("theme", ["", "cluster-3", "  "])
def test_no_role_is_composed_for_a_theme_that_names_no_subject(theme):
    assert composed_role(theme, "a") is None


class _Roles(dspy.Module):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, instructions):
        self.calls += 1
        return dspy.Prediction(role="You are the LM's own role.")


@pytest.mark.parametrize(("role_source", "theme", "lm_calls"), [
    ("composed", "gardening", 0), ("composed", "cluster-0", 1), ("lm", "gardening", 1)])
def test_the_program_composes_the_role_without_the_lm_only_where_the_theme_names_a_subject(role_source, theme,
                                                                                          lm_calls):
    program = RNRProgram(role_source=role_source, rule_source="sampled")
    program.role_generator = _Roles()
    system = program._system(["When should I prune roses?"], theme, seed="s")
    assert program.role_generator.calls == lm_calls
    assert ("gardening" in system.role) == (lm_calls == 0)
    assert system.rules  # the rules are drawn whatever the role's source
