"""Operators' views benchmark (issue 12): what a /metrics scrape and a chart refresh cost.

    python -m bench.console [--store sqlite|postgresql|both] [--jobs 1000 100000]

In one process, per store: the Prometheus text of the app's registry (the serving metrics and the
store collector: jobs by state and pool, queue depth, live workers, the duration histogram bucketed
in SQL, log lines) over N stored jobs, best of 7; and the scalars of a job dir of 10,000 logged
steps: a first read (a new reader) and a re-read after 100 more steps (what a console polling a
running job pays), best of 5. Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import generate_latest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

import engine as tf
from api.app import create_app
from api.settings import Settings
from api.states import JobState
from api.store import jobs as store
from api.store.db import upgrade_schema
from api.store.models import Job
from api.summaries import ScalarReader
from bench.api import timed_ms
from tests.live import SECRET, job_body, postgres_schema_url

TIERS = ("BASIC", "STANDARD_1", "BASIC_GPU")
FINISHED = (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


def best_ms(call: Callable[[], object], repeat: int) -> float:
    return min(timed_ms(call, repeat))


def seed(sessions: sessionmaker[Session], count: int) -> None:
    """`count` jobs in one project: a third finished with start and end times, the rest QUEUED."""
    rng, start = random.Random(12), datetime(2026, 1, 1, tzinfo=UTC)
    for first in range(0, count, 5000):
        specs = [
            store.NewJob(
                f"job_{i:07d}",
                {**job_body("x")["trainingInput"], "scaleTier": TIERS[i % 3]},
                create_time=start + timedelta(seconds=i),
            )
            for i in range(first, min(first + 5000, count))
        ]
        with sessions.begin() as session:
            pks = store.create_jobs(session, "bench", specs)
            began = [start + timedelta(seconds=rng.randrange(86400)) for _ in pks[::3]]
            session.execute(update(Job), [
                {"id": pk, "state": rng.choice(FINISHED).value, "start_time": when,
                 "end_time": when + timedelta(seconds=rng.expovariate(1 / 600))}
                for pk, when in zip(pks[::3], began)
            ])  # fmt: skip


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        yield ""
    else:
        with postgres_schema_url() as url:
            yield url


def scrape_ms(kind: str, jobs: int) -> float:
    with tempfile.TemporaryDirectory() as folder, database(kind) as url:
        settings = Settings(data_dir=Path(folder), database_url=url, secret_key=SECRET)
        app = create_app(settings)
        ctx = app.state.ctx
        upgrade_schema(ctx.engine)
        seed(ctx.sessions, jobs)
        registry = app.state.serving.metrics.registry
        result = best_ms(lambda: generate_latest(registry), 7)
        ctx.engine.dispose()
        return result


def write_steps(logdir: Path, first: int, last: int) -> None:
    writer = tf.summary.FileWriter(str(logdir))
    for step in range(first, last + 1):
        writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="loss", simple_value=1.0 / step)]), step)
    writer.close()


def scalars_ms() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        logdir = Path(folder)
        write_steps(logdir, 1, 10_000)
        first = best_ms(lambda: ScalarReader().scalars(folder), 5)
        reader = ScalarReader()
        reader.scalars(folder)
        rereads = []
        for round_ in range(5):
            write_steps(logdir, 10_001 + round_ * 100, 10_100 + round_ * 100)
            rereads.append(best_ms(lambda: reader.scalars(folder), 1))
        return first, min(rereads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1000, 100_000])
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| measurement | " + " | ".join(kinds) + " |\n|---|" + "---|" * len(kinds))
    for jobs in args.jobs:
        cells = [f"{scrape_ms(kind, jobs):.1f} ms" for kind in kinds]
        print(f"| /metrics text over {jobs:,} jobs (best of 7) | " + " | ".join(cells) + " |")
    first, reread = scalars_ms()
    print(f"| scalars of 10,000 steps: first read / re-read after +100 steps | {first:.1f} ms / {reread:.1f} ms |")


if __name__ == "__main__":
    main()
