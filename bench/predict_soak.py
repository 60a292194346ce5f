"""Prediction soak (issue 11): a minute of one-instance `:predict` load, watching the server's memory.

    python -m bench.predict_soak [--model-dir EXPORT] [--seconds 60] [--connections 32] [--every 2]

The server, the export (taxifare's, trained for a few steps, unless `--model-dir`) and the load client
are bench/predict.py's: `--connections` keep-alive connections to 127.0.0.1, for `--seconds`, after
a warm-up of the same load. The client stops at the first answer that is not 200 or the first broken
connection, so a run that completes had no errors. Meanwhile the server's resident set (VmRSS, from
/proc) is sampled every `--every` seconds; the slope is a least-squares fit over those samples.
Bounded and self-stopping; prints a table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.predict import INSTANCE, cpu_seconds, load, serving, train_taxifare

# A 150 s run after 10 s of warm-up grew 0.3 MB in its first 30 s and not at all after (allocator
# arenas and the serving caches filling): the minute measured starts after that.
WARM_UP_SECONDS = 30.0


def rss_mb(pid: int) -> float:
    """A process's resident set size in MB, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS in /proc/{pid}/status")


def slope_per_minute(samples: list[tuple[float, float]]) -> float:
    """The least-squares slope of (seconds, MB) samples, in MB per minute."""
    mean_t = sum(t for t, _ in samples) / len(samples)
    mean_y = sum(y for _, y in samples) / len(samples)
    covariance = sum((t - mean_t) * (y - mean_y) for t, y in samples)
    variance = sum((t - mean_t) ** 2 for t, _ in samples)
    return 60 * covariance / variance


def soak(model_dir: Path, seconds: float, connections: int, every: float) -> dict[str, Any]:
    body = {"instances": [json.loads(INSTANCE.read_text())]}
    with serving(model_dir) as (live, path):
        port, pid = int(live.url.rsplit(":", 1)[1]), live.process.pid
        load(port, path, body, connections, WARM_UP_SECONDS)
        result: dict[str, Any] = {}
        client = threading.Thread(target=lambda: result.update(load(port, path, body, connections, seconds)))
        cpu, started = cpu_seconds(pid), time.monotonic()
        samples = [(0.0, rss_mb(pid))]
        client.start()
        while client.is_alive():
            client.join(every)
            samples.append((time.monotonic() - started, rss_mb(pid)))
        if not result:
            raise RuntimeError("the load client failed: see its error above")
        result["server_cpu_s"] = cpu_seconds(pid) - cpu
    rss = [mb for _, mb in samples]
    return {**result, "samples": len(samples), "rss_series": rss[:: max(1, round(10 / every))],
            "rss_start_mb": rss[0], "rss_end_mb": rss[-1], "rss_max_mb": max(rss),
            "slope_mb_per_min": slope_per_minute(samples)}  # fmt: skip


def render(r: dict[str, Any], seconds: float, connections: int, load_average: float) -> str:
    rows = [
        ("requests / errors", f"{r['requests']:,} / 0 ({r['requests_per_s']:,.0f} requests/s)"),
        ("latency p50 / p99", f"{r['p50_ms']:.1f} / {r['p99_ms']:.1f} ms"),
        ("server RSS at start (after the warm-up) / end / max", f"{r['rss_start_mb']:.1f} / {r['rss_end_mb']:.1f} / "
         f"{r['rss_max_mb']:.1f} MB"),
        (f"RSS slope over {r['samples']} samples", f"{r['slope_mb_per_min']:+.2f} MB per minute"),
        ("RSS every ~10 s", " ".join(f"{mb:.1f}" for mb in r["rss_series"]) + " MB"),
        ("server CPU", f"{r['server_cpu_s']:.1f} s ({r['server_cpu_s'] / r['requests'] * 1e6:.0f} µs a request)"),
    ]  # fmt: skip
    head = (f"`python -m bench.predict_soak`: {seconds:g} s of one-instance taxifare requests at {connections} "
            f"connections after a {WARM_UP_SECONDS:g} s warm-up; load average {load_average:.1f} at the start "
            f"and {os.getloadavg()[0]:.1f} at the end (2 cores, shared).")  # fmt: skip
    return "\n".join([head, "", "| measure | value |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows), ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, help="An export to serve (default: train examples/taxifare).")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between RSS samples")
    args = parser.parse_args()
    load_average = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-taxifare-") as out:
        model_dir = args.model_dir or train_taxifare(Path(out))
        result = soak(model_dir.resolve(), args.seconds, args.connections, args.every)
    print(render(result, args.seconds, args.connections, load_average))


if __name__ == "__main__":
    main()
