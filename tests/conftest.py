"""Shared test options. Golden files change only with an explicit flag."""

import os

import pytest

from tests import failure_snapshot


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/* from the current renderers")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


def pytest_configure(config):
    config.addinivalue_line("markers", "destructive: breaks something on purpose and restores it")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A red test against a running stack keeps its containers' logs and
    BIRD's view (tests/failure_snapshot.py); the report says where."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed or "/tests/unit/" in str(item.path):
        return
    where = failure_snapshot.save(item.nodeid, os.environ.get("PERSONAL_AS_STACK", "lab"))
    if where is not None:
        report.sections.append(("failure snapshot", f"containers' logs and BIRD's protocols: {where}"))
