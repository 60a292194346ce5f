"""The unpacker over random archives (hypothesis): whatever the members say — `..`, absolute names,
links of every kind pointing anywhere, devices, duplicates — nothing is ever written outside the
package's folder, and what is written inside is plain files and folders."""

from __future__ import annotations

import os
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.trainer.archives import member, tar_with
from trainer.errors import PackageError, UnsafePackageError
from trainer.unpack import UnpackLimits, unpack

LIMITS = UnpackLimits(max_bytes=64 * 1024, max_files=40)
PARTS = ["p", "a", "b", "..", ".", "", "OUT"]  # OUT: a folder beside the package, by absolute path
KINDS = [tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.FIFOTYPE, tarfile.CHRTYPE]
names = st.lists(st.sampled_from(PARTS), min_size=1, max_size=5).map("/".join) | st.sampled_from(["/OUT/x", "/tmp"])
tar_members = st.lists(st.tuples(names, st.sampled_from(KINDS), names, st.binary(max_size=64)), max_size=8)
zip_members = st.lists(st.tuples(names, st.binary(max_size=64)), max_size=8)


def _name(text: str, outside: Path) -> str:
    return text.replace("OUT", str(outside))


def _check_confined(root: Path, archive: Path) -> None:
    dest = root / "job" / "package"
    try:
        unpack(archive, dest, LIMITS)
    except (PackageError, UnsafePackageError):  # refused, and the half-made folder removed
        assert not dest.exists()
    assert not (root / "OUT").exists() and sorted(os.listdir(root)) == sorted([archive.name, "job"])
    for path in dest.rglob("*") if dest.exists() else []:
        assert not path.is_symlink() and (path.is_file() or path.is_dir()), path
        assert path.resolve().is_relative_to(dest.resolve()) and os.stat(path).st_nlink <= (1 if path.is_file() else 99)


@settings(max_examples=150, deadline=None, database=None)
@given(members=tar_members)
def test_random_tar_archives_never_write_outside_the_folder(members) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        infos = []
        for name, kind, link, data in members:
            info = member(_name(name, root / "OUT"), kind, linkname=_name(link, root / "OUT"))
            infos.append((info, data if kind == tarfile.REGTYPE else None))
        archive = tar_with(root / "p.tar.gz", *infos)
        _check_confined(root, archive)


@pytest.mark.filterwarnings("ignore:Duplicate name")  # duplicates are among the attacks
@settings(max_examples=100, deadline=None, database=None)
@given(members=zip_members, symlinks=st.lists(st.booleans(), max_size=8))
def test_random_zip_archives_never_write_outside_the_folder(members, symlinks) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        archive = root / "p.whl"
        with zipfile.ZipFile(archive, "w") as out:
            for (name, data), link in zip(members, symlinks + [False] * len(members), strict=False):
                info = zipfile.ZipInfo(_name(name, root / "OUT") or "x")
                if link:
                    info.external_attr = (0o120777) << 16  # a symbolic link whose target is `data`
                out.writestr(info, data)
        _check_confined(root, archive)
