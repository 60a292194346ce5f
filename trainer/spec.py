"""The seam between the runtime and whoever runs jobs: what to run, where to report, how.

A Celery worker and `mlctl local train` both build a `JobSpec` and a `RuntimeConfig`, hand
`run_job` something that has the three `JobSink` methods, and get a `JobResult` back.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from trainer.cluster import Replica
from trainer.dependencies import PipOptions
from trainer.jobuser import JobUser
from trainer.limits import Limits
from trainer.logs import MASTER_TASK, LogCap, LogLine
from trainer.states import JobState
from trainer.unpack import MIB, UnpackLimits


def never() -> bool:
    return False


@dataclass(frozen=True)
class JobSpec:
    """One training job, as ML Engine's trainingInput describes it.

    `package_uris` are fetched from the artifact store (local paths or fsspec URLs); a local
    `package_dir` (gcloud's `--package-path`: the package folder itself) is run in place, its
    parent first on the path, with no dependency install, as `gcloud ml-engine local train` did.
    `cancel` is polled every few tens of milliseconds: make it read a flag (a
    `threading.Event().is_set`), not call the API.
    """

    job_id: str
    python_module: str
    package_uris: tuple[str, ...] = ()
    package_dir: Path | None = None
    args: tuple[str, ...] = ()
    job_dir: str | None = None
    scale_tier: str = "BASIC"
    training_input: Mapping[str, Any] = field(default_factory=dict)
    max_running_time: float | None = None
    limits: Limits | None = None
    cancel: Callable[[], bool] = never
    replica: Replica | None = None  # None: a single-replica job, its own master

    @property
    def task_name(self) -> str:
        return MASTER_TASK if self.replica is None else self.replica.task_name


def seconds(duration: str) -> float:
    """A google.protobuf.Duration in its JSON form ("7200s", "0.5s") as seconds."""
    if not duration.endswith("s"):
        raise ValueError(f"{duration!r} is not a duration such as '7200s'")
    return float(duration[:-1])


def spec_from_training_input(
    job_id: str, training_input: Mapping[str, Any], cancel: Callable[[], bool] = never
) -> JobSpec:
    """The spec of a job from its ML Engine `trainingInput` JSON (camelCase), as the API stores it.

    >>> spec_from_training_input("j1", {"packageUris": ["gs://b/t.tar.gz"], "pythonModule": "trainer.task",
    ...                                 "scheduling": {"maxRunningTime": "7200s"}}).max_running_time
    7200.0
    """
    max_running_time = (training_input.get("scheduling") or {}).get("maxRunningTime")
    return JobSpec(
        job_id=job_id,
        python_module=training_input["pythonModule"],
        package_uris=tuple(training_input.get("packageUris", ())),
        args=tuple(training_input.get("args", ())),
        job_dir=training_input.get("jobDir"),
        scale_tier=training_input.get("scaleTier", "BASIC"),
        training_input=training_input,
        max_running_time=seconds(max_running_time) if max_running_time else None,
        cancel=cancel,
    )


class JobSink(Protocol):
    """Where a job's progress goes: the API for a worker, the terminal for `local train`.

    All three are called from the thread that called `run_job`, never concurrently. `log`
    gets batches in order; the terminal `state` comes after the last batch, with the log's
    closing lines (`Job completed successfully.`), which a sink that stores states and logs
    stores together with the state (the API: in one transaction). `heartbeat` comes
    every `RuntimeConfig.heartbeat_seconds`, while preparing too: a worker's heartbeat to the
    API is the natural place to learn that the job is CANCELLING and set the flag that the
    spec's `cancel` reads. An exception from any of them ends the job: its process group is
    killed, its folder removed, and the exception propagates out of `run_job`.
    """

    def state(self, state: JobState, message: str, closing: Sequence[LogLine] = ()) -> None: ...

    def log(self, lines: Sequence[LogLine]) -> None: ...

    def heartbeat(self) -> None: ...


@dataclass(frozen=True)
class RuntimeConfig:
    """The worker's settings for the runtime: folders, limits, pacing."""

    work_root: Path
    pip: PipOptions | None = None  # None: a dependency cache under work_root
    unpack: UnpackLimits = field(default_factory=UnpackLimits)
    log_cap: LogCap = field(default_factory=LogCap)
    max_package_bytes: int = 100 * MIB
    batch_lines: int = 100
    batch_seconds: float = 0.2
    heartbeat_seconds: float = 10.0
    grace_seconds: float = 10.0
    sync_seconds: float = 60.0
    keep_job_folder: bool = False
    python: str = sys.executable
    job_user: JobUser | None = None  # None: jobs run as the worker's user (see trainer.jobuser)

    def pip_options(self) -> PipOptions:
        return self.pip or PipOptions(cache_dir=self.work_root / "dependency-cache")


@dataclass(frozen=True)
class JobResult:
    """How a job ended; `message` is the errorMessage for FAILED (empty on success)."""

    state: JobState
    message: str
    exit_code: int | None
    duration_seconds: float
    running_seconds: float
    consumed_ml_units: float
    dropped_log_lines: int = 0
