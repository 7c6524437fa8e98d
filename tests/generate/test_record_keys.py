"""The content-hash keys of `generated.jsonl` are a run's resume points: the same settings must give the same keys
from one version to the next (a resumed run would otherwise generate every row again). The digests below were
computed before the program settings got one owner (issue 30) and must not change."""

import json

import pytest

from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.generate.run_dir import data_settings
from rnr_dspy.runtime.hashing import content_hash

# The keys of a default run (the embedded teacher's defaults, and a served teacher's), hashed in file order.
CASES = {
    "embedded": ("embedded", {}, 12, "5da949faff3317448ba4"),
    "served": ("fake/model", {}, 18, "188dce7904b66186eb39"),
    "served, other settings": ("fake/model", {"attempts": 2, "hindsight": False, "response_temperature": 0.5,
                                              "response_max_tokens": 256, "rule_sets": 2, "judge_lm": "none",
                                              "role_source": "composed"}, 36, "5ba804c4df83cf5a48a0"),
}


def _keys(tmp_path, lm, **settings):
    out = tmp_path / lm.replace("/", "-")
    run_generate(GenerateConfig(out=out, lm=lm, limit=8, k=4, **settings))
    records = [json.loads(line) for line in (out / "generated.jsonl").read_text().splitlines()]
    return [record["key"] for record in records if record["stage"] != "group"]  # a group's record: not a row's


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_keys_of_the_same_settings_are_those_of_earlier_versions(tmp_path, engine, case):
    lm, settings, count, digest = CASES[case]
    keys = _keys(tmp_path, lm, **settings)
    assert (len(keys), content_hash(sorted(keys))) == (count, digest)


def test_a_responder_prompt_other_than_the_teachers_default_is_part_of_the_prompt_keys(tmp_path, engine):
    default = _keys(tmp_path / "default", "embedded")
    fields = _keys(tmp_path / "fields", "embedded", responder_prompt="fields")
    chat = _keys(tmp_path / "chat", "embedded", responder_prompt="chat")  # the embedded teacher's default, set
    assert set(chat) == set(default) and len(fields) == len(default) and set(fields) != set(default)


def test_the_recorded_run_settings_are_those_of_earlier_versions():
    # run_settings.json: a run resumes only under the settings it recorded (rnr_dspy.generate.run_dir).
    assert content_hash(data_settings(GenerateConfig())) == "4f4790c14e8909e2e4f3"
    assert content_hash(data_settings(GenerateConfig(lm="x/y", attempts=2))) == "e3371db1cb3893931b23"
    assert data_settings(GenerateConfig(answer={"attempts": 2})) == data_settings(GenerateConfig(attempts=2))


def test_an_answer_setting_added_later_keys_a_prompt_only_off_its_default():
    from rnr_dspy.generate.flow import _answer_settings
    from rnr_dspy.program.answer import AnswerSettings

    class Later(AnswerSettings):  # AnswerSettings with a setting added
        top_k: int = 0

    base = GenerateConfig(lm="fake/model")
    same = GenerateConfig(lm="fake/model", answer=Later(**base.answer.model_dump()))
    other = GenerateConfig(lm="fake/model", answer=Later(**base.answer.model_dump(), top_k=5))
    assert _answer_settings(same) == _answer_settings(base) != _answer_settings(other)
    assert data_settings(same) == data_settings(base) != data_settings(other)
