"""Fixtures shared by the integration, e2e and hostile tests."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import support


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The world-readable copies of the sources the programs ran from go too (only this
    run's: another test run may be using its own at the same time)."""
    for path in support.SOURCE_COPIES:
        shutil.rmtree(path, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("root") and not support.is_root():
            item.add_marker(pytest.mark.skip(reason="needs root (CI runs as root)"))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def world(request: pytest.FixtureRequest) -> Iterator[support.World]:
    """Accounts for one test; checks afterwards that nothing was left behind."""
    # Short on purpose: unix socket paths live below it and are limited to 107 bytes.
    base = Path(tempfile.mkdtemp(prefix="rh", dir="/tmp"))
    w = support.World(base)
    try:
        yield w
        report = getattr(request.node, "report_call", None)
        if report is not None and report.passed:
            w.check()
    finally:
        w.cleanup()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def sshd_path() -> str:
    path = shutil.which("sshd", path="/usr/sbin:/usr/bin")
    if path is None:
        pytest.fail("openssh-server is not installed; .ci/run installs it")
    return path
