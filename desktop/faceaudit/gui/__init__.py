"""FaceAudit's desktop window: a thin PySide6 shell over faceaudit.core."""
