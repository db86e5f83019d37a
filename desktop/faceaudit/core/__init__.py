"""Pure-Python core of FaceAudit (never imports Qt)."""
