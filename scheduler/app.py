"""`create_celery(settings)`: the one Celery application, built from settings (nothing bound at import).

Reliability settings, each on purpose:

- `task_acks_late`: a job's message is acknowledged when the job has ended, not when it starts,
  so a worker lost mid-job leaves the message unacknowledged.
- `worker_prefetch_multiplier = 1`: a worker reserves no more jobs than it can run, so a queued
  job is never stuck behind a busy worker while another pool member is idle.
- `task_reject_on_worker_lost`: with the prefork pool, a child killed mid-job puts the message
  back. Workers run the `threads` pool (a job is a subprocess the task supervises), where the
  whole process dies instead; then the API's reaper, seeing the heartbeats stop, dispatches
  the job again (or FAILs it after `max_attempts`) — on either broker.
- Redis `visibility_timeout` longer than the longest job (`max_running_seconds`), so Redis
  never hands a running job's message to a second worker; the claim refuses duplicates anyway.
- Jobs are re-run from their job dir, which keeps the checkpoints of the lost attempt.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery, Task, bootsteps
from celery.exceptions import Reject
from celery.signals import worker_shutting_down
from kombu import Queue

from scheduler.broker import celery_broker
from scheduler.client import ApiUnavailable, ClaimBusy
from scheduler.dispatch import REPLICA_TASK_NAME, TASK_NAME
from scheduler.health import alive_file
from scheduler.pools import POOLS, pool_of
from scheduler.replicas import run_replica
from scheduler.settings import SchedulerSettings
from scheduler.tasks import run_training_job
from scheduler.workers import WorkerState
from trainer.jobuser import JobUser

log = logging.getLogger(__name__)
CLAIM_RETRY_MAX_SECONDS = 60
BUSY_RETRIES, BUSY_RETRY_SECONDS = 5, 1.0


def celery_config(settings: SchedulerSettings) -> dict[str, Any]:
    transport: dict[str, Any] = {"visibility_timeout": settings.broker_visibility_timeout_seconds}
    if settings.embedded_broker:
        transport = {"polling_interval": settings.broker_polling_seconds}
    return {
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
        "task_reject_on_worker_lost": True,
        "task_ignore_result": True,
        "task_queues": [Queue(pool, routing_key=pool) for pool in POOLS],
        "task_default_queue": POOLS[0],
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "worker_cancel_long_running_tasks_on_connection_loss": False,  # the claim and the reaper cover it
        # The embedded broker cannot broadcast between processes: no remote control, gossip or events.
        "worker_enable_remote_control": not settings.embedded_broker,
        "worker_send_task_events": False,
        "worker_hijack_root_logger": False,
    }


def _registry_step(state: WorkerState) -> type[bootsteps.StartStopStep]:
    class Registry(bootsteps.StartStopStep):
        """Beats into the API's worker registry; on stop, tells running jobs to hand themselves back."""

        requires = {"celery.worker.components:Pool"}

        def __init__(self, worker: Any, **kwargs: Any) -> None:
            super().__init__(worker, **kwargs)
            self.done = threading.Event()
            self.thread: threading.Thread | None = None

        def start(self, worker: Any) -> None:
            self.thread = threading.Thread(target=self._beat, args=(worker,), name="registry", daemon=True)
            self.thread.start()

        def _beat(self, worker: Any) -> None:
            assert state.settings.work_root is not None, "filled by the settings' validator"
            alive = alive_file(state.settings.work_root, state.pool)
            alive.parent.mkdir(parents=True, exist_ok=True)
            while True:
                alive.touch()  # the container's health check (scheduler.health) reads its age
                try:
                    state.api.worker_beat(worker.hostname, state.pool, worker.concurrency, state.running)
                except ApiUnavailable as exc:
                    log.warning("worker registry: %s", exc)
                if self.done.wait(state.settings.heartbeat_seconds):
                    return

        def stop(self, worker: Any) -> None:
            state.stopping.set()
            self.done.set()

        def shutdown(self, worker: Any) -> None:
            self.done.set()
            try:
                state.api.worker_gone(worker.hostname)
            except ApiUnavailable as exc:
                log.warning("worker registry: %s", exc)

    return Registry


def create_celery(settings: SchedulerSettings, pool: str = "", job_user: JobUser | None = None) -> Celery:
    """The application: queues per pool, reliability settings, the job task and the registry step.

    Clients (the API's dispatcher) use it as it is; `scheduler.worker` runs it as a worker of `pool`,
    starting jobs as `job_user` if one is given.
    """
    url, transport = celery_broker(settings.broker_url)
    app = Celery("mlctl", broker=url, set_as_current=False)
    app.conf.update(celery_config(settings), broker_transport=transport)
    state = WorkerState.from_settings(settings, job_user)
    state.pool = pool
    state.send_replica = lambda project, job_id, run_id, tier: app.send_task(
        REPLICA_TASK_NAME, args=(project, job_id, run_id), queue=pool_of(tier)
    )
    app.steps["worker"].add(_registry_step(state))
    # Fired from the signal handler, before Celery's own (slower) warm-shutdown steps run.
    worker_shutting_down.connect(lambda **_: state.stopping.set(), weak=False)

    @app.task(name=TASK_NAME, bind=True, max_retries=None)
    def run_training(task: Task, project: str, job_id: str) -> str:
        if state.stopping.is_set():  # taken from the queue while shutting down: leave it to another worker
            raise Reject("the worker is stopping", requeue=True)
        try:
            return run_training_job(state, str(task.request.hostname), project, job_id)
        except ApiUnavailable as exc:  # nothing was claimed: try again once the API answers
            countdown = min(CLAIM_RETRY_MAX_SECONDS, 2 ** (task.request.retries or 0))
            raise task.retry(exc=exc, countdown=countdown) from exc
        except ClaimBusy as exc:  # a release racing its commit, or a duplicate: look again, a few times
            if task.request.retries >= BUSY_RETRIES:
                return f"not run: {exc}"
            raise task.retry(exc=exc, countdown=BUSY_RETRY_SECONDS) from exc

    @app.task(name=REPLICA_TASK_NAME, bind=True, max_retries=None)
    def run_cluster_replica(task: Task, project: str, job_id: str, run_id: str) -> str:
        if state.stopping.is_set():
            raise Reject("the worker is stopping", requeue=True)
        try:
            return run_replica(state, str(task.request.hostname), project, job_id, run_id)
        except ApiUnavailable as exc:  # no slot was taken: try again once the API answers
            raise task.retry(exc=exc, countdown=min(CLAIM_RETRY_MAX_SECONDS, 2 ** (task.request.retries or 0))) from exc

    return app
