"""The API's database connection killed in the middle of a job's final write: the job's state and its
log never disagree, and the write is retried until it lands.

The final write is one transaction: the job row's state (SUCCEEDED) and the log's closing line
(`Job completed successfully.`), which the worker sends together (`api.store.runs.report_state`).
The test parks that transaction half done, deterministically: its own connection holds
`LOCK TABLE log_entries IN SHARE MODE`, so the writer, having already updated the job row, waits
in its COPY of the closing line. The parked backend is the API's (found in `pg_stat_activity` by
the application_name the API's database URL sets) that the test's lock blocks
(`pg_blocking_pids`). `pg_terminate_backend` then kills that connection mid-transaction, as a
database failover or a network cut would. The database must show neither the state nor the line;
the worker's retry (the API answered 5xx) parks again behind the lock; once it is released, both
are there, the line once.

PostgreSQL only. SQLite offers no comparable fault to inject honestly: its "connection" lives in
the API process (killing it is killing the API, tested in tests/scheduler/test_reliability.py),
and no second connection can park a writer after its first write, since the one database-wide
write lock is taken at that first write and WAL readers never block a commit. Stopping a SQLite
writer mid-transaction would take a hook inside our own code, which is what this test avoids.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.live import POSTGRES_URL, postgres_schema_url
from tests.scheduler.platform import Platform, messages, start_platform, submit, trainer_package, wait_for, wait_state

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CLOSING = "Job completed successfully."
# Prints once, then waits in silence for the test's go: its end then has no output of its own, so
# the only write left is the final state with the closing line.
WAIT_FOR_GO = """import os, sys, time
print("ready", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.02)
"""


@pytest.fixture
def schema_url() -> Iterator[str]:
    try:
        with postgres_schema_url() as url:
            yield url
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}")


@pytest.fixture
def application_name() -> str:
    return f"mlctl-api-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def api_over_postgres(tmp_path: Path, schema_url: str, application_name: str) -> Iterator[Platform]:
    # A slow reaper: the parked write holds the job row, and the heartbeats queue behind it.
    live = start_platform(tmp_path, f"{schema_url}&application_name={application_name}",
                          heartbeat_timeout_seconds=60.0)  # fmt: skip
    live.start_worker("basic")
    yield live
    live.stop()


def _state_and_closing(db: psycopg.Connection, project: str, job_id: str) -> tuple[str, int]:
    """The job's committed state, and how many closing lines its log holds."""
    row = db.execute(
        "SELECT j.state, (SELECT count(*) FROM log_entries e WHERE e.job_pk = j.id AND e.message = %s) "
        "FROM jobs j JOIN projects p ON p.id = j.project_id WHERE p.name = %s AND j.job_id = %s",
        (CLOSING, project, job_id),
    ).fetchone()
    assert row is not None
    return row[0], row[1]


def _parked_writer(db: psycopg.Connection, application_name: str, locker: psycopg.Connection) -> tuple[int, str]:
    """(pid, query) of the API's backend waiting on the test's lock, once there is one."""

    def parked() -> tuple[int, str] | None:
        query = ("SELECT pid, query FROM pg_stat_activity WHERE application_name = %s "
                 "AND %s = ANY(pg_blocking_pids(pid)) AND backend_xid IS NOT NULL")  # fmt: skip
        return db.execute(query, (application_name, locker.info.backend_pid)).fetchone()

    found: tuple[int, str] = wait_for(parked, timeout=20)
    return found


def test_a_killed_connection_mid_write_leaves_state_and_log_agreeing(
    api_over_postgres: Platform, schema_url: str, application_name: str, project: str, tmp_path: Path
) -> None:
    client = api_over_postgres.client(project)
    go = tmp_path / "go"
    submit(client, "parked", trainer_package(tmp_path / "pkg", WAIT_FOR_GO), args=[str(go)])
    wait_for(lambda: "ready" in messages(client, "parked"))
    with psycopg.connect(schema_url, autocommit=True) as db, psycopg.connect(schema_url) as locker:
        locker.execute("LOCK TABLE log_entries IN SHARE MODE")
        go.touch()
        pid, query = _parked_writer(db, application_name, locker)
        # backend_xid: the writer has written (the job row) and waits to write the closing line.
        assert query.startswith("COPY log_entries"), query
        assert _state_and_closing(db, project, "parked") == ("RUNNING", 0)

        assert db.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        wait_for(lambda: db.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone() is None)
        assert _state_and_closing(db, project, "parked") == ("RUNNING", 0), "neither, after the kill"
        retry, _ = _parked_writer(db, application_name, locker)
        assert retry != pid, "the worker sent the write again, on a new connection"
        assert _state_and_closing(db, project, "parked") == ("RUNNING", 0)
        locker.rollback()

        assert wait_state(client, "parked", "SUCCEEDED", "FAILED")["state"] == "SUCCEEDED"
        assert _state_and_closing(db, project, "parked") == ("SUCCEEDED", 1), "both, once"
    assert messages(client, "parked")[-1] == CLOSING
