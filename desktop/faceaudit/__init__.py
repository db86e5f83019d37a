"""FaceAudit: find your face in published face datasets, offline, and ask for its deletion."""

__version__ = "0.1.0"
