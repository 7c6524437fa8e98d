"""TF-IDF themes for seeds without a theme column: computed once per run and read back on resume; past the dense
limit, clustered on a low-dimensional projection by mini-batch k-means, still grouping instructions by topic."""

import json
import random
from collections import Counter

import pytest

import rnr_dspy.generate.themes as themes
from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.seeds.data import Seed

TOPICS = {name: name.split("-") for name in [
    "bread-flour-dough-oven-yeast", "bicycle-tire-chain-brake-saddle", "tax-refund-deduction-income-filing",
    "garden-tomato-soil-compost-seedling", "guitar-chord-string-fret-strum", "python-function-list-loop-module",
    "dog-leash-puppy-bark-treat", "paint-canvas-brush-acrylic-easel", "chess-opening-pawn-bishop-castling",
    "sleep-insomnia-nap-bedtime-melatonin"]}


def _topic_seeds(count):
    rng = random.Random(1)
    seeds = []
    for n in range(count):
        topic = rng.choice(sorted(TOPICS))
        words = [*rng.sample(TOPICS[topic], 3), rng.choice(["how", "why", "when", "best", "quick", "cheap"])]
        seeds.append(Seed(id=f"s{n}", instruction=f"Question {n}: {' '.join(words)} advice?", theme=topic))
    return seeds


def test_past_the_dense_limit_a_few_thousand_seeds_are_clustered_by_topic(monkeypatch):
    monkeypatch.setattr(themes, "DENSE_LIMIT_BYTES", 0)  # the path of a large seed set
    seeds = _topic_seeds(3000)
    unthemed = [seed.model_copy(update={"theme": None}) for seed in seeds]
    themed = themes.tfidf_themes(unthemed, 4)
    topics_of = {}
    for seed, clustered in zip(seeds, themed, strict=True):
        topics_of.setdefault(clustered.theme, Counter())[seed.theme] += 1
    assert 500 <= len(topics_of) <= 1000  # about 3000 / 4 themes
    pure = sum(len(topics) == 1 for topics in topics_of.values())
    assert pure / len(topics_of) > 0.9


def test_a_resumed_run_reads_its_themes_instead_of_clustering_again(tmp_path, engine, monkeypatch):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text("".join(json.dumps({"instruction": seed.instruction}) + "\n" for seed in _topic_seeds(12)))
    clusterings = []
    cluster = themes.cluster_labels
    monkeypatch.setattr(themes, "cluster_labels", lambda *args: clusterings.append(args) or cluster(*args))
    config = GenerateConfig(out=tmp_path / "run", lm="fake/model", seeds=str(seeds), k=4, user_turns=False)
    first = run_generate(config)
    assert len(clusterings) == 1 and (tmp_path / "run" / themes.THEMES_FILE).is_file()
    resumed = run_generate(config)
    assert len(clusterings) == 1 and resumed.this_run["lm_calls"] == 0 and resumed.sft_rows == first.sft_rows


def test_stored_themes_of_other_seeds_are_not_used(tmp_path):
    path = tmp_path / themes.THEMES_FILE
    seeds = [seed.model_copy(update={"theme": None}) for seed in _topic_seeds(12)]
    first = themes.stored_tfidf_themes(seeds, 4, 0, path)
    path.write_text(json.dumps({**json.loads(path.read_text()), "themes": ["stale"] * 12}))
    assert {s.theme for s in themes.stored_tfidf_themes(seeds, 4, 0, path)} == {"stale"}  # these seeds: read
    other = themes.stored_tfidf_themes(seeds[:8], 4, 0, path)
    assert "stale" not in {s.theme for s in other} and len(first) == 12


@pytest.mark.parametrize("damaged", ["", "{not json", "[1, 2]"])
def test_a_damaged_themes_file_is_computed_again(tmp_path, damaged):
    path = tmp_path / themes.THEMES_FILE
    path.write_text(damaged)
    seeds = [seed.model_copy(update={"theme": None}) for seed in _topic_seeds(8)]
    assert all(s.theme.startswith("cluster-") for s in themes.stored_tfidf_themes(seeds, 4, 0, path))
