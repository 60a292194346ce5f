"""Job log lines: batched appends (the worker's path) and cursor-paged reads.

A line's cursor is its row id. Each job has one writer at a time (its worker), which
appends in order, so `id > cursor` in id order is every later line exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from api.errors import InvalidArgument
from api.states import Severity
from api.store.jobs import get_job
from api.store.models import LogEntry, utcnow
from api.store.trials import log_target

MASTER_TASK = "master-replica-0"


@dataclass(frozen=True)
class LogLine:
    message: str
    severity: Severity = Severity.INFO
    task_name: str = MASTER_TASK
    trial_id: str = ""
    time: datetime | None = None


_COLUMNS = ("job_pk", "time", "severity", "task_name", "trial_id", "message")


def _copy(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY: several times the rate of a multi-row INSERT for a chatty job."""
    driver = session.connection().connection.driver_connection
    assert driver is not None, "a connection checked out of the pool has its driver connection"
    with driver.cursor() as cursor, cursor.copy(f"COPY log_entries ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
        for pk, time, *rest in rows:
            copy.write_row((pk, time.astimezone(UTC).replace(tzinfo=None), *rest))  # naive UTC, as UTCDateTime


def append_logs(session: Session, project: str, job_id: str, lines: Sequence[LogLine]) -> None:
    """`append_job_logs` for a job named by project and id (one more SELECT: the job's key)."""
    if lines:
        append_job_logs(session, get_job(session, project, job_id).id, lines)


def append_job_logs(session: Session, job_pk: int, lines: Sequence[LogLine]) -> None:
    """Append lines to a job's log in one statement (COPY on PostgreSQL, a multi-row INSERT on SQLite).

    This is the worker's path; batch lines (hundreds at a time) to reach tens of thousands per second.
    """
    if not lines:
        return
    now = utcnow()
    trial = log_target(session, job_pk)  # a tuning trial's lines go to its tuning job's log, with its trial id
    rows = [(job_pk, line.time or now, line.severity.value, line.task_name, line.trial_id, line.message)
            for line in lines] if trial is None else [
            (trial[0], line.time or now, line.severity.value, line.task_name, trial[1], line.message)
            for line in lines]  # fmt: skip
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, rows)
    else:
        session.execute(insert(LogEntry), [dict(zip(_COLUMNS, row)) for row in rows])


def parse_cursor(cursor: str | None) -> int:
    """The API's `after` parameter: empty means from the start."""
    if not cursor:
        return 0
    if not cursor.isdigit():
        raise InvalidArgument(f"after: {cursor!r} is not a cursor returned by this API")
    return int(cursor)


def read_logs(session: Session, job_pk: int, after: int, limit: int, task_name: str | None = None
              ) -> list[LogEntry]:
    """Up to `limit` lines after the cursor, oldest first, optionally of one task."""
    query = select(LogEntry).where(LogEntry.job_pk == job_pk, LogEntry.id > after)
    if task_name:
        query = query.where(LogEntry.task_name == task_name)
    return list(session.scalars(query.order_by(LogEntry.id).limit(limit)))
