"""`rnr-dspy generate` at scale against fake OpenAI-compatible servers: rows/s, CPU per row, peak RSS and the time
of a resume with nothing left to do, by seed count, server latency, groups in parallel (`--num-threads`), worker
processes (`--workers`) and servers.

    python tests/benchmarks/bench_generate_scale.py --seeds 1000 --latency 0 2 --threads 16 64 256 --servers 1
    python tests/benchmarks/bench_generate_scale.py --seeds 1000 --latency 2 --threads 256 --servers 1 3 --capacity 32
    python tests/benchmarks/bench_generate_scale.py --seeds 1000 --latency 2 --threads 128 --workers 2

Each server is a process of its own (`tests/helpers/serve_fake_openai.py`) answering every request after
`--latency` seconds, at most `--capacity` at a time (a server's batch; default: whatever is in flight, a server with
room to spare); it reports the most requests it answered at once. Each run is a fresh process with an empty DSPy
cache, timed by `/usr/bin/time` (CPU of the process and its workers); peak RSS is the most its process tree held
at once (sampled every 0.2 s); rows/s is the report's prompt rows over its own wall time (start-up excluded),
then the same command resumes with nothing left to do. One table row per configuration, as JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

HELPERS = Path(__file__).parents[1] / "helpers"
THEMES = ["cooking", "travel", "gardening", "finance", "fitness", "music", "history", "coding", "pets", "cars"]


def write_seeds(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for index in range(count):
            theme = THEMES[index % len(THEMES)]
            handle.write(json.dumps({"id": f"s{index}", "instruction": f"Question {index} about {theme}: how do I "
                                     f"start with step {index % 97} of {theme} project {index // 97}?",
                                     "domain": theme}) + "\n")


@contextmanager
def fake_servers(count: int, latency: float, capacity: int | None) -> Iterator[list[subprocess.Popen[str]]]:
    limit = ["--capacity", str(capacity)] if capacity else []
    processes = [subprocess.Popen([sys.executable, str(HELPERS / "serve_fake_openai.py"), "--latency", str(latency),
                                   *limit], stdout=subprocess.PIPE, text=True) for _ in range(count)]
    try:
        yield processes
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)


def timed(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Wall and CPU seconds of `command` (from /usr/bin/time) and the peak RSS (MiB) of its process tree."""
    with tempfile.NamedTemporaryFile("r") as out:
        process = subprocess.Popen(["/usr/bin/time", "-f", "%e %U %S", "-o", out.name, *command], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = [0]
        sampler = threading.Thread(target=_sample_rss, args=(process, peak), daemon=True)
        sampler.start()
        process.wait()
        sampler.join()
        wall, user, system = out.read().split()[-3:]
    return {"wall": float(wall), "cpu": float(user) + float(system), "rss_mib": peak[0] / 1024}


def _sample_rss(process: subprocess.Popen[bytes], peak: list[int]) -> None:
    while process.poll() is None:
        peak[0] = max(peak[0], sum(_rss_kb(pid) for pid in _tree(process.pid)))
        time.sleep(0.2)


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [pid, *(descendant for child in children for descendant in _tree(int(child)))]


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)


def run(seeds: int, latency: float, threads: int, workers: int, servers: int, capacity: int | None,
        work: Path) -> dict[str, Any]:
    seed_file = work / f"seeds-{seeds}.jsonl"
    if not seed_file.exists():
        write_seeds(seed_file, seeds)
    out = work / f"run-{seeds}-{latency}-{threads}-{workers}-{servers}-{capacity}"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "DSPY_CACHEDIR": str(work / f"cache-{out.name}")}
    with fake_servers(servers, latency, capacity) as processes:
        urls = [process.stdout.readline().strip() for process in processes if process.stdout]
        command = [sys.executable, "-m", "rnr_dspy.cli", "generate", "--seeds", str(seed_file), "--limit", str(seeds),
                   "--lm", "hosted_vllm/fake-teacher", "--api-base", ",".join(urls), "--num-threads", str(threads),
                   "--workers", str(workers), "--request-timeout", "600", "--out", str(out)]
        first = timed(command, env)
        report = json.loads((out / "generate_report.json").read_text())
        resume = timed(command, env)
        resumed = json.loads((out / "generate_report.json").read_text())
    stats = [json.loads(process.stdout.read() or "{}") for process in processes if process.stdout]
    rows = report["prompts"]
    wall = float(report["this_run"]["wall_seconds"])
    return {"seeds": seeds, "latency_s": latency, "threads": threads, "workers": workers, "servers": servers,
            "capacity": capacity, "rows": rows, "missing_rows": report["missing_rows"],
            "rows_per_s": round(rows / wall, 2),
            "cpu_ms_per_row": round(1000 * first["cpu"] / max(rows, 1), 1), "peak_rss_mib": round(first["rss_mib"]),
            "run_wall_s": round(wall, 1), "resume_wall_s": resumed["this_run"]["wall_seconds"],
            "resume_process_s": resume["wall"], "resume_cpu_s": round(resume["cpu"], 1),
            "requests": sum(stat.get("requests", 0) for stat in stats),
            "peak_in_flight": [stat.get("peak_in_flight") for stat in stats]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[1000])
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0])
    parser.add_argument("--threads", type=int, nargs="+", default=[16])
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    parser.add_argument("--servers", type=int, nargs="+", default=[1])
    parser.add_argument("--capacity", type=int, default=None, help="Requests each server answers at once.")
    args = parser.parse_args()
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for seeds, latency, threads, workers, servers in itertools.product(args.seeds, args.latency, args.threads,
                                                                           args.workers, args.servers):
            print(json.dumps(run(seeds, latency, threads, workers, servers, args.capacity, work)), flush=True)


if __name__ == "__main__":
    main()
