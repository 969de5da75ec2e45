"""Running a style network (stylegen.py, notebook 06): the compiled forward pass and what it keeps alive."""
import gc

import numpy as np
import pytest


@pytest.fixture(scope="module")
def two_styles(tf):
    import keras

    from ganstyle_edu import stylemodel

    keras.utils.set_random_seed(0)
    return stylemodel.build_style_generator(width=2, num_residual=0, num_styles=2)


def _photo(side=16):
    return np.random.default_rng(0).random((side, side, 3)).astype(np.float32)


def _live_models() -> int:
    import keras

    gc.collect()
    return sum(isinstance(thing, keras.Model) for thing in gc.get_objects())


def test_the_compiled_forward_pass_is_kept_per_model_and_matches_keras(two_styles):
    from ganstyle_edu import stylegen

    bound = stylegen.bind_style(two_styles, [0.25, 0.75])
    assert stylegen._forward(bound) is stylegen._forward(bound)  # compiled once per model
    photo = _photo()
    expected = np.asarray(bound(photo[None], training=False))[0]
    np.testing.assert_allclose(stylegen.stylize_with(bound, photo), expected, atol=1e-5)
    assert stylegen._forward(two_styles) is not stylegen._forward(bound)


def test_stylising_with_fresh_bindings_keeps_no_model_alive(two_styles):
    """As stylenet.pretrained does: a new bound copy per call. Each copy's compiled function must die with it."""
    from ganstyle_edu import stylegen

    photo, counts = _photo(), {}
    for iteration in range(1, 101):
        stylegen.stylize_with(stylegen.bind_style(two_styles, [1.0, 0.0]), photo)
        if iteration in (20, 100):
            counts[iteration] = _live_models()
    assert counts[100] - counts[20] <= 2, f"{counts[100] - counts[20]} more live models after 80 more stylisations"


@pytest.mark.parametrize("shape", [dict(interpolation="bilinear"), dict(skips=True), dict(shuffle=1, in_kernel=9),
                                   dict(num_down=1, skips=True)])
def test_binding_a_style_rebuilds_the_same_network(tf, shape):
    """bind_style reads the shape off the layers: a bound copy must compute what the unbound network computes."""
    import keras

    from ganstyle_edu import stylegen, stylemodel

    keras.utils.set_random_seed(1)
    network = stylemodel.build_style_generator(width=2, num_residual=1, num_styles=2, **shape)
    photo = _photo()
    unbound = np.asarray(network([photo[None], np.array([[0.0, 1.0]], np.float32)], training=False))[0]
    bound = np.asarray(stylegen.bind_style(network, [0.0, 1.0])(photo[None], training=False))[0]
    np.testing.assert_allclose(bound, unbound, atol=1e-6)
