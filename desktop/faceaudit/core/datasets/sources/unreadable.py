"""Dataset forms FaceAudit recognises but cannot read (TFRecord, HDF5, NumPy arrays): a specific reason each."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["unreadable_form", "unreadable_reason", "unreadable_why"]

#: (name, test on the lower-case file name, why it is not read). The names are how these forms
#: are published: FFHQ's original StyleGAN release is TFRecord (`ffhq-r08.tfrecords`, or sharded
#: `train.tfrecord-00000-of-00100`); HDF5 and NumPy arrays hold decoded pixels.
_FORMS = (
    ("TFRecord", re.compile(r"\.tfrecords?(-\d+-of-\d+)?$|\.tfrecords?$"),
     "its images are TensorFlow records of raw pixels, not photo files"),
    ("HDF5", re.compile(r"\.(h5|hdf5|hdf)$"), "it holds arrays of decoded pixels, not photo files"),
    ("NumPy array", re.compile(r"\.(npy|npz)$"), "it holds arrays of decoded pixels, not photo files"),
)

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_NPY_MAGIC = b"\x93NUMPY"


def unreadable_form(name: str, head: bytes = b"") -> str | None:
    """The name of a recognised-but-unreadable form for a file name (and its first bytes), or None."""
    lower = name.lower()
    for form, pattern, _why in _FORMS:
        if pattern.search(lower):
            return form
    if head.startswith(_HDF5_MAGIC):
        return "HDF5"
    if head.startswith(_NPY_MAGIC):
        return "NumPy array"
    return None


def unreadable_why(form: str) -> str:
    """Why a form's files are not read (its images are ...)."""
    return next(why for name, _pattern, why in _FORMS if name == form)


def unreadable_reason(path: Path | str, form: str) -> str:
    """Why a file of this form is not read, in plain words."""
    why = unreadable_why(form)
    return (f"{Path(path).name} is a {form} file: FaceAudit recognises this form but cannot read it ({why}); "
            "the same dataset published as photos, zip/tar archives, parquet shards or RecordIO can be read")
