"""Next time's defaults: written atomically, only what is valid read back, never a failure."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from remote_help import settings
from remote_help.settings import Settings

FRIEND = Settings(role="friend", address="192.0.2.7", reverse=True, screen_sharing=False,
                  firewall=True)


def names(directory: Path) -> list[str]:
    """What is in ``directory``: a temporary file left behind would show here."""
    return sorted(p.name for p in directory.iterdir())


# -- the good path ------------------------------------------------------------------------

def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config" / "remote-help" / "settings.json"
    assert settings.save(FRIEND, path)
    assert settings.load(path) == FRIEND
    assert json.loads(path.read_text())["address"] == "192.0.2.7"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.parent.parent.stat().st_mode & 0o777 == 0o700  # every level it made
    assert names(path.parent) == ["settings.json"]


def test_save_replaces_the_file_instead_of_writing_into_it(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert settings.save(Settings(role="helper"), path)
    os.link(path, tmp_path / "old")  # a reader holding the old file sees it whole
    assert settings.save(FRIEND, path)
    assert settings.load(tmp_path / "old") == Settings(role="helper")
    assert settings.load(path) == FRIEND
    assert names(tmp_path) == ["old", "settings.json"]


def test_a_symlink_planted_at_the_temporary_name_is_not_followed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    planted = tmp_path / f"{settings.TEMP_PREFIX}guessed{settings.TEMP_SUFFIX}"
    planted.symlink_to(victim)
    # mkstemp draws its names from here (private, but stable since Python 2): the first
    # name it tries is the planted one.
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: iter(["guessed", "other"]))
    assert settings.save(FRIEND, tmp_path / "settings.json")
    assert victim.read_text() == "precious\n"
    assert planted.is_symlink()
    assert settings.load(tmp_path / "settings.json") == FRIEND


# -- reading what is not quite right ------------------------------------------------------

def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert settings.load(tmp_path / "nothing.json") == Settings()
    assert settings.load(tmp_path / "no" / "such" / "dir.json") == Settings()


@pytest.mark.parametrize("content", [
    b"", b"{", b'{"role": "friend"', b"[]", b"null", b"3", b'"friend"', b"\xff\xfe\xfa",
    b'{"role": 3}', b"{'role': 'friend'}", b"[" * 60_000, b'{"a":' * 20_000,
    b" " * (settings.MAX_SIZE + 10),
])
def test_damaged_files_give_defaults(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    assert settings.parse(path) == Settings()
    assert settings.load(path) == Settings()
    assert settings.outside(path) is None  # nothing worth asking about


def test_a_partial_file_keeps_what_it_has(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"role": "helper"}')
    assert settings.parse(path) == Settings(role="helper")


def test_good_fields_survive_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"role": "boss", "address": "192.0.2.9", "reverse": "yes",
                                "firewall": True, "unknown": [1, 2], "screen_sharing": 0}))
    assert settings.parse(path) == Settings(address="192.0.2.9", firewall=True)
    path.write_text(json.dumps({"role": ["friend"], "address": None, "reverse": 1,
                                "screen_sharing": False}))
    assert settings.parse(path) == Settings(screen_sharing=False)


@pytest.mark.parametrize("address", ["192.0.2.7", "2001:db8::1", "fe80::1%eth0",
                                     "bob.example.org", "bobs-pc"])
def test_addresses_the_friend_could_have_typed_are_kept(tmp_path: Path, address: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"address": address}))
    assert settings.parse(path).address == address


@pytest.mark.parametrize("address", [
    "", "$(reboot)", "192.0.2", "192.0.2.256", "01.2.3.4", "1.2.3.4%eth0", "fe80::1%$(x)",
    "fe80::1%", "bob.example.org%eth0", "-bob", "bob..org", "bøb.org", "a" * 300,
    "192.0.2.7\n", " 192.0.2.7", "192.0.2.7\x1b[2J",
])
def test_invalid_addresses_are_dropped(tmp_path: Path, address: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"address": address, "role": "friend"}))
    assert settings.parse(path) == Settings(role="friend")


def test_the_size_limit_is_exact(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    body = b'{"role": "friend"}'
    path.write_bytes(body + b" " * (settings.MAX_SIZE - len(body)))
    assert settings.parse(path) == Settings(role="friend")
    path.write_bytes(body + b" " * (settings.MAX_SIZE - len(body) + 1))
    assert settings.parse(path) == Settings()


def test_a_fifo_at_the_name_does_not_hang(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    os.mkfifo(path)
    started = time.monotonic()
    assert settings.load(path) == Settings()
    assert time.monotonic() - started < 5


def test_an_endless_device_at_the_name_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.symlink_to("/dev/zero")
    assert settings.load(path) == Settings()


def test_a_directory_in_the_way_is_no_error(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.mkdir()
    assert settings.save(Settings(role="friend"), path) is False
    assert settings.load(path) == Settings()
    assert names(tmp_path) == ["settings.json"]
    assert names(path) == []


def test_a_file_in_the_way_of_the_directory_is_no_error(tmp_path: Path) -> None:
    (tmp_path / "remote-help").write_text("not a directory")
    assert settings.save(FRIEND, tmp_path / "remote-help" / "settings.json") is False
    assert names(tmp_path) == ["remote-help"]


def test_values_json_cannot_hold_are_no_error(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert settings.save(Settings(address=object()), path) is False  # type: ignore[arg-type]
    assert names(tmp_path) == []


# -- where the file lives -----------------------------------------------------------------

def test_config_path_follows_xdg_and_ignores_relative(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert settings.config_path() == tmp_path / "xdg" / "remote-help" / "settings.json"
    home_default = tmp_path / ".config" / "remote-help" / "settings.json"
    for ignored in ("relative/dir", "", "."):
        monkeypatch.setenv("XDG_CONFIG_HOME", ignored)
        assert settings.config_path() == home_default
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert settings.config_path() == home_default


def test_load_and_save_use_the_config_path(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert settings.save(FRIEND)
    assert settings.load() == FRIEND
    assert (tmp_path / ".config" / "remote-help" / "settings.json").is_file()


@pytest.mark.parametrize("home", [None, "", "/", "//", "/nonexistent", "/nonexistent-home",
                                  "relative", "/etc/passwd"])
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


@pytest.mark.root
def test_root_does_not_write_into_someone_elses_directory(tmp_path: Path) -> None:
    home = tmp_path / "alice"
    home.mkdir()
    os.chown(home, 65534, 65534)  # as after `sudo` kept a user's HOME
    assert settings.save(FRIEND, home / ".config" / "remote-help" / "settings.json") is False
    assert names(home) == []


# -- disks that say no --------------------------------------------------------------------

@contextlib.contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` for the test, always unmounted after."""
    where.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                             str(where)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip()}); "
                    "CI runs as root and can")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> None:
    with contextlib.suppress(OSError), (disk / "filler").open("wb") as f:
        while True:
            f.write(b"x" * 4096)
            f.flush()


@pytest.mark.root
def test_full_disk_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    # Two pages: the old file and, once the filler is gone, room for the new one beside it.
    with small_tmpfs(tmp_path / "disk", "8k") as disk:
        path = disk / "settings.json"
        old = Settings(role="friend", address="192.0.2.7")
        assert settings.save(old, path)
        fill(disk)
        assert settings.save(FRIEND, path) is False
        assert settings.load(path) == old
        assert names(disk) == ["filler", "settings.json"]
        (disk / "filler").unlink()  # room again: saving works again
        assert settings.save(FRIEND, path)
        assert settings.load(path) == FRIEND


@pytest.mark.root
def test_full_disk_before_the_first_save(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk", "4k") as disk:
        fill(disk)
        assert settings.save(FRIEND, disk / "remote-help" / "settings.json") is False
        assert settings.load(disk / "remote-help" / "settings.json") == Settings()
        assert names(disk) == ["filler", "remote-help"]  # an empty directory costs nothing
        assert names(disk / "remote-help") == []


@pytest.mark.root
def test_read_only_home_is_no_error(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "home", "64k") as home:
        path = home / "remote-help" / "settings.json"
        assert settings.save(Settings(role="helper"), path)
        subprocess.run(["mount", "-o", "remount,ro", str(home)], check=True)
        assert settings.save(FRIEND, path) is False
        assert settings.load(path) == Settings(role="helper")
        assert names(path.parent) == ["settings.json"]
        assert settings.save(FRIEND, home / "elsewhere" / "settings.json") is False
        assert names(home) == ["remote-help"]


# -- changed outside remote-help (the helper's shell runs as the friend's user) ----------

EVIL = Settings(role="friend", address="203.0.113.66", reverse=True)


def forged(values: Settings) -> str:
    """What a helper's script that copied our check would write."""
    body = asdict(values)
    return json.dumps(body | {"check": settings._digest(body)})


@pytest.fixture
def remembered() -> Iterator[None]:
    """restore_if_changed looks at every remembered file: none from another test."""
    settings._remembered.clear()
    yield
    settings._remembered.clear()


def test_what_this_program_saves_carries_a_check(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert settings.save(FRIEND, path)
    assert json.loads(path.read_text())["check"].startswith("sha256:")
    assert settings.load(path) == FRIEND
    assert settings.outside(path) is None


@pytest.mark.parametrize("change", ["by hand", "value in place", "extra key", "old format"])
def test_a_file_changed_outside_is_not_used_but_offered(tmp_path: Path, change: str) -> None:
    path = tmp_path / "settings.json"
    assert settings.save(FRIEND, path)
    data = json.loads(path.read_text())
    if change == "by hand":
        path.write_text(json.dumps(asdict(EVIL)))
    elif change == "value in place":  # the check of the friend's values kept
        path.write_text(json.dumps(data | {"address": "203.0.113.66"}))
    elif change == "extra key":
        path.write_text(json.dumps(data | {"bind": "0.0.0.0"}))
    else:  # written by an earlier remote-help, before the check: asked about once
        del data["check"]
        path.write_text(json.dumps(data))
    assert settings.load(path) == Settings()  # never used silently
    found = settings.outside(path)
    assert found is not None
    words = "\n".join(settings.changed_outside_words(found))
    assert "changed by something other than remote-help" in words
    if change in ("by hand", "value in place"):
        assert "203.0.113.66" in words
    if change == "by hand":
        assert "The helper connects to this computer: it waits for them." in words
    assert words.isascii()


def test_the_answer_no_keeps_only_the_role(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(asdict(EVIL)))
    found = settings.outside(path)
    assert found == EVIL
    assert settings.decide(found, use=False, path=path)
    assert settings.load(path) == Settings(role="friend")
    assert settings.outside(path) is None  # asked once


def test_the_answer_yes_makes_them_ours(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(asdict(EVIL)))
    assert settings.decide(EVIL, use=True, path=path)
    assert settings.load(path) == EVIL
    assert settings.decide(EVIL, use=True, reverse=False, path=path)
    assert settings.load(path) == Settings(role="friend", address="203.0.113.66")


def test_a_change_during_the_session_is_put_back_at_the_end(
        tmp_path: Path, remembered: None) -> None:
    """Even a helper's script that copied the check: the program, still running when the
    helper is gone, puts back what it last saved, byte for byte."""
    path = tmp_path / "remote-help" / "settings.json"
    assert settings.save(Settings(role="friend", address="192.0.2.7"), path)
    settings.remember(path)  # the program starts
    assert settings.save(FRIEND, path)  # the session began: next time's defaults
    ours = path.read_bytes()
    path.write_text(forged(EVIL))  # the helper's shell
    assert settings.load(path) == EVIL  # a forged check alone would pass ...
    assert settings.restore_if_changed()  # ... so the end puts ours back
    assert path.read_bytes() == ours
    assert settings.load(path) == FRIEND
    assert names(path.parent) == ["settings.json"]
    assert settings.restore_if_changed() is False  # nothing more to do


def test_a_file_made_during_the_session_is_removed_at_the_end(
        tmp_path: Path, remembered: None) -> None:
    path = tmp_path / "settings.json"
    settings.remember(path)
    path.write_text(forged(EVIL))
    assert settings.restore_if_changed()
    assert names(tmp_path) == []


def test_a_symlink_put_in_its_place_is_replaced_not_followed(
        tmp_path: Path, remembered: None) -> None:
    path = tmp_path / "settings.json"
    assert settings.save(FRIEND, path)
    settings.remember(path)
    ours = path.read_bytes()
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    path.unlink()
    path.symlink_to(victim)
    assert settings.restore_if_changed()
    assert not path.is_symlink()
    assert path.read_bytes() == ours
    assert victim.read_text() == "precious\n"


def test_nothing_changed_means_nothing_written(tmp_path: Path, remembered: None) -> None:
    path = tmp_path / "settings.json"
    assert settings.save(FRIEND, path)
    settings.remember(path)
    before = path.stat()
    assert settings.restore_if_changed() is False
    assert path.stat().st_ino == before.st_ino


@pytest.mark.root
def test_a_file_that_is_not_ours_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert settings.save(FRIEND, path)
    os.chown(path, 65534, 65534)
    assert settings.load(path) == Settings()


@pytest.mark.root
def test_a_file_put_there_by_root_in_the_session_is_replaced_by_ours(
        tmp_path: Path, remembered: None) -> None:
    """With sudo, the helper's shell writes as root: that file is neither used nor asked
    about, and the end puts the friend's own back (the folder is still the friend's)."""
    path = tmp_path / "settings.json"
    assert settings.save(FRIEND, path)
    settings.remember(path)
    ours = path.read_bytes()
    path.unlink()
    path.write_text(forged(EVIL))
    os.chown(path, 65534, 65534)
    assert settings.load(path) == Settings()
    assert settings.outside(path) is None
    assert settings.restore_if_changed()
    assert path.read_bytes() == ours
    assert path.stat().st_uid == os.geteuid()


def test_a_folder_made_read_only_in_the_session_does_not_keep_the_helpers_file(
        tmp_path: Path, remembered: None) -> None:
    """The helper's shell writes a forged file and makes our folder read-only (chmod 500):
    the folder is ours, so the end makes it writable again and puts the file back."""
    path = tmp_path / "remote-help" / "settings.json"
    assert settings.save(Settings(role="friend", address="192.0.2.7"), path)
    settings.remember(path)
    ours = path.read_bytes()
    path.write_text(forged(EVIL))
    path.parent.chmod(0o500)
    try:
        assert settings.restore_if_changed()
        assert not settings.not_put_back()
        assert path.read_bytes() == ours
        assert path.parent.stat().st_mode & 0o777 == 0o700
    finally:
        path.parent.chmod(0o700)


def test_a_file_that_was_unreadable_at_the_start_is_removed_not_filled_with_junk(
        tmp_path: Path, remembered: None) -> None:
    path = tmp_path / "settings.json"
    path.mkdir()  # not a file we could read
    settings.remember(path)
    path.rmdir()
    path.write_text(forged(EVIL))
    assert settings.restore_if_changed()
    assert not path.exists()


def test_a_file_that_cannot_be_put_back_is_said(tmp_path: Path, remembered: None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "settings.json"
    assert settings.save(FRIEND, path)
    settings.remember(path)
    path.write_text(forged(EVIL))
    monkeypatch.setattr(settings, "_write", lambda path, content: False)  # a full disk
    assert not settings.restore_if_changed()
    assert settings.not_put_back()


def test_no_to_waiting_holds_even_when_it_cannot_be_saved(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A forged file says "wait for the helper"; the friend answers no; the folder cannot
    be written (read-only, full): the full screen gets what the friend decided, not the
    file read again."""
    from remote_help import cli

    path = tmp_path / "settings.json"
    path.write_text(forged(EVIL))
    monkeypatch.setattr(settings, "config_path", lambda: path)
    monkeypatch.setattr(settings, "save", lambda values, path=None: False)
    asked: list[list[str]] = []

    def answer(lines: list[str]) -> bool:
        asked.append(lines)
        return False

    monkeypatch.setattr(cli, "_ask", answer)
    chosen = cli._settle_settings(asks_reverse=True)
    assert asked == [settings.reverse_words()]
    assert chosen.reverse is False and settings.load(path).reverse is True
    assert chosen.address == EVIL.address  # shown on step 3, not taken silently
