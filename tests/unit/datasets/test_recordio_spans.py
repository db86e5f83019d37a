"""A RecordIO pack cut by its `.idx` into spans (a cluster's shards, issue 27) lists and reads exactly
what the whole pack does: every record in one span only, with the same key, size, fingerprint, locator
and problem, on generated packs with damage (wrong magic, split records, `.idx` lines pointing into a
record or past the pack, records the `.idx` does not list). Imitates MS1M-ArcFace's `train.rec` +
`train.idx`, whose 5.8 million records are one file.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from faceaudit.core.datasets import shards as shards_module
from faceaudit.core.datasets.shards import dataset_shards, open_shard, shard_items
from faceaudit.core.datasets.sources import Entry, Gap, open_source
from tests.support.dataset_forms import ir_record, recordio_frame


def _pack(folder: Path, seed: int) -> Path:
    """A pack of 20-60 records, some damaged, and an `.idx` with lies; returns the .rec."""
    rng = random.Random(seed)
    folder.mkdir()
    frames, lines, offset = [], [], 0
    count = rng.randint(20, 60)
    for number in range(count):
        image = rng.randbytes(rng.randint(20, 300))
        payload = ir_record(number % 7, number, image)
        damage = rng.random() if number else 1.0  # the first record whole: else it is no pack at all
        if damage < 0.08:  # a broken frame: wrong magic
            frame = b"\0\0\0\0" + recordio_frame(payload)[4:]
        elif damage < 0.16:  # a record split across two frames
            cut = len(payload) // 2
            frame = recordio_frame(payload[:cut], 1) + recordio_frame(payload[cut + 4:], 3) if cut > 4 else \
                recordio_frame(payload)
        else:
            frame = recordio_frame(payload)
        listed = rng.random()
        if listed < 0.9:
            lines.append((number, offset))
        elif listed < 0.95:
            lines.append((number, offset + 8))  # points into the record
        # else: the .idx does not list it
        frames.append(frame)
        offset += len(frame)
    lines.append((count, offset + 10**6))  # past the end of the pack
    rng.shuffle(lines)
    rec = folder / "train.rec"
    rec.write_bytes(b"".join(frames))
    (folder / "train.idx").write_text("".join(f"{n}\t{o}\n" for n, o in lines))
    return rec


def _listing(source) -> tuple[dict[str, Entry], list[Gap]]:
    entries, gaps = {}, []
    for record in source.entries():
        if isinstance(record, Gap):
            gaps.append(record)
        else:
            assert record.key not in entries, record.key
            entries[record.key] = record
    return entries, gaps


@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize("as_folder", [False, True])
def test_spans_list_and_read_exactly_what_the_whole_pack_does(tmp_path, monkeypatch, seed, as_folder):
    rec = _pack(tmp_path / "faces_emore", seed)
    root = rec.parent if as_folder else rec
    monkeypatch.setattr(shards_module, "RECORDS_PER_SHARD", random.Random(seed).randint(3, 9))
    whole = open_source(root)
    expected, expected_gaps = _listing(whole)
    # A folder's other files (the `.idx` itself, `property`) are set aside by the local listing, not shards.
    expected = {key: entry for key, entry in expected.items() if key.startswith("train.rec ")}
    shards, gaps = dataset_shards(root)
    assert gaps == []
    spans = [shard for shard in shards if shard.kind == "records"]
    assert len(spans) >= 2, "the pack was not cut"
    assert spans[0].span[0] == 0 and all(a.span[1] == b.span[0] for a, b in zip(spans, spans[1:]))
    seen: dict[str, Entry] = {}
    seen_gaps = []
    for shard in spans:
        entries, span_gaps = _listing(open_shard(shard))
        assert not set(entries) & set(seen), "a record in two spans"
        seen.update(entries)
        seen_gaps += span_gaps
        assert sorted(shard_items(shard, list(expected))) == sorted(entries)  # the import finds the same items
        wanted = [key for key, entry in entries.items() if entry.problem is None]
        read = {entry.key: data for entry, data, _problem in open_shard(shard).read(wanted)}
        assert read == {entry.key: data for entry, data, _problem in whole.read(wanted)}
    assert seen == expected
    assert [g.reason for g in seen_gaps] == [g.reason for g in expected_gaps]


def test_a_pack_without_its_idx_is_one_shard(tmp_path, monkeypatch):
    rec = _pack(tmp_path / "faces_emore", 1)
    rec.with_suffix(".idx").unlink()
    monkeypatch.setattr(shards_module, "RECORDS_PER_SHARD", 4)
    shards, _gaps = dataset_shards(rec)
    assert [(s.key, s.kind) for s in shards] == [("", "file")]


def test_a_changed_idx_changes_every_span_fingerprint(tmp_path, monkeypatch):
    rec = _pack(tmp_path / "faces_emore", 2)
    monkeypatch.setattr(shards_module, "RECORDS_PER_SHARD", 5)
    before = {s.key: s.fingerprint for s in dataset_shards(rec)[0]}
    idx = rec.with_suffix(".idx")
    idx.write_text(idx.read_text() + "")
    import os
    os.utime(idx, ns=(1, 1))
    after = {s.key: s.fingerprint for s in dataset_shards(rec)[0]}
    assert before.keys() == after.keys() and all(before[k] != after[k] for k in before)
