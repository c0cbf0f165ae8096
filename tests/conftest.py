"""Shared test locations: the fixtures folder and the real corpus beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("TRANSCRIPT_LENS_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
EXPORTS = CORPUS / "exports"
SEED = SHARED / "seeds" / "004_8fd8485b1cd0b9b4.txt"


@pytest.fixture
def exports() -> Path:
    if not EXPORTS.is_dir():
        pytest.skip(f"the real corpus is not at {EXPORTS} (set TRANSCRIPT_LENS_SHARED)")
    return EXPORTS


@pytest.fixture
def seed() -> Path:
    if not SEED.is_file():
        pytest.skip(f"the seed transcript is not at {SEED}")
    return SEED

GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden files under tests/golden/ instead of comparing with them")


@pytest.fixture
def update_golden(request) -> bool:
    return bool(request.config.getoption("--update-golden"))
