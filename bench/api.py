"""Jobs API benchmark (issue 4), against a real uvicorn server, with SQLite and with PostgreSQL.

    python -m bench.api [--store sqlite|postgresql|both] [--jobs 100000] [--write]

Measures, in one run per store: job create latency p50/p99 over 1,000 creates (HTTP, end to end);
`jobs list` with `filter=state=FAILED AND createTime>...` and pageSize=100 over 100,000 stored jobs,
p50, with the EXPLAIN of its query (an index must be used); log append rate through the store's
batched append (the worker's path); log page read latency (HTTP, pageSize=100). `--write` puts the
table into BENCHMARKS.md under its own heading, leaving the rest of the file alone.
(Run it as a module from the repository root: `bench/api.py` run as a file would shadow `api`.)
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text, update

from api.filter import parse_filter
from api.states import JobState
from api.store import jobs as store
from api.store.logs import LogLine, append_logs
from api.store.models import Job
from tests.live import REPO, LiveServer, job_body, postgres_schema_url, start_server

HEADING = "## Jobs API (issue 4) — bench/api.py"
FILTER = "state=FAILED AND createTime>2024-10-01"
TRAINING = job_body("x")["trainingInput"]


def percentile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1] if q < 100 else max(samples)


def timed_ms(call: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def seed_jobs(server: LiveServer, project: str, count: int) -> None:
    """`count` jobs over 2024, a fifth of them FAILED, inserted in bulk through the store."""
    rng, start = random.Random(4), datetime(2024, 1, 1, tzinfo=UTC)
    for first in range(0, count, 5000):
        specs = [store.NewJob(f"job_{i:07d}", TRAINING, create_time=start + timedelta(seconds=rng.randrange(
            366 * 86400))) for i in range(first, min(first + 5000, count))]
        with server.sessions.begin() as session:
            pks = store.create_jobs(session, project, specs)
            failed = [pk for pk in pks if rng.random() < 0.2]
            session.execute(update(Job).where(Job.id.in_(failed)).values(state=JobState.FAILED.value))
    with server.sessions.begin() as session:
        session.execute(text("ANALYZE"))


def explain(server: LiveServer, project: str) -> str:
    with server.sessions.begin() as session:
        pid = store.project_id(session, project)
        assert pid is not None
        page = store.Page(Job.create_time, True, 101)
        sql = store.page_query(pid, parse_filter(FILTER), page).compile(
            session.get_bind(), compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if server.settings.is_sqlite else "EXPLAIN "
        rows = session.execute(text(prefix + str(sql))).all()
    return "\n".join(str(row[-1]) for row in rows)


def bench_logs(server: LiveServer, project: str, lines: int) -> tuple[float, list[float]]:
    server.client(project).create_job(job_body("chatty"))
    batch = [LogLine(f"step {i} loss={1 / (i + 1):.6f}") for i in range(1000)]
    started = time.perf_counter()
    for _ in range(lines // len(batch)):
        with server.sessions.begin() as session:
            append_logs(session, project, "chatty", batch)
    rate = lines / (time.perf_counter() - started)
    client, rng = server.client(project), random.Random(7)
    first = int(client.read_logs("chatty", page_size=1)["entries"][0]["cursor"])
    reads = timed_ms(lambda: client.read_logs("chatty", after=str(first + rng.randrange(lines - 100)),
                                              page_size=100), 200)
    return rate, reads


def run(server: LiveServer, jobs: int) -> dict[str, object]:
    client = server.client("bench-create")
    counter = iter(range(10**9))
    creates = timed_ms(lambda: client.create_job(job_body(f"c{next(counter)}")), 1000)
    seed_jobs(server, "bench-list", jobs)
    lister = server.client("bench-list")
    assert len(lister.list_jobs(filter=FILTER, page_size=100)["jobs"]) == 100
    lists = timed_ms(lambda: lister.list_jobs(filter=FILTER, page_size=100), 100)
    rate, reads = bench_logs(server, "bench-logs", 100_000)
    return {"create_p50": percentile(creates, 50), "create_p99": percentile(creates, 99),
            "list_p50": percentile(lists, 50), "plan": explain(server, "bench-list"),
            "append_rate": rate, "read_p50": percentile(reads, 50)}


@contextmanager
def serving(kind: str, **overrides: Any) -> Iterator[LiveServer]:
    """A server over SQLite or a fresh PostgreSQL schema (dropped afterwards), with settings `overrides`."""
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"mlctl-bench-{kind}-")))
        database_url = stack.enter_context(postgres_schema_url()) if kind == "postgresql" else ""
        server = start_server(data_dir, database_url, **overrides)
        stack.callback(server.stop)
        yield server


# measure → (label, unit, target, True when higher is better)
TARGETS = {"create_p50": ("job create p50", "ms", 15.0, False),
           "create_p99": ("job create p99", "ms", None, False),
           "list_p50": ("filtered jobs list, pageSize=100, p50", "ms", 30.0, False),
           "append_rate": ("log append (batches of 1,000)", "lines/s", 20_000.0, True),
           "read_p50": ("log page read (pageSize=100) p50", "ms", None, False)}


def _cell(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}" if unit == "lines/s" else f"{value:.2f} {unit}"


def render(results: dict[str, dict[str, object]], jobs: int) -> str:
    stores = list(results)
    machine = (f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
               f"{date.today().isoformat()}")
    lines = [HEADING, "", f"One run of `python -m bench.api` ({jobs:,} stored jobs for the list; "
             f"filter `{FILTER}`; {machine}); ratio = measured / target, below 1 is better for times, "
             "above 1 for rates.", "", "| measure | " + " | ".join(stores) + " | target | ratio |",
             "|---|" + "---|" * len(stores) + "---|---|"]
    for key, (label, unit, target, higher) in TARGETS.items():
        values = [float(results[s][key]) for s in stores]  # type: ignore[arg-type]
        goal = "—" if target is None else ("≥ " if higher else "< ") + _cell(target, unit)
        ratio = "—" if target is None else " / ".join(f"{v / target:.2f}" for v in values)
        lines.append(f"| {label} | " + " | ".join(_cell(v, unit) for v in values) + f" | {goal} | {ratio} |")
    for kind in stores:
        lines += ["", f"Query plan of the filtered list ({kind}):", "", "```", str(results[kind]["plan"]), "```"]
    return "\n".join(lines) + "\n"


def write_section(section: str, heading: str = HEADING, path: Path = REPO / "BENCHMARKS.md") -> None:
    """Replace (or append) only the section under `heading`; other sections stay as they are."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start = text.find(heading)
    if start < 0:
        path.write_text(text.rstrip("\n") + "\n\n" + section)
        return
    end = text.find("\n## ", start + len(heading))
    rest = "" if end < 0 else text[end + 1 :]
    path.write_text(text[:start] + section + ("\n" + rest if rest else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--jobs", type=int, default=100_000, help="jobs stored for the filtered list")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    results = {}
    for kind in ["sqlite", "postgresql"] if args.store == "both" else [args.store]:
        with serving(kind) as server:
            results[kind] = run(server, args.jobs)
    section = render(results, args.jobs)
    print(section)
    if args.write:
        write_section(section)


if __name__ == "__main__":
    main()
