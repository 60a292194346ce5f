"""Jobs started as a separate unprivileged user (`MLCTL_JOB_USER`), for real: real processes as `nobody`.

Starting a process as another user needs root (these tests run as root; elsewhere they skip,
saying so). The job user must be able to run the interpreter: a venv whose Python lives under
root's home is not one it can, so the system's `python3` is tried next, as an operator would
set `MLCTL_JOB_PYTHON`. pytest's temporary folders are root's alone, so the work folder and
job dirs live in a folder of the test's own that others may enter.
"""

from __future__ import annotations

import os
import pwd
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from tests.trainer.archives import sdist
from tests.trainer.conftest import RecordingSink
from trainer.jobuser import JobUser, JobUserRefused, job_user
from trainer.runtime import run_job
from trainer.spec import JobSpec, RuntimeConfig
from trainer.states import JobState

JOB_USER = "nobody"
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="starting a process as another user needs root")
# Says who it runs as, tries a file only root may read, and writes where a job writes.
TASK = """
import os, sys
job_dir = sys.argv[sys.argv.index("--job-dir") + 1]
print("uid", os.getuid(), "gid", os.getgid(), "groups", os.getgroups())
try:
    open(sys.argv[1]).read()
except PermissionError as exc:
    print("refused:", type(exc).__name__)
with open(os.path.join(job_dir, "model.ckpt-1"), "w") as out:
    out.write("weights")
for folder in (os.getcwd(), os.environ["TMPDIR"], os.environ["HOME"]):
    open(os.path.join(folder, "scratch"), "w").close()
print("wrote the checkpoint")
"""


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder of the test's own that other users may enter (not list)."""
    folder = Path(tempfile.mkdtemp(prefix="mlctl-jobuser-"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture
def runnable(open_folder: Path) -> tuple[JobUser, str]:
    """The job user and an interpreter it can run, as a worker would resolve them at start."""
    try:
        pwd.getpwnam(JOB_USER)
    except KeyError:
        pytest.skip(f"no user {JOB_USER!r} on this host")
    for python in dict.fromkeys([sys.executable, "/usr/bin/python3"]):
        with suppress(JobUserRefused):
            return job_user(JOB_USER, python, open_folder / "work"), python
    pytest.skip(f"{JOB_USER} can run neither {sys.executable} nor /usr/bin/python3")


def _run(open_folder: Path, runnable: tuple[JobUser, str], job_dir: Path, sink: RecordingSink) -> JobState:
    user, python = runnable
    secret = open_folder / "work" / "worker.token"
    secret.write_text("the worker's secret")
    secret.chmod(0o600)
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
