"""docs/threat-model.md names, for each attack, the test that proves the defence: each
named test exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "docs" / "threat-model.md"


def test_every_test_the_threat_model_names_exists() -> None:
    text = MODEL.read_text()
    files = {path.name: path for path in (ROOT / "tests").rglob("test_*.py")}
    named = re.findall(r"`(?:tests/[\w/]+/)?(test_\w+\.py)(?:::(\w+))?", text)
    assert len(named) >= 30
    for filename, test in named:
        assert filename in files, f"{filename} does not exist"
        if test:
            assert f"def {test}(" in files[filename].read_text(), f"{filename}::{test}"
    # the bare names after the first one in a cell belong to the same file
    for row in text.splitlines():
        file_match = re.search(r"(test_\w+\.py)", row)
        for test in re.findall(r", `(test_\w+)`", row):
            assert file_match is not None
            source = "".join(p.read_text() for p in files.values())
            assert f"def {test}(" in source, test
