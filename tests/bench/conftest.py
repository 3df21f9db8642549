"""The ``bench`` marker: benchmark smoke runs, slow-ish; deselect with ``-m "not bench"``."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "bench: runs a benchmark script briefly (deselect with -m 'not bench')"
    )
