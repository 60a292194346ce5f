"""Jobs in the store: create, read, list a page, change state, cancel, relabel.

Plain functions over a caller's session; the caller owns the transaction. State changes go
through `transition`, one conditional UPDATE, so racing writers cannot break the table in
`api.states`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, Update, func, insert, select, tuple_, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from api.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from api.states import CANCEL_TARGET, JobState, sources_of
from api.store.models import Job, JobLabel, Project, utcnow
from scheduler.pools import pool_of, tiers_of


@dataclass(frozen=True)
class NewJob:
    """A validated job request; `training_input` is already in its JSON (camelCase) form."""

    job_id: str
    training_input: dict[str, Any]
    labels: Mapping[str, str] = field(default_factory=dict)
    # Only imports and benchmarks give a time; a submitted job is stamped by the store.
    create_time: datetime | None = None


@dataclass(frozen=True)
class Page:
    """One keyset page: rows ordered by (`column`, jobId), starting after `after`."""

    column: Any
    descending: bool
    limit: int
    after: tuple[Any, str] | None = None


def project_id(session: Session, name: str, *, create: bool = False) -> int | None:
    found = session.scalar(select(Project.id).where(Project.name == name))
    if found is not None or not create:
        return found
    with suppress(IntegrityError), session.begin_nested():  # a racing request may create it first: fine
        session.execute(insert(Project).values(name=name, create_time=utcnow()))
    return session.scalar(select(Project.id).where(Project.name == name))


def _wait_deadline(created: datetime, training_input: Mapping[str, Any]) -> datetime | None:
    max_wait = (training_input.get("scheduling") or {}).get("maxWaitTime")
    return None if max_wait is None else created + timedelta(seconds=float(max_wait.rstrip("s")))


def _row(pid: int, spec: NewJob) -> dict[str, Any]:
    ti = spec.training_input
    created = spec.create_time or utcnow()
    return {"project_id": pid, "job_id": spec.job_id, "state": JobState.QUEUED.value,
            "create_time": created, "scale_tier": ti.get("scaleTier", "BASIC"),
            "region": ti.get("region"), "python_module": ti["pythonModule"], "training_input": ti,
            "version": 1, "attempt": 0, "log_seq": 0, "wait_deadline": _wait_deadline(created, ti)}


def create_jobs(session: Session, project: str, specs: Sequence[NewJob]) -> list[int]:
    """Insert QUEUED jobs in bulk and return their primary keys; a taken jobId is ALREADY_EXISTS."""
    pid = project_id(session, project, create=True)
    assert pid is not None
    try:
        with session.begin_nested():
            pks = list(session.scalars(insert(Job).returning(Job.id, sort_by_parameter_order=True),
                                       [_row(pid, spec) for spec in specs]))
            labels = [{"job_pk": pk, "key": k, "value": v}
                      for pk, spec in zip(pks, specs) for k, v in spec.labels.items()]
            if labels:
                session.execute(insert(JobLabel), labels)
    except IntegrityError as exc:
        names = ", ".join(spec.job_id for spec in specs[:3])
        raise AlreadyExists(f"job {names} already exists in project {project}") from exc
    return pks


def create_job(session: Session, project: str, spec: NewJob) -> Job:
    (pk,) = create_jobs(session, project, [spec])
    return session.get_one(Job, pk)


def get_job(session: Session, project: str, job_id: str) -> Job:
    job = session.scalar(select(Job).join(Project).where(Project.name == project, Job.job_id == job_id))
    if job is None:
        raise NotFound(f"job {job_id} not found in project {project}")
    return job


def state_of(session: Session, job_pk: int) -> JobState:
    """A job's state by its primary key, without loading the job (jobs are never deleted)."""
    return JobState(session.execute(select(Job.state).where(Job.id == job_pk)).scalar_one())


def page_query(pid: int, where: ColumnElement[bool] | None, page: Page) -> Select[Job]:
    """The SELECT of one page of a project's jobs (also what `bench/api.py` EXPLAINs)."""
    keys = tuple_(page.column, Job.job_id)
    query = select(Job).where(Job.project_id == pid)
    if where is not None:
        query = query.where(where)
    if page.after is not None:
        query = query.where(keys < tuple_(*page.after) if page.descending else keys > tuple_(*page.after))
    order = (page.column.desc(), Job.job_id.desc()) if page.descending else (page.column, Job.job_id)
    return query.order_by(*order).limit(page.limit)


def list_jobs(session: Session, project: str, where: ColumnElement[bool] | None, page: Page) -> list[Job]:
    pid = project_id(session, project)
    if pid is None:
        return []
    try:
        return list(session.scalars(page_query(pid, where, page)))
    except DataError as exc:
        # e.g. a regular expression Python accepts but PostgreSQL's engine does not: the user's input.
        raise InvalidArgument(f"filter: the database refused it: {exc.orig}") from exc


def queue_position(session: Session, job: Job) -> int | None:
    """How many queued jobs of the same worker pool were submitted before this one (None once it left the queue)."""
    if job.state != JobState.QUEUED:
        return None
    same_pool = tiers_of(pool_of(job.scale_tier))
    ahead = select(func.count()).where(Job.state == JobState.QUEUED.value, Job.id < job.id,
                                       Job.scale_tier.in_(same_pool))
    return session.scalar(ahead) or 0


def rows_changed(session: Session, statement: Update) -> int:
    """How many rows an UPDATE matched (its WHERE is where the guarding happens)."""
    result = session.execute(statement)
    return cast(CursorResult[Any], result).rowcount


def transition(session: Session, project: str, job_id: str, target: JobState, *,
               error_message: str | None = None, training_output: dict[str, Any] | None = None) -> bool:
    """Move a job to `target` if the transition table allows it from its current state.

    Returns False (and writes nothing) when it does not, e.g. a late RUNNING after CANCELLED.
    This is the function a worker calls; it stamps startTime and endTime on the way.
    """
    now = utcnow()
    values: dict[str, Any] = {"state": target.value, "version": Job.version + 1}
    if target in (JobState.PREPARING, JobState.RUNNING):
        values["start_time"] = func.coalesce(Job.start_time, now)
    if target.is_terminal:
        values["end_time"] = now
    if error_message is not None:
        values["error_message"] = error_message
    if training_output is not None:
        values["training_output"] = training_output
    in_project = select(Project.id).where(Project.name == project).scalar_subquery()
    sources = [state.value for state in sources_of(target)]
    stmt = update(Job).where(Job.project_id == in_project, Job.job_id == job_id, Job.state.in_(sources))
    return rows_changed(session, stmt.values(values)) == 1


def cancel_job(session: Session, project: str, job_id: str) -> None:
    """Ask a job to stop; a finished or already cancelling job is left as it is."""
    while (target := CANCEL_TARGET.get(JobState(get_job(session, project, job_id).state))) is not None:
        if transition(session, project, job_id, target):
            return
        session.expire_all()  # lost a race with a worker: look at the new state and decide again


def set_labels(session: Session, job: Job, labels: Mapping[str, str], version: int) -> None:
    """Replace the labels if nobody wrote the job since `version` was read (the etag check)."""
    bumped = update(Job).where(Job.id == job.id, Job.version == version).values(version=version + 1)
    if rows_changed(session, bumped) != 1:
        raise FailedPrecondition(f"etag mismatch: job {job.job_id} changed since it was read; read it again")
    job.labels = [JobLabel(key=k, value=v) for k, v in sorted(labels.items())]
    session.flush()
    session.refresh(job)
