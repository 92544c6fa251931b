"""Shared test options. Golden files change only with an explicit flag."""

import pytest


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/* from the current renderers")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


def pytest_configure(config):
    config.addinivalue_line("markers", "destructive: breaks something on purpose and restores it")
