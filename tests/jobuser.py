"""Fixtures for jobs run as a separate user (`MLCTL_JOB_USER`, trainer/jobuser.py), for real.

Starting a process as another user needs root (the tests run as root; elsewhere they skip,
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

from trainer.jobuser import JobUser, JobUserRefused, job_user

JOB_USER = "nobody"
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="starting a process as another user needs root")
# Says who it runs as, tries the file its first argument names (one only root may read), and
# writes where a job writes.
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
    """The job user and an interpreter it can run, as a worker resolves them at start."""
    try:
        pwd.getpwnam(JOB_USER)
    except KeyError:
        pytest.skip(f"no user {JOB_USER!r} on this host")
    for python in dict.fromkeys([sys.executable, "/usr/bin/python3"]):
        with suppress(JobUserRefused):
            return job_user(JOB_USER, python, open_folder / "work"), python
    pytest.skip(f"{JOB_USER} can run neither {sys.executable} nor /usr/bin/python3")


def root_only_file(folder: Path) -> Path:
    """A file in `folder` only root may read, like a worker's token file."""
    secret = folder / "worker.token"
    secret.write_text("the worker's secret")
    secret.chmod(0o600)
    return secret
