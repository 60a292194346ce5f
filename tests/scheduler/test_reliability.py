"""Workers that die, stop or lose the API: no job is left RUNNING, no log line is lost or doubled.

Each test runs the example trainer (it checkpoints every 10 steps and resumes from the latest
checkpoint) on its own `standard` workers, so killing them touches no other test.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.scheduler.platform import Platform, messages, submit, trainer_package, wait_for, wait_state
from tests.trainer.archives import sdist

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
# Redis and PostgreSQL change nothing in how a stop or an API restart is handled: those run embedded only.
embedded_only = pytest.mark.parametrize("platform", ["embedded"], indirect=True)


def _example(platform: Platform, project: str, tmp_path: Path, job_id: str, steps: int = 50) -> None:
    example = REPO / "examples" / "trainer" / "trainer"
    archive = sdist(tmp_path, {f"trainer/{path.name}": path.read_text() for path in example.glob("*.py")})
    args = ["--steps", str(steps), "--step-seconds", "0.04", "--checkpoint-every", "10"]
    submit(
        platform.client(project),
        job_id,
        archive,
        scaleTier="CUSTOM",
        masterType="standard",
        args=args,
        jobDir=str(tmp_path / "job-dir"),
    )


def _logged(platform: Platform, project: str, job_id: str, text: str, count: int = 1) -> None:
    wait_for(lambda: sum(text in message for message in messages(platform.client(project), job_id)) >= count)


def test_a_worker_killed_mid_job_is_replaced_and_the_job_resumes_from_its_checkpoint(
    platform: Platform, project: str, tmp_path: Path
) -> None:
    first = platform.start_worker("standard")
    _example(platform, project, tmp_path, "resumed")
    _logged(platform, project, "resumed", "model.ckpt-10")
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = platform.start_worker("standard")
    job = wait_state(platform.client(project), "resumed", "SUCCEEDED", "FAILED", timeout=40)
    log = messages(platform.client(project), "resumed")
    assert job["state"] == "SUCCEEDED", log
    assert any("stopped heartbeating" in m and "queued again for attempt 2 of 2" in m for m in log)
    assert any(m.startswith("Restored ") for m in log)
    platform.stop_worker(second, signal.SIGQUIT)


@embedded_only
def test_a_job_whose_workers_keep_dying_fails_with_the_reason(platform: Platform, project: str, tmp_path: Path) -> None:
    first = platform.start_worker("standard")
    _example(platform, project, tmp_path, "doomed")
    _logged(platform, project, "doomed", "Saved ")
    first.send_signal(signal.SIGKILL)
    second = platform.start_worker("standard")
    _logged(platform, project, "doomed", "Saved ", count=2)
    second.send_signal(signal.SIGKILL)
    job = wait_state(platform.client(project), "doomed", "FAILED", "SUCCEEDED", timeout=20)
    assert job["state"] == "FAILED"
    assert "stopped heartbeating" in job["errorMessage"] and "giving up after 2 of 2 attempts" in job["errorMessage"]


@embedded_only
def test_a_stopping_worker_hands_its_job_back_without_using_an_attempt(
    platform: Platform, project: str, tmp_path: Path
) -> None:
    first = platform.start_worker("standard")
    _example(platform, project, tmp_path, "handed_back", steps=100)
    _logged(platform, project, "handed_back", "Saved ")
    platform.stop_worker(first)  # SIGTERM: a warm shutdown
    second = platform.start_worker("standard")
    job = wait_state(platform.client(project), "handed_back", "SUCCEEDED", "FAILED", timeout=40)
    log = messages(platform.client(project), "handed_back")
    assert job["state"] == "SUCCEEDED", log
    assert any("is stopping; the job is queued again" in m for m in log)
    assert sum(m.startswith("Attempt 1 of 2") for m in log) == 2
    # The log tells of the one end the job had; the handed-back run's stop is in its release note.
    assert [m for m in log if m.startswith("Job ")] == ["Job completed successfully."]
    platform.stop_worker(second, signal.SIGQUIT)


@embedded_only
def test_an_api_restart_loses_no_log_line(platform: Platform, project: str, tmp_path: Path) -> None:
    task = "import time\nfor i in range(40):\n    print(f'line {i}', flush=True)\n    time.sleep(0.1)\n"
    client = platform.client(project)
    submit(client, "chatty", trainer_package(tmp_path, task))
    _logged(platform, project, "chatty", "line 5")
    platform.restart_api(down_seconds=1.0)
    client = platform.client(project)
    job = wait_state(client, "chatty", "SUCCEEDED", "FAILED", timeout=30)
    assert job["state"] == "SUCCEEDED"
    assert [m for m in messages(client, "chatty") if m.startswith("line ")] == [f"line {i}" for i in range(40)]
