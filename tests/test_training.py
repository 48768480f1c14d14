"""Chapter 7's recipe cache: a trained model is reused only for exactly the same
training (recipe, seed, data, code, versions)."""

import dataclasses

import numpy as np

from mnist_course.training import BEST, _recipe_key


def test_the_cache_key_changes_with_everything_that_shapes_the_model():
    x = np.random.default_rng(0).random((50, 28, 28, 1)).astype("float32")
    y = np.arange(50, dtype=np.uint8) % 10
    key = _recipe_key(BEST, x, y, seed=0)
    assert key == _recipe_key(BEST, x.copy(), y.copy(), seed=0), "stable across calls"
    others = [
        _recipe_key(BEST, x, y, seed=1),
        _recipe_key(dataclasses.replace(BEST, epochs=BEST.epochs + 1), x, y, seed=0),
        _recipe_key(dataclasses.replace(BEST, augment=False), x, y, seed=0),
        _recipe_key(BEST, x[:49], y[:49], seed=0),
        _recipe_key(BEST, np.flip(x, axis=0), y, seed=0),
        _recipe_key(BEST, x, np.roll(y, 1), seed=0),
    ]
    assert key not in others and len(set(others)) == len(others)
