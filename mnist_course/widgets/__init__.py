"""Interactive explorers for the chapters, built on ipywidgets.

Each explorer is a widget box: put it last in a cell (or ``display`` it) to see it.
Its state lives in ordinary ipywidgets controls, so it can be driven from Python
(``explorer.rotation.value = 30``) and then read (``explorer.probabilities``).
The first view (image and probability bars) is PNG bytes and HTML in the widget
state, so an executed notebook saved with its widget state shows it without a kernel.

>>> from mnist_course.widgets import RobustnessExplorer
>>> RobustnessExplorer(model, x_test[0], label=y_test[0])   # doctest: +SKIP

=======================  ====================================================
``DigitBrowser``         browse and filter the data, with a model's guesses
``ConvolutionPlayground`` a 3×3 kernel → feature map → ReLU → max pooling
``FeatureMapExplorer``   every channel of a layer, for one image
``ConfusionExplorer``    a clickable confusion matrix and its mistakes
``RobustnessExplorer``   rotate, shift, scale, add noise, erase: watch the model
``DrawDigit``            draw a digit with the mouse and classify it
``TrainingMonitor``      a Keras callback with live loss and accuracy curves
=======================  ====================================================
"""

from .browser import DigitBrowser
from .confusion import ConfusionExplorer
from .convolution import ConvolutionPlayground
from .draw import DrawDigit
from .features import FeatureMapExplorer
from .monitor import TrainingMonitor
from .robustness import RobustnessExplorer, transform_digit

__all__ = [
    "ConfusionExplorer",
    "ConvolutionPlayground",
    "DigitBrowser",
    "DrawDigit",
    "FeatureMapExplorer",
    "RobustnessExplorer",
    "TrainingMonitor",
    "transform_digit",
]
