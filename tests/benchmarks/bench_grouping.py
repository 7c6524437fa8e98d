"""Grouping seeds without a theme column: CPU, wall and peak RSS of TF-IDF clustering at N seeds, and of reading
the stored themes back (what a resumed run does).

    python tests/benchmarks/bench_grouping.py [--seeds 102400] [--k 4]

The seeds are synthetic instructions over a 20,000-word vocabulary drawn around 200 topics.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

from rnr_dspy.generate.themes import stored_tfidf_themes
from rnr_dspy.seeds.data import Seed


def _seeds(count: int) -> list[Seed]:
    rng = random.Random(0)
    words = [f"w{n}x{rng.randrange(10**6)}" for n in range(20000)]
    topics = [rng.sample(words, 40) for _ in range(200)]
    seeds = []
    for n in range(count):
        topic = topics[rng.randrange(len(topics))]
        text = " ".join(rng.choice(topic) if rng.random() < 0.6 else rng.choice(words) for _ in range(14))
        seeds.append(Seed(id=f"s{n}", instruction=f"How do I {text}?"))
    return seeds


def _timed(call):  # (result, cpu s, wall s)
    cpu, wall = time.process_time(), time.perf_counter()
    result = call()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=102400)
    parser.add_argument("--k", type=int, default=4)
    args = parser.parse_args()
    seeds = _seeds(args.seeds)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "themes.json"
        themed, cpu, wall = _timed(lambda: stored_tfidf_themes(seeds, args.k, 0, path))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
        _, resume_cpu, resume_wall = _timed(lambda: stored_tfidf_themes(seeds, args.k, 0, path))
    themes = len({seed.theme for seed in themed})
    print(f"{args.seeds} seeds, k={args.k}: {themes} themes ({args.seeds / themes:.1f} seeds each) in {cpu:.1f} CPU s, "
          f"{wall:.1f} s wall, peak RSS {peak:.0f} MiB; resume reads them in {resume_cpu:.2f} CPU s "
          f"({resume_wall:.2f} s wall)")


if __name__ == "__main__":
    main()
