"""The one form detector: what a file is, from a sample of its bytes and the names beside it, photo forms first.

Every form registers a `Form` here: a name (and its plural, for "3 7-Zip volumes"), what FaceAudit
does with it (`Role`), a priority (lower is tried first: photos before archives and shards, these
before lists, lists before companion text) and a `recognise(sample)` test on a `Sample`: the file's
first `SAMPLE_BYTES`, its size, its lower-case name and the lower-case names of the files beside it.
The test decides from the bytes; the name is only a tie-breaker where the bytes cannot tell (a
7-Zip volume after the first, a split zip's last part). Adding a reader is one module and one line:

    register(Form("LMDB environment", "LMDB environments", Role.PART, 30, is_lmdb, kind="lmdb"))

A form registered with the same name replaces the earlier one (a reader that now reads a form
FaceAudit only recognised before replaces its `Role.UNREADABLE` entry). `detect` returns the first
form by priority whose test says yes, or None: an unrecognised file, which the ledger records as
not read. Files are sampled by `sample_of`, which opens nothing that is not a regular file (a FIFO
or a device would block or never end) and never follows a link.
"""

from __future__ import annotations

import lzma
import os
import re
import stat
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from faceaudit.core.datasets.sources.unreadable import unreadable_form, unreadable_why

__all__ = ["Role", "Sample", "Form", "register", "detect", "forms", "sample_of", "not_regular", "describe",
           "count_of", "plural_of", "name_plural", "SAMPLE_BYTES"]

#: Bytes of a file's start that a recogniser sees.
SAMPLE_BYTES = 8192


class Role(StrEnum):
    """What FaceAudit does with a file of a form."""

    PHOTO = "photo"  # read as one photo (an item)
    PART = "part"  # an archive, shard or pack whose photos are read (items)
    LIST = "list"  # a list of links: its rows are searched by my identifiers
    TEXT = "text"  # text that is not a list: a companion when inspection finds no photo and no identifier
    UNREADABLE = "unreadable"  # recognised, not read: counted as not read, with `why`
    COMPANION = "companion"  # known by its structure to hold no photo and no identifier (an LMDB lock file)


@dataclass(frozen=True)
class Sample:
    """What a recogniser sees of one file.

    Attributes:
        name: the file's base name, lower case.
        head: its first `SAMPLE_BYTES` (fewer when it is shorter).
        size: its size in bytes.
        beside: lower-case names of the other files in its folder (or archive folder).
    """

    name: str
    head: bytes
    size: int
    beside: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Form:
    """A form a file can have.

    Attributes:
        name: singular, for a person ("7-Zip volume").
        plural: for counts ("7-Zip volumes").
        role: what is done with it.
        priority: lower is tried first.
        recognise: True when a sample is of this form.
        why: for an unreadable form, why it is not read (plain words, no command).
        kind: for a part, the folder reader's kind ("archive", "parquet", "recordio").
    """

    name: str
    plural: str
    role: Role
    priority: int
    recognise: Callable[[Sample], bool]
    why: str = ""
    kind: str = ""


_FORMS: dict[str, Form] = {}
#: Plural of every name a ledger may show (the forms', and those of files no form describes).
_PLURALS: dict[str, str] = {}


def register(form: Form) -> Form:
    """Add a form to the detector (one with the same name is replaced). Returns it."""
    _FORMS[form.name] = form
    _PLURALS[form.name] = form.plural
    return form


def name_plural(name: str, plural: str) -> None:
    """Give the plural of a name the ledger uses that is no detected form ("symbolic link")."""
    _PLURALS[name] = plural


def plural_of(name: str) -> str:
    """The plural a name was registered with (the name itself when none was)."""
    return _PLURALS.get(name, name)


def count_of(name: str, files: int) -> str:
    """'1 7-Zip volume', '3 7-Zip volumes', '2 items that could not be read'."""
    return f"{files:,} {name if files == 1 else _PLURALS.get(name, name)}"


def forms() -> list[Form]:
    """Every registered form, in the order they are tried."""
    return sorted(_FORMS.values(), key=lambda form: (form.priority, form.name))


def detect(sample: Sample) -> Form | None:
    """The first form, by priority, that recognises the sample; None: not recognised."""
    for form in forms():
        try:
            if form.recognise(sample):
                return form
        except (ValueError, IndexError, OverflowError, EOFError, zlib.error, lzma.LZMAError):  # choked: says no
            continue
    return None


def not_regular(info: os.stat_result) -> str | None:
    """Why a file is not opened: a link (never followed), a FIFO, socket or device (which may block or
    never end); None for a regular file."""
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        return "symbolic link not followed"
    if stat.S_ISFIFO(mode):
        return "not a regular file (a FIFO): not opened"
    if stat.S_ISSOCK(mode):
        return "not a regular file (a socket): not opened"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "not a regular file (a device): not opened"
    if not stat.S_ISREG(mode):
        return "not a regular file: not opened"
    return None


def sample_of(path: str | os.PathLike, beside: Iterable[str] = ()) -> Sample:
    """A file's sample for `detect`.

    Raises:
        OSError: it cannot be read, or is not a regular file (checked before opening and again on
            the open descriptor, which a FIFO swapped in between cannot block: O_NONBLOCK).
    """
    path = Path(path)
    problem = not_regular(path.lstat())
    if problem:
        raise OSError(problem)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        problem = not_regular(info)
        if problem:
            raise OSError(problem)
        head = os.read(fd, SAMPLE_BYTES)
    finally:
        os.close(fd)
    name = path.name.lower()
    return Sample(name, head, info.st_size, frozenset(n.lower() for n in beside if n.lower() != name))


def describe(found: Counter[str] | dict[str, int]) -> str:
    """'3 7-Zip volumes and 1 Arrow file' from {form name: files} (in the order given)."""
    parts = [count_of(name, n) for name, n in found.items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# -- the forms recognised here -----------------------------------------------------------------------
# Forms with a reader register beside it; these are recognised by their bytes alone, and those FaceAudit
# does not read yet are registered here as unreadable (a reader registered under the same name wins).

def _magic(*prefixes: bytes) -> Callable[[Sample], bool]:
    return lambda sample: sample.head.startswith(prefixes)


def _is_text(sample: Sample) -> bool:
    head = sample.head
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a character cut at the sample's end
    return True


#: Base64 and hex openings of a JPEG or PNG inside a text field: a table of embedded photos.
_EMBEDDED = re.compile(rb"(?:^|[\t,;|\"' :\[])(?:/9j/|iVBORw0KGgo|ffd8ff[e0-f]|89504e470d0a1a0a)", re.IGNORECASE)


def _embeds_images(sample: Sample) -> bool:
    return _is_text(sample) and _EMBEDDED.search(sample.head) is not None


def _seven_zip_volume(sample: Sample) -> bool:
    # The first volume starts with 7-Zip's signature; the others are cut from the middle of one stream.
    return re.search(r"\.7z\.\d{3}$", sample.name) is not None


def _split_zip_part(sample: Sample) -> bool:
    if re.search(r"\.z\d{2,}$", sample.name):
        return True
    if sample.head.startswith(b"PK\x07\x08"):  # the spanning signature that opens a split zip's first part
        return True
    # The last part of a split zip is a `.zip` whose central directory points into the `.z01…` beside it.
    stem = sample.name[:-4] if sample.name.endswith(".zip") else None
    return stem is not None and f"{stem}.z01" in sample.beside


def _lmdb(sample: Sample) -> bool:
    # data.mdb: page 0's meta starts after a 16-byte page header; lock.mdb: the magic opens the file.
    magic = b"\xde\xc0\xef\xbe"
    return sample.head[16:20] == magic or (sample.name == "lock.mdb" and sample.head[:4] == magic)


def _arrow(sample: Sample) -> bool:
    # The IPC file format opens with ARROW1; the stream format with a continuation marker and a length.
    return sample.head.startswith(b"ARROW1") or (sample.head.startswith(b"\xff\xff\xff\xff")
                                                   and sample.name.endswith((".arrow", ".feather", ".ipc")))


def _bzip2_not_tar(sample: Sample) -> bool:
    return sample.head.startswith(b"BZh") and sample.head[4:10] == b"1AY&SY" and not sample.name.endswith(
        (".tar.bz2", ".tbz2", ".tbz"))


_TEXT_TABLE = re.compile(r"\.(tsv|tab|csv|txt|json|jsonl|ndjson|lst|list)$")

#: Forms recognised here whose readers register the same names (and so replace these) where they are read:
#: until a reader is merged, its files are counted as not read, with why.
_UNREADABLE = (
    ("table of embedded photos", "tables of embedded photos", 15, _embeds_images,
     "its rows hold photos encoded as text (base64 or hex, as in MS-Celeb-1M's TSV files)"),
    ("7-Zip volume", "7-Zip volumes", 20, _seven_zip_volume, "FaceAudit does not read 7-Zip archives"),
    ("7-Zip archive", "7-Zip archives", 21, _magic(b"7z\xbc\xaf\x27\x1c"), "FaceAudit does not read 7-Zip archives"),
    ("split zip part", "split zip parts", 20, _split_zip_part,
     "FaceAudit does not read zip archives split into parts (.z01, .z02 … .zip)"),
    ("zstd stream", "zstd streams", 22, _magic(b"\x28\xb5\x2f\xfd"),
     "FaceAudit does not read zstd-compressed files"),
    ("bzip2 stream", "bzip2 streams", 22, _bzip2_not_tar, "FaceAudit reads bzip2 only as a compressed tar archive"),
    ("Arrow file", "Arrow files", 22, _arrow, "FaceAudit does not read Arrow IPC files (Hugging Face save_to_disk)"),
    ("LMDB file", "LMDB files", 22, _lmdb, "FaceAudit does not read LMDB environments"),
)

for _name, _plural, _priority, _test, _why in _UNREADABLE:
    register(Form(_name, _plural, Role.UNREADABLE, _priority, _test, why=_why))

# Decoded pixels (TFRecord, HDF5, NumPy): one list of names, patterns and reasons, in `unreadable`.
for _form, _plural in (("TFRecord", "TFRecord files"), ("HDF5", "HDF5 files"), ("NumPy array", "NumPy arrays")):
    register(Form(_form if _form == "NumPy array" else f"{_form} file", _plural, Role.UNREADABLE, 23,
                  lambda sample, form=_form: unreadable_form(sample.name, sample.head) == form,
                  why=unreadable_why(_form)))

register(Form("photo", "photos", Role.PHOTO, 10, lambda s: s.head.startswith(
    (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*"))
    or (s.head[:2] == b"BM" and s.head[6:10] == b"\x00" * 4)))
register(Form("WebP photo", "WebP photos", Role.PHOTO, 10,
              lambda s: s.head[:4] == b"RIFF" and s.head[8:12] == b"WEBP"))
register(Form("text file", "text files", Role.TEXT, 90, _is_text))
# LMDB's lock file: a table of readers, beside the data file that is read.
register(Form("LMDB lock file", "LMDB lock files", Role.COMPANION, 21,
              lambda s: s.name == "lock.mdb" and s.head[:4] == b"\xde\xc0\xef\xbe"))
# A gzip stream that holds no tar (tried after the tar reader): a gzip list of links, or not read.
register(Form("gzip-compressed file", "gzip-compressed files", Role.LIST, 40, _magic(b"\x1f\x8b"),
              why="a gzip file that holds no tar archive and no list FaceAudit reads"))
