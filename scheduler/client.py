"""The worker's side of the API: the `/internal/v1` routes over HTTP, with retries.

The scheduler never opens the database: claims, heartbeats, states and log batches go to the
API, authenticated by the worker token. Connection failures and 5xx answers are retried with
backoff for `patience` seconds, so an API restart costs a pause, not a job or a log line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

Json = dict[str, Any]
# Short enough that a restarted API hears from every running job well within a heartbeat timeout.
BACKOFF_START, BACKOFF_MAX = 0.1, 1.0


class ApiUnavailable(Exception):
    """The API did not answer (or answered 5xx) for the whole patience."""


class RunAborted(Exception):
    """409 ABORTED: this run no longer holds its job; the reaper gave it to another worker."""


class Refused(Exception):
    """Any other 4xx: the request itself is wrong (a bug, or a job deleted meanwhile)."""


class ClaimBusy(Exception):
    """The job is held by a live run just now; the claim is worth trying again in a moment."""


@dataclass(frozen=True)
class Claim:
    run_id: str | None
    reason: str
    attempt: int
    scale_tier: str
    training_input: Json
    replicas: int = 1


def _job(project: str, job_id: str, verb: str) -> str:
    return f"/internal/v1/projects/{project}/jobs/{job_id}:{verb}"


class WorkerApi:
    """The internal routes; thread-safe (one `httpx.Client` shared by a worker's jobs)."""

    def __init__(
        self, api_url: str, token: str, *, patience: float = 300.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.patience = patience
        self._http = httpx.Client(
            base_url=api_url.rstrip("/"),
            timeout=10.0,
            transport=transport,
            headers={"Authorization": f"Bearer {token}"},
        )

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, path: str, body: Json | None = None, patience: float | None = None) -> Json:
        deadline = time.monotonic() + (self.patience if patience is None else patience)
        delay, problem = BACKOFF_START, ""
        while True:
            try:
                response = self._http.request(method, path, json=body)
                if response.status_code < 500:
                    return self._answer(response)
                problem = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.TransportError as exc:
                problem = str(exc) or type(exc).__name__
            if time.monotonic() + delay > deadline:
                raise ApiUnavailable(f"{method} {path}: {problem}")
            time.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)

    @staticmethod
    def _answer(response: httpx.Response) -> Json:
        if response.is_success:
            body: Json = response.json()
            return body
        message = response.text[:500]
        if response.status_code == 409 and "ABORTED" in message:
            raise RunAborted(message)
        raise Refused(f"HTTP {response.status_code}: {message}")

    def claim(self, project: str, job_id: str, worker: str) -> Claim:
        got = self.call("POST", _job(project, job_id, "claim"), {"worker": worker})
        if got["runId"] is None and got.get("retry"):
            raise ClaimBusy(got["reason"])
        return Claim(
            got["runId"], got["reason"], got["attempt"], got["scaleTier"], got["trainingInput"] or {}, got["replicas"]
        )

    def heartbeat(self, project: str, job_id: str, run_id: str, replica_id: int | None = None) -> str:
        body = {"runId": run_id, "replicaId": replica_id}
        state: str = self.call("POST", _job(project, job_id, "heartbeat"), body)["state"]
        return state

    def report_state(
        self,
        project: str,
        job_id: str,
        run_id: str,
        state: str,
        message: str,
        training_output: Json | None = None,
        closing: Json | None = None,
        replica_id: int | None = None,
    ) -> str:
        """`closing` ({"seq", "lines"}): the log's last batch, stored in the same transaction as the state."""
        body = {"runId": run_id, "replicaId": replica_id, "state": state, "message": message,
                "trainingOutput": training_output, "closing": closing}  # fmt: skip
        answer: str = self.call("POST", _job(project, job_id, "state"), body)["state"]
        return answer

    def append_logs(
        self, project: str, job_id: str, run_id: str, seq: int, lines: list[Json], replica_id: int | None = None
    ) -> None:
        body = {"runId": run_id, "replicaId": replica_id, "seq": seq, "lines": lines}
        self.call("POST", _job(project, job_id, "logs"), body)

    def release(self, project: str, job_id: str, run_id: str, reason: str, failed: bool, waiting: bool = False) -> None:
        body = {"runId": run_id, "reason": reason, "failed": failed, "waiting": waiting}
        self.call("POST", _job(project, job_id, "release"), body)

    # A cluster job's replicas (api/store/replicas.py).
    def take_replica(self, project: str, job_id: str, run_id: str, worker: str, address: str) -> Json:
        body = {"runId": run_id, "worker": worker, "address": address}
        return self.call("POST", _job(project, job_id, "takeReplica"), body)

    def cluster(self, project: str, job_id: str, run_id: str, replica_id: int) -> Json:
        return self.call("POST", _job(project, job_id, "cluster"), {"runId": run_id, "replicaId": replica_id})

    def end_replica(self, project: str, job_id: str, run_id: str, replica_id: int) -> None:
        self.call("POST", _job(project, job_id, "endReplica"), {"runId": run_id, "replicaId": replica_id})

    def worker_beat(self, name: str, pool: str, concurrency: int, running: int) -> None:
        body = {"pool": pool, "concurrency": concurrency, "running": running}
        self.call("PUT", f"/internal/v1/workers/{name}", body, patience=0)

    def worker_gone(self, name: str) -> None:
        self.call("DELETE", f"/internal/v1/workers/{name}", patience=2.0)
