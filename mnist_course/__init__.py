"""mnist_course: the helper package of the MNIST deep-learning course.

Importing it is cheap (no TensorFlow); the modules that need Keras import it themselves.
It also keeps TensorFlow's start-up lines off stderr (see ``mnist_course._quiet_tf``):
import ``mnist_course`` before ``keras`` or ``tensorflow`` for that to work.

>>> from mnist_course import load_mnist
>>> (x_train, y_train), (x_test, y_test) = load_mnist()   # doctest: +SKIP
"""

from . import _quiet_tf

_quiet_tf.install()  # before anything imports TensorFlow

from .data import load_mnist, train_val_split  # noqa: E402

__version__ = "0.1.0"
__all__ = ["load_mnist", "train_val_split", "__version__"]
