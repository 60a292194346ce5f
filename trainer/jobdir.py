"""The job dir (`--job-dir`): a local folder, or a local staging folder mirrored to an fsspec URL.

The user's process gets a local path in both cases. For a remote URL (`s3://`, `gs://`,
`memory://` in tests) it could not write there itself: its environment carries none of the
worker's credentials. So the worker pulls what is already there (the checkpoint of an earlier
attempt), and pushes new and changed files up periodically while the job runs and once more
at the end. A periodic push may catch a file half written; the final one is complete. Files
the job deletes locally are not deleted remotely.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem

from trainer.errors import TrainerError


class JobDir:
    """Where the job writes; `path` is what it is told with `--job-dir`."""

    def __init__(self, url: str, staging: Path) -> None:
        self.url = url
        self.fs, self.base = fsspec.core.url_to_fs(url)
        self.remote = not isinstance(self.fs, LocalFileSystem)
        self.path = staging if self.remote else Path(self.base)
        self.created = False  # whether `pull` made the folder (else it was there: an earlier attempt's, or anyone's)
        self._pushed: dict[Path, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def _signature(self, file: Path) -> tuple[int, int]:
        info = file.stat()
        return info.st_size, info.st_mtime_ns

    def pull(self) -> None:
        """Create the folder; for a remote URL, copy down what an earlier attempt left."""
        try:
            self.path.mkdir(parents=True)
            self.created = True
        except FileExistsError:
            if not self.path.is_dir():
                raise
        if self.remote:
            try:
                self._pull()
            except OSError as exc:
                raise TrainerError(f"cannot read the job dir {self.url}: {exc}") from exc

    def _pull(self) -> None:
        if not self.fs.exists(self.base):
            return
        for remote in self.fs.find(self.base):
            local = self.path / remote[len(self.base) :].lstrip("/")
            local.parent.mkdir(parents=True, exist_ok=True)
            self.fs.get_file(remote, str(local))
            self._pushed[local] = self._signature(local)

    def push(self) -> int:
        """Copy new and changed files up; returns how many. Safe to call from two threads."""
        if not self.remote:
            return 0
        try:
            with self._lock:
                return self._push()
        except OSError as exc:
            raise TrainerError(f"cannot write the job dir {self.url}: {exc}") from exc

    def _push(self) -> int:
        changed = [f for f in sorted(self.path.rglob("*")) if f.is_file() and self._pushed.get(f) != self._signature(f)]
        for file in changed:
            target = f"{self.base.rstrip('/')}/{file.relative_to(self.path).as_posix()}"
            self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
            signature = self._signature(file)
            self.fs.put_file(str(file), target)
            self._pushed[file] = signature
        return len(changed)


class PeriodicPush:
    """Pushes a remote job dir every `interval` seconds in a thread of its own while in the `with` block.

    The final push is the caller's: its failure must not hide how the job itself ended.
    """

    def __init__(self, job_dir: JobDir, interval: float, warn: Callable[[str], None]) -> None:
        self.job_dir, self.interval, self.warn = job_dir, interval, warn
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="job-dir-push", daemon=True)

    def __enter__(self) -> PeriodicPush:
        if self.job_dir.remote:
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.job_dir.push()
            except TrainerError as exc:  # the storage may come back; only the final push must succeed
                self.warn(f"{exc}; retrying in {self.interval:g} s")

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
