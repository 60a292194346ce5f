"""A worker of one pool: `python -m scheduler.worker --pool basic [--concurrency N]`.

`mlctl worker` runs this. It is the Celery worker of `create_celery`, consuming the pool's
queue with the `threads` pool (each job is a subprocess the task supervises, so threads are
enough and a process dies as a whole), named `POOL@HOST-PID` so several may share a host.
SIGTERM or Ctrl-C stops it warmly: running jobs are handed back to the API and start again
elsewhere from their checkpoints.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys

from scheduler.pools import POOLS
from scheduler.settings import SchedulerSettings


def worker_argv(pool: str, concurrency: int, loglevel: str = "INFO") -> list[str]:
    name = f"{pool}@{socket.gethostname()}-{os.getpid()}"
    return [
        "worker",
        "--queues",
        pool,
        "--pool",
        "threads",
        "--concurrency",
        str(concurrency),
        "--hostname",
        name,
        "--loglevel",
        loglevel,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]


def command(pool: str, concurrency: int = 1, loglevel: str = "INFO") -> list[str]:
    """The command line that starts a worker of `pool` in a process of its own."""
    return [sys.executable, "-m", "scheduler.worker", "--pool", pool,
            "--concurrency", str(concurrency), "--loglevel", loglevel]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="mlctl worker", description=__doc__)
    parser.add_argument("--pool", required=True, choices=POOLS)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--loglevel", default="INFO")
    args = parser.parse_args(argv)
    # Imported here, not at the top: `command()` serves the CLI, which must start without Celery.
    from scheduler.app import create_celery
    from scheduler.workers import resolve_job_user
    from trainer.jobuser import JobUserRefused

    settings = SchedulerSettings()
    try:
        job_user = resolve_job_user(settings)
    except JobUserRefused as exc:
        parser.exit(2, f"mlctl worker: {exc}\n")
    app = create_celery(settings, pool=args.pool, job_user=job_user)
    app.worker_main(worker_argv(args.pool, max(1, args.concurrency), args.loglevel))


if __name__ == "__main__":
    main()
