"""Jobs started as a separate unprivileged user (`MLCTL_JOB_USER`): real processes as `nobody`
through the runtime, and the worker's checks at start (see tests/jobuser.py for what they need)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.jobuser import JOB_USER, TASK, needs_root, open_folder, root_only_file, runnable
from tests.trainer.archives import sdist
from tests.trainer.conftest import RecordingSink
from trainer.jobuser import JobUser, JobUserRefused, job_user
from trainer.runtime import run_job
from trainer.spec import JobSpec, RuntimeConfig
from trainer.states import JobState

__all__ = ["open_folder", "runnable"]  # fixtures
pytestmark = needs_root


def _run(open_folder: Path, runnable: tuple[JobUser, str], job_dir: Path, sink: RecordingSink) -> JobState:
    user, python = runnable
    secret = root_only_file(open_folder / "work")
    package = sdist(open_folder, {"trainer/__init__.py": "", "trainer/task.py": TASK})
    spec = JobSpec("as_user", "trainer.task", package_uris=(str(package),), args=(str(secret),), job_dir=str(job_dir))
    config = RuntimeConfig(work_root=open_folder / "work", python=python, job_user=user, grace_seconds=1.0)
    return run_job(spec, sink, config).state


def test_the_job_runs_as_the_job_user_and_writes_only_where_a_job_writes(
    open_folder: Path, runnable: tuple[JobUser, str], sink: RecordingSink
) -> None:
    user = runnable[0]
    job_dir = open_folder / "jobs" / "run-1"
    assert _run(open_folder, runnable, job_dir, sink) is JobState.SUCCEEDED, sink.messages
    assert f"uid {user.uid} gid {user.gid} groups {list(user.groups)}" in sink.messages
    assert "refused: PermissionError" in sink.messages
    assert (job_dir / "model.ckpt-1").read_text() == "weights"
    assert (job_dir.stat().st_uid, (job_dir / "model.ckpt-1").stat().st_uid) == (user.uid, user.uid)
    assert (open_folder / "jobs").stat().st_uid == 0, "only the folder made for the job is handed over"


def test_an_existing_job_dir_is_not_handed_over(
    open_folder: Path, runnable: tuple[JobUser, str], sink: RecordingSink
) -> None:
    job_dir = open_folder / "roots"
    job_dir.mkdir(mode=0o755)
    assert _run(open_folder, runnable, job_dir, sink) is JobState.FAILED
    assert sink.states[-1][1].startswith("PermissionError: [Errno 13] Permission denied"), sink.states
    assert not (job_dir / "model.ckpt-1").exists() and job_dir.stat().st_uid == 0


def test_a_job_user_the_worker_cannot_use_is_refused_saying_why(open_folder: Path, runnable: tuple[JobUser, str]
                                                                ) -> None:  # fmt: skip
    python = runnable[1]
    with pytest.raises(JobUserRefused, match="MLCTL_JOB_USER=no-such-user: there is no such user on this host"):
        job_user("no-such-user", python, open_folder / "work")
    with pytest.raises(JobUserRefused, match="the worker runs as uid 1000; only a worker running as root"):
        job_user(JOB_USER, python, open_folder / "work", euid=1000)
    private = open_folder / "private"
    private.mkdir(mode=0o700)
    with pytest.raises(JobUserRefused, match=f"cannot run {python} or reach the work folder {private}/work"):
        job_user(JOB_USER, python, private / "work")
