"""Prometheus metrics of jobs, pools and logs, counted from the store at scrape time.

    mlctl_jobs{pool,state}                          jobs in each state, by worker pool
    mlctl_queue_depth{pool}                         QUEUED jobs waiting for a worker of the pool
    mlctl_live_workers{pool}                        worker processes with a fresh heartbeat
    mlctl_job_duration_seconds{pool,state}          start to end of finished jobs (a histogram)
    mlctl_log_lines_ingested_total                  log lines stored (the highest log cursor)

A collector, not counters bumped by the routes: the store is the truth, so the numbers are right
after an API restart and agree across several API processes. Each scrape is a few grouped,
indexed queries; the job durations are bucketed in SQL, so a scrape never reads the jobs one by one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import timedelta
from itertools import accumulate
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from api.context import AppContext
from api.states import JobState
from api.store import workers as registry
from api.store.models import Job, LogEntry, utcnow
from scheduler.pools import POOLS, pool_of

DURATION_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 3 * 3600.0, 12 * 3600.0, 86400.0)
FINISHED = tuple(state.value for state in JobState if state.is_terminal)


def _seconds(session: Session) -> ColumnElement[Any]:
    """end_time - start_time in seconds, in the store's own SQL (times are stored as naive UTC)."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(Job.end_time) - func.julianday(Job.start_time)) * 86400.0
    return func.extract("epoch", Job.end_time - Job.start_time)


def _job_counts(session: Session) -> dict[tuple[str, str], int]:
    """(pool, state) → jobs, every pool and state present (zeros included, so series never vanish)."""
    counts: dict[tuple[str, str], int] = {(pool, state.value): 0 for pool in POOLS for state in JobState}
    query = select(Job.scale_tier, Job.state, func.count()).group_by(Job.scale_tier, Job.state)
    for tier, state, count in session.execute(query).all():
        counts[pool_of(tier), state] = counts.get((pool_of(tier), state), 0) + count
    return counts


def _jobs(counts: dict[tuple[str, str], int]) -> Iterator[GaugeMetricFamily]:
    jobs = GaugeMetricFamily("mlctl_jobs", "Jobs in each state, by worker pool", labels=("pool", "state"))
    depth = GaugeMetricFamily("mlctl_queue_depth", "QUEUED jobs waiting for a worker of the pool", labels=("pool",))
    for (pool, state), count in sorted(counts.items()):
        jobs.add_metric((pool, state), count)
        if state == JobState.QUEUED:
            depth.add_metric((pool,), count)
    yield from (jobs, depth)


def _live_workers(session: Session, timeout: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily("mlctl_live_workers", "Worker processes with a fresh heartbeat", labels=("pool",))
    online = Counter(worker.pool for worker in registry.live(session, utcnow() - timedelta(seconds=timeout)))
    for pool in sorted({*POOLS, *online}):
        family.add_metric((pool,), online[pool])
    return family


def _durations(session: Session) -> HistogramMetricFamily:
    # Each finished job's duration is computed once (a materialized CTE), given the index of its
    # bucket, and counted per (tier, state, bucket); the cumulative buckets are summed here.
    finished = (
        select(Job.scale_tier, Job.state, _seconds(session).label("seconds"))
        .where(Job.state.in_(FINISHED), Job.start_time.is_not(None), Job.end_time.is_not(None))
        .cte("finished")
        .prefix_with("MATERIALIZED")
    )
    bucket = case(*((finished.c.seconds <= bound, index) for index, bound in enumerate(DURATION_BUCKETS)),
                  else_=len(DURATION_BUCKETS))  # fmt: skip
    query = select(
        finished.c.scale_tier, finished.c.state, bucket, func.count(), func.coalesce(func.sum(finished.c.seconds), 0.0)
    ).group_by(finished.c.scale_tier, finished.c.state, bucket)
    counts: dict[tuple[str, str], list[int]] = {}  # (pool, state) → jobs per bucket
    totals: defaultdict[tuple[str, str], float] = defaultdict(float)  # (pool, state) → their seconds
    for tier, state, index, count, total in session.execute(query).all():
        key = (pool_of(tier), state)
        counts.setdefault(key, [0] * (len(DURATION_BUCKETS) + 1))[index] += count
        totals[key] += float(total)
    family = HistogramMetricFamily(
        "mlctl_job_duration_seconds", "Start to end of finished jobs", labels=("pool", "state")
    )
    bounds = [*(str(bound) for bound in DURATION_BUCKETS), "+Inf"]
    for key, per_bucket in sorted(counts.items()):
        family.add_metric(key, list(zip(bounds, accumulate(per_bucket))), totals[key])
    return family


def _log_lines(session: Session) -> CounterMetricFamily:
    # The highest cursor rather than count(*): one index lookup however long the logs grow.
    highest = session.scalar(select(func.max(LogEntry.id))) or 0
    return CounterMetricFamily("mlctl_log_lines_ingested", "Log lines stored", value=highest)


class StoreCollector(Collector):
    """Reads the jobs, pools and logs metrics from the store whenever the registry is scraped."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Any]:
        with self.ctx.transaction() as session:
            yield from _jobs(_job_counts(session))
            yield _live_workers(session, self.ctx.settings.heartbeat_timeout_seconds)
            yield _durations(session)
            yield _log_lines(session)

    def describe(self) -> list[Any]:
        # Registering must not query the store (it may not be migrated yet); nothing to check names against.
        return []
