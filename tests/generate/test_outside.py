"""Each group's out-of-scope candidates: the same requests, in the same order, as a list of every other theme's
seeds, and the same composed turns drawn from them; built in one pass over a few thousand seeds, not one per
group."""

import random

import pytest

from rnr_dspy.generate.flow import RunFlow
from rnr_dspy.generate.outside import OutsideIndex
from rnr_dspy.program.composed_turns import composed_turns
from rnr_dspy.rules import Rule, SystemPrompt
from rnr_dspy.seeds.data import Seed, group_seeds

SYSTEM = SystemPrompt(role="You are a coach.", rules=[
    Rule(id="r1", kind="length", text="Be brief.", check={"name": "max_words", "limit": 40})])


def _groups(count, themes, k=4):
    rng = random.Random(0)
    seeds = [Seed(id=f"s{n}", instruction=f"Request {n} about topic {rng.randrange(themes)}?",
                  theme=f"theme-{rng.randrange(themes)}" if n % 7 else None) for n in range(count)]
    return group_seeds(seeds, k, shuffle_seed=0)


def _every_other_theme(groups, seeds):
    themes = {seed.theme for seed in seeds}
    return [seed.prompt for group in groups for seed in group if seed.theme not in themes]


@pytest.mark.parametrize("themes", [1, 3, 40])
def test_a_group_sees_the_requests_of_every_other_theme_in_order(themes):
    groups = _groups(300, themes)
    index = OutsideIndex(groups)
    for group in groups:
        view, expected = index.of(group), _every_other_theme(groups, group)
        assert len(view) == len(expected) and list(view) == expected
        assert [view[i] for i in range(len(view))] == expected and view[-1:] == expected[-1:]
        assert composed_turns(SYSTEM, [s.prompt for s in group], view, "seed") == \
            composed_turns(SYSTEM, [s.prompt for s in group], expected, "seed")


def test_the_candidates_of_a_few_thousand_seeds_are_built_in_one_pass(monkeypatch):
    groups = _groups(4000, 50)
    reads = []
    prompt = Seed.prompt
    monkeypatch.setattr(Seed, "prompt", property(lambda seed: reads.append(1) or prompt.fget(seed)))
    run = RunFlow(None, None, None, groups, None, None, None, None, None)  # only its groups matter here
    for group in groups:
        composed_turns(SYSTEM, ["Request?"], run._outside(group), group[0].id)
    assert len(groups) > 1000 and len(reads) == 4000  # each seed's request read once, not once per group


def test_distinct_candidates_are_read_by_index_not_copied():
    class Counted(list):
        distinct = True
        reads = 0

        def __getitem__(self, index):
            Counted.reads += 1
            return super().__getitem__(index)

        def __iter__(self):
            raise AssertionError("copied")

    candidates = Counted(f"request {n}" for n in range(5000))
    turns = composed_turns(SYSTEM, ["Request?"], candidates, "seed")
    assert [kind for kind, _ in turns].count("out_of_scope") == 2 and Counted.reads <= 4
