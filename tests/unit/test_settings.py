"""Next time's defaults: written atomically, only what is valid read back, never a failure."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from remote_help import settings
from remote_help.settings import Settings


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "remote-help" / "settings.json"
    saved = Settings(role="friend", address="192.0.2.7", reverse=True)
    assert settings.save(saved, path)
    assert settings.load(path) == saved
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert settings.load(tmp_path / "nothing.json") == Settings()


@pytest.mark.parametrize("content", [
    b"", b"{", b"[]", b"null", b"\xff\xfe", b'{"role": 3}', b" " * (settings.MAX_SIZE + 10),
])
def test_damaged_files_give_defaults(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    assert settings.load(path) == Settings()


def test_good_fields_survive_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"role": "boss", "address": "192.0.2.9", "reverse": "yes",
                                "firewall": True, "unknown": 1,
                                "screen_sharing": False}))
    assert settings.load(path) == Settings(address="192.0.2.9", firewall=True,
                                           screen_sharing=False)
    path.write_text(json.dumps({"address": "$(reboot)"}))
    assert settings.load(path).address == ""


def test_config_path_follows_xdg_and_ignores_relative(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert settings.config_path() == tmp_path / "remote-help" / "settings.json"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert settings.config_path() == tmp_path / ".config" / "remote-help" / "settings.json"


@pytest.mark.parametrize("home", [None, "/", "/nonexistent-home-for-test", "relative"])
def test_no_usable_home_means_no_settings_and_no_error(monkeypatch: pytest.MonkeyPatch,
                                                       home: str | None) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    if home is None:
        monkeypatch.delenv("HOME", raising=False)
    else:
        monkeypatch.setenv("HOME", home)
    assert settings.config_path() is None
    assert settings.load() == Settings()
    assert settings.save(Settings(role="friend")) is False


def test_a_directory_in_the_way_is_no_error(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.mkdir()
    assert settings.save(Settings(role="friend"), path) is False
    assert settings.load(path) == Settings()
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                             str(where)], capture_output=True, check=False)
    if result.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (CI runs as root and can)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.root
def test_full_disk_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk", "16k") as disk:
        path = disk / "settings.json"
        old = Settings(role="friend", address="192.0.2.7")
        assert settings.save(old, path)
        with contextlib.suppress(OSError), (disk / "filler").open("wb") as f:
            while True:
                f.write(b"x" * 4096)
                f.flush()
        big = Settings(role="friend", address="2001:db8::" + "1", reverse=True)
        os.sync()
        assert settings.save(big, path) is False
        assert settings.load(path) == old
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "settings.json"]


@pytest.mark.root
def test_read_only_home_is_no_error(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "home", "64k") as home:
        path = home / "remote-help" / "settings.json"
        assert settings.save(Settings(role="helper"), path)
        subprocess.run(["mount", "-o", "remount,ro", str(home)], check=True)
        assert settings.save(Settings(role="friend"), path) is False
        assert settings.load(path) == Settings(role="helper")
