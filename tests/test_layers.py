"""The layering is a contract, checked by import-linter (pyproject's [tool.importlinter]):
front ends -> journey -> services -> bytes and words, nothing upward, and the front ends
never import a service (they go through the journey)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(config: Path | None = None) -> subprocess.CompletedProcess[str]:
    code = "import sys; from importlinter.cli import lint_imports_command; " \
           "sys.argv[0] = 'lint-imports'; lint_imports_command()"
    args = [sys.executable, "-c", code, "--no-cache"]
    if config is not None:
        args += ["--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_layers_hold() -> None:
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contract_does_catch_an_upward_import(tmp_path: Path) -> None:
    """The check is real: a service importing the journey breaks the contract."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "remote_help"\n'
        '[[tool.importlinter.contracts]]\nname = "upside down"\ntype = "layers"\n'
        'layers = ["remote_help.net", "remote_help.wizard"]\n')
    result = lint_imports(config)
    assert result.returncode != 0
    assert "remote_help.wizard is not allowed to import remote_help.net" in result.stdout
