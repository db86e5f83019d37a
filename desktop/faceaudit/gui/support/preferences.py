"""The app's settings, declared once with their defaults and kept in the database."""

from __future__ import annotations

from dataclasses import dataclass, fields

from faceaudit.core.datasets.indexing import default_workers

__all__ = ["Preferences", "DETECTOR_LABELS", "MODEL_LABELS", "model_provenance_text"]

#: Detector name -> what the person sees: what each finder is like, not what its method is called.
DETECTOR_LABELS = {"hog": "Fast", "cnn": "Thorough (slow without a graphics card)"}
#: Face model choice -> what the person sees.
MODEL_LABELS = {"both": "Both, fused (finds the most of your photos in large datasets)",
                "mobilefacenet": "MobileFaceNet", "dlib": "dlib"}


def model_provenance_text() -> str:
    """Where each face model's weights come from, what trained it, and its file's hash, in plain words."""
    import re

    from faceaudit.core.faces.face_models import FaceModel, provenance

    text = "\n\n".join(provenance(model).text for model in FaceModel)
    # A hash is one 64-letter word: a narrow window may break it every 16 letters (zero-width spaces).
    return re.sub(r"[0-9a-f]{64}", lambda m: "\u200b".join(re.findall(".{16}", m.group())), text)


def _default_workers() -> int:
    return default_workers()


@dataclass
class Preferences:
    """Settings the person can change.

    Attributes:
        detector: "hog" (fast) or "cnn" (thorough).
        workers: processes used for indexing.
        welcome_shown: the first-run welcome has been seen.
        identity_asked: the Letters page has asked once for the writer's details.
        window_width, window_height: the window's size when it was last closed (0: never closed yet).
        window_maximized: the window was maximised when it was last closed.
    """

    detector: str = "hog"
    workers: int = 0
    welcome_shown: bool = False
    identity_asked: bool = False
    window_width: int = 0
    window_height: int = 0
    window_maximized: bool = False

    @classmethod
    def load(cls, store) -> Preferences:
        """Read the settings from a Store, defaults for those never set."""
        prefs = cls(workers=_default_workers())
        for field in fields(cls):
            value = store.get_setting(f"gui.{field.name}")
            if value is not None:
                kind = type(getattr(prefs, field.name))
                setattr(prefs, field.name, value == "1" if kind is bool else kind(value))
        return prefs

    def save(self, store) -> None:
        """Write every setting to a Store."""
        for field in fields(self):
            value = getattr(self, field.name)
            store.set_setting(f"gui.{field.name}", ("1" if value else "0") if isinstance(value, bool) else str(value))
