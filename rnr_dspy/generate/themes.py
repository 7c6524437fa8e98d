"""Themes for seeds that have none: TF-IDF clusters of about `k` instructions each, computed once per run.

The TF-IDF matrix is sparse. While the cluster centres (clusters by vocabulary, dense) fit in `DENSE_LIMIT_BYTES`,
k-means runs on it as it is; past that, on a 64-dimensional LSA projection (truncated SVD), in two levels of
scikit-learn's `MiniBatchKMeans` (about √clusters coarse clusters, then each split into clusters of about `k`), so
memory and time grow with the seeds rather than with seeds times clusters. A run stores its themes in the run
directory; resuming reads them back instead of clustering again.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

from rnr_dspy.runtime.atomic import write_json
from rnr_dspy.seeds.data import Seed

__all__ = ["DENSE_LIMIT_BYTES", "THEMES_FILE", "cluster_labels", "stored_tfidf_themes", "tfidf_themes"]

DENSE_LIMIT_BYTES = 64 * 2**20
THEMES_FILE = "themes.json"
_LSA_DIMENSIONS = 64


def stored_tfidf_themes(seeds: list[Seed], k: int, random_state: int, path: Path | None) -> list[Seed]:
    """`tfidf_themes`, read from `path` when it holds the themes of these very seeds, else computed and stored
    there (when `path` is given)."""
    key = _seeds_key(seeds, k, random_state)
    stored = _read(path) if path is not None else None
    if stored is not None and stored.get("key") == key and len(stored.get("themes", [])) == len(seeds):
        return [seed.model_copy(update={"theme": theme}) for seed, theme in zip(seeds, stored["themes"], strict=True)]
    themed = tfidf_themes(seeds, k, random_state)
    if path is not None:
        write_json(path, {"key": key, "themes": [seed.theme for seed in themed]}, indent=None)
    return themed


def tfidf_themes(seeds: list[Seed], k: int, random_state: int = 0) -> list[Seed]:
    """Seeds with a theme from TF-IDF k-means clusters of about `k` instructions each."""
    clusters = math.ceil(len(seeds) / k)
    if clusters <= 1:
        return [seed.model_copy(update={"theme": "cluster-0"}) for seed in seeds]
    labels = cluster_labels([seed.prompt for seed in seeds], clusters, random_state)
    return [seed.model_copy(update={"theme": f"cluster-{label}"}) for seed, label in zip(seeds, labels, strict=True)]


def cluster_labels(texts: list[str], clusters: int, random_state: int) -> list[int]:
    """A cluster label per text, `clusters` clusters (about: the two-level path may make a few more or fewer)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    if clusters * vectors.shape[1] * 8 <= DENSE_LIMIT_BYTES:
        from sklearn.cluster import KMeans

        return [int(label) for label in KMeans(n_clusters=clusters, n_init=4,
                                               random_state=random_state).fit_predict(vectors)]
    return _two_level_labels(_lsa(vectors, random_state), clusters, random_state)


def _lsa(vectors: Any, random_state: int) -> Any:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    dimensions = max(1, min(_LSA_DIMENSIONS, vectors.shape[1] - 1))
    reduced = TruncatedSVD(n_components=dimensions, random_state=random_state).fit_transform(vectors)
    return normalize(reduced.astype("float32"))


def _two_level_labels(points: Any, clusters: int, random_state: int) -> list[int]:
    import numpy as np

    coarse = _mini_batch(points, math.ceil(math.sqrt(clusters)), random_state)
    labels = np.zeros(len(points), dtype=np.int64)
    per_point = clusters / len(points)
    offset = 0
    for group in range(int(coarse.max()) + 1):
        members = np.flatnonzero(coarse == group)
        fine = min(len(members), max(1, round(len(members) * per_point)))
        labels[members] = offset + (_mini_batch(points[members], fine, random_state) if fine > 1 else 0)
        offset += fine
    return [int(label) for label in labels]


def _mini_batch(points: Any, clusters: int, random_state: int) -> Any:
    from sklearn.cluster import MiniBatchKMeans

    fitted = MiniBatchKMeans(n_clusters=clusters, n_init=3, batch_size=4096, random_state=random_state)
    return fitted.fit_predict(points)


def _seeds_key(seeds: list[Seed], k: int, random_state: int) -> str:
    digest = hashlib.sha256(json.dumps([k, random_state]).encode())
    for seed in seeds:
        digest.update(seed.prompt.encode("utf-8", "surrogatepass") + b"\0")
    return f"sha256:{digest.hexdigest()[:24]}"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # absent or damaged: computed again
    return stored if isinstance(stored, dict) else None
