"""A job's runs: a worker claims the job, then beats, logs and reports under the run id it got.

A claim is refused when the job is finished, cancelled, or held by a run whose heartbeat is
fresh, so a redelivered or duplicated Celery message never starts a job twice. Every later
call carries the run id; a run that no longer holds the job (the reaper took it back) gets
ABORTED and stops. Log batches carry a sequence number: a batch retried after a lost answer
is stored once. The reaper's half (`reap_lost`, `expire_waiting`) is in this module too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from api.errors import Aborted, NotFound
from api.states import JobState, Severity
from api.store import replicas
from api.store.jobs import rows_changed, transition
from api.store.logs import LogLine, append_job_logs
from api.store.models import Job, Project, Replica, utcnow
from scheduler.layouts import layout_of

ACTIVE = (JobState.PREPARING.value, JobState.RUNNING.value, JobState.CANCELLING.value)
# A QUEUED job may be held too: a cluster job's run while its replicas gather (admission).
HELD = (JobState.QUEUED.value, *ACTIVE)
Layouts = Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class Claim:
    """`run_id` None means: do not run it, `reason` says why; `retry`: ask again shortly."""

    run_id: str | None
    reason: str
    attempt: int = 0
    scale_tier: str = ""
    training_input: dict[str, Any] | None = None
    retry: bool = False
    replicas: int = 1  # the layout's size: above 1, the run holds one slot per replica (api.store.replicas)


@dataclass(frozen=True)
class Requeue:
    project: str
    job_id: str
    scale_tier: str


def _locked(session: Session, project: str, job_id: str) -> Job:
    query = select(Job).join(Project).where(Project.name == project, Job.job_id == job_id).with_for_update()
    job = session.scalar(query)
    if job is None:
        raise NotFound(f"job {job_id} not found in project {project}")
    return job


def _note(session: Session, job: Job, message: str, severity: Severity = Severity.INFO) -> None:
    append_job_logs(session, job.id, [LogLine(message, severity)])


def claim(
    session: Session,
    project: str,
    job_id: str,
    worker: str,
    *,
    now: datetime,
    timeout: float,
    max_attempts: int,
    layouts: Layouts | None = None,
) -> Claim:
    """Give the job to a new run of `worker`, unless it is finished or held by a live run."""
    job = _locked(session, project, job_id)
    state = JobState(job.state)
    if state is JobState.CANCELLING:
        transition(session, project, job_id, JobState.CANCELLED)
        return Claim(None, "cancelled before a worker started it")
    if state.is_terminal:
        return Claim(None, f"the job is already {state.value}")
    if (
        job.run_id is not None
        and job.heartbeat_time is not None
        and job.heartbeat_time > now - timedelta(seconds=timeout)
    ):
        # Also what a claim sees racing the commit of a release or requeue (SQLite reads the last
        # commit): a retry a moment later finds the job free. A real duplicate gives up after a few.
        return Claim(None, "another run holds the job and is alive", retry=True)
    if job.attempt >= max_attempts:
        message = (
            f"the job was started {job.attempt} times without finishing (its worker was lost or failed; "
            "its log says how); giving up"
        )
        transition(session, project, job_id, JobState.FAILED, error_message=message)
        return Claim(None, message)
    job.attempt += 1
    job.run_id, job.heartbeat_time, job.log_seq = uuid.uuid4().hex, now, 0
    layout = layout_of(job.scale_tier, job.training_input, layouts or {})
    if layout.size > 1:
        replicas.open_slots(session, job, layout)
    session.flush()
    if not job.wait_reason:  # a cluster job cycling through admission says so in its state message instead
        _note(session, job, f"Attempt {job.attempt} of {max_attempts} on worker {worker}")
    return Claim(job.run_id, "", job.attempt, job.scale_tier, job.training_input, replicas=layout.size)


def _held(session: Session, project: str, job_id: str, run_id: str) -> Job:
    job = _locked(session, project, job_id)
    if job.run_id != run_id:
        raise Aborted(f"run {run_id} no longer holds job {job_id}: it was given to another worker")
    return job


def held(session: Session, project: str, job_id: str, run_id: str) -> Job:
    """The job, locked, if run `run_id` still holds it; else ABORTED."""
    return _held(session, project, job_id, run_id)


def heartbeat(
    session: Session, project: str, job_id: str, run_id: str, now: datetime, replica_id: int | None = None
) -> JobState:
    """The run (or its replica) is alive; returns the job's state (CANCELLING tells the worker to stop it)."""
    job = _held(session, project, job_id, run_id)
    job.heartbeat_time = now
    if replica_id is not None:
        replicas.beat(session, job, replica_id, now)
    return JobState(job.state)


def report_state(
    session: Session,
    project: str,
    job_id: str,
    run_id: str,
    target: JobState,
    message: str,
    training_output: dict[str, Any] | None,
    closing: Batch | None = None,
) -> JobState:
    """Move the held job to `target` if the table allows it; returns the state it is in now.

    `closing`: the log's last batch (`Job completed successfully.`, `Job failed: ...`), stored in
    this transaction, so the log never tells of an end the job's state does not show, or the
    reverse, whatever interrupts the write (the caller retries the whole request).
    """
    job = _held(session, project, job_id, run_id)
    error = message or None if target.is_terminal and target is not JobState.SUCCEEDED else None
    transition(session, project, job_id, target, error_message=error, training_output=training_output)
    if closing is not None:
        _store_batch(session, job, closing)
    session.refresh(job)
    return JobState(job.state)


@dataclass(frozen=True)
class Batch:
    """Log batch number `seq` of a run, or of its replica `replica_id`."""

    seq: int
    lines: Sequence[LogLine]
    replica_id: int | None = None


def _store_batch(session: Session, job: Job, batch: Batch) -> bool:
    counter: Job | Replica = job if batch.replica_id is None else replicas.slot(session, job, batch.replica_id)
    if batch.seq <= counter.log_seq:
        return False
    counter.log_seq = batch.seq
    append_job_logs(session, job.id, batch.lines)
    return True


def append_run_logs(session: Session, project: str, job_id: str, run_id: str, batch: Batch) -> bool:
    """Store a batch of the run (or of its replica); False when it was stored before (a retry)."""
    return _store_batch(session, _held(session, project, job_id, run_id), batch)


def release(
    session: Session,
    project: str,
    job_id: str,
    run_id: str,
    reason: str,
    failed: bool,
    *,
    waiting: bool = False,
    max_attempts: int | None = None,
) -> Requeue | None:
    """The run gives the job back unfinished; the caller dispatches it again (unless None comes back).

    A worker that stops (a deploy, Ctrl-C) did not fail the job: that attempt is not counted.
    A worker that failed running it (`failed`) used one of the job's attempts; past `max_attempts`
    the job ends FAILED with `reason`. `waiting`: a cluster job whose replicas could not all start
    (all-or-nothing admission); it stays QUEUED and `reason` becomes its state message.
    """
    job = _held(session, project, job_id, run_id)
    job.run_id, job.heartbeat_time, job.dispatch_time = None, None, utcnow()
    replicas.drop(session, job)
    if not failed:
        job.attempt -= 1
    if waiting:
        job.wait_reason = reason
        return Requeue(project, job_id, job.scale_tier)
    if failed and max_attempts is not None and job.attempt >= max_attempts:
        message = f"{reason}; giving up after {job.attempt} of {max_attempts} attempts"
        transition(session, project, job_id, JobState.FAILED, error_message=message)
        return None
    _note(session, job, reason, Severity.WARNING)
    return Requeue(project, job_id, job.scale_tier)


def _lost(session: Session, job: Job, cutoff: datetime) -> str:
    last_beat = job.heartbeat_time
    assert last_beat is not None, "only runs with a heartbeat are reaped"
    if last_beat >= cutoff and (replica := replicas.stale(session, job, cutoff)):
        return f"Replica {replica} of attempt {job.attempt} stopped heartbeating; all replicas restart"
    return f"The worker of attempt {job.attempt} stopped heartbeating (last at {last_beat:%H:%M:%S} UTC)"


def _reap_one(
    session: Session, job: Job, project: str, now: datetime, cutoff: datetime, max_attempts: int
) -> Requeue | None:
    lost = _lost(session, job, cutoff)
    taken = update(Job).where(Job.id == job.id, Job.run_id == job.run_id)
    taken = taken.values(run_id=None, heartbeat_time=None, dispatch_time=now)
    if rows_changed(session, taken) != 1:
        return None  # another reaper (API replica) got there first
    replicas.drop(session, job)
    if job.state == JobState.CANCELLING.value:
        transition(session, project, job.job_id, JobState.CANCELLED, error_message=f"{lost} while cancelling")
        return None
    if job.attempt >= max_attempts:
        transition(
            session,
            project,
            job.job_id,
            JobState.FAILED,
            error_message=f"{lost}; giving up after {job.attempt} of {max_attempts} attempts",
        )
        return None
    _note(
        session,
        job,
        f"{lost}; queued again for attempt {job.attempt + 1} of {max_attempts}, "
        "which starts from the checkpoints in the job dir",
        Severity.WARNING,
    )
    return Requeue(project, job.job_id, job.scale_tier)


def reap_lost(session: Session, now: datetime, timeout: float, max_attempts: int) -> list[Requeue]:
    """Take back jobs whose run stopped heartbeating: requeue them, or fail them past `max_attempts`.

    Returns the jobs to dispatch again once this transaction has committed.
    """
    cutoff = now - timedelta(seconds=timeout)
    # A cluster job is lost when any of its unfinished replicas went silent, not only its master.
    silent_replica = exists().where(
        Replica.job_pk == Job.id,
        Replica.run_id == Job.run_id,
        Replica.ended.is_(False),
        Replica.heartbeat_time < cutoff,
    )
    query = (
        select(Job, Project.name)
        .join(Project)
        .where(Job.state.in_(HELD), Job.run_id.is_not(None), or_(Job.heartbeat_time < cutoff, silent_replica))
    )
    requeued = [_reap_one(session, job, project, now, cutoff, max_attempts) for job, project in session.execute(query)]
    return [item for item in requeued if item is not None]


def expire_waiting(session: Session, now: datetime, why: Callable[[str], str]) -> int:
    """Cancel QUEUED jobs past their maxWaitTime; `why(scale_tier)` says what they waited for."""
    query = (
        select(Job.job_id, Project.name, Job.scale_tier, Job.training_input)
        .join(Project)
        .where(Job.state == JobState.QUEUED.value, Job.wait_deadline < now)
    )
    expired = 0
    for job_id, project, tier, training_input in session.execute(query).all():
        max_wait = training_input["scheduling"]["maxWaitTime"]
        message = f"maxWaitTime ({max_wait}) exceeded while {why(tier)}"
        expired += transition(session, project, job_id, JobState.CANCELLED, error_message=message)
    return expired


def undelivered(session: Session, now: datetime, after: float, limit: int) -> list[Requeue]:
    """Up to `limit` QUEUED jobs that no run holds and nothing sent for `after` seconds, marked sent now.

    Their message may have died with the broker's data (a Redis restart); the caller dispatches
    them again. A job still in the queue gets a duplicate message, which its claim refuses.
    Oldest first, so a long backlog is worked through in turn. Each mark is a conditional
    UPDATE: two API replicas never both send the same job in one period.
    """
    cutoff = now - timedelta(seconds=after)
    quiet = (
        Job.state == JobState.QUEUED.value,
        Job.run_id.is_(None),
        Job.create_time < cutoff,
        or_(Job.dispatch_time.is_(None), Job.dispatch_time < cutoff),
    )
    query = (
        select(Job.id, Job.job_id, Job.scale_tier, Project.name)
        .join(Project)
        .where(*quiet)
        .order_by(Job.dispatch_time.is_not(None), Job.dispatch_time, Job.create_time, Job.id)
        .limit(limit)
    )
    due = []
    for pk, job_id, tier, project in session.execute(query).all():
        if rows_changed(session, update(Job).where(Job.id == pk, *quiet).values(dispatch_time=now)) == 1:
            due.append(Requeue(project, job_id, tier))
    return due
