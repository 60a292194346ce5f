"""Load (issue 11): job submissions from concurrent clients while log followers read, on loopback.

    python -m bench.load [--deployment embedded|production|both] [--submissions 1000] [--clients 20]
                         [--followers 50] [--write]

Against the embedded server (uvicorn, SQLite, the SQLite broker) and the production deployment (the
same API over a PostgreSQL schema of its own and Redis database 13, dropped and flushed afterwards);
no worker, so jobs stay QUEUED. `--clients` threads share `--submissions` creates (each its own HTTP
client), while `--followers` threads follow the logs of as many jobs over SSE. A writer appends one
line per followed job every 0.1 s (or as often as it can) through the store's batched append, a
transaction per job (the worker's path), each line carrying its write time; a follower's lag is its
receive time minus that. When the submissions are done the followed jobs are cancelled, which ends
the streams; each follower must have seen exactly the lines written, in order. A run with errors
prints the server's log (its tracebacks) to stderr.
Bounded and self-stopping. `--write` puts the table into BENCHMARKS.md under its own heading.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager
from typing import Any

from api.store.db import transaction
from api.store.logs import LogLine, append_logs
from bench.api import serving, write_section
from cli.client import ClientError, MlctlClient
from tests.live import LiveServer, job_body
from tests.scheduler.platform import fresh_redis

HEADING = "## Load (issue 11) — bench/load.py"
PROJECT = "load"
WRITE_EVERY = 0.1
# Not the tests' 11 nor bench/scheduler.py's 12: flushed before and after the run.
REDIS_URL = "redis://127.0.0.1:6379/13"
DEPLOYMENTS = {"embedded": "SQLite, SQLite broker", "production": "PostgreSQL, Redis"}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _submit(url: str, first: int, count: int) -> tuple[list[float], list[str]]:
    latencies, errors = [], []
    with closing(MlctlClient(url, PROJECT)) as client:
        for n in range(first, first + count):
            started = time.perf_counter()
            try:
                client.create_job(job_body(f"load_{n}"))
            except ClientError as exc:
                errors.append(str(exc))
            latencies.append(time.perf_counter() - started)
    return latencies, errors


def _follow(url: str, job_id: str) -> tuple[list[float], list[int]]:
    lags, seen = [], []
    with closing(MlctlClient(url, PROJECT)) as client:
        for entry in client.follow_logs(job_id):
            number, _, written = entry["message"].partition(" ")
            lags.append(time.time() - float(written))
            seen.append(int(number))
    return lags, seen


def _write_lines(server: LiveServer, followed: list[str], stop: threading.Event) -> int:
    written = 0
    while not stop.is_set():
        for job_id in followed:  # a transaction per job, as a worker's request is: a line is seen once committed
            with transaction(server.sessions) as session:
                append_logs(session, PROJECT, job_id, [LogLine(f"{written} {time.time()}")])
        written += 1
        stop.wait(WRITE_EVERY)
    return written


@contextmanager
def deployment(name: str) -> Iterator[LiveServer]:
    """The API as `name` deploys it, left clean afterwards (PostgreSQL schema dropped, Redis flushed)."""
    if name == "embedded":
        with serving("sqlite") as server:
            yield server
        return
    with ExitStack() as stack:
        broker_url = fresh_redis(REDIS_URL)
        stack.callback(fresh_redis, REDIS_URL)  # the jobs' messages, which no worker took
        yield stack.enter_context(serving("postgresql", broker_url=broker_url))


def run(name: str, submissions: int, clients: int, followers: int) -> dict[str, Any]:
    with deployment(name) as server:
        with closing(MlctlClient(server.url, PROJECT)) as client:
            followed = [client.create_job(job_body(f"followed_{i}"))["jobId"] for i in range(followers)]
        stop = threading.Event()
        with ThreadPoolExecutor(clients + followers + 1) as pool:
            follows = [pool.submit(_follow, server.url, job_id) for job_id in followed]
            writer = pool.submit(_write_lines, server, followed, stop)
            started = time.perf_counter()
            share = submissions // clients
            submits = [pool.submit(_submit, server.url, i * share, share) for i in range(clients)]
            results = [future.result() for future in submits]
            elapsed = time.perf_counter() - started
            stop.set()
            lines = writer.result()
            with closing(MlctlClient(server.url, PROJECT)) as client:
                for job_id in followed:
                    client.cancel_job(job_id)
            follow_results = [future.result(timeout=120) for future in follows]
        if any(errors for _, errors in results):  # the server's side of them (tracebacks), before its folder goes
            print((server.settings.data_dir / "server.log").read_text()[-20_000:], file=sys.stderr)
    latencies = [lat for lats, _ in results for lat in lats]
    lags = [lag for lag_list, _ in follow_results for lag in lag_list]
    exact = sum(seen == list(range(lines)) for _, seen in follow_results)
    return {
        "submissions": len(latencies), "errors": sum(len(errors) for _, errors in results),
        "first_error": next((error for _, errors in results for error in errors), ""),
        "per_second": len(latencies) / elapsed, "p50_ms": 1000 * _percentile(latencies, 0.5),
        "p99_ms": 1000 * _percentile(latencies, 0.99), "followers": followers, "exact_followers": exact,
        "lines": lines, "lag_p50_ms": 1000 * _percentile(lags, 0.5), "lag_p99_ms": 1000 * _percentile(lags, 0.99),
        "lag_max_ms": 1000 * max(lags, default=float("nan")),
    }  # fmt: skip


def table(results: dict[str, dict[str, Any]], clients: int) -> str:
    load = os.getloadavg()[0]
    first = next(iter(results.values()))

    def row(label: str, cell: Any) -> str:
        return f"| {label} | " + " | ".join(cell(r) for r in results.values()) + " |"

    return "\n".join([
        HEADING, "",
        f"The API (uvicorn, no worker) on loopback; {clients} submitting clients and {first['followers']:.0f} SSE log "
        f"followers at once; 2-core machine shared with other work (load average {load:.1f} at the end of the run).",
        "",
        "| measure | " + " | ".join(f"{name} ({DEPLOYMENTS[name]})" for name in results) + " |",
        "|---|" + "---|" * len(results),
        row("submissions / errors", lambda r: f"{r['submissions']:.0f} / {r['errors']:.0f} {r['first_error'][:200]}"),
        row("submit latency p50 / p99", lambda r: f"{r['p50_ms']:.0f} ms / {r['p99_ms']:.0f} ms"),
        row("submissions per second (all clients)", lambda r: f"{r['per_second']:.0f}"),
        row("followers that saw every line once, in order",
            lambda r: f"{r['exact_followers']:.0f} of {r['followers']:.0f} ({r['lines']:.0f} lines each)"),
        row("follower lag p50 / p99 / max",
            lambda r: f"{r['lag_p50_ms']:.0f} / {r['lag_p99_ms']:.0f} / {r['lag_max_ms']:.0f} ms"),
        "",
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deployment", choices=[*DEPLOYMENTS, "both"], default="both")
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--followers", type=int, default=50)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    names = list(DEPLOYMENTS) if args.deployment == "both" else [args.deployment]
    results = {name: run(name, args.submissions, args.clients, args.followers) for name in names}
    section = table(results, args.clients)
    print(section)
    if args.write:
        write_section(section, HEADING)


if __name__ == "__main__":
    main()
