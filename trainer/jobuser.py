"""Jobs run as a separate unprivileged user (`MLCTL_JOB_USER`) where the worker runs as root.

The worker resolves the user once, at start (`job_user`), and refuses a user that does not
exist, a worker that is not root (only root may start a process as another user), and a user
that cannot run the job interpreter or reach the work folder (every job would fail).

Before a job starts, its folder (package, working directory, TMPDIR, a remote job dir's staging
copy) is handed to the user, and so is a local job dir the worker has just created for it. An
existing local job dir is used as it is: the worker never hands over a folder it did not make,
so a job naming `/etc` as its job dir gains nothing there. The process changes user between
fork and exec (`subprocess`'s `user`, `group`, `extra_groups`), before `trainer.process` sets
its parent-death signal, which a change of user would clear.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Run as the user: it can start the interpreter and look up a path inside the work folder.
_PROBE = "import os, sys; os.stat(os.path.join(sys.argv[1], '.'))"


class JobUserRefused(ValueError):
    """`MLCTL_JOB_USER` names a user this worker cannot run jobs as; the message says why.

    A worker's start error, not a job's: it is not a `TrainerError`.
    """


@dataclass(frozen=True)
class JobUser:
    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]  # the user's own supplementary groups, never the worker's (root's)


def job_user(name: str, python: str, work_root: Path, euid: int | None = None) -> JobUser:
    """The user named `name`, once it is sure that this worker can run jobs as it.

    `euid` is the worker's effective user id (this process's unless given).
    """
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise JobUserRefused(f"MLCTL_JOB_USER={name}: there is no such user on this host") from None
    euid = os.geteuid() if euid is None else euid
    if euid != 0:
        raise JobUserRefused(
            f"MLCTL_JOB_USER={name}: the worker runs as uid {euid}; only a worker running as root can "
            "start jobs as another user (unset MLCTL_JOB_USER to run them as the worker's user)"
        )
    user = JobUser(name, entry.pw_uid, entry.pw_gid, tuple(os.getgrouplist(name, entry.pw_gid)))
    _probe(user, python, work_root)
    return user


def _probe(user: JobUser, python: str, work_root: Path) -> None:
    work_root.mkdir(parents=True, exist_ok=True)
    try:
        probe = subprocess.run(
            [python, "-c", _PROBE, str(work_root)], cwd="/", env={"PATH": os.defpath}, capture_output=True,
            text=True, timeout=60, **as_user(user),
        )  # fmt: skip
        why = (probe.stderr.strip().splitlines() or [f"exit code {probe.returncode}"])[-1]
    except OSError as exc:  # the interpreter itself could not be started as the user
        why = str(exc)
    else:
        if probe.returncode == 0:
            return
    raise JobUserRefused(
        f"MLCTL_JOB_USER={user.name}: the user cannot run {python} or reach the work folder {work_root} "
        f"({why}); give it access, or set MLCTL_JOB_PYTHON to an interpreter it can run"
    )


def as_user(user: JobUser | None) -> dict[str, Any]:
    """`subprocess.Popen` keyword arguments that start the process as `user` (none for None)."""
    if user is None:
        return {}
    return {"user": user.uid, "group": user.gid, "extra_groups": list(user.groups)}


def hand_over(folder: Path, user: JobUser) -> None:
    """Make `user` the owner of `folder` and all in it; a symbolic link itself, never its target."""
    os.chown(folder, user.uid, user.gid, follow_symlinks=False)
    for root, dirs, files in os.walk(folder):
        for name in (*dirs, *files):
            os.chown(os.path.join(root, name), user.uid, user.gid, follow_symlinks=False)
