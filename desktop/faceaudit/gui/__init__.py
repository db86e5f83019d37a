"""FaceAudit's desktop window (PySide6): a thin shell over faceaudit.core."""
