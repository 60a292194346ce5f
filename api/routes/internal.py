"""`/internal/v1`: what workers call, authenticated by the worker token (`MLCTL_WORKER_TOKEN`).

A worker claims a job, then beats, writes log batches and states under the run id the claim
returned (see `api.store.runs`); worker processes also beat into the registry (`GET /v1/pools`).
These routes are the only way a worker touches the store, so the scheduler needs no database.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from pydantic import Field

from api.context import AppContext, Ctx
from api.errors import Unauthenticated
from api.routes import JobIdPath, ProjectName
from api.schemas import CamelModel
from api.states import JobState, ScaleTier, Severity
from api.store import replicas, runs
from api.store import workers as registry
from api.store.logs import MASTER_TASK, LogLine
from api.store.models import utcnow


def _authenticated(ctx: Ctx, authorization: Annotated[str, Header()] = "") -> AppContext:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), ctx.worker_token.encode()):
        raise Unauthenticated("internal routes need the worker token: Authorization: Bearer <MLCTL_WORKER_TOKEN>")
    return ctx


Worker = Annotated[AppContext, Depends(_authenticated)]
router = APIRouter(prefix="/internal/v1", tags=["internal"], include_in_schema=False)
JOB = "/projects/{project}/jobs/{job_id}"


class ClaimIn(CamelModel):
    worker: str = Field(min_length=1, max_length=255)


class RunIn(CamelModel):
    run_id: str = Field(min_length=1, max_length=36)
    # A cluster job's replica (api.store.replicas): it beats and numbers its log batches on its own.
    replica_id: int | None = None


class SlotIn(RunIn):
    replica_id: int  # a replica slot's route: the replica is required


class ReplicaIn(RunIn):
    worker: str = Field(min_length=1, max_length=255)
    address: str = Field(min_length=3, max_length=255, pattern=r"^[^\s:]+:\d{1,5}$")


class LineIn(CamelModel):
    message: str
    severity: Severity = Severity.INFO
    task_name: str = MASTER_TASK
    trial_id: str = ""
    time: datetime | None = None


class BatchIn(CamelModel):
    seq: int = Field(ge=1)
    lines: list[LineIn] = Field(max_length=10_000)

    def batch(self, replica_id: int | None) -> runs.Batch:
        lines = [LogLine(line.message, line.severity, line.task_name, line.trial_id, line.time) for line in self.lines]
        return runs.Batch(self.seq, lines, replica_id)


class LogsIn(RunIn, BatchIn):
    """Batch number `seq` of the run's log (of its replica's, with `replica_id`)."""


class StateIn(RunIn):
    state: JobState
    message: str = ""
    training_output: dict[str, Any] | None = None
    # The log's last batch, sent with the final state so that both are stored in one transaction.
    closing: BatchIn | None = None


class ReleaseIn(RunIn):
    reason: str
    failed: bool = False
    # A cluster job whose replicas could not all start: it stays QUEUED, saying why.
    waiting: bool = False


class WorkerBeat(CamelModel):
    pool: str = Field(min_length=1, max_length=32)
    concurrency: int = Field(ge=0)
    running: int = Field(ge=0)


@router.post(JOB + ":claim")
def claim(project: ProjectName, job_id: JobIdPath, body: ClaimIn, ctx: Worker) -> dict[str, Any]:
    settings = ctx.settings
    with ctx.transaction() as session:
        got = runs.claim(
            session,
            project,
            job_id,
            body.worker,
            now=utcnow(),
            timeout=settings.heartbeat_timeout_seconds,
            max_attempts=settings.max_attempts,
            layouts=settings.tier_layouts,
        )
    return {
        "replicas": got.replicas,
        "runId": got.run_id,
        "reason": got.reason,
        "retry": got.retry,
        "attempt": got.attempt,
        "scaleTier": got.scale_tier,
        "trainingInput": got.training_input,
    }


@router.post(JOB + ":heartbeat")
def heartbeat(project: ProjectName, job_id: JobIdPath, body: RunIn, ctx: Worker) -> dict[str, Any]:
    with ctx.transaction() as session:
        return {"state": runs.heartbeat(session, project, job_id, body.run_id, utcnow(), body.replica_id)}


@router.post(JOB + ":state")
def report_state(project: ProjectName, job_id: JobIdPath, body: StateIn, ctx: Worker) -> dict[str, Any]:
    closing = None if body.closing is None else body.closing.batch(body.replica_id)
    with ctx.transaction() as session:
        state = runs.report_state(session, project, job_id, body.run_id, body.state, body.message,
                                  body.training_output, closing)  # fmt: skip
    return {"state": state}


@router.post(JOB + ":logs")
def append_logs(project: ProjectName, job_id: JobIdPath, body: LogsIn, ctx: Worker) -> dict[str, Any]:
    with ctx.transaction() as session:
        return {"stored": runs.append_run_logs(session, project, job_id, body.run_id, body.batch(body.replica_id))}


@router.post(JOB + ":release")
def release(project: ProjectName, job_id: JobIdPath, body: ReleaseIn, ctx: Worker) -> dict[str, Any]:
    with ctx.transaction() as session:
        again = runs.release(
            session, project, job_id, body.run_id, body.reason, body.failed,
            waiting=body.waiting, max_attempts=ctx.settings.max_attempts,
        )  # fmt: skip
        # Dispatched before the commit: if the broker refuses, the run still holds the job and retries.
        if again is not None:
            ctx.dispatch(again.project, again.job_id, ScaleTier(again.scale_tier))
    return {}


@router.post(JOB + ":takeReplica")
def take_replica(project: ProjectName, job_id: JobIdPath, body: ReplicaIn, ctx: Worker) -> dict[str, Any]:
    """A worker of the job's run takes the next free replica slot, listening at `address`."""
    with ctx.transaction() as session:
        job = runs.held(session, project, job_id, body.run_id)
        got = replicas.take(session, job, body.worker, body.address, utcnow())
        return {
            "replicaId": got.replica_id, "taskType": got.task_type, "taskIndex": got.index,
            "attempt": job.attempt, "scaleTier": job.scale_tier, "trainingInput": job.training_input,
        }  # fmt: skip


@router.post(JOB + ":cluster")
def cluster(project: ProjectName, job_id: JobIdPath, body: SlotIn, ctx: Worker) -> dict[str, Any]:
    """The rendezvous: a replica beats and learns every task's address once all have reported."""
    with ctx.transaction() as session:
        job = runs.held(session, project, job_id, body.run_id)
        replicas.beat(session, job, body.replica_id, utcnow())
        addresses, reported, total = replicas.cluster(session, job)
        if addresses is not None:
            job.wait_reason = None
        return {"state": job.state, "cluster": addresses, "reported": reported, "replicas": total}


@router.post(JOB + ":endReplica")
def end_replica(project: ProjectName, job_id: JobIdPath, body: SlotIn, ctx: Worker) -> dict[str, Any]:
    """A replica finished for good (a worker that reached its last step): it beats no more."""
    with ctx.transaction() as session:
        job = runs.held(session, project, job_id, body.run_id)
        replicas.slot(session, job, body.replica_id).ended = True
    return {}


@router.put("/workers/{name}")
def worker_beat(name: str, body: WorkerBeat, ctx: Worker) -> dict[str, Any]:
    with ctx.transaction() as session:
        registry.beat(session, name, body.pool, body.concurrency, body.running, utcnow())
    return {}


@router.delete("/workers/{name}")
def worker_gone(name: str, ctx: Worker) -> dict[str, Any]:
    with ctx.transaction() as session:
        registry.remove(session, name)
    return {}
