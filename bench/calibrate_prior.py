"""Measure the stranger-distance prior used for small datasets (confidence.PRIOR) on LFW.

Embeds up to three photos each of 900 randomly chosen LFW people (HOG, upsample 1, the most
central face), then prints the median and robust spread of distances between different
people, and how strongly two photos of one person agree on how close each stranger is.

    python bench/calibrate_prior.py
"""

from __future__ import annotations

import random
import sys

import numpy as np
from _facedata import LFW, require_facedata


def central_face(faces, shape):
    height, width = shape[:2]
    return min(
        faces,
        key=lambda f: ((f.box[0] + f.box[2]) / 2 - height / 2) ** 2 + ((f.box[1] + f.box[3]) / 2 - width / 2) ** 2,
    )


def main() -> int:
    require_facedata()
    from faceaudit.core.faces.engine import FaceEngine
    from faceaudit.core.faces.images import decode_image

    people = sorted(p for p in LFW.iterdir() if p.is_dir())
    random.Random(1).shuffle(people)
    engine = FaceEngine("hog", 1)
    vectors, labels = [], []
    for person in people[:900]:
        for photo in sorted(person.glob("*.jpg"))[:3]:
            rgb = decode_image(photo.read_bytes()).rgb
            faces = engine.analyse(rgb)
            if faces:
                vectors.append(central_face(faces, rgb.shape).embedding)
                labels.append(person.name)
    vectors, labels = np.array(vectors), np.array(labels)
    distances = np.sqrt(((vectors[:, None] - vectors[None]) ** 2).sum(-1))
    upper = np.triu_indices(len(vectors), 1)
    different = distances[upper][labels[upper[0]] != labels[upper[1]]]
    loc = float(np.median(different))
    scale = float(1.4826 * np.median(np.abs(different - loc)))
    correlations = []
    for person in sorted(set(labels)):
        rows = np.nonzero(labels == person)[0]
        if len(rows) >= 2:
            others = labels != person
            correlations.append(np.corrcoef(distances[rows[0], others], distances[rows[1], others])[0, 1])
    print(f"faces: {len(vectors)} of {len(set(labels))} people; stranger pairs: {len(different)}")
    print(f"PRIOR = {{'loc': {loc:.3f}, 'scale': {scale:.3f}, 'rho': {float(np.median(correlations)):.2f}}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
