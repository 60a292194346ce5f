"""`ApiSink`: the trainer runtime's `JobSink` for a worker, reporting to the API from a thread of its own.

The runtime's calls only enqueue, so a slow or restarting API never slows the job. The
reporter thread sends in order (log batches with increasing sequence numbers, states,
heartbeats), retrying each until the API takes it: a restart of the API loses no line, and a
batch retried after a lost answer is stored once. The log's closing lines (`Job completed
successfully.`) travel with the final state (`finish`) and are stored in one transaction with it,
or not at all: a run handed back says so in its release note instead. Answers carry the job's
state, so a CANCELLING job is noticed within one heartbeat. A run the API no longer recognises
(ABORTED: the reaper gave the job to another worker) stops its job and reports nothing more.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from scheduler.client import ApiUnavailable, Refused, RunAborted, WorkerApi
from trainer import JobResult, JobState, LogLine

log = logging.getLogger(__name__)
# Answers that mean "stop": a cancel, or a job that was ended meanwhile (a cancel before it left QUEUED).
STOP_STATES = frozenset({"CANCELLING", "CANCELLED", "FAILED", "SUCCEEDED"})
Send = Callable[[], str | None]


def line_json(line: LogLine) -> dict[str, Any]:
    return {
        "message": line.message,
        "severity": line.severity.value,
        "taskName": line.task_name,
        "trialId": line.trial_id,
        "time": line.time.isoformat(),
    }


class ApiSink:
    """Reports one run of one job; use as a context manager around `run_job`.

    A cluster job's replica reports under its `replica_id`; only its master (`reports_state`)
    moves the job's state, which follows the master.
    """

    def __init__(
        self,
        api: WorkerApi,
        project: str,
        job_id: str,
        run_id: str,
        replica_id: int | None = None,
        reports_state: bool = True,
    ) -> None:
        self.api, self.project, self.job_id, self.run_id = api, project, job_id, run_id
        self.replica_id, self.reports_state = replica_id, reports_state
        self.cancel_requested = threading.Event()
        self.lost = threading.Event()
        self._pending: deque[Send] = deque()
        self._ready = threading.Condition()
        self._closing = False
        self._beat_pending = False
        self._seq = 0
        self._closing_lines: list[dict[str, Any]] = []  # the log's last lines, held for `finish`
        self._thread = threading.Thread(target=self._report, name=f"report-{job_id}", daemon=True)

    def __enter__(self) -> ApiSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._ready:
            self._closing = True
            self._ready.notify()
        self._thread.join()

    def should_stop(self) -> bool:
        return self.cancel_requested.is_set() or self.lost.is_set()

    # The runtime's JobSink. A terminal state waits for `finish`, which adds the training output.
    def state(self, state: JobState, message: str, closing: Sequence[LogLine] = ()) -> None:
        if not state.is_terminal:
            if self.reports_state:
                self._put(lambda: self.api.report_state(self.project, self.job_id, self.run_id, state.value, message))
        elif self.reports_state:
            # A run that ends without `finish` (released, taken back, restarted after another replica
            # failed) drops them: its job did not end, and its log must not say that it did.
            self._closing_lines = [line_json(line) for line in closing]
        elif closing:
            self.log(closing)  # a replica's own end, under its task name, not the job's

    def log(self, lines: Sequence[LogLine]) -> None:
        self._seq += 1
        seq, payload = self._seq, [line_json(line) for line in lines]
        self._put(lambda: self._send_logs(seq, payload))

    def heartbeat(self) -> None:
        with self._ready:
            if self._beat_pending:
                return
            self._beat_pending = True
        self._put(self._beat)

    # The worker's.
    def finish(self, result: JobResult) -> None:
        """The final state, with the training output and the log's closing lines, in one request."""
        output = {"consumedMLUnits": result.consumed_ml_units}
        closing = None
        if self._closing_lines:
            self._seq += 1
            closing = {"seq": self._seq, "lines": self._closing_lines}
        self._put(
            lambda: self.api.report_state(
                self.project, self.job_id, self.run_id, result.state.value, result.message, output, closing,
                self.replica_id,
            )
        )  # fmt: skip

    def release(self, reason: str, failed: bool) -> None:
        self._put(lambda: self._send_release(reason, failed))

    def end_replica(self) -> None:
        """This replica finished for good; the reaper no longer expects its heartbeat."""
        assert self.replica_id is not None, "only a replica ends on its own"
        replica_id = self.replica_id
        self._put(lambda: self.api.end_replica(self.project, self.job_id, self.run_id, replica_id))

    def _send_release(self, reason: str, failed: bool) -> None:
        self.api.release(self.project, self.job_id, self.run_id, reason, failed)

    def _send_logs(self, seq: int, payload: list[dict[str, Any]]) -> None:
        self.api.append_logs(self.project, self.job_id, self.run_id, seq, payload, self.replica_id)

    def _beat(self) -> str:
        with self._ready:
            self._beat_pending = False
        return self.api.heartbeat(self.project, self.job_id, self.run_id, self.replica_id)

    def _put(self, send: Send) -> None:
        with self._ready:
            self._pending.append(send)
            self._ready.notify()

    def _next(self) -> Send | None:
        with self._ready:
            self._ready.wait_for(lambda: self._pending or self._closing)
            return self._pending.popleft() if self._pending else None

    def _report(self) -> None:
        while (send := self._next()) is not None:
            if self.lost.is_set():
                continue  # nothing more is ours to report
            try:
                state = send()
            except RunAborted as exc:
                log.warning("job %s/%s: %s", self.project, self.job_id, exc)
                self.lost.set()
                continue
            except (ApiUnavailable, Refused) as exc:
                log.error("job %s/%s: a report was dropped: %s", self.project, self.job_id, exc)
                continue
            if state in STOP_STATES:
                self.cancel_requested.set()
