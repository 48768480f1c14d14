"""mnist_course: the helper package of the MNIST deep-learning course.

Importing it is cheap (no TensorFlow); the modules that need Keras import it themselves.

>>> from mnist_course import load_mnist
>>> (x_train, y_train), (x_test, y_test) = load_mnist()   # doctest: +SKIP
"""

import os as _os

# Quiet TensorFlow's C++ start-up chatter (set before Keras is imported; yours wins if set).
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from .data import load_mnist, train_val_split

__version__ = "0.1.0"
__all__ = ["load_mnist", "train_val_split", "__version__"]
