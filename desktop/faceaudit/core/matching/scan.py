"""Scan datasets for my faces: every face compared, candidates banded and stored as matches.

Datasets published as lists of links have no faces: the same scan searches them for my
identifiers (see `list_scan`), and the rows found are candidates too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from faceaudit.core.datasets.catalog import DatasetInfo, DatasetState, list_datasets
from faceaudit.core.datasets.lists import LINK_LIST
from faceaudit.core.datasets.model_embeddings import missing_count
from faceaudit.core.errors import Action, FaceAuditError
from faceaudit.core.faces.face_models import FaceModel, ModelChoice, chosen_model, models_of
from faceaudit.core.faces.photo_hashes import SAME_PHOTO_BITS
from faceaudit.core.matching import vectors
from faceaudit.core.matching.approximate import Search, Searched, approximate_reason, approximate_rows, record_search
from faceaudit.core.matching.bands import MATCH_DISTANCE, SAME_PHOTO_DISTANCE, band_of, match_distance, stranger_share
from faceaudit.core.matching.confidence import combine, fit_stranger_model, stranger_tail
from faceaudit.core.matching.identifiers import list_identifiers
from faceaudit.core.matching.identities import IdentityEvidence, centre_distances, identity_evidence, identity_model
from faceaudit.core.matching.list_scan import search_lists
from faceaudit.core.matching.matches import inherit_decisions
from faceaudit.core.matching.references import model_references, reference_matrix
from faceaudit.core.storage.store import Store, from_blob, now

__all__ = ["ScanProgress", "ScanError", "Unchecked", "scan", "latest_scan", "partly_indexed", "unchecked_of"]

METHOD = ("z-normalised distance per face model (median, near-side spread), mean of best 3 references, "
          "stranger tail measured on LFW, false discovery rate; both models: standardised scores averaged")
#: Never list more weak candidates than this per dataset.
_MAX_WEAK = 200


class ScanError(FaceAuditError, ValueError):
    """A scan that cannot run; the message says why."""


@dataclass(frozen=True)
class Unchecked:
    """A chosen dataset that was not really looked at: finding nothing in it is no all-clear.

    Attributes:
        state: the dataset's state when that is why (nothing readable, few faces, part unreadable...);
            None when this scan did not search it at all (nothing of mine to look for in it).
        reason: why, in plain words.
    """

    dataset: str
    state: DatasetState | None
    reason: str


@dataclass(frozen=True)
class ScanProgress:
    """A progress point of a scan (one per dataset, more within a list of links, then a final one with the scan's id).

    Attributes:
        read, size: bytes of the link list being searched so far, and its size (0 for face datasets).
        unchecked: on the final record, every chosen dataset that was not really checked, and why:
            not searched at all (a face dataset without a photo of me, a list without identifiers of
            mine), or searched but not whole (nothing readable, no or few faces found, part of it
            unreadable, not indexed, list files that could not be read to their end).
    """

    scan_id: int
    dataset: str | None
    done: int
    total: int
    candidates: int
    finished: bool = False
    read: int = 0
    size: int = 0
    unchecked: tuple[Unchecked, ...] = ()

    @property
    def all_checked(self) -> bool:
        """True when every chosen dataset was really looked at: only then does no candidate mean no match."""
        return not self.unchecked


def scan(store: Store, names: list[str] | None = None, model: str | None = None,
         exact_limit: int | None = None) -> Iterator[ScanProgress]:
    """Compare my reference faces with every face of the chosen (default: all) datasets, and
    search the chosen lists of links for my identifiers.

    Args:
        store: the database.
        names: the datasets (default all).
        model: "dlib", "mobilefacenet" or "both" (see `chosen_model`); each candidate records it.
        exact_limit: datasets with more faces than this are searched through an approximate index
            (default vectors.APPROX_THRESHOLD); the scan records which (`approximate.scan_searches`),
            and the final record names such a dataset among those not wholly checked.

    Yields:
        One progress record per face dataset, several per list, and a final one; candidates are
        stored as matches (earlier decisions are kept) and read back with `candidates` and
        `identifier_candidates`.

    Raises:
        ScanError: nothing to look for (no reference face, and no identifier for a chosen list),
            no dataset, or an unknown dataset name.
    """
    choice = model
    ref_ids, refs, models = reference_matrix(store)
    identifiers = list_identifiers(store)
    no_face = None if ref_ids else _no_reference(store)
    if no_face and not identifiers:
        raise no_face
    datasets = store.query("SELECT id, name, model, kind FROM datasets ORDER BY id")
    if names:
        unknown = set(names) - {d["name"] for d in datasets}
        if unknown:
            raise ScanError(f"no dataset named {', '.join(sorted(unknown))}")
        datasets = [d for d in datasets if d["name"] in names]
    if not datasets:
        raise ScanError("there is no dataset to search yet", action=Action.ADD_DATASET)
    lists = [d for d in datasets if d["kind"] == LINK_LIST]
    if no_face and not lists:  # identifiers, but only face datasets to search
        raise no_face
    not_searched = {d["name"]: _NOT_SEARCHED[no_face.action] for d in datasets
                    if d["kind"] != LINK_LIST and no_face}
    not_searched |= {d["name"]: "a list of links, and you have no identifiers to look for" for d in lists
                     if not identifiers}
    model = models[0] if models else None
    explicit, choice = choice is not None, chosen_model(store, choice)
    # dlib's are always there: copies of my photos are recognised by them, whatever the model.
    references = {FaceModel.DLIB: (ref_ids, refs)} | {m: model_references(store, m, ref_ids)
                                                      for m in models_of(ModelChoice.BOTH)}
    if ref_ids and not all(references[m][0] for m in models_of(choice)):
        # References added before MobileFaceNet was set up have dlib's numbers only (their photos are not kept).
        if explicit:
            raise ScanError(f"none of your reference photos has {choice}'s numbers yet: add them again, or scan "
                            "with dlib", action=Action.ADD_REFERENCE)
        choice = ModelChoice.DLIB
    scan_id = store.db["scans"].insert({
        "started": now(), "datasets": json.dumps([d["name"] for d in datasets]), "n_references": len(ref_ids),
        "model": model, "method": METHOD, "models": choice,
    }).last_pk
    found = faces_seen = 0
    approximate: dict[str, str] = {}
    for number, dataset in enumerate(datasets, 1):
        if dataset["name"] in not_searched:
            continue
        if dataset["kind"] == LINK_LIST:
            for step in search_lists(store, scan_id, [dataset], identifiers):
                yield ScanProgress(scan_id, dataset["name"], number - 1 + step.finished, len(datasets),
                                   found + step.found, read=step.done, size=step.total)
            found += step.found
            continue
        if dataset["model"] and dataset["model"] != model:
            raise ScanError(f"dataset {dataset['name']!r} was indexed with {dataset['model']}, my references with "
                            f"{model}: index it again before scanning")
        used = choice
        if choice != ModelChoice.DLIB and missing_count(store, dataset["id"]):
            # Indexed before MobileFaceNet was there (or a photo could not be read again for it).
            if explicit:
                raise ScanError(f"some faces of dataset {dataset['name']!r} have no {FaceModel.MOBILEFACENET} "
                                "numbers yet: index it again to add them", action=Action.INDEX_DATASET)
            used = ModelChoice.DLIB
        try:
            rows, n_faces, searched = _scan_dataset(store, dataset["id"], references, scan_id, used,
                                                    vectors.APPROX_THRESHOLD if exact_limit is None else exact_limit)
        except LookupError as exc:
            raise ScanError(str(exc)) from None
        _store_matches(store, rows)
        if searched is not None:
            record_search(store, scan_id, dataset["id"], searched)
            if searched.approximate:
                approximate[dataset["name"]] = approximate_reason(searched)
        inherit_decisions(store, dataset["id"])  # one photo, one decision: a copy decided elsewhere counts here
        found += len(rows)
        faces_seen += n_faces
        yield ScanProgress(scan_id, dataset["name"], number, len(datasets), found)
    with store.transaction():
        store.conn.execute("UPDATE scans SET finished = ?, n_faces = ?, n_candidates = ? WHERE id = ?",
                           [now(), faces_seen, found, scan_id])
    yield ScanProgress(scan_id, None, len(datasets), len(datasets), found, finished=True,
                       unchecked=_with_approximate(unchecked_of(_chosen(store, datasets), not_searched), approximate))


def _with_approximate(unchecked: tuple[Unchecked, ...], approximate: dict[str, str]) -> tuple[Unchecked, ...]:
    """`unchecked` with each approximately searched dataset named too (its reason added to one already there)."""
    out = [Unchecked(u.dataset, u.state, f"{u.reason}; {approximate[u.dataset]}") if u.dataset in approximate else u
           for u in unchecked]
    named = {u.dataset for u in unchecked}
    return tuple(out) + tuple(Unchecked(name, None, reason) for name, reason in approximate.items()
                              if name not in named)


def _chosen(store: Store, datasets: list[dict]) -> list[DatasetInfo]:
    """The chosen datasets with their states now."""
    chosen = {d["name"] for d in datasets}
    return [info for info in list_datasets(store) if info.name in chosen]


#: Why a face dataset was not searched, by what would fix it (as `_no_reference` says it).
_NOT_SEARCHED = {Action.CONFIRM_REFERENCE: "your reference faces do not look like one person",
                 Action.ADD_REFERENCE: "no photo of you to look for"}


def _no_reference(store: Store) -> ScanError:
    """Why no face of mine can be looked for: none added, or those added are not used yet."""
    if store.scalar("SELECT COUNT(*) FROM reference_faces"):
        return ScanError("your reference faces do not look like one person, so none is used yet",
                         action=Action.CONFIRM_REFERENCE)
    return ScanError("there is no photo of you to look for yet", action=Action.ADD_REFERENCE)


def unchecked_of(infos: Iterable[DatasetInfo], not_searched: dict[str, str]) -> tuple[Unchecked, ...]:
    """Every dataset of `infos` not really checked, in order: not searched (`not_searched` says why), or
    not whole (its state). The scan's last record carries this; a window showing it later asks again
    with the datasets as they are then."""
    out = []
    for info in infos:
        if info.name in not_searched:
            out.append(Unchecked(info.name, None, not_searched[info.name]))
        elif not info.checked:
            out.append(Unchecked(info.name, info.state, info.reason or info.state.value))
    return tuple(out)


@dataclass(frozen=True)
class _View:
    """One model's look at a dataset: its matrix, the stranger model of my references, the rows worth a look."""

    model: str
    stored: vectors.DatasetVectors
    null: object
    rows: np.ndarray
    limit: float
    searched: Searched

    def exact(self, store: Store, rows: np.ndarray, refs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(exact distances, standardised combined score t) of some rows."""
        distances = vectors.refine(store, self.stored, rows, refs, self.model)
        combined = combine((distances - self.null.loc) / self.null.scale)
        return distances, (combined - self.null.combined_loc) / self.null.combined_scale


def _view(store: Store, dataset_id: int, model: str, refs: np.ndarray, exact_limit: int) -> _View | None:
    stored = vectors.load_matrix(store, dataset_id, model=model)
    if not len(stored):
        return None
    if len(stored) > exact_limit:
        # The stranger model comes from an exact random sample either way (see `_preselect`).
        null = fit_stranger_model(vectors.stranger_sample(stored, refs), model)
        rows, searched = approximate_rows(stored, refs, match_distance(model))
    else:
        (rows, null), searched = _preselect(stored, refs, model), Searched(Search.EXACT)
    return _View(model, stored, null, rows, match_distance(model), searched)


#: A face is looked at closely when its standardised score is this far below a typical stranger's.
_T_LIMIT = -1.5


def _scan_dataset(store: Store, dataset_id: int, references: dict[str, tuple[list[int], np.ndarray]], scan_id: int,
                  choice: str, exact_limit: int) -> tuple[list[dict], int, Searched | None]:
    """Candidates of one dataset by one model, or by both fused (see `_fused`), the faces it holds, and how
    they were searched (the least complete of the models' searches; None for a dataset without faces)."""
    models = models_of(choice)
    views = {m: _view(store, dataset_id, m, references[m][1], exact_limit) for m in models}
    first = views[models[0]]
    n_faces = len(first.stored) if first else 0
    searches = [v.searched for v in views.values() if v is not None]
    searched = min(searches, key=lambda s: (not s.approximate, s.recall if s.recall is not None else -1.0),
                   default=None)
    results: dict[tuple[int, int], dict] = {}
    if first is not None and all(views.values()):
        scored = _fused(store, views, references) if len(models) == 2 else _single(store, first, references)
        face_ids, distances, minimum, ratio, t, expected, ref_ids = scored
        stored = first.stored
        at = np.searchsorted(stored.face_ids, face_ids)
        order = np.argsort(expected, kind="stable")
        share = stranger_share(expected[order])
        weak = 0
        for rank, face in enumerate(order):
            band = band_of(float(expected[face]), float(ratio[face]), float(share[rank]), limit=1.0)
            if band is None:
                continue
            if band == "weak":
                weak += 1
                if weak > _MAX_WEAK:
                    continue
            row = int(at[face])
            results[(int(stored.item_ids[row]), int(stored.idxs[row]))] = {
                "dataset_id": dataset_id, "item_id": int(stored.item_ids[row]), "face_idx": int(stored.idxs[row]),
                "scan_id": scan_id, "distance": round(float(minimum[face]), 6), "combined": float(t[face]),
                "agree": int((distances[face] <= first.limit).sum()), "n_references": len(ref_ids),
                "expected_lookalikes": float(expected[face]), "band": band, "exact_photo": 0,
                "reference_face_id": ref_ids[int(distances[face].argmin())], "model": choice,
            }
        near = ratio * MATCH_DISTANCE  # within its model's own limit, on dlib's scale
        # Identities are weighed by one model's centre distance, with that model's identity calibration.
        by = identity_model(models)
        for evidence, identity_id in _identities(store, dataset_id, scan_id, views[by].stored, references[by][1],
                                                 stored.item_ids[at], near, by):
            for face in evidence.faces:
                row = int(at[face])
                key = (int(stored.item_ids[row]), int(stored.idxs[row]))
                if key not in results:  # close as one of the identity's photos, not on its own
                    results[key] = {
                        "dataset_id": dataset_id, "item_id": key[0], "face_idx": key[1], "scan_id": scan_id,
                        "distance": round(float(minimum[face]), 6), "combined": float(t[face]),
                        "agree": int((distances[face] <= first.limit).sum()), "n_references": len(ref_ids),
                        "expected_lookalikes": float(expected[face]), "band": "weak", "exact_photo": 0,
                        "reference_face_id": ref_ids[int(distances[face].argmin())], "model": choice}
                results[key]["identity_id"] = identity_id
    for row in _exact_photos(store, dataset_id, *references[FaceModel.DLIB], scan_id):
        key = (row["item_id"], row["face_idx"])
        if key in results:
            results[key].update(exact_photo=1, band="strong")
        else:
            results[key] = {**row, "model": choice}
    return list(results.values()), n_faces, searched


def _single(store: Store, view: _View, references: dict):
    """One model's scores: (face ids, distances, minimum, minimum / the model's limit, expected strangers, ref ids)."""
    distances, t = view.exact(store, view.rows, references[view.model][1])
    minimum = distances.min(axis=1) if len(distances) else np.zeros(0, np.float32)
    # Only faces that could be listed need the (slow, exact) tail probability.
    short = np.nonzero((t < _T_LIMIT) | (minimum <= view.limit))[0]
    expected = len(view.stored) * stranger_tail(t[short], view.null.references, view.model)
    return (view.stored.face_ids[view.rows[short]], distances[short], minimum[short], minimum[short] / view.limit,
            t[short], expected, references[view.model][0])


def _fused(store: Store, views: dict[str, _View], references: dict):
    """Both models' scores fused: each model's standardised score t (how far below a typical stranger of
    my references in this dataset, in its own near-side spreads), averaged; how many strangers would
    average as low comes from the fusion's own table measured on LFW (resources/calibration/both/).
    A face is close enough for strong or possible when either model finds it within its own limit.
    Faces that one model has no numbers for are left to the other model's scan."""
    dlib, second = views[FaceModel.DLIB], views[FaceModel.MOBILEFACENET]
    both = np.intersect1d(dlib.stored.face_ids, second.stored.face_ids)
    looked = np.union1d(dlib.stored.face_ids[dlib.rows], second.stored.face_ids[second.rows])
    face_ids = np.intersect1d(looked, both)
    scores = {m: v.exact(store, np.searchsorted(v.stored.face_ids, face_ids), references[m][1])
              for m, v in views.items()}
    (d_dlib, t_dlib), (d_second, t_second) = scores[FaceModel.DLIB], scores[FaceModel.MOBILEFACENET]
    t = (t_dlib + t_second) / 2
    minimum = d_dlib.min(axis=1) if len(d_dlib) else np.zeros(0, np.float32)
    ratio = np.minimum(minimum / dlib.limit, (d_second.min(axis=1) if len(d_second) else minimum) / second.limit)
    short = np.nonzero((t < _T_LIMIT) | (ratio <= 1.0))[0]
    expected = len(dlib.stored) * stranger_tail(t[short], dlib.null.references, ModelChoice.BOTH)
    return (face_ids[short], d_dlib[short], minimum[short], ratio[short], t[short], expected,
            references[FaceModel.DLIB][0])



def _identities(store: Store, dataset_id: int, scan_id: int, stored: vectors.DatasetVectors, refs: np.ndarray,
                item_ids: np.ndarray, minimum: np.ndarray, model: str) -> list[tuple[IdentityEvidence, int]]:
    """Identity-level evidence where the dataset labels its photos, recorded; empty where it does not.

    Every labelled face counts (an identity's centre is all its photos'); the candidates (`item_ids`,
    `minimum`) give its close photos.
    """
    label_of = dict(store.conn.execute("SELECT id, label FROM items WHERE dataset_id = ? AND label IS NOT NULL"
                                       " AND label != ''", [dataset_id]).fetchall())
    if not label_of or not len(item_ids):
        return []
    names = sorted(set(label_of.values()))
    code_of = {name: code for code, name in enumerate(names)}
    labelled = np.array(sorted(label_of), np.int64)
    code_by_item = np.array([code_of[label_of[int(i)]] for i in labelled], np.int64)
    at = np.minimum(np.searchsorted(labelled, stored.item_ids), len(labelled) - 1)
    codes = np.where(labelled[at] == stored.item_ids, code_by_item[at], -1)
    distance, photos = centre_distances(stored.matrix, stored.item_ids, codes, len(names), refs)
    photos_of = {name: int(photos[c]) for c, name in enumerate(names) if photos[c]}
    labels = np.array([label_of.get(int(i)) for i in item_ids], dtype=object)
    found = identity_evidence(labels, minimum, {name: float(distance[c]) for c, name in enumerate(names)
                                                if photos[c]}, photos_of, model)
    out = []
    stamp = now()
    with store.transaction():
        for evidence in found:
            store.conn.execute(
                "INSERT INTO identity_matches (dataset_id, label, scan_id, photos, close, expected, band, first_seen)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id, label) DO UPDATE SET"
                " scan_id = excluded.scan_id, photos = excluded.photos, close = excluded.close,"
                " expected = excluded.expected, band = excluded.band",
                [dataset_id, evidence.label, scan_id, evidence.photos, evidence.close, evidence.expected,
                 evidence.band.value, stamp])
            out.append((evidence, store.scalar("SELECT id FROM identity_matches WHERE dataset_id = ? AND label = ?",
                                               [dataset_id, evidence.label])))
    return out


def _preselect(stored: vectors.DatasetVectors, refs: np.ndarray, model: str = "dlib"):
    """Rows worth an exact look, and the stranger model, from the compact float16 matrix.

    Every distance is computed (float16 storage, float32 arithmetic: within about 1e-4 of exact, so
    the margins below lose nothing), chunk by chunk, keeping each chunk's candidates only. Above the
    exact limit `_view` takes the candidates from an approximate index instead
    (`approximate.approximate_rows`: each reference's nearest faces, re-ranked exactly later). The stranger
    model comes from an exact fixed random sample of the faces (all of them up to SAMPLE_SIZE): it
    gives the same medians and 2 % points as every face within sampling error (~1e-3 of a distance).
    """
    null = fit_stranger_model(vectors.stranger_sample(stored, refs), model)
    limit = match_distance(model)
    z_limit = null.combined_loc - 1.5 * null.combined_scale
    limits = null.loc + null.scale * (z_limit + 0.01)

    def keep(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # A face's combined score is the mean of its best z-scores, so it is never below its best
        # one: only faces with some reference nearer than the limit can pass.
        # Column by column: 4x faster than reducing along rows of a narrow matrix.
        closest = block[:, 0].copy()
        mask = block[:, 0] < limits[0]
        for r in range(1, block.shape[1]):
            np.minimum(closest, block[:, r], out=closest)
            mask |= block[:, r] < limits[r]
        mask |= closest <= limit + 1e-3
        score = np.full(len(block), np.inf, np.float32)
        rows = np.nonzero(mask)[0]
        score[rows] = combine((block[rows] - null.loc) / null.scale)
        mask[rows] = (score[rows] < z_limit + 0.01) | (closest[rows] <= limit + 1e-3)
        return mask, score

    rows, _ = vectors.exact_candidates(stored, refs, keep)
    return rows, null


def _exact_photos(store: Store, dataset_id: int, ref_ids: list[int], refs: np.ndarray, scan_id: int) -> list[dict]:
    """Items whose perceptual hashes match one of my reference photos (resized, re-encoded, cropped)."""
    ref_photos = store.conn.execute(
        "SELECT f.id, p.phash, p.dhash FROM reference_faces f JOIN reference_photos p ON p.id = f.photo_id"
        " WHERE p.phash IS NOT NULL ORDER BY f.id").fetchall()
    items = store.conn.execute(
        "SELECT id, phash, dhash FROM items WHERE dataset_id = ? AND status = 'done' AND phash IS NOT NULL",
        [dataset_id]).fetchall()
    ref_photos = [photo for photo in ref_photos if photo[0] in ref_ids]  # faces kept out of matching stay out
    if not ref_photos or not items:
        return []
    item_ids = np.array([i[0] for i in items])
    item_hashes = np.array([[i[1], i[2]] for i in items], dtype=np.int64)
    rows = []
    for face_id, phash, dhash in ref_photos:
        bits = np.bitwise_count(np.bitwise_xor(item_hashes, np.array([phash, dhash], dtype=np.int64)))
        for item_id in item_ids[(bits <= SAME_PHOTO_BITS).all(axis=1)]:
            rows.extend(_exact_rows(store, dataset_id, int(item_id), face_id, ref_ids, refs, scan_id))
    return rows


def _exact_rows(store, dataset_id, item_id, ref_face_id, ref_ids, refs, scan_id) -> list[dict]:
    base = {"dataset_id": dataset_id, "item_id": item_id, "scan_id": scan_id, "agree": 0,
            "n_references": len(ref_ids), "expected_lookalikes": None, "band": "strong", "exact_photo": 1,
            "reference_face_id": ref_face_id, "combined": None}
    faces = store.conn.execute("SELECT idx, embedding FROM faces WHERE item_id = ?", [item_id]).fetchall()
    if not faces:
        return [{**base, "face_idx": -1, "distance": None}]
    reference = refs[ref_ids.index(ref_face_id)]
    rows = []
    for idx, blob in faces:
        distance = float(np.linalg.norm(from_blob(blob) - reference))
        if distance <= SAME_PHOTO_DISTANCE:  # same picture and the same face in it
            rows.append({**base, "face_idx": idx, "distance": round(distance, 6)})
    return rows


def _store_matches(store: Store, rows: list[dict]) -> None:
    stamp = now()
    with store.transaction():
        for row in rows:
            store.conn.execute(
                "INSERT INTO matches (dataset_id, item_id, face_idx, scan_id, distance, combined, agree, n_references,"
                " expected_lookalikes, band, exact_photo, reference_face_id, identity_id, first_seen, model)"
                " VALUES (:dataset_id, :item_id, :face_idx, :scan_id, :distance, :combined, :agree, :n_references,"
                " :expected_lookalikes, :band, :exact_photo, :reference_face_id, :identity_id, :first_seen, :model)"
                " ON CONFLICT (item_id, face_idx) DO UPDATE SET scan_id = excluded.scan_id,"
                " distance = excluded.distance, combined = excluded.combined, agree = excluded.agree,"
                " n_references = excluded.n_references, expected_lookalikes = excluded.expected_lookalikes,"
                " band = excluded.band, exact_photo = excluded.exact_photo,"
                " reference_face_id = excluded.reference_face_id, identity_id = excluded.identity_id,"
                " model = excluded.model", {"identity_id": None, **row, "first_seen": stamp})


def latest_scan(store: Store) -> dict | None:
    """The last finished scan: its id, finish time, faces compared and candidates found."""
    rows = store.query("SELECT id, finished, n_faces, n_candidates FROM scans WHERE finished IS NOT NULL"
                       " ORDER BY id DESC LIMIT 1")
    return rows[0] if rows else None


def partly_indexed(store: Store, names: list[str] | None = None) -> list[DatasetInfo]:
    """The datasets (of those named; default all) a scan would cover only in part: photos not indexed yet.

    A scan compares the faces indexed so far; `done` of `items` says what share that is.
    """
    return [d for d in list_datasets(store) if (names is None or d.name in names) and not d.indexed]
