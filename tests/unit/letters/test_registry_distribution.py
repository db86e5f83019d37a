"""Issue 16, item 5: every dataset published as a list of links says which file to download, and its form."""

from __future__ import annotations

import re

from faceaudit.core.letters.registry import list_entries

#: The datasets published as lists of links (issue 16), by id, and by name for entries added later.
LINK_LISTS = {"facescrub", "megaface", "ffhq", "pubfig"}
LINK_LIST_NAMES = re.compile(r"laion|vgg[ -]?face(?!\s*2)", re.IGNORECASE)
FORMATS = {"tsv", "csv", "txt", "json", "jsonl", "parquet"}


def test_every_link_list_says_what_to_download():
    entries = list_entries()
    concerned = [e for e in entries if e.id in LINK_LISTS or LINK_LIST_NAMES.search(" ".join([e.name, *e.aliases]))]
    assert {e.id for e in concerned} >= LINK_LISTS
    for entry in concerned:
        assert entry.distribution.get("form") == "link-list", f"{entry.id} has no distribution"
        files = entry.distribution["files"]
        assert files and all(f["name"] and f["format"] in FORMATS and f["note"] for f in files), entry.id
    assert all(not e.distribution for e in entries if e not in concerned and e.id in ("lfw", "celeba"))
