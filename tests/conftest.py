"""Shared fixtures. TensorFlow is imported once, quietly, through the package."""
import os

import pytest
from hypothesis import HealthCheck, settings

# Property-based tests (tests/test_robustness.py): a short sweep in `make test`; 20× more examples with
# `pytest tests/test_robustness.py --hypothesis-profile thorough`.
_QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile("default", max_examples=25, deadline=None, suppress_health_check=_QUIET)
settings.register_profile("thorough", max_examples=500, deadline=None, suppress_health_check=_QUIET)
settings.load_profile("default")

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def tf():
    from ganstyle_edu.config import import_tensorflow

    return import_tensorflow()


@pytest.fixture(scope="session")
def tubingen_64():
    from ganstyle_edu import data, images

    return images.resize_and_crop(data.sample("tubingen"), 64)
