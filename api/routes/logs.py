"""`/v1/projects/{project}/jobs/{jobId}/logs`: cursor pages, or Server-Sent Events with follow=true.

Every event carries its line's cursor as the SSE `id`, so a client that reconnects with
`after=<last id>` (or the `Last-Event-ID` header) resumes with no gap and no duplicate. The
stream ends with an `end` event once the job is terminal and every line has been sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.context import AppContext, Ctx
from api.routes import JobIdPath, ProjectName
from api.schemas import LogEntryOut, LogPage
from api.states import JobState, Severity
from api.store import jobs as job_store
from api.store import logs as store
from api.store.models import LogEntry

router = APIRouter(prefix="/v1/projects/{project}/jobs/{job_id}/logs", tags=["logs"])
FOLLOW_BATCH = 500
KEEPALIVE_SECONDS = 15.0


def entry_out(entry: LogEntry) -> LogEntryOut:
    return LogEntryOut(cursor=str(entry.id), time=entry.time, severity=Severity(entry.severity),
                       task_name=entry.task_name, trial_id=entry.trial_id, message=entry.message)


def _read(ctx: AppContext, project: str, job_id: str, after: int, limit: int, task: str | None
          ) -> tuple[int, JobState, list[LogEntry]]:
    # State first, lines second: lines are written before a job turns terminal, so a terminal
    # state seen here means the lines read next include the last one.
    with ctx.transaction() as session:
        job = job_store.get_job(session, project, job_id)
        return job.id, JobState(job.state), store.read_logs(session, job.id, after, limit, task)


def _poll(ctx: AppContext, job_pk: int, after: int, task: str | None) -> tuple[JobState, list[LogEntry]]:
    # `_read` by the job's key: a follower polls several times a second, and the whole job row (its
    # JSON input, its labels' second query) cost more server CPU than the lines (bench/load.py).
    with ctx.transaction() as session:
        return job_store.state_of(session, job_pk), store.read_logs(session, job_pk, after, FOLLOW_BATCH, task)


async def _events(ctx: AppContext, job_pk: int, after: int, task: str | None) -> AsyncIterator[str]:
    # Async, so a follower holds a worker thread only while it reads, not while it waits.
    quiet_since = time.monotonic()
    while True:
        state, entries = await run_in_threadpool(_poll, ctx, job_pk, after, task)
        for entry in entries:
            yield f"id: {entry.id}\nevent: log\ndata: {json.dumps(entry_out(entry).to_json())}\n\n"
        if entries:
            after, quiet_since = entries[-1].id, time.monotonic()
        if state.is_terminal and len(entries) < FOLLOW_BATCH:
            yield f"event: end\ndata: {json.dumps({'jobState': state.value})}\n\n"
            return
        if not entries:
            if time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
                yield ": keepalive\n\n"  # lets proxies and clients tell a quiet job from a dead link
                quiet_since = time.monotonic()
            await asyncio.sleep(ctx.settings.follow_poll_seconds)


@router.get("", summary="Read a job's log lines after a cursor, or follow them as SSE", response_model=None)
def read_logs(
    project: ProjectName, job_id: JobIdPath, ctx: Ctx, after: str = "",
    task_name: Annotated[str, Query(alias="taskName")] = "",
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=1000)] = 100,
    follow: bool = False,
    last_event_id: Annotated[str, Header()] = "",
) -> dict[str, Any] | StreamingResponse:
    cursor = store.parse_cursor(after or last_event_id)
    # Read even when following, so that an unknown job is a 404 rather than an empty stream.
    job_pk, state, entries = _read(ctx, project, job_id, cursor, 0 if follow else page_size, task_name or None)
    if follow:
        return StreamingResponse(_events(ctx, job_pk, cursor, task_name or None),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    next_cursor = str(entries[-1].id) if entries else str(cursor)
    page = LogPage(entries=[entry_out(e) for e in entries], next_cursor=next_cursor, job_state=state)
    return page.to_json()
