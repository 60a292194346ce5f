"""Run a job's command in its own session, stream its output, and stop it when told.

The child is a session (and process group) leader, so stopping a job reaches everything it
started: SIGTERM to the group, SIGKILL once the grace period is over. It also dies with the
worker (PR_SET_PDEATHSIG). When the child exits, whatever it left behind in its group is
killed before the child is reaped: until it is reaped its pid cannot be reused, so the group
signalled is certainly the job's.

Two reader threads copy stdout and stderr into the `LogBuffer` line by line; they end at EOF,
after the exit, so nothing printed last is lost. A grandchild that made a session of its own
can hold a pipe open past the end: readers are then given `DRAIN_SECONDS` and abandoned.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from trainer.errors import TrainerError
from trainer.jobuser import JobUser, as_user
from trainer.limits import Limits, rlimits
from trainer.logs import STDERR, STDOUT, LogBuffer

TICK_SECONDS = 0.05
DRAIN_SECONDS = 5.0
# A longer line is cut into pieces of this size rather than held whole in memory.
MAX_LINE_BYTES = 64 * 1024
READ_BYTES = 64 * 1024
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@dataclass(frozen=True)
class Command:
    """What to run, where, with what environment and limits."""

    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str]
    limits: Limits | None = None
    user: JobUser | None = None  # None: the worker's own user


@dataclass(frozen=True)
class Exit:
    """How the process ended: its return code (negative: killed by that signal), and why we stopped it."""

    returncode: int
    pgid: int
    stop_reason: str | None

    def describe(self) -> str:
        """`exit code 3` or `killed by signal SIGKILL`."""
        if self.returncode < 0:
            return f"killed by signal {signal.Signals(-self.returncode).name}"
        return f"exit code {self.returncode}"


def _lines(pipe: IO[bytes]) -> Iterator[list[bytes]]:
    """The complete lines of each read, in order; a line over MAX_LINE_BYTES is cut into pieces.

    Reading what is there (`read1`) and splitting it here, not `readline`, costs one system call
    per pipe-full instead of one per line: the reader keeps up with a chatty job. A carriage
    return ends a line too, so each redraw of a progress bar is a line of its own.
    """
    rest = b""
    while chunk := pipe.read1(READ_BYTES):  # type: ignore[attr-defined]
        pieces = (rest + chunk).splitlines(keepends=True)
        rest = b"" if pieces[-1].endswith((b"\n", b"\r")) else pieces.pop()
        complete = [piece.rstrip(b"\r\n") for piece in pieces]
        while len(rest) >= MAX_LINE_BYTES:
            complete.append(rest[:MAX_LINE_BYTES])
            rest = rest[MAX_LINE_BYTES:]
        yield [piece for line in complete for piece in _cut(line)]
    if rest:
        yield [rest]


def _cut(line: bytes) -> list[bytes]:
    return [line[i : i + MAX_LINE_BYTES] for i in range(0, len(line), MAX_LINE_BYTES)] or [line]


def _read_lines(pipe: IO[bytes], stream: str, buffer: LogBuffer) -> None:
    with pipe:
        for lines in _lines(pipe):
            buffer.extend(stream, [line.decode("utf-8", "replace") for line in lines])


def _start_readers(process: subprocess.Popen[bytes], buffer: LogBuffer) -> list[threading.Thread]:
    readers = []
    for pipe, stream in ((process.stdout, STDOUT), (process.stderr, STDERR)):
        assert pipe is not None, "both pipes are requested"
        reader = threading.Thread(target=_read_lines, args=(pipe, stream, buffer), name=f"job-{stream}", daemon=True)
        reader.start()
        readers.append(reader)
    return readers


def signal_group(pgid: int, signum: signal.Signals) -> None:
    """Signal a whole process group; one that is already gone is not an error."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _wait_group_gone(pgid: int, timeout: float) -> None:
    """Wait for killed members to be reaped by their new parent (init), so the group is gone on return.

    A container whose PID 1 does not reap orphans (Docker without `init: true`) keeps them as
    zombies: the wait then gives up after `timeout`.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)


def _has_exited(pid: int) -> bool:
    # WNOWAIT leaves the child a zombie: its pid, hence its group id, stays reserved until wait().
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _supervise(
    pid: int, stop_reason: Callable[[], str | None], on_tick: Callable[[], None], buffer: LogBuffer, grace: float
) -> str | None:
    """Tick until the process exits; once `stop_reason` names a reason, stop the group."""
    reason: str | None = None
    kill_at = float("inf")
    while not _has_exited(pid):
        on_tick()
        if reason is None and (reason := stop_reason()) is not None:
            signal_group(pid, signal.SIGTERM)
            kill_at = time.monotonic() + grace
        elif time.monotonic() >= kill_at:
            signal_group(pid, signal.SIGKILL)
            kill_at = float("inf")
        buffer.wait(TICK_SECONDS)
    return reason


def _child_setup(limits: Limits | None) -> Callable[[], None]:
    """What the child runs between fork and exec: die with the worker, then take its limits.

    It runs after `subprocess` changed the child's user (`Command.user`), which clears a
    parent-death signal set before.

    PR_SET_PDEATHSIG makes the kernel SIGKILL the job when the thread that started it dies, so
    a worker killed with SIGKILL leaves no job running unsupervised beside its retry (the thread
    is `run_job`'s caller, which waits for the job). Everything is computed here, in the parent,
    so the forked child calls `prctl` and `setrlimit` and takes no lock: that is what makes a
    `preexec_fn` safe in a threaded worker.
    """
    pairs = rlimits(limits) if limits is not None else []
    prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None
    worker = os.getpid()

    def setup() -> None:
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != worker:  # the worker died before prctl took effect
                os._exit(1)
        for kind, values in pairs:
            resource.setrlimit(kind, values)

    return setup


def _start(command: Command) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        list(command.argv),
        cwd=command.cwd,
        env=dict(command.env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_child_setup(command.limits),
        close_fds=True,
        **as_user(command.user),
    )


def run(
    command: Command,
    buffer: LogBuffer,
    *,
    stop_reason: Callable[[], str | None],
    on_tick: Callable[[], None],
    grace: float = 10.0,
) -> Exit:
    """Run `command` to its end, its output into `buffer`; `on_tick` runs every few tens of ms.

    `stop_reason` is polled as often: once it returns a reason (cancelled, out of time) the
    group gets SIGTERM, then SIGKILL after `grace` seconds. It must be cheap (read a flag).
    """
    try:
        process = _start(command)
    except (OSError, subprocess.SubprocessError) as exc:  # SubprocessError: setrlimit refused in the child
        raise TrainerError(f"cannot start {shlex.join(command.argv)}: {exc}") from exc
    readers = _start_readers(process, buffer)
    try:
        reason = _supervise(process.pid, stop_reason, on_tick, buffer, grace)
    finally:
        signal_group(process.pid, signal.SIGKILL)  # what the job left running, or all of it on an error here
        returncode = process.wait()
        _wait_group_gone(process.pid, DRAIN_SECONDS)
    deadline = time.monotonic() + DRAIN_SECONDS
    for reader in readers:
        reader.join(max(0.0, deadline - time.monotonic()))
    return Exit(returncode, process.pid, reason)
