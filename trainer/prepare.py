"""PREPARING: the packages fetched, unpacked and their dependencies installed; the job dir ready.

The result is the import path of the job, the folder holding the module to run first (so a
user package named `trainer` wins over the platform's), then the other packages, then the
dependency folders. With a job user (`trainer.jobuser`) the job folder is then handed to it,
and so is a local job dir made for this job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trainer import dependencies
from trainer.errors import JobCancelled, PackageError
from trainer.fetch import fetch
from trainer.jobdir import JobDir
from trainer.jobuser import hand_over
from trainer.spec import JobSpec, RuntimeConfig
from trainer.unpack import find_package_root, library_root, module_file, project_root, unpack

Note = Callable[[str], None]
_MODULE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


@dataclass(frozen=True)
class Prepared:
    python_path: list[Path]
    job_dir: JobDir | None
    cwd: Path
    tmp_dir: Path


def _check(spec: JobSpec) -> None:
    if spec.cancel():
        raise JobCancelled("cancelled while preparing")


def _local_root(package_dir: Path, module: str) -> Path:
    package = package_dir.resolve()
    if not package.is_dir():
        raise PackageError(f"package path {package_dir} is not a folder")
    if module_file(package.parent, module) is None:
        raise PackageError(f"package path {package_dir} has no module {module!r}")
    return package.parent


def _fetch_one(
    uri: str, index: int, spec: JobSpec, config: RuntimeConfig, folder: Path, note: Note
) -> tuple[Path, bool, Path | None]:
    """(import root, holds the module?, dependency folder) of one package URI."""
    _check(spec)
    note(f"Fetching package {uri}")
    fetched = fetch(uri, folder / "archives" / str(index), config.max_package_bytes)
    extracted = unpack(fetched.path, folder / "packages" / str(index), config.unpack)
    root = find_package_root(extracted, spec.python_module)
    import_root = root or library_root(extracted)
    _check(spec)
    deps = dependencies.install(
        project_root(import_root), fetched.path, fetched.sha256, config.pip_options(), spec.cancel
    )
    if deps is not None:
        note(f"Dependencies of {fetched.path.name} are in {deps}")
    return import_root, root is not None, deps


def _python_path(spec: JobSpec, config: RuntimeConfig, folder: Path, note: Note) -> list[Path]:
    mains: list[Path] = []
    libraries: list[Path] = []
    deps: list[Path] = []
    if spec.package_dir is not None:
        mains.append(_local_root(spec.package_dir, spec.python_module))
    for index, uri in enumerate(spec.package_uris):
        root, has_module, dep_folder = _fetch_one(uri, index, spec, config, folder, note)
        (mains if has_module else libraries).append(root)
        deps += [dep_folder] if dep_folder else []
    if not mains:
        raise PackageError(f"no package holds the module {spec.python_module!r}")
    return [*mains, *libraries, *deps]


def _job_dir(spec: JobSpec, folder: Path) -> JobDir | None:
    if spec.job_dir is None:
        return None
    job_dir = JobDir(spec.job_dir, folder / "job-dir")
    job_dir.pull()
    return job_dir


def prepare(spec: JobSpec, config: RuntimeConfig, folder: Path, note: Note) -> Prepared:
    """Everything the job needs before it can start, under the fresh job folder `folder`."""
    if not spec.package_uris and spec.package_dir is None:
        raise PackageError("the job names no package (packageUris is empty)")
    if not _MODULE.fullmatch(spec.python_module):
        raise PackageError(f"pythonModule {spec.python_module!r} is not a dotted Python module name")
    python_path = _python_path(spec, config, folder, note)
    cwd, tmp_dir = folder / "work", folder / "tmp"
    cwd.mkdir()
    tmp_dir.mkdir()
    job_dir = _job_dir(spec, folder)
    if config.job_user is not None:
        hand_over(folder, config.job_user)
        if job_dir is not None and job_dir.created and not job_dir.remote:
            hand_over(job_dir.path, config.job_user)
    return Prepared(python_path, job_dir, cwd, tmp_dir)
