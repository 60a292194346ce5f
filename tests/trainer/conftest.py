"""A sink that records what the runtime reports, and a runtime config under tmp_path."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import fsspec
import pytest
from fsspec.implementations.memory import MemoryFileSystem

from trainer.logs import LogLine
from trainer.spec import RuntimeConfig
from trainer.states import JobState


@dataclass
class RecordingSink:
    """Keeps every call; `on_line` lets a test react to a line while the job still runs."""

    on_line: Callable[[LogLine], None] | None = None
    states: list[tuple[JobState, str]] = field(default_factory=list)
    lines: list[LogLine] = field(default_factory=list)
    batches: int = 0
    heartbeats: int = 0
    threads: set[int] = field(default_factory=set)

    def state(self, state: JobState, message: str, closing: Sequence[LogLine] = ()) -> None:
        self.threads.add(threading.get_ident())
        self.states.append((state, message))
        self.lines.extend(closing)

    def log(self, lines: Sequence[LogLine]) -> None:
        self.threads.add(threading.get_ident())
        self.batches += 1
        self.lines.extend(lines)
        for line in lines:
            if self.on_line:
                self.on_line(line)

    def heartbeat(self) -> None:
        self.heartbeats += 1

    @property
    def messages(self) -> list[str]:
        return [line.message for line in self.lines]


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def config(tmp_path: Path) -> RuntimeConfig:
    return RuntimeConfig(work_root=tmp_path / "work", grace_seconds=1.0, batch_seconds=0.05)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


class ReadOnlyFileSystem(MemoryFileSystem):
    """A bucket the worker may read but not write: an fsspec plugin, the storage's real seam."""

    protocol = "readonly-test"

    def put_file(self, lpath: str, rpath: str, **kwargs: object) -> None:
        raise PermissionError(f"{rpath}: read-only bucket")


@pytest.fixture
def readonly_storage() -> str:
    """The protocol of a registered read-only filesystem."""
    fsspec.register_implementation(ReadOnlyFileSystem.protocol, ReadOnlyFileSystem, clobber=True)
    return ReadOnlyFileSystem.protocol
