"""Time to 99.0 % test accuracy: the reference CNN against the keras.io "Simple MNIST convnet".

Both train on the same data on this machine, one after the other. After every epoch
the test accuracy is measured; the clock is paused while it is (so both pay only for
training, tracing included). Prints, for each, the training wall time at which it
first reached 99.0 %, then the ratio. Target (SPEC section 7): >= 8x.

    python benchmarks/time_to_accuracy.py [--max-epochs 20]
"""

from __future__ import annotations

import argparse
import math
import time

import keras
import numpy as np

from mnist_course import load_mnist
from mnist_course.models import keras_io_convnet, reference_cnn
from mnist_course.training import BATCH_SIZE, DEFAULT_EPOCHS, compile_reference, prepare_images

TARGET = 0.990


class TimeToTarget(keras.callbacks.Callback):
    """Measure test accuracy after each epoch with the clock paused; stop at the target."""

    def __init__(self, x_test, y_test, label: str, stop_at_target: bool):
        super().__init__()
        self.x_test, self.y_test, self.label, self.stop_at_target = x_test, y_test, label, stop_at_target
        self.paused = 0.0
        self.reached_at: float | None = None
        self.epochs_to_target: int | None = None

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        elapsed = now - self.start - self.paused
        probabilities = self.model.predict(self.x_test, batch_size=BATCH_SIZE, verbose=0)
        accuracy = float((probabilities.argmax(axis=1) == self.y_test).mean())
        self.paused += time.perf_counter() - now
        print(f"  {self.label} epoch {epoch + 1}: {elapsed:6.1f} s of training, test accuracy {accuracy:.4f}", flush=True)
        if self.reached_at is None and accuracy >= TARGET:
            self.reached_at, self.epochs_to_target = elapsed, epoch + 1
            if self.stop_at_target:
                self.model.stop_training = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-epochs", type=int, default=20, help="give up on the keras.io recipe after this many")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_train, x_test = prepare_images(x_train), prepare_images(x_test)

    print("keras.io Simple MNIST convnet (Adam, batch 128, validation_split 0.1, as published):")
    keras.utils.set_random_seed(args.seed)
    baseline = keras_io_convnet()
    baseline.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    base_clock = TimeToTarget(x_test, y_test, "keras.io", stop_at_target=True)
    baseline.fit(
        x_train, keras.utils.to_categorical(y_train, 10), batch_size=128, epochs=args.max_epochs,
        validation_split=0.1, verbose=0, callbacks=[base_clock],
    )

    print(f"reference CNN (mnist_course.models.reference_cnn, the `train` defaults: {DEFAULT_EPOCHS} epochs):")
    keras.utils.set_random_seed(args.seed)
    model = reference_cnn()
    compile_reference(model, math.ceil(len(x_train) / BATCH_SIZE) * DEFAULT_EPOCHS)
    ref_clock = TimeToTarget(x_test, y_test, "reference", stop_at_target=False)
    model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=DEFAULT_EPOCHS, verbose=0, callbacks=[ref_clock])

    def show(label, clock):
        if clock.reached_at is None:
            print(f"{label}: did not reach {TARGET:.1%}")
        else:
            print(f"{label}: reached {TARGET:.1%} after {clock.reached_at:.1f} s (epoch {clock.epochs_to_target})")

    print()
    show("keras.io convnet", base_clock)
    show("reference CNN  ", ref_clock)
    if base_clock.reached_at and ref_clock.reached_at:
        ratio = base_clock.reached_at / ref_clock.reached_at
        print(f"speed-up: {ratio:.1f}x (target >= 8x: {'met' if ratio >= 8 else 'NOT met'})")


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
