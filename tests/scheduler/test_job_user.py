"""A worker running as root with `MLCTL_JOB_USER` runs a submitted job as that user: the job's log
shows the user's ids and a PermissionError on a file only root may read (in the worker's work
folder), and its checkpoint lands in the job dir the worker made for it (see tests/jobuser.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.jobuser import TASK, needs_root, open_folder, root_only_file, runnable
from tests.scheduler.platform import Platform, messages, submit, trainer_package, wait_state
from trainer.jobuser import JobUser

__all__ = ["open_folder", "runnable"]  # fixtures
# A gpu worker of its own: the platform's basic worker runs jobs as root.
pytestmark = [needs_root, pytest.mark.slow, pytest.mark.parametrize("platform", ["embedded"], indirect=True)]


def test_a_root_worker_runs_the_job_as_the_job_user(
    platform: Platform, project: str, tmp_path: Path, open_folder: Path, runnable: tuple[JobUser, str]
) -> None:
    user, python = runnable
    work = open_folder / "work"
    worker = platform.start_worker("gpu", MLCTL_JOB_USER=user.name, MLCTL_JOB_PYTHON=python, MLCTL_WORK_ROOT=str(work))
    try:
        client = platform.client(project)
        job_dir = open_folder / "jobs" / "as_user"
        package = trainer_package(tmp_path, TASK)
        submit(client, "as_user", package, scaleTier="BASIC_GPU", args=[str(root_only_file(work))], jobDir=str(job_dir))
        job = wait_state(client, "as_user", "SUCCEEDED", "FAILED", timeout=60)
        log = messages(client, "as_user")
        assert job["state"] == "SUCCEEDED", log
        assert f"uid {user.uid} gid {user.gid} groups {list(user.groups)}" in log
        assert "refused: PermissionError" in log
        assert (job_dir / "model.ckpt-1").read_text() == "weights"
        assert (job_dir / "model.ckpt-1").stat().st_uid == user.uid
    finally:
        platform.stop_worker(worker)
