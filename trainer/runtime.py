"""`run_job`: the one code path from a job spec to its final state, for workers and `local train`.

    PREPARING  fetch, unpack, install dependencies, ready the job dir
    RUNNING    python -m MODULE ARGS --job-dir DIR, logs streamed to the sink in batches
    SUCCEEDED  exit 0
    FAILED     the last traceback line (`ValueError: bad input`), else the exit code or signal;
               or what preparing refused; or `maxRunningTime exceeded`
    CANCELLED  the spec's `cancel()` turned true

Example, in the foreground::

    result = run_job(JobSpec("j1", "trainer.task", package_dir=Path("trainer")), sink,
                     RuntimeConfig(work_root=Path("/tmp/mlctl-jobs")))
"""

from __future__ import annotations

import re
import shlex
import shutil
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from trainer.environment import job_environment
from trainer.errors import JobCancelled, TrainerError
from trainer.jobdir import JobDir, PeriodicPush
from trainer.limits import consumed_ml_units, limits_for
from trainer.logs import LogBuffer, last_exception
from trainer.prepare import Prepared, prepare
from trainer.process import Command, Exit, run
from trainer.spec import JobResult, JobSink, JobSpec, RuntimeConfig
from trainer.states import JobState, Severity

CANCELLED_MESSAGE = "Job cancelled by request"
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9_.-]")
# The job's last log line, as ML Engine ended a job's log.
_CLOSING = {
    JobState.SUCCEEDED: ("Job completed successfully.", Severity.INFO),
    JobState.FAILED: ("Job failed: {message}", Severity.ERROR),
    JobState.CANCELLED: ("{message}", Severity.INFO),
}


@dataclass
class _Pace:
    """The supervising thread's chores: writing log batches and heartbeats when they are due."""

    sink: JobSink
    buffer: LogBuffer
    heartbeat_seconds: float
    last_heartbeat: float = 0.0

    def tick(self) -> None:
        if self.buffer.due():
            self.flush()
        if time.monotonic() - self.last_heartbeat >= self.heartbeat_seconds:
            self.sink.heartbeat()
            self.last_heartbeat = time.monotonic()

    def flush(self) -> None:
        if batch := self.buffer.take():
            self.sink.log(batch)


def _prepare_with_heartbeats(spec: JobSpec, config: RuntimeConfig, folder: Path, pace: _Pace) -> Prepared:
    # Preparing may take minutes (pip): it runs aside so heartbeats and its log lines keep flowing.
    with ThreadPoolExecutor(1, thread_name_prefix="job-prepare") as pool:
        future: Future[Prepared] = pool.submit(prepare, spec, config, folder, pace.buffer.note)
        while not future.done():
            pace.tick()
            pace.buffer.wait(0.05)
        return future.result()


def _command(spec: JobSpec, config: RuntimeConfig, prepared: Prepared) -> Command:
    argv = [config.python, "-m", spec.python_module, *spec.args]
    if prepared.job_dir is not None:
        argv += ["--job-dir", str(prepared.job_dir.path)]
    job_dir = prepared.job_dir.path if prepared.job_dir is not None else None
    env = job_environment(prepared.python_path, spec.training_input, prepared.tmp_dir, replica=spec.replica,
                          job_dir=job_dir)  # fmt: skip
    if config.job_user is not None:  # the worker's HOME (root's) is not the job user's to write
        env.update(HOME=str(prepared.cwd), USER=config.job_user.name, LOGNAME=config.job_user.name)
    return Command(argv, prepared.cwd, env, spec.limits or limits_for(spec.scale_tier), config.job_user)


def _stop_reason(spec: JobSpec, started: float) -> str | None:
    if spec.cancel():
        return CANCELLED_MESSAGE
    if spec.max_running_time is not None and time.monotonic() - started > spec.max_running_time:
        return f"maxRunningTime exceeded ({spec.max_running_time:g} s)"
    return None


def _outcome(exit: Exit, buffer: LogBuffer) -> tuple[JobState, str]:
    if exit.stop_reason == CANCELLED_MESSAGE:
        return JobState.CANCELLED, CANCELLED_MESSAGE
    if exit.stop_reason is not None:
        return JobState.FAILED, exit.stop_reason
    if exit.returncode == 0:
        return JobState.SUCCEEDED, ""
    if exit.returncode > 0 and (exception := last_exception(buffer.stderr_tail)):
        return JobState.FAILED, exception
    return JobState.FAILED, exit.describe()


def _run_prepared(spec: JobSpec, config: RuntimeConfig, prepared: Prepared, pace: _Pace) -> tuple[Exit, float]:
    command = _command(spec, config, prepared)
    pace.buffer.note(f"Running command: python {shlex.join(command.argv[1:])}")
    started = time.monotonic()
    warn = partial(pace.buffer.note, severity=Severity.WARNING)
    with PeriodicPush(prepared.job_dir, config.sync_seconds, warn) if prepared.job_dir else nullcontext():
        exit = run(
            command,
            pace.buffer,
            stop_reason=lambda: _stop_reason(spec, started),
            on_tick=pace.tick,
            grace=config.grace_seconds,
        )
    return exit, time.monotonic() - started


def _execute(
    spec: JobSpec, config: RuntimeConfig, folder: Path, pace: _Pace
) -> tuple[JobState, str, Exit | None, float]:
    """PREPARING then RUNNING; returns the final state, its message, the exit and the running time."""
    pace.sink.state(JobState.PREPARING, "Preparing the package")
    try:
        prepared = _prepare_with_heartbeats(spec, config, folder, pace)
    except JobCancelled:
        return JobState.CANCELLED, CANCELLED_MESSAGE, None, 0.0
    except (TrainerError, OSError) as exc:  # OSError: the worker's own disk (full, unwritable)
        return JobState.FAILED, str(exc), None, 0.0
    if spec.cancel():
        return JobState.CANCELLED, CANCELLED_MESSAGE, None, 0.0
    pace.flush()
    pace.sink.state(JobState.RUNNING, "")
    try:
        exit, running = _run_prepared(spec, config, prepared, pace)
    except TrainerError as exc:  # the process could not be started
        return JobState.FAILED, str(exc), None, 0.0
    state, message = _outcome(exit, pace.buffer)
    if prepared.job_dir is not None:
        state, message = _final_push(prepared.job_dir, state, message, pace.buffer)
    return state, message, exit, running


def _final_push(job_dir: JobDir, state: JobState, message: str, buffer: LogBuffer) -> tuple[JobState, str]:
    """Copy the job dir up once more; if that fails, a job that succeeded did not (its outputs are lost)."""
    try:
        job_dir.push()
    except TrainerError as exc:
        buffer.note(str(exc), Severity.ERROR)
        if state is JobState.SUCCEEDED:
            return JobState.FAILED, str(exc)
    return state, message


def run_job(spec: JobSpec, sink: JobSink, config: RuntimeConfig) -> JobResult:
    """Run one job to its end, reporting to `sink`; the same path for a worker and `local train`."""
    began = time.monotonic()
    config.work_root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{_UNSAFE_IN_NAME.sub('_', spec.job_id)}-", dir=config.work_root))
    buffer = LogBuffer(config.log_cap, config.batch_lines, config.batch_seconds, spec.task_name)
    pace = _Pace(sink, buffer, config.heartbeat_seconds)
    try:
        state, message, exit, running = _execute(spec, config, folder, pace)
    finally:
        if not config.keep_job_folder:
            shutil.rmtree(folder, ignore_errors=True)
    pace.flush()
    template, severity = _CLOSING[state]
    buffer.note(template.format(message=message), severity)
    sink.state(state, message, closing=buffer.take())
    return JobResult(
        state,
        message,
        exit.returncode if exit else None,
        time.monotonic() - began,
        running,
        consumed_ml_units(spec.scale_tier, running),
        buffer.dropped_lines,
    )
