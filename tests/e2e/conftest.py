"""Every test in tests/e2e is a whole flow: marked `e2e` so a run can pick or skip the tier."""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def deep_root(tmp_path):
    """A folder for a very deep tree (tests/support/deep_tree.py), removed a level at a time afterwards."""
    from tests.support.deep_tree import remove_deep

    root = tmp_path / "deep"
    yield root
    remove_deep(root)
