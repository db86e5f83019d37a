"""Unit tests, one folder per core domain (mirrors desktop/faceaudit/core)."""
