"""A syrupy extension that stores one text as one file named by the test's id.

`test_text[dev-vault/policy-app-myapp.hcl]` compares against
`__snapshots__/<test module>/dev-vault/policy-app-myapp.hcl`, written as the
text itself (no quoting, no escaping), so a change reviews as a diff of the
file it is: HCL, a systemd unit, a shell script.

Syrupy does not discover these files (they nest below the one level its
single-file layout scans), so it never reports or deletes them as unused: the
test module keeps the list of files and checks it against the synthesized
texts and against the files on disk instead.
"""

from __future__ import annotations

from pathlib import Path

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from syrupy.location import PyTestLocation
from syrupy.types import SnapshotIndex


class TextFileSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "hcl"  # most of them; the real name comes from the test id

    @classmethod
    def get_location(cls, *, test_location: PyTestLocation, index: SnapshotIndex) -> str:
        return str(snapshot_dir(test_location) / file_id(test_location))

    @classmethod
    def matches_test_location(
        cls, *, test_location: PyTestLocation, snapshot_location: str
    ) -> bool:
        return Path(snapshot_location) == snapshot_dir(test_location) / file_id(test_location)

    def owns_snapshot_collection(self, *, filepath: str, test_location: PyTestLocation) -> bool:
        return False


def snapshot_dir(test_location: PyTestLocation) -> Path:
    return Path(SingleFileSnapshotExtension.dirname(test_location=test_location))


def file_id(test_location: PyTestLocation) -> str:
    """The test's one parameter id: a relative path with no `..`."""
    callspec = getattr(test_location.item, "callspec", None)
    if callspec is None:
        raise ValueError(f"{test_location.nodeid}: a text file snapshot needs one parameter")
    path = callspec.id
    if Path(path).is_absolute() or ".." in Path(path).parts:
        raise ValueError(f"{test_location.nodeid}: {path!r} is not a relative file name")
    return path
