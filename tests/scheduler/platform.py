"""A live platform for tests and `bench/scheduler.py`: the API (uvicorn) and Celery workers as subprocesses.

Embedded: SQLite and the SQLite broker in the data dir. Production: a PostgreSQL schema of its
own and Redis (a database number of its own, flushed first). Heartbeats are fast so that lost
workers are noticed in about two seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

from cli.client import MlctlClient
from scheduler.settings import SchedulerSettings
from scheduler.worker import command
from tests.live import REPO, LiveServer, start_server
from tests.trainer.archives import sdist

REDIS_URL = os.environ.get("MLCTL_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
FAST = {
    "heartbeat_seconds": 0.3,
    "heartbeat_timeout_seconds": 2.0,
    "reaper_interval_seconds": 0.3,
    "max_attempts": 2,
    "stop_grace_seconds": 2.0,
    "broker_polling_seconds": 0.05,
    "max_unpacked_bytes": 16 * 1024 * 1024,
}


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.05) -> Any:
    """Poll until `predicate()` is truthy and return it; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    raise AssertionError(f"not true within {timeout} s: {predicate}")


def _env_value(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict) else str(value)  # pydantic-settings reads dicts as JSON


def fresh_redis(url: str = REDIS_URL) -> str:
    """`url` after flushing its database; raises redis.ConnectionError where Redis does not answer."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    client.flushdb()
    client.close()
    return url


@dataclass
class Platform:
    server: LiveServer
    data_dir: Path
    overrides: dict[str, Any]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, project: str) -> MlctlClient:
        return self.server.client(project)

    def worker_env(self) -> dict[str, str]:
        settings = self.server.settings
        values = {name: getattr(settings, name) for name in SchedulerSettings.model_fields}
        values["api_url"] = self.url
        env = {f"MLCTL_{name.upper()}": _env_value(value) for name, value in values.items() if value is not None}
        return {**os.environ, **env}

    def start_worker(self, pool: str, concurrency: int = 1, **env: str) -> subprocess.Popen[bytes]:
        """A worker subprocess of `pool` (`env`: variables of its own); returns once the registry shows it live."""
        log = (self.data_dir / f"worker-{pool}-{len(self.workers)}.log").open("ab")
        argv = command(pool, concurrency, "WARNING")
        environ = {**self.worker_env(), **env}
        worker = subprocess.Popen(argv, cwd=REPO, env=environ, stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(worker)
        client = self.client("any")
        wait_for(lambda: any(f"-{worker.pid}" in w["name"] for p in client.list_pools()["pools"] for w in p["workers"]))
        return worker

    def stop_worker(self, worker: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> None:
        if worker.poll() is None:
            worker.send_signal(signum)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    def restart_api(self, down_seconds: float) -> None:
        """Stop the API, wait, and start it again on the same port with the same settings."""
        self.server.stop()
        time.sleep(down_seconds)
        port = int(self.url.rsplit(":", 1)[1])
        self.server = start_server(self.data_dir, self.server.settings.database_url, port=port, **self.overrides)

    def stop(self) -> None:
        for worker in self.workers:
            self.stop_worker(worker, signal.SIGQUIT)  # a cold shutdown: no job is left to hand back
        self.server.stop()


def start_platform(data_dir: Path, database_url: str = "", broker_url: str = "", **settings: Any) -> Platform:
    overrides = {**FAST, **settings, **({"broker_url": broker_url} if broker_url else {})}
    return Platform(start_server(data_dir, database_url, **overrides), data_dir, overrides)


def trainer_package(folder: Path, task: str, name: str = "trainer") -> Path:
    """An sdist holding `trainer/task.py` (the ML Engine convention) with the given source."""
    folder.mkdir(parents=True, exist_ok=True)
    return sdist(folder, {"trainer/__init__.py": "", "trainer/task.py": task}, name=name)


def submit(client: MlctlClient, job_id: str, package: Path, **training: Any) -> dict[str, Any]:
    uri = client.upload_package(package)["packageUri"]
    body = {"jobId": job_id, "trainingInput": {"packageUris": [uri], "pythonModule": "trainer.task", **training}}
    return client.create_job(body)


def wait_state(client: MlctlClient, job_id: str, *states: str, timeout: float = 30.0) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        job = client.get_job(job_id)
        return job if job["state"] in states else None

    return wait_for(reached, timeout)  # type: ignore[no-any-return]


def messages(client: MlctlClient, job_id: str) -> list[str]:
    return [entry["message"] for entry in client.read_logs(job_id, page_size=1000)["entries"]]


def production_urls(request: pytest.FixtureRequest, redis_url: str = REDIS_URL) -> tuple[str, str]:
    """(database URL, broker URL) of a production platform: a fresh PostgreSQL schema (the `postgres_schema`
    fixture) and a flushed Redis database; the test is skipped, naming which, where either does not answer."""
    try:
        broker_url = fresh_redis(redis_url)
    except redis.ConnectionError as exc:
        pytest.skip(f"Redis not reachable at {redis_url}: {exc}")
    try:
        return request.getfixturevalue("postgres_schema"), broker_url
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
