"""Suite-wide pytest options.

Every hypothesis test draws a derandomized set of examples, the same on every run, without
deadlines, so CI cannot flake. ``--slow`` draws them with a random seed instead (a
nightly-style search; a failure prints a reproduction blob), and the differential tests
against the reference model (tests/test_differential*.py) draw many more.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, settings

SUITE = "nshsched-suite"
DIFFERENTIAL = "nshsched-differential"
DIFFERENTIAL_LIGHTNING = "nshsched-differential-lightning"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        default=False,
        help="differential tests: many more hypothesis examples, random seed (nightly)",
    )


def pytest_configure(config: pytest.Config) -> None:
    slow = config.getoption("--slow")
    common = {
        "deadline": None,
        "derandomize": not slow,
        "database": None,
        "print_blob": True,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
    }
    # every hypothesis test (a test's own @settings keeps these but what it sets)
    settings.register_profile(SUITE, **common)
    settings.load_profile(SUITE)
    settings.register_profile(DIFFERENTIAL, max_examples=60 if slow else 5, **common)
    # A real Lightning fit costs about a second: a sampled subset, never shrunk for long.
    settings.register_profile(
        DIFFERENTIAL_LIGHTNING,
        max_examples=30 if slow else 6,
        phases=(Phase.explicit, Phase.generate),
        **common,
    )
