"""Shared fixtures. TensorFlow is imported once, quietly, through the package."""
import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def tf():
    from ganstyle_edu.config import import_tensorflow

    return import_tensorflow()


@pytest.fixture(scope="session")
def tubingen_64():
    from ganstyle_edu import data, images

    return images.resize_and_crop(data.sample("tubingen"), 64)
