"""An image is its folder's content: the same commit gives the same hash
(and so the same tag) on every clone, whatever else the clone has run."""

from __future__ import annotations

import shutil
from pathlib import Path

from components.container_image import context_hash

IMAGES = Path(__file__).resolve().parents[2] / "images"


def test_pythons_bytecode_beside_an_images_scripts_changes_nothing(tmp_path):
    clone = tmp_path / "metrics"
    shutil.copytree(IMAGES / "metrics", clone, ignore=shutil.ignore_patterns("__pycache__"))
    before = context_hash(clone, {}, {})
    (clone / "__pycache__").mkdir()
    (clone / "__pycache__" / "rpki-status.cpython-311.pyc").write_bytes(b"\x00bytecode")
    assert context_hash(clone, {}, {}) == before


def test_a_changed_file_changes_the_hash(tmp_path):
    clone = tmp_path / "metrics"
    shutil.copytree(IMAGES / "metrics", clone, ignore=shutil.ignore_patterns("__pycache__"))
    before = context_hash(clone, {}, {})
    (clone / "metrics-daemon.sh").write_text((clone / "metrics-daemon.sh").read_text() + "\n")
    assert context_hash(clone, {}, {}) != before
