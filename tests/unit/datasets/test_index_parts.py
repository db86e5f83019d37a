"""Index parts (issue 27): made in this process as a cluster worker makes them, private, sealed with a passphrase."""

from __future__ import annotations

import stat

import pytest

from faceaudit.core.datasets.cluster import make_part
from faceaudit.core.datasets.index_parts import PartError, read_part
from faceaudit.core.datasets.indexing import IndexSettings
from faceaudit.core.datasets.shards import dataset_shards
from faceaudit.core.faces.engine import FaceEngine
from faceaudit.core.storage.encryption import is_sealed
from tests.support.dataset_forms import hub_parquet
from tests.support.lfw_sets import PEOPLE, person_photos


@pytest.fixture
def one_shard(lfw, tmp_path):
    photos = [(path, PEOPLE[0]) for path in person_photos(lfw, PEOPLE[0])[:4]]
    folder = hub_parquet(photos, tmp_path / "hub", shards=1)
    (shard,), gaps = dataset_shards(folder)
    assert gaps == [] and shard.kind == "parquet"
    settings = FaceEngine(IndexSettings().detector, IndexSettings().upsample, "onnx", "cpu").settings
    return shard, settings


def test_a_sealed_part_opens_only_with_its_passphrase(one_shard, tmp_path):
    shard, settings = one_shard
    parts = tmp_path / "parts"
    parts.mkdir()
    coverage = make_part(shard, settings, str(parts), passphrase="correct horse")
    path = parts / shard.name
    assert coverage["read"] == 4 and coverage["not_read"] == 0 and coverage["faces"] >= 4
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = path.read_bytes()
    assert is_sealed(data[:16]) and b"PAR1" not in data  # nothing readable without the passphrase
    with pytest.raises(PartError, match="none was given"):
        read_part(path)
    with pytest.raises(PartError, match="wrong passphrase"):
        read_part(path, "wrong")
    part, _digest = read_part(path, "correct horse")
    assert part.shard == shard.key and part.fingerprint == shard.fingerprint
    assert [item.status for item in part.items] == ["done"] * 4
    assert all(face.embedding.shape == (128,) for item in part.items for face in item.record.faces)


def test_a_plain_part_names_its_model_and_coverage(one_shard, tmp_path):
    import pyarrow.parquet as pq

    shard, settings = one_shard
    make_part(shard, settings, str(tmp_path))
    schema = pq.read_schema(tmp_path / shard.name)
    assert f"embeddings:{settings['model']}" in schema.names  # a second model's column can sit beside it
    assert b"coverage" in schema.metadata[b"faceaudit.part"]
