"""ArcFace-aligned 112x112 crops made from LFW photos, as InsightFace made its RecordIO packs.

InsightFace aligned each photo's 5 landmarks (MTCNN: eye centres, nose tip, mouth corners) to the
ArcFace template with a similarity transform. Here the same 5 points come from dlib's 68-point
model (eye centres = mean of each eye's 6 points, nose tip = 30, mouth corners = 48 and 54) on
the HOG face box, which is the closest we have to MTCNN on this machine.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from faceaudit.core.faces.aligned import ARCFACE_112, align_to_template, similarity

__all__ = ["five_points", "arcface_crop", "template_box_of", "hog_box"]


def hog_box(rgb: np.ndarray, upsample: int = 1):
    """The central HOG face of a photo as a dlib rectangle, or None."""
    from faceaudit.core.faces import model_files

    found = model_files.hog_detector()(rgb, upsample)
    if not found:
        return None
    height, width = rgb.shape[:2]
    return min(found, key=lambda r: (r.center().x - width / 2) ** 2 + (r.center().y - height / 2) ** 2)


def five_points(rgb: np.ndarray, box) -> np.ndarray:
    """The 5 ArcFace landmarks of the face in `box` (a dlib rectangle), from the 68-point model (the app's own)."""
    from faceaudit.core.faces.mobilefacenet import five_points as app_five_points

    return app_five_points(rgb, (box.top(), box.right(), box.bottom(), box.left()))


def arcface_crop(photo: Path, size: tuple[int, int] = (112, 112)) -> np.ndarray | None:
    """The photo's central face aligned to the ArcFace template, or None when HOG finds no face."""
    from faceaudit.core.faces.images import decode_image

    rgb = decode_image(photo.read_bytes()).rgb
    box = hog_box(rgb)
    return None if box is None else align_to_template(rgb, five_points(rgb, box), size)


def template_box_of(photo: Path) -> tuple[float, float, float, float] | None:
    """Where the photo's HOG box lands in its ArcFace-aligned crop: (top, right, bottom, left)."""
    from faceaudit.core.faces.images import decode_image

    rgb = decode_image(photo.read_bytes()).rgb
    box = hog_box(rgb)
    if box is None:
        return None
    matrix = similarity(five_points(rgb, box), ARCFACE_112)
    scale = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    centre = matrix @ np.array([(box.left() + box.right()) / 2, (box.top() + box.bottom()) / 2, 1.0])
    half_w, half_h = (box.right() - box.left()) * scale / 2, (box.bottom() - box.top()) * scale / 2
    return centre[1] - half_h, centre[0] + half_w, centre[1] + half_h, centre[0] - half_w
