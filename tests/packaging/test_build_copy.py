"""debian/build-and-check builds from a copy of what git tracks: an output folder made
inside the tree (debian/build-and-check out), or any other file git does not know, never
goes into the next build. `--copy-only DIR` makes that copy alone, as the build does."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.packaging.fakes import DEBIAN

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(tree: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(tree), *args], check=True, capture_output=True,
                   timeout=30)


def small_tree(tmp_path: Path) -> Path:
    """A git repository with the real build-and-check, a control file and a source file."""
    tree = tmp_path / "tree"
    (tree / "debian").mkdir(parents=True)
    (tree / "src").mkdir()
    shutil.copy(DEBIAN / "build-and-check", tree / "debian" / "build-and-check")
    shutil.copy(DEBIAN / "control", tree / "debian" / "control")
    (tree / "src" / "program.py").write_text("committed\n")
    (tree / "src" / "gone.py").write_text("deleted in the working tree\n")
    git(tree, "init", "-q")
    git(tree, "add", ".")
    git(tree, "-c", "user.name=t", "-c", "user.email=t@example.invalid",
        "commit", "-q", "-m", "tree")
    return tree


def copy_only(tree: Path, dest: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(tree / "debian" / "build-and-check"), "--copy-only", str(dest)],
                          capture_output=True, text=True, timeout=60, check=False)


def files(directory: Path) -> set[str]:
    return {str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file()}


def test_only_tracked_files_are_copied_as_they_are_in_the_working_tree(tmp_path: Path) -> None:
    tree = small_tree(tmp_path)
    # An earlier `debian/build-and-check out` left its .deb inside the tree; a new file
    # nobody added; a change not yet committed; a file deleted but not yet in git.
    (tree / "out").mkdir()
    (tree / "out" / "remote-help_0.1.0_all.deb").write_text("an old build\n")
    (tree / "src" / "scratch.py").write_text("not added\n")
    (tree / "src" / "program.py").write_text("changed, not committed\n")
    (tree / "src" / "gone.py").unlink()
    dest = tmp_path / "copy"
    result = copy_only(tree, dest)
    assert result.returncode == 0, result.stderr
    assert files(dest) == {"debian/build-and-check", "debian/control", "src/program.py"}
    assert (dest / "src" / "program.py").read_text() == "changed, not committed\n"
    assert "OK: copied what a build is given" in result.stderr


def test_a_file_is_built_once_it_is_added(tmp_path: Path) -> None:
    tree = small_tree(tmp_path)
    (tree / "src" / "new.py").write_text("added\n")
    git(tree, "add", "src/new.py")
    dest = tmp_path / "copy"
    assert copy_only(tree, dest).returncode == 0
    assert "src/new.py" in files(dest)


def test_the_build_uses_the_same_copy() -> None:
    """One function makes the copy for --copy-only and for the build itself."""
    text = (DEBIAN / "build-and-check").read_text()
    assert 'copy_tree "$work/src"' in text
    assert 'copy_tree "$1"' in text
    assert "--others" not in text
