"""What a dataset's index is worth: a state and its reason, so that no front end ever reports an
all-clear about a dataset whose photos were not really looked at.

A dataset of which no photo could be read, in which no face or far fewer faces than photos were
found, of which part could not be listed, or whose coverage ledger (`ledger`) has a not-read part
(files no reader took, items that could not be read), is not "checked": a scan that finds nothing
in it says nothing about the person. A list of links is checked when every one of its files was
read to its end and nothing beside them is left unread. The core gives the facts (a state and a reason in plain words);
the CLI and the GUI word them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from faceaudit.core.datasets.kinds import DatasetKind

if TYPE_CHECKING:
    from faceaudit.core.datasets.catalog import DatasetInfo

__all__ = ["DatasetState", "Aligned", "state_of", "FEW_FACES_SHARE", "FEW_FACES_MIN_PHOTOS"]

#: Below this share of readable photos with a face, a face dataset's faces were mostly missed
#: (LFW: 99.7% of photos give a HOG face; tight ArcFace crops through HOG: about a third).
FEW_FACES_SHARE = 0.5
#: The share is judged once this many photos were read (a handful of photos proves little).
FEW_FACES_MIN_PHOTOS = 10


class DatasetState(StrEnum):
    """Where a dataset stands; only READY means a scan really looked at it."""

    NEW = "new"  # added, never indexed
    INDEXING = "indexing"  # some items are still waiting
    NOTHING_READABLE = "nothing-readable"  # indexed, and no photo could be read (or none was found)
    NO_FACES = "no-faces"  # photos were read and no face was found in any
    FEW_FACES = "few-faces"  # faces in far fewer photos than were read
    PARTLY_UNREADABLE = "partly-unreadable"  # part of the dataset could not be listed or read this time
    READY = "ready"


class Aligned(StrEnum):
    """Whether a dataset's photos are pre-aligned face crops (detection is skipped for those)."""

    AUTO = "auto"  # crops of a known geometry (ArcFace 112x112, 112x96) are taken as aligned
    ARCFACE = "arcface"  # every photo is an ArcFace-aligned crop (resized to 112x112 if need be)
    NONE = "none"  # always detect faces


def state_of(info: DatasetInfo, top_error: str | None, photos_with_faces: int,
             unread: int = 0) -> tuple[DatasetState, str | None]:
    """The state of a dataset and why, from its counts.

    Args:
        info: the dataset's counts.
        top_error: the most common reason its items could not be read.
        photos_with_faces: photos read in which at least one face was found.
        unread: items of the dataset not readable this time (kept unavailable, read again at the
            next index); files gone from it that are kept for a decision do not count.
    """
    ledger = info.ledger
    parts = [reason for _prefix, reason in info.gaps]
    if unread:
        parts.append(f"{unread:,} item{'s' if unread != 1 else ''} could not be read this time")
    counts = _list_state if info.kind == DatasetKind.LINK_LIST else _counts_state
    state, reason = counts(info, top_error, photos_with_faces)
    if not ledger.whole:
        if state in (DatasetState.NEW, DatasetState.INDEXING):
            parts.append(ledger.summary())
        elif info.items == 0:  # nothing but files no reader takes: name what they are
            return DatasetState.NOTHING_READABLE, f"it holds {ledger.found()}, which FaceAudit cannot read" + "".join(
                f"; {part}" for part in parts)
        elif state == DatasetState.NOTHING_READABLE and ledger.files_not_read == info.errors:
            pass  # its reason already says that none of its items could be read, and the most common why
        elif state == DatasetState.READY or state == DatasetState.PARTLY_UNREADABLE:
            state, reason = DatasetState.PARTLY_UNREADABLE, ledger.summary() + (
                f" (most often: {top_error})" if top_error and info.errors else "")
        else:
            parts.append(ledger.summary())
    if not info.ledger_listed and state == DatasetState.READY:
        # Indexed before every file was accounted for: what it holds beside its photos was never looked at.
        return DatasetState.PARTLY_UNREADABLE, ("its files other than photos have not been accounted for since "
                                                "FaceAudit was updated: index it again")
    gaps = "; ".join(parts)
    if gaps:
        if state == DatasetState.READY:
            return DatasetState.PARTLY_UNREADABLE, gaps
        return state, f"{reason}; {gaps}"
    return state, reason


def _list_state(info: DatasetInfo, top_error: str | None, _faces: int) -> tuple[DatasetState, str | None]:
    """A list of links has no faces: it is checked when every list file was read to its end."""
    if info.last_indexed is None and info.done == 0 and info.errors == 0:
        return DatasetState.NEW, "not searched yet"
    if info.pending:
        return DatasetState.INDEXING, f"{info.pending:,} of {info.items:,} list files not read yet"
    if info.items == 0:
        return DatasetState.NOTHING_READABLE, "no list file was found in it"
    most_often = f" (most often: {top_error})" if top_error else ""
    if info.done == 0:
        return DatasetState.NOTHING_READABLE, f"none of its {info.items:,} list files could be read{most_often}"
    if info.errors:
        return DatasetState.PARTLY_UNREADABLE, (f"{info.errors:,} of its {info.items:,} list files could not be read "
                                                f"to the end{most_often}")
    return DatasetState.READY, None


def _counts_state(info: DatasetInfo, top_error: str | None, photos_with_faces: int) -> tuple[DatasetState, str | None]:
    if info.last_indexed is None and info.done == 0:
        return DatasetState.NEW, "not indexed yet"
    if info.pending:
        return DatasetState.INDEXING, f"{info.pending:,} of {info.items:,} items not indexed yet"
    readable = info.done  # items indexed without error
    if info.items == 0:
        return DatasetState.NOTHING_READABLE, "no photo was found in it"
    if readable == 0:
        why = f"none of its {info.items:,} items could be read" + (f" (most often: {top_error})" if top_error else "")
        return DatasetState.NOTHING_READABLE, why
    if photos_with_faces == 0:
        return DatasetState.NO_FACES, f"no face was found in any of its {readable:,} readable photos"
    if readable >= FEW_FACES_MIN_PHOTOS and photos_with_faces < FEW_FACES_SHARE * readable:
        return DatasetState.FEW_FACES, (f"faces were found in only {photos_with_faces:,} of its {readable:,} readable "
                                        "photos: tightly cropped or turned faces may have been missed")
    return DatasetState.READY, None
