"""The checks accept every correct answer and only those (issue 10, points 2, 4 and 5).

For every exercise: a correct answer written differently from the reference passes;
a function that changes its inputs is caught; where the text says "by hand", the
library call for the same job is refused; the type the text asks for is enforced.
Each verdict is the same in the notebook (``check()``) and in the grader.
"""

import json
import linecache
from pathlib import Path

import numpy as np
import pytest

from mnist_course.exercises import ch01, ch02, ch03, ch04, ch05, ch06
from mnist_course.grading import Grader, grade_source
from tests.conftest import chapter_modules

CHAPTERS = chapter_modules()
ROOT = Path(__file__).resolve().parents[1]

# At least one correct answer per exercise, written the way a learner might: loops,
# other NumPy routes, imports and helpers of their own.
CORRECT = {
    "ch01.q1": (
        "import struct\ndef read_idx_bytes(raw):\n    ndim = raw[3]\n    dims ="
        " struct.unpack('>' + 'I' * ndim, raw[4:4 + 4 * ndim])\n    return"
        " np.array(list(raw[4 + 4 * ndim:]), dtype=np.uint8).reshape(dims)\n"
    ),
    "ch01.q2": (
        "from collections import Counter\ndef class_counts(labels):\n    counter ="
        " Counter(labels.tolist())\n    return np.array([counter[digit] for digit in"
        " range(10)])\n"
    ),
    "ch01.q3": (
        "def mean_digit(images, labels, digit):\n    total ="
        " np.zeros(images.shape[1:])\n    count = 0\n    for image, label in"
        " zip(images, labels):\n        if label == digit:\n            total +="
        " image\n            count += 1\n    return total / count\n"
    ),
    "ch01.q4": (
        "def normalize(images):\n    return np.divide(images, 255, dtype=np.float32)\n"
    ),
    "ch01.q5": (
        "def split_indices(n, val_size, seed):\n    rng = np.random.default_rng(seed)\n"
        "    val = rng.choice(n, size=val_size, replace=False)\n    return"
        " np.setdiff1d(np.arange(n), val), val\n"
    ),
    "ch02.q1": (
        "import math\ndef softmax(logits):\n    out = np.empty(logits.shape)\n    for"
        " i, row in enumerate(logits):\n        top = max(row)\n        exps ="
        " [math.exp(v - top) for v in row]\n        out[i] = [e / sum(exps) for e in"
        " exps]\n    return out\n"
    ),
    "ch02.q2": (
        "import math\nEPS = 1e-7\ndef cross_entropy(probabilities, labels):\n    total"
        " = 0.0\n    for row, label in zip(probabilities, labels):\n        total -="
        " math.log(max(row[label], EPS))\n    return total / len(labels)\n"
    ),
    "ch02.q3": (
        "def dense_relu(x, weights, bias):\n    z = np.einsum('ni,io->no', x, weights)"
        " + bias\n    return z * (z > 0)\n"
    ),
    "ch02.q4": (
        "def count_parameters(layer_sizes):\n    total = 0\n    for i in"
        " range(len(layer_sizes) - 1):\n        total += (layer_sizes[i] + 1) *"
        " layer_sizes[i + 1]\n    return total\n"
    ),
    "ch02.q5": (
        "def shift_images(images, dx, dy):\n    n, h, w = images.shape\n    pad ="
        " max(h, w) + max(abs(dx), abs(dy))\n    padded = np.pad(images, ((0, 0), (pad,"
        " pad), (pad, pad)))\n    return padded[:, pad - dy:pad - dy + h, pad - dx:pad"
        " - dx + w].copy()\n"
    ),
    "ch03.q1": (
        "def conv2d(image, kernel):\n    windows ="
        " np.lib.stride_tricks.sliding_window_view(image, kernel.shape)\n    return"
        " np.einsum('ijkl,kl->ij', windows, kernel)\n"
    ),
    "ch03.q2": (
        "def window_max(window):\n    best = -np.inf\n    for value in"
        " window.ravel():\n        best = max(best, value)\n    return best\n\ndef"
        " max_pool2d(image, size=2):\n    h, w = image.shape[0] // size, image.shape[1]"
        " // size\n    out = np.empty((h, w))\n    for i in range(h):\n        for j in"
        " range(w):\n            out[i, j] = window_max(image[i * size:(i + 1) * size,"
        " j * size:(j + 1) * size])\n    return out\n"
    ),
    "ch03.q3": (
        "import math\ndef conv_output_size(n, kernel, stride=1, padding='valid'):\n   "
        " if padding == 'same':\n        return math.ceil(n / stride)\n    return"
        " math.floor((n - kernel) / stride) + 1\n"
    ),
    "ch03.q4": (
        "def receptive_field(layers):\n    field = 1\n    for kernel, stride in"
        " reversed(layers):\n        field = (field - 1) * stride + kernel\n    return"
        " field\n"
    ),
    "ch03.q5": (
        "def build_cnn():\n    inputs = keras.Input((28, 28, 1))\n    x ="
        " layers.Conv2D(16, 5, padding='same', activation='relu')(inputs)\n    x ="
        " layers.MaxPooling2D()(x)\n    x = layers.Flatten()(x)\n    outputs ="
        " layers.Dense(10, activation='softmax')(x)\n    return keras.Model(inputs,"
        " outputs)\n"
    ),
    "ch04.q1": (
        "def sgd_momentum_step(weights, grad, velocity, lr, momentum):\n   "
        " new_velocity = velocity * momentum\n    new_velocity -= lr * grad\n    return"
        " weights + new_velocity, new_velocity\n"
    ),
    "ch04.q2": (
        "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
        " epsilon=1e-7):\n    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v +"
        " (1 - beta2) * grad**2\n    m_hat, v_hat = m / (1 - beta1**t), v / (1 -"
        " beta2**t)\n    return weights - lr * m_hat / (np.sqrt(v_hat) + epsilon),"
        " m, v\n"
    ),
    "ch04.q3": (
        "def one_cycle_lr(step, total_steps, peak, warmup=0.25, final_div=100.0):\n   "
        " warm = max(1.0, warmup * total_steps)\n    if step < warm:\n        return"
        " float(np.interp(step, [0, warm], [peak / 10, peak]))\n    p = np.clip((step -"
        " warm) / max(1.0, total_steps - warm), 0, 1)\n    low = peak / final_div\n   "
        " return float(low + (peak - low) * (1 + np.cos(np.pi * p)) / 2)\n"
    ),
    "ch04.q4": (
        "def dropout_forward(x, rate, seed):\n    keep ="
        " np.random.default_rng(seed).uniform(size=x.shape) < 1 - rate\n    out ="
        " np.zeros(x.shape)\n    out[keep] = x[keep] / (1 - rate)\n    return out\n"
    ),
    "ch04.q5": (
        "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n    flat ="
        " x.reshape(-1, x.shape[-1])\n    mean = flat.mean(axis=0)\n    variance ="
        " ((flat - mean) ** 2).mean(axis=0)\n    return ((flat - mean) /"
        " np.sqrt(variance + epsilon) * gamma + beta).reshape(x.shape)\n"
    ),
    "ch05.q1": (
        "def confusion_matrix(y_true, y_pred, num_classes=10):\n    codes ="
        " np.asarray(y_true, dtype=int) * num_classes + np.asarray(y_pred, dtype=int)\n"
        "    return np.bincount(codes, minlength=num_classes *"
        " num_classes).reshape(num_classes, num_classes)\n"
    ),
    "ch05.q2": (
        "def precision_recall_f1(confusion):\n    n = len(confusion)\n    p, r, f ="
        " np.zeros(n), np.zeros(n), np.zeros(n)\n    for c in range(n):\n        tp ="
        " confusion[c, c]\n        called, real = confusion[:, c].sum(), confusion[c,"
        " :].sum()\n        p[c] = tp / called if called else 0.0\n        r[c] = tp /"
        " real if real else 0.0\n        f[c] = 2 * p[c] * r[c] / (p[c] + r[c]) if p[c]"
        " + r[c] else 0.0\n    return p, r, f\n"
    ),
    "ch05.q3": (
        "def top_k_accuracy(probabilities, labels, k):\n    truth ="
        " probabilities[np.arange(len(labels)), labels]\n    rank = (probabilities >"
        " truth[:, None]).sum(axis=1)\n    return float(np.mean(rank < k))\n"
    ),
    "ch05.q4": (
        "def expected_calibration_error(probabilities, labels, n_bins=10):\n   "
        " confidence = probabilities.max(axis=1)\n    correct ="
        " (probabilities.argmax(axis=1) == labels).astype(float)\n    edges ="
        " np.linspace(0, 1, n_bins + 1)\n    which = np.clip(np.digitize(confidence,"
        " edges, right=True) - 1, 0, n_bins - 1)\n    counts = np.bincount(which,"
        " minlength=n_bins)\n    acc = np.bincount(which, weights=correct,"
        " minlength=n_bins)\n    conf = np.bincount(which, weights=confidence,"
        " minlength=n_bins)\n    used = counts > 0\n    return"
        " float(np.sum(np.abs(acc[used] - conf[used])) / len(labels))\n"
    ),
    "ch05.q5": (
        "import math\ndef wilson_interval(successes, n, z=1.96):\n    # solve (p - x)^2"
        " = z^2 x (1 - x) / n for x\n    p = successes / n\n    a = 1 + z**2 / n\n    b"
        " = -(2 * p + z**2 / n)\n    c = p**2\n    root = math.sqrt(max(b * b - 4 * a *"
        " c, 0.0))\n    return (-b - root) / (2 * a), (-b + root) / (2 * a)\n"
    ),
    "ch05.q6": (
        "from scipy import stats\ndef mcnemar_p_value(correct_a, correct_b):\n    b ="
        " int(np.count_nonzero(correct_a & ~correct_b))\n    c ="
        " int(np.count_nonzero(correct_b & ~correct_a))\n    if b + c == 0:\n       "
        " return 1.0\n    return float(stats.binomtest(min(b, c), b + c, 0.5).pvalue)\n"
    ),
    "ch06.q1": (
        "def layer_outputs(model, layer_names):\n    x = inputs = keras.Input((28, 28,"
        " 1))\n    found = {}\n    for layer in model.layers:\n        x = layer(x)\n  "
        "      found[layer.name] = x\n    return keras.Model(inputs, [found[n] for n in"
        " layer_names])\n"
    ),
    "ch06.q2": (
        "def saliency_map(model, image, label):\n    x ="
        " tf.Variable(tf.reshape(tf.constant(image, tf.float32), (1, 28, 28, 1)))\n   "
        " with tf.GradientTape() as tape:\n        probabilities = model(x)[0]\n   "
        " jacobian = tape.jacobian(probabilities, x)  # (10, 1, 28, 28, 1): every class"
        " at once\n    return tf.abs(jacobian[label, 0, :, :, 0]).numpy()\n"
    ),
    "ch06.q3": (
        "def integrated_gradients(model, image, label, baseline, steps=32):\n    total"
        " = np.zeros((28, 28), dtype=np.float32)\n    for k in range(steps):\n       "
        " alpha = (k + 0.5) / steps  # the midpoint of the k-th piece of the path\n    "
        "    x = tf.Variable((baseline + alpha * (image - baseline))[None, :, :,"
        ' None].astype("float32"))\n        with tf.GradientTape() as tape:\n          '
        "  s = model(x)[0, label]\n        total += tape.gradient(s, x).numpy()[0, :,"
        " :, 0]\n    return (image - baseline) * total / steps\n"
    ),
    "ch06.q4": (
        "def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):\n    c ="
        " list(range(0, 28 - patch + 1, stride))\n    base ="
        " float(model.predict(image[None, :, :, None], verbose=0)[0, label])\n    out ="
        " np.zeros((len(c), len(c)), dtype=np.float32)\n    for i, t in enumerate(c):\n"
        "        for j, l in enumerate(c):\n            x = image.copy()\n           "
        " x[t:t + patch, l:l + patch] = fill\n            out[i, j] = base -"
        " float(model(x[None, :, :, None])[0, label])\n    return out\n"
    ),
    "ch06.q5": (
        "def pca(x, k):\n    c = x - x.mean(axis=0)\n    u, s, vt = np.linalg.svd(c,"
        " full_matrices=False)\n    return u[:, :k] * s[:k], vt[:k], s[:k] ** 2 /"
        " np.sum(s ** 2)\n"
    ),
    "ch07.q1": (
        "def smooth_labels(labels, num_classes, smoothing):\n"
        "    t = np.zeros((labels.size, num_classes), np.float32)\n"
        "    for i, y in enumerate(labels):\n"
        "        t[i] = smoothing / num_classes\n"
        "        t[i, y] += 1 - smoothing\n"
        "    return t\n"
    ),
    "ch07.q2": (
        "def ensemble_average(probabilities, weights=None):\n"
        "    if weights is None:\n"
        "        weights = [1] * len(probabilities)\n"
        "    total = sum(w * p for w, p in zip(weights, probabilities))\n"
        "    return total / sum(weights)\n"
    ),
    "ch07.q3": (
        "def tta_predict(model, images, shifts):\n"
        "    batch = np.concatenate([shift_images(images, dx, dy) for dx, dy in"
        " shifts])\n"
        "    p = model(batch[..., None], training=False).numpy()\n"
        "    return p.reshape(len(shifts), len(images), -1).mean(axis=0)\n"
    ),
    "ch07.q4": (
        "def fgsm(model, images, labels, epsilon):\n"
        "    x = tf.Variable(images[..., None].astype('float32'))\n"
        "    with tf.GradientTape() as tape:\n"
        "        p = model(x)\n"
        "        picked = tf.gather(p, labels.astype('int64'), batch_dims=1)\n"
        "        loss = -tf.reduce_mean(tf.math.log(picked))\n"
        "    g = tape.gradient(loss, x).numpy()[..., 0]\n"
        "    return np.clip(images + epsilon * np.sign(g), 0, 1)\n"
    ),
    "ch08.q1": (
        "def choose_scale_zero_point(low, high):\n"
        "    low, high = min(low, 0), max(high, 0)\n"
        "    scale = (high - low) / 255\n"
        "    return scale, int(np.clip(np.round(-128 - low / scale), -128, 127))\n"
    ),
    "ch08.q2": (
        "def quantize(x, scale, zero_point):\n"
        "    out = np.empty(x.shape, dtype=np.int8)\n"
        "    for i, v in np.ndenumerate(x):\n"
        "        out[i] = min(127, max(-128, round(float(v) / scale) + zero_point))\n"
        "    return out\n"
    ),
    "ch08.q3": (
        "def dequantize(q, scale, zero_point):\n"
        "    return (q.astype(np.float32) - zero_point) * np.float32(scale)\n"
    ),
    "ch08.q4": (
        "def shard_indices(n, num_workers, worker_index):\n"
        "    i = np.arange(n)\n"
        "    return i[i % num_workers == worker_index]\n"
    ),
    "ch08.q5": (
        "def all_reduce_mean(gradients, counts):\n"
        "    return [np.average(np.stack(v), axis=0, weights=counts) for v in"
        " zip(*gradients)]\n"
    ),
}

# Right values, but the function changes its inputs (a check that copies them hides
# this).
MUTATING = {
    "ch01.q2": (
        "def class_counts(labels):\n    labels.sort()\n    return np.bincount(labels,"
        " minlength=10)\n"
    ),
    "ch01.q3": (
        "def mean_digit(images, labels, digit):\n    result = images[labels =="
        " digit].mean(axis=0)\n    images[:] = 0\n    return result\n"
    ),
    "ch01.q4": (
        "def normalize(images):\n    out = images.astype(np.float32) / 255\n   "
        " images.fill(0)\n    return out\n"
    ),
    "ch02.q1": (
        "def softmax(logits):\n    logits -= logits.max(axis=1, keepdims=True)\n    e ="
        " np.exp(logits)\n    return e / e.sum(axis=1, keepdims=True)\n"
    ),
    "ch02.q2": (
        "def cross_entropy(p, labels):\n    np.clip(p, 1e-7, 1, out=p)\n    return"
        " float(-np.mean(np.log(p[np.arange(len(labels)), labels])))\n"
    ),
    "ch02.q3": (
        "def dense_relu(x, weights, bias):\n    out = np.maximum(0, x @ weights +"
        " bias)\n    bias[:] = 0\n    return out\n"
    ),
    "ch02.q4": (
        "def count_parameters(sizes):\n    total = 0\n    while len(sizes) > 1:\n      "
        "  n_in = sizes.pop(0)\n        total += n_in * sizes[0] + sizes[0]\n    return"
        " total\n"
    ),
    "ch02.q5": (
        "def shift_images(images, dx, dy):\n    out = np.zeros_like(images)\n    h, w ="
        " images.shape[1:]\n    if abs(dx) < w and abs(dy) < h:\n        out[:, max(dy,"
        " 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = images[:, max(-dy, 0):h -"
        " max(dy, 0), max(-dx, 0):w - max(dx, 0)]\n    images[:] = 0\n    return out\n"
    ),
    "ch03.q1": (
        "def conv2d(image, kernel):\n    kh, kw = kernel.shape\n    out ="
        " np.array([[np.sum(image[i:i+kh, j:j+kw] * kernel) for j in"
        " range(image.shape[1] - kw + 1)] for i in range(image.shape[0] - kh + 1)])\n  "
        "  kernel *= 0\n    return out\n"
    ),
    "ch03.q2": (
        "def max_pool2d(image, size=2):\n    h, w = image.shape[0] // size,"
        " image.shape[1] // size\n    out = image[:h * size, :w * size].reshape(h,"
        " size, w, size).max(axis=(1, 3))\n    image[:] = 0\n    return out\n"
    ),
    "ch03.q4": (
        "def receptive_field(layers):\n    layers.reverse()\n    field = 1\n    for"
        " kernel, stride in layers:\n        field = (field - 1) * stride + kernel\n   "
        " return field\n"
    ),
    "ch04.q1": (
        "def sgd_momentum_step(weights, grad, velocity, lr, momentum):\n    velocity *="
        " momentum\n    velocity -= lr * grad\n    weights += velocity\n    return"
        " weights, velocity\n"
    ),
    "ch04.q2": (
        "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
        " epsilon=1e-7):\n    m *= beta1\n    m += (1 - beta1) * grad\n    v *= beta2\n"
        "    v += (1 - beta2) * grad**2\n    return weights - lr * (m / (1 - beta1**t))"
        " / (np.sqrt(v / (1 - beta2**t)) + epsilon), m, v\n"
    ),
    "ch04.q4": (
        "def dropout_forward(x, rate, seed):\n    keep ="
        " np.random.default_rng(seed).random(x.shape) >= rate\n    x *= keep / (1 -"
        " rate)\n    return x\n"
    ),
    "ch04.q5": (
        "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n    axes ="
        " tuple(range(x.ndim - 1))\n    variance = x.var(axis=axes)\n    x -="
        " x.mean(axis=axes)\n    return gamma * x / np.sqrt(variance + epsilon) +"
        " beta\n"
    ),
    "ch05.q1": (
        "def confusion_matrix(y_true, y_pred, num_classes=10):\n    m ="
        " np.zeros((num_classes, num_classes), dtype=int)\n    np.add.at(m, (y_true,"
        " y_pred), 1)\n    y_true.sort()\n    return m\n"
    ),
    "ch05.q2": (
        "def precision_recall_f1(m):\n    d = np.diag(m).astype(float)\n    called,"
        " real = m.sum(axis=0), m.sum(axis=1)\n    np.fill_diagonal(m, 0)  # keep only"
        " the mistakes, for a later look\n    p = np.divide(d, called,"
        " out=np.zeros(len(d)), where=called > 0)\n    r = np.divide(d, real,"
        " out=np.zeros(len(d)), where=real > 0)\n    return p, r, np.divide(2 * p * r,"
        " p + r, out=np.zeros(len(d)), where=p + r > 0)\n"
    ),
    "ch05.q3": (
        "def top_k_accuracy(p, y, k):\n    top = np.argsort(p, axis=1)[:, -k:]\n   "
        " p.sort(axis=1)\n    return float(np.mean((top == y[:, None]).any(axis=1)))\n"
    ),
    "ch05.q4": (
        "def expected_calibration_error(p, y, n_bins=10):\n    c, ok = p.max(1),"
        " p.argmax(1) == y\n    p /= p.sum(axis=1, keepdims=True) * 2\n    total ="
        " 0.0\n    for b in range(n_bins):\n        inside = (c > b / n_bins) & (c <="
        " (b + 1) / n_bins)\n        if inside.any():\n            total +="
        " inside.mean() * abs(ok[inside].mean() - c[inside].mean())\n    return"
        " float(total)\n"
    ),
    "ch05.q6": (
        "import math\ndef mcnemar_p_value(a, b):\n    x, y = int(np.sum(a & ~b)),"
        " int(np.sum(~a & b))\n    a[:] = True\n    n = x + y\n    return min(1.0, 2 *"
        " sum(math.comb(n, i) for i in range(min(x, y) + 1)) / 2**n) if n else 1.0\n"
    ),
    "ch06.q2": (
        "def saliency_map(model, image, label):\n    image /= image.max()\n    x ="
        ' tf.Variable(image[None, :, :, None].astype("float32"))\n    with'
        " tf.GradientTape() as tape:\n        score = model(x)[0, label]\n    return"
        " np.abs(tape.gradient(score, x).numpy()[0, :, :, 0])\n"
    ),
    "ch06.q3": (
        "def integrated_gradients(model, image, label, baseline, steps=32):\n    alphas"
        " = (np.arange(steps) + 0.5) / steps\n    image -= baseline\n    x ="
        " tf.convert_to_tensor((baseline + alphas[:, None, None] * image)[...,"
        ' None].astype("float32"))\n    with tf.GradientTape() as tape:\n       '
        " tape.watch(x)\n        s = model(x)[:, label]\n    return image *"
        " tape.gradient(s, x).numpy()[..., 0].mean(axis=0)\n"
    ),
    "ch06.q4": (
        "def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):\n    c ="
        " range(0, 28 - patch + 1, stride)\n    base = float(model(image[None, :, :,"
        " None])[0, label])\n    out = np.zeros((len(c), len(c)))\n    for i, t in"
        " enumerate(c):\n        for j, l in enumerate(c):\n            saved ="
        " image[t:t + patch, l:l + patch].copy()\n            image[t:t + patch, l:l +"
        " patch] = fill\n            out[i, j] = base - float(model(image[None, :, :,"
        " None])[0, label])\n            image[t:t + patch, l:l + patch] = saved +"
        " 0.001\n    return out\n"
    ),
    "ch06.q5": (
        "def pca(x, k):\n    np.random.default_rng(0).shuffle(x)\n    x ="
        " x.astype(float)\n    x -= x.mean(axis=0)\n    values, vectors ="
        " np.linalg.eigh(np.cov(x.T))\n    order = np.argsort(values)[::-1][:k]\n   "
        " comps = vectors[:, order].T\n    return x @ comps.T, comps, values[order] /"
        " values.sum()\n"
    ),
    "ch06.q1": (
        "def layer_outputs(model, layer_names):\n   "
        " model.layers[0].kernel.assign(model.layers[0].kernel * 1.0001)\n    return"
        " keras.Model(model.inputs[0], [model.get_layer(n).output for n in"
        " layer_names])\n"
    ),
    "ch07.q1": (
        "def smooth_labels(labels, num_classes, smoothing):\n"
        "    t = np.full((len(labels), num_classes), smoothing / num_classes)\n"
        "    t[np.arange(len(labels)), labels] += 1 - smoothing\n"
        "    labels[:] = 0\n"
        "    return t\n"
    ),
    "ch07.q2": (
        "def ensemble_average(probabilities, weights=None):\n"
        "    result = np.average(np.asarray(probabilities), axis=0, weights=weights)\n"
        "    probabilities[0] = probabilities[0] * 0\n"
        "    return result\n"
    ),
    "ch07.q3": (
        "def tta_predict(model, images, shifts):\n"
        "    total = 0\n"
        "    for dx, dy in shifts:\n"
        "        total = total + model.predict(shift_images(images, dx, dy)[..., None],"
        " verbose=0)\n"
        "    images *= 0.5\n"
        "    return total / len(shifts)\n"
    ),
    "ch07.q4": (
        "def fgsm(model, images, labels, epsilon):\n"
        "    x = tf.constant(images[..., None], tf.float32)\n"
        "    with tf.GradientTape() as tape:\n"
        "        tape.watch(x)\n"
        "        loss = keras.losses.sparse_categorical_crossentropy(labels,"
        " model(x))\n"
        "    images += epsilon * np.sign(tape.gradient(loss, x).numpy()[..., 0])\n"
        "    np.clip(images, 0, 1, out=images)\n"
        "    return images.copy()\n"
    ),
    "ch08.q2": (
        "def quantize(x, scale, zero_point):\n"
        "    x /= scale\n"
        "    return np.clip(np.round(x) + zero_point, -128, 127).astype(np.int8)\n"
    ),
    "ch08.q3": (
        "def dequantize(q, scale, zero_point):\n"
        "    steps = q.astype(np.int32) - zero_point\n"
        "    q[:] = 0\n"
        "    return (steps * scale).astype(np.float32)\n"
    ),
    "ch08.q5": (
        "def all_reduce_mean(gradients, counts):\n"
        "    for replica, count in zip(gradients, counts):\n"
        "        for v in range(len(replica)):\n"
        "            replica[v] *= count\n"
        "    return [sum(v) / sum(counts) for v in zip(*gradients)]\n"
    ),
}

# The library call for the job the text asks to write by hand: refused.
LIBRARY = {
    "ch01.q1": (
        "import tensorflow as tf\ndef read_idx_bytes(raw):\n    n = raw[3]\n    dims ="
        " [int.from_bytes(raw[4+4*i:8+4*i], 'big') for i in range(n)]\n    return"
        " tf.io.decode_raw(raw[4 + 4 * n:], tf.uint8).numpy().reshape(dims)\n"
    ),
    "ch01.q2": (
        "import tensorflow as tf\ndef class_counts(labels):\n    return"
        " tf.math.bincount(labels.astype('int32'), minlength=10).numpy()\n"
    ),
    "ch01.q3": (
        "from keras import ops\ndef mean_digit(images, labels, digit):\n    return"
        " np.asarray(ops.mean(images[labels == digit].astype('float64'), axis=0))\n"
    ),
    "ch01.q4": (
        "import keras\ndef normalize(images):\n    return"
        " np.asarray(keras.layers.Rescaling(1 / 255)(images.astype('float32')))\n"
    ),
    "ch01.q5": (
        "import tensorflow as tf\ndef split_indices(n, val_size, seed):\n    order ="
        " tf.random.shuffle(tf.range(n), seed=seed).numpy()\n    return"
        " order[val_size:], order[:val_size]\n"
    ),
    "ch02.q1": (
        "import keras\ndef softmax(logits):\n    return"
        " np.asarray(keras.activations.softmax(logits))\n"
    ),
    "ch02.q2": (
        "from keras.losses import sparse_categorical_crossentropy as sce\ndef"
        " cross_entropy(p, y):\n    return float(np.mean(sce(y, p)))\n"
    ),
    "ch02.q3": (
        "import tensorflow as tf\ndef dense_relu(x, w, b):\n    return tf.nn.relu(x @ w"
        " + b).numpy()\n"
    ),
    "ch02.q4": (
        "import keras\ndef count_parameters(sizes):\n    layers ="
        " [keras.Input((sizes[0],))] + [keras.layers.Dense(n) for n in sizes[1:]]\n   "
        " return keras.Sequential(layers).count_params()\n"
    ),
    "ch02.q5": (
        "import tensorflow as tf\ndef shift_images(x, dx, dy):\n    return tf.roll(x,"
        " (dy, dx), axis=(1, 2)).numpy()\n"
    ),
    "ch03.q1": (
        "def conv2d(image, kernel):\n    conv = layers.Conv2D(1, kernel.shape,"
        " use_bias=False)\n    conv.build((1, *image.shape, 1))\n   "
        " conv.set_weights([kernel[:, :, None, None]])\n    return"
        " np.asarray(conv(image[None, :, :, None]))[0, :, :, 0]\n"
    ),
    "ch03.q2": (
        "def max_pool2d(image, size=2):\n    return"
        " np.asarray(layers.MaxPooling2D(size)(image[None, :, :,"
        " None].astype('float32')))[0, :, :, 0]\n"
    ),
    "ch03.q3": (
        "def conv_output_size(n, kernel, stride=1, padding='valid'):\n    return"
        " layers.Conv2D(1, kernel, stride, padding).compute_output_shape((1, n, n,"
        " 1))[1]\n"
    ),
    "ch03.q4": (
        "def helper(layers_):\n    return int(keras.ops.sum(keras.ops.ones(1)))\n\ndef"
        " receptive_field(layers):\n    helper(layers)\n    field, jump = 1, 1\n    for"
        " kernel, stride in layers:\n        field += (kernel - 1) * jump\n        jump"
        " *= stride\n    return field\n"
    ),
    "ch04.q1": (
        "import keras\ndef sgd_momentum_step(weights, grad, velocity, lr, momentum):\n "
        "   variable = keras.Variable(weights)\n    optimizer ="
        " keras.optimizers.SGD(lr, momentum=momentum)\n   "
        " optimizer.apply_gradients([(grad, variable)])\n    return variable.numpy(),"
        " velocity\n"
    ),
    "ch04.q2": (
        "import tensorflow as tf\ndef adam_step(weights, grad, m, v, t, lr=0.001,"
        " beta1=0.9, beta2=0.999, epsilon=1e-7):\n    optimizer ="
        " tf.keras.optimizers.Adam(lr, beta1, beta2, epsilon)\n    return weights,"
        " m, v\n"
    ),
    "ch04.q3": (
        "import keras\ndef one_cycle_lr(step, total_steps, peak, warmup=0.25,"
        " final_div=100.0):\n    warm = int(max(1, warmup * total_steps))\n    schedule"
        " = keras.optimizers.schedules.CosineDecay(peak / 10, total_steps - warm, 1 /"
        " final_div, warmup_target=peak, warmup_steps=warm)\n    return"
        " float(schedule(step))\n"
    ),
    "ch04.q4": (
        "import keras\ndef dropout_forward(x, rate, seed):\n    return"
        " np.asarray(keras.layers.Dropout(rate, seed=seed)(x, training=True))\n"
    ),
    "ch04.q5": (
        "from keras import layers\ndef batch_norm_forward(x, gamma, beta,"
        " epsilon=1e-3):\n    norm = layers.BatchNormalization(epsilon=epsilon)\n   "
        " norm.build(x.shape)\n    norm.gamma.assign(gamma)\n   "
        " norm.beta.assign(beta)\n    return np.asarray(norm(x, training=True))\n"
    ),
    "ch05.q1": (
        "import tensorflow as tf\ndef confusion_matrix(y_true, y_pred,"
        " num_classes=10):\n    return tf.math.confusion_matrix(y_true, y_pred,"
        " num_classes).numpy()\n"
    ),
    "ch05.q2": (
        "import keras\ndef precision_recall_f1(confusion):\n    correct ="
        " keras.ops.diagonal(confusion)\n    p = correct / keras.ops.sum(confusion,"
        " axis=0)\n    r = correct / keras.ops.sum(confusion, axis=1)\n    return"
        " np.asarray(p), np.asarray(r), np.asarray(2 * p * r / (p + r))\n"
    ),
    "ch05.q3": (
        "import keras\ndef top_k_accuracy(p, y, k):\n    m ="
        " keras.metrics.SparseTopKCategoricalAccuracy(k=k)\n    m.update_state(y, p)\n "
        "   return float(m.result())\n"
    ),
    "ch05.q4": (
        "from mnist_course.evaluation import confusion_matrix as cm\ndef"
        " expected_calibration_error(p, y, n_bins=10):\n    cm(y, p.argmax(1))\n   "
        " return 0.0\n"
    ),
    "ch05.q5": (
        "from scipy.stats import binomtest\ndef wilson_interval(successes, n,"
        " z=1.96):\n    interval = binomtest(successes,"
        " n).proportion_ci(method='wilson')\n    return interval.low, interval.high\n"
    ),
    "ch05.q6": (
        "import keras\ndef mcnemar_p_value(a, b):\n    return"
        " float(keras.ops.mean(a))\n"
    ),
    "ch06.q5": (
        "import tensorflow as tf\ndef pca(x, k):\n    c = tf.constant(x, tf.float64) -"
        " tf.reduce_mean(tf.constant(x, tf.float64), axis=0)\n    s, u, v ="
        " tf.linalg.svd(c)\n    return (u[:, :k] * s[:k]).numpy(), tf.transpose(v[:,"
        " :k]).numpy(), (s[:k] ** 2 / tf.reduce_sum(s ** 2)).numpy()\n"
    ),
    "ch07.q1": (
        "import keras\n"
        "def smooth_labels(labels, num_classes, smoothing):\n"
        "    one = keras.utils.to_categorical(labels, num_classes)\n"
        "    return one * (1 - smoothing) + smoothing / num_classes\n"
    ),
    "ch07.q2": (
        "import tensorflow as tf\n"
        "def ensemble_average(probabilities, weights=None):\n"
        "    p = tf.constant(np.asarray(probabilities))\n"
        "    w = tf.ones(p.shape[0], p.dtype) if weights is None else"
        " tf.constant(weights, p.dtype)\n"
        "    return (tf.tensordot(w, p, 1) / tf.reduce_sum(w)).numpy()\n"
    ),
    "ch08.q1": (
        "import tensorflow as tf\n"
        "def choose_scale_zero_point(low, high):\n"
        "    low, high = min(low, 0.0), max(high, 0.0)\n"
        "    scale = (high - low) / 255\n"
        "    return scale, int(tf.round(-128 - low / scale))\n"
    ),
    "ch08.q2": (
        "import tensorflow as tf\n"
        "def quantize(x, scale, zero_point):\n"
        "    q = tf.clip_by_value(tf.round(x / scale) + zero_point, -128, 127)\n"
        "    return tf.cast(q, tf.int8).numpy()\n"
    ),
    "ch08.q3": (
        "import tensorflow as tf\n"
        "def dequantize(q, scale, zero_point):\n"
        "    steps = tf.cast(q, tf.float32) - zero_point\n"
        "    return (steps * scale).numpy()\n"
    ),
    "ch08.q4": (
        "import tensorflow as tf\n"
        "def shard_indices(n, num_workers, worker_index):\n"
        "    shard = tf.data.Dataset.range(n).shard(num_workers, worker_index)\n"
        "    return np.array(list(shard.as_numpy_iterator()))\n"
    ),
    "ch08.q5": (
        "import tensorflow as tf\n"
        "def all_reduce_mean(gradients, counts):\n"
        "    return [(tf.add_n([c * g for c, g in zip(counts, v)]) /"
        " sum(counts)).numpy() for v in zip(*gradients)]\n"
    ),
}

# The type the text asks for: counts and sizes are ints, a loss is a float, dtypes as
# asked.
WRONG_TYPE = {
    "ch01.q1": (
        (
            "def read_idx_bytes(raw):\n    n = raw[3]\n    dims ="
            " [int.from_bytes(raw[4+4*i:8+4*i], 'big') for i in range(n)]\n    return"
            " np.frombuffer(raw, np.uint8,"
            " offset=4+4*n).reshape(dims).astype(np.int64)\n"
        ),
        "dtype int64, expected uint8",
    ),
    "ch01.q2": (
        (
            "def class_counts(labels):\n    return np.bincount(labels,"
            " minlength=10).astype(float)\n"
        ),
        "integer",
    ),
    "ch01.q4": (
        "def normalize(images):\n    return images / 255\n",
        "dtype float64, expected float32",
    ),
    "ch02.q2": (
        (
            "def cross_entropy(p, y):\n    return -np.log(np.clip(p[np.arange(len(y)),"
            " y], 1e-7, 1)).mean(keepdims=True)\n"
        ),
        "expected one number as a float",
    ),
    "ch02.q4": (
        (
            "def count_parameters(sizes):\n    return float(sum(a * b + b for a, b in"
            " zip(sizes[:-1], sizes[1:])))\n"
        ),
        "expected a whole number",
    ),
    "ch02.q5": (
        (
            "def shift_images(images, dx, dy):\n    out = np.zeros(images.shape)\n   "
            " h, w = images.shape[1:]\n    if abs(dx) < w and abs(dy) < h:\n       "
            " out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = images[:,"
            " max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]\n    return out\n"
        ),
        "expected uint8",
    ),
    "ch03.q3": (
        (
            "def conv_output_size(n, kernel, stride=1, padding='valid'):\n    return"
            " -(-n // stride) / 1 if padding == 'same' else (n - kernel) / stride // 1"
            " + 1\n"
        ),
        "expected a whole number",
    ),
    "ch04.q3": (
        (
            "def one_cycle_lr(step, total_steps, peak, warmup=0.25, final_div=100.0):\n"
            "    return np.array(peak / 10 if step == 0 else peak)\n"
        ),
        "expected one number as a float",
    ),
    "ch03.q4": (
        (
            "def receptive_field(layers):\n    field, jump = 1.0, 1\n    for kernel,"
            " stride in layers:\n        field += (kernel - 1) * jump\n        jump *="
            " stride\n    return field\n"
        ),
        "expected a whole number",
    ),
    "ch08.q1": (
        (
            "def choose_scale_zero_point(low, high):\n"
            "    low, high = min(low, 0), max(high, 0)\n"
            "    scale = (high - low) / 255\n"
            "    return scale, float(round(-128 - low / scale))\n"
        ),
        "expected an integer (int)",
    ),
    "ch08.q2": (
        (
            "def quantize(x, scale, zero_point):\n"
            "    q = np.clip(np.round(x / scale) + zero_point, -128, 127)\n"
            "    return q.astype(np.int32)\n"
        ),
        "dtype int32, expected int8",
    ),
    "ch08.q3": (
        (
            "def dequantize(q, scale, zero_point):\n"
            "    return (q.astype(np.int32) - zero_point) * scale\n"
        ),
        "dtype float64, expected float32",
    ),
    "ch08.q5": (
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    total = sum(counts)\n"
            "    return [(sum(c * g for c, g in zip(counts, v)) / total).tolist() for v"
            " in zip(*gradients)]\n"
        ),
        "a list of NumPy float arrays",
    ),
}


def _exercise(qid):
    return next(e for chapter in CHAPTERS for e in chapter.chapter if e.qid == qid)


def _module(qid):
    return next(c for c in CHAPTERS if qid.startswith(c.__name__.rsplit(".", 1)[1]))


_DEFINED = 0


def define(qid: str, source: str):
    """The learner's function, defined as a notebook would (with the chapter's
    imports)."""
    global _DEFINED
    _DEFINED += 1
    filename = f"<learner cell {_DEFINED}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": "__main__"}
    exec(_module(qid).chapter.setup, namespace)
    exec(compile(source, filename, "exec"), namespace)
    return namespace[_exercise(qid).function_name]


def both(qid: str, source: str):
    """The verdict of check() in the notebook and of the grader, for one source."""
    exercise = _exercise(qid)
    in_notebook = exercise.grade(define(qid, source))
    passed, message = grade_source(_module(qid), exercise, source, timeout=60)
    assert in_notebook.passed == passed, (
        f"check() and the grader disagree on {qid}:\n{in_notebook.message}\n{message}"
    )
    return passed, message


def test_every_exercise_has_a_correct_alternative_and_every_numpy_exercise_a_library_version():  # noqa: E501
    qids = [e.qid for c in CHAPTERS for e in c.chapter]
    assert sorted(CORRECT) == sorted(qids)
    assert sorted(LIBRARY) == sorted(
        e.qid for c in CHAPTERS for e in c.chapter if e.by_hand
    )
    mutable = [
        e.qid
        for c in CHAPTERS
        for e in c.chapter
        if any(
            isinstance(a, (np.ndarray, list)) for case in e.cases() for a in case.args
        )
    ]
    assert sorted(MUTATING) == sorted(mutable)


@pytest.mark.parametrize("qid", sorted(CORRECT))
def test_a_correct_answer_written_differently_passes(qid):
    passed, message = both(qid, CORRECT[qid])
    assert passed, message


# More right answers, for exercises whose conventions (rounding, dtypes, the types of a
# tuple's values) leave several ways to write them.
ALSO_CORRECT = [
    (
        "ch08.q1",
        "NumPy scalars, and the zero point from high (high maps to 127)",
        (
            "def choose_scale_zero_point(low, high):\n"
            "    low, high = np.minimum(low, 0), np.maximum(high, 0)\n"
            "    scale = (high - low) / 255\n"
            "    return scale, np.int64(np.round(127 - high / scale))\n"
        ),
    ),
    (
        "ch08.q1",
        "uint8's zero point shifted by -128, no clip",
        (
            "def choose_scale_zero_point(low, high):\n"
            "    lo, hi = min(low, 0.0), max(high, 0.0)\n"
            "    s = (hi - lo) / 255.0\n"
            "    return float(s), -128 + round(-lo / s)\n"
        ),
    ),
    (
        "ch08.q2",
        "float64 steps, np.rint of x / scale + zero_point",
        (
            "def quantize(x, scale, zero_point):\n"
            "    q = np.rint(x.astype(np.float64) / scale + zero_point)\n"
            "    return np.clip(q, -128, 127).astype(np.int8)\n"
        ),
    ),
    (
        "ch08.q2",
        "x * (1 / scale), rounded to int32, clipped with masks",
        (
            "def quantize(x, scale, zero_point):\n"
            "    q = np.round(x * (1 / scale)).astype(np.int32) + zero_point\n"
            "    q[q > 127] = 127\n"
            "    q[q < -128] = -128\n"
            "    return q.astype(np.int8)\n"
        ),
    ),
    (
        "ch08.q3",
        "np.subtract into int16, np.multiply into float32",
        (
            "def dequantize(q, scale, zero_point):\n"
            "    steps = np.subtract(q, zero_point, dtype=np.int16)\n"
            "    return np.multiply(steps, scale, dtype=np.float32)\n"
        ),
    ),
    (
        "ch08.q3",
        "int64 steps, float64 product converted at the end",
        (
            "def dequantize(q, scale, zero_point):\n"
            "    return ((q.astype(np.int64) - zero_point) * scale).astype('float32')\n"
        ),
    ),
    (
        "ch08.q4",
        "every num_workers-th element of np.arange(n)",
        (
            "def shard_indices(n, num_workers, worker_index):\n"
            "    return np.arange(n)[worker_index::num_workers]\n"
        ),
    ),
    (
        "ch08.q4",
        "a list comprehension with %, made an array",
        (
            "def shard_indices(n, num_workers, worker_index):\n"
            "    return np.array([i for i in range(n) if i % num_workers =="
            " worker_index])\n"
        ),
    ),
    (
        "ch08.q5",
        "normalised weights and np.tensordot (float64 results)",
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    w = np.asarray(counts, dtype=np.float64) / np.sum(counts)\n"
            "    return [np.tensordot(w, np.stack(v), axes=1) for v in"
            " zip(*gradients)]\n"
        ),
    ),
    (
        "ch08.q5",
        "running sums replica by replica, as a tuple",
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    sums, total = None, 0\n"
            "    for grads, count in zip(gradients, counts):\n"
            "        part = [count * g for g in grads]\n"
            "        sums = part if sums is None else [s + p for s, p in zip(sums,"
            " part)]\n"
            "        total += count\n"
            "    return tuple(s / total for s in sums)\n"
        ),
    ),
]


@pytest.mark.parametrize(
    "qid,way,source", ALSO_CORRECT, ids=[f"{c[0]}: {c[1]}" for c in ALSO_CORRECT]
)
def test_another_correct_answer_passes(qid, way, source):
    passed, message = both(qid, source)
    assert passed, message


@pytest.mark.parametrize("qid", sorted(MUTATING))
def test_a_function_that_changes_its_inputs_is_caught(qid):
    passed, message = both(qid, MUTATING[qid])
    assert not passed
    assert "changed its input" in message


@pytest.mark.parametrize("qid", sorted(LIBRARY))
def test_the_library_call_for_a_by_hand_exercise_is_refused(qid):
    passed, message = both(qid, LIBRARY[qid])
    assert not passed
    assert "by hand" in message


@pytest.mark.parametrize("qid", sorted(WRONG_TYPE))
def test_the_type_the_text_asks_for_is_enforced(qid):
    source, expected = WRONG_TYPE[qid]
    passed, message = both(qid, source)
    assert not passed
    assert expected in message, message


def test_a_library_call_hidden_in_a_helper_or_an_alias_is_found():
    source = (
        "from scipy.special import softmax as sm\ndef helper(z):\n    return sm(z,"
        " axis=1)\ndef softmax(logits):\n    return helper(logits)\n"
    )
    refused = ch02.q1.refuse_libraries(
        ch02.q1._uses_in_process(
            define(
                "ch02.q1",
                source.replace(
                    "from scipy.special import softmax as sm\n", "sm = None\n"
                ),
            )
        )
    )
    assert refused is None, "a name that is not a library is not refused"
    from mnist_course.exercises._handmade import import_aliases, library_uses

    aliases = import_aliases(source)
    helpers = {"helper": "def helper(z):\n    return sm(z, axis=1)\n"}
    assert library_uses(
        "def softmax(logits):\n    return helper(logits)\n",
        aliases.get,
        helpers.get,
        ch02.q1.forbidden,
    ) == ["scipy.special.softmax"]


def test_a_parameter_named_like_a_module_is_not_a_library_call():
    assert both(
        "ch03.q4",
        "def receptive_field(layers):\n    field, jump = 1, 1\n    for k, s in"
        " layers:\n        field += (k - 1) * jump\n        jump *= s\n    return"
        " field\n",
    )[0]


# ---------------------------------------------------------------- messages


def test_equal_descriptions_say_the_values_differ():
    source = (
        "def dense_relu(x, w, b):\n    out = np.maximum(0, x @ w + b)\n    return out *"
        " 1.01 if x.shape[1] > 100 else out\n"
    )
    passed, message = both("ch02.q3", source)
    assert not passed
    assert (
        "the expected form" in message
        and "not the expected values" in message
        and message.count("an array of shape (2, 16), dtype float64") == 1
    )


def test_a_numpy_error_comes_with_the_case_and_a_nudge():
    source = (
        "def read_idx_bytes(raw):\n    return np.frombuffer(raw, dtype=np.uint8,"
        " offset=16).reshape(-1, 28, 28)\n"
    )
    passed, message = both("ch01.q1", source)
    assert not passed
    assert message.startswith("On a labels file holding [5, 0, 4]")
    assert "ValueError" in message and "4 + 4 * ndim" in message and "line 2" in message


@pytest.mark.parametrize(
    "qid,source,nudge",
    [
        (
            "ch03.q4",
            (
                "def receptive_field(layers):\n    field, jump = 1, 1\n    for k, s in"
                " layers:\n        jump *= s\n        field += (k - 1) * jump\n   "
                " return field\n"
            ),
            "BEFORE the jump",
        ),
        (
            "ch03.q2",
            (
                "def max_pool2d(image, size=2):\n    h, w = image.shape\n    return"
                " image.reshape(h // size, size, w // size, size).max(axis=(1, 3))\n"
            ),
            "crop the image to a multiple of `size`",
        ),
        (
            "ch02.q2",
            (
                "def cross_entropy(p, y):\n    return"
                " float(-np.mean(np.log10(np.clip(p[np.arange(len(y)), y], 1e-7,"
                " 1))))\n"
            ),
            "natural logarithm",
        ),
        (
            "ch01.q4",
            (
                "def normalize(images):\n    return images.astype(np.float32) /"
                " images.max()\n"
            ),
            "largest POSSIBLE value",
        ),
        (
            "ch03.q3",
            (
                "def conv_output_size(n, kernel, stride=1, padding='valid'):\n    pad ="
                " 1 if padding == 'same' else 0\n    return (n - kernel + 2 * pad) //"
                " stride + 1\n"
            ),
            "only for 3×3 kernels",
        ),
    ],
)
def test_known_mistakes_get_their_nudge(qid, source, nudge):
    passed, message = both(qid, source)
    assert not passed and nudge in message, message


_GRADIENT = (
    "def saliency_map(model, image, label):\n    x = tf.Variable(image[None, :, :,"
    " None].astype('float32'))\n    with tf.GradientTape() as tape:\n        p ="
    " model(x)[0]\n        score = SCORE\n    return RETURN\n"
)
_OCCLUSION = (
    "def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):\n    c ="
    " range(0, 28 - patch + END, stride)\n    base = float(model(image[None, :, :,"
    " None])[0, label])\n    out = np.zeros((len(c), len(c)))\n    for i, t in"
    " enumerate(c):\n        for j, l in enumerate(c):\n            x = image.copy()\n "
    "           x[t:t + COVER, l:l + COVER] = FILL\n            out[I, J] = base -"
    " float(model(x[None, :, :, None])[0, label])\n    return out\n"
)
_IG = (
    "def integrated_gradients(model, image, label, baseline, steps=32):\n    alphas ="
    " ALPHAS\n    x = tf.convert_to_tensor((baseline + alphas[:, None, None] * (image -"
    " baseline))[..., None].astype('float32'))\n    with tf.GradientTape() as tape:\n  "
    "      tape.watch(x)\n        s = model(x)[:, label]\n    return SCALE *"
    " tape.gradient(s, x).numpy()[..., 0].mean(axis=0)\n"
)


def _fill(template: str, **parts: str) -> str:
    for key, value in parts.items():
        template = template.replace(key, value)
    return template


@pytest.mark.parametrize(
    "qid,source,nudge",
    [
        (
            "ch06.q2",
            _fill(
                _GRADIENT,
                SCORE="p[label]",
                RETURN="tape.gradient(score, x).numpy()[0, :, :, 0]",
            ),
            "take its absolute value",
        ),
        (
            "ch06.q2",
            _fill(
                _GRADIENT,
                SCORE="p[label]",
                RETURN="tape.gradient(score, x).numpy()[0, :, :, 0] ** 2",
            ),
            "not its square",
        ),
        (
            "ch06.q2",
            _fill(
                _GRADIENT,
                SCORE="tf.reduce_max(p)",
                RETURN="np.abs(tape.gradient(score, x).numpy()[0, :, :, 0])",
            ),
            "predicted class",
        ),
        (
            "ch06.q2",
            _fill(
                _GRADIENT,
                SCORE="-tf.math.log(p[label])",
                RETURN="np.abs(tape.gradient(score, x).numpy()[0, :, :, 0])",
            ),
            "not the loss",
        ),
        (
            "ch06.q2",
            _fill(
                _GRADIENT,
                SCORE="p[label]",
                RETURN=(
                    "(g := np.abs(tape.gradient(score, x).numpy()[0, :, :, 0])) /"
                    " g.max()"
                ),
            ),
            "rescaling it to [0, 1]",
        ),
        (
            "ch06.q2",
            _fill(
                _GRADIENT,
                SCORE="p[label]",
                RETURN="np.abs(tape.gradient(score, x).numpy()[0, :, :, 0])",
            ).replace("tf.Variable(", "tf.constant("),
            "Call tape.watch(x)",
        ),
        (
            "ch06.q3",
            _fill(_IG, ALPHAS="np.linspace(0, 1, steps)", SCALE="(image - baseline)"),
            "not np.linspace",
        ),
        (
            "ch06.q3",
            _fill(_IG, ALPHAS="np.arange(steps) / steps", SCALE="(image - baseline)"),
            "not k / steps",
        ),
        (
            "ch06.q3",
            _fill(_IG, ALPHAS="(np.arange(steps) + 0.5) / steps", SCALE="1"),
            "multiply the averaged gradients",
        ),
        (
            "ch06.q4",
            _fill(_OCCLUSION, END="0", COVER="patch", FILL="fill", I="i", J="j"),
            "the last position",
        ),
        (
            "ch06.q4",
            _fill(_OCCLUSION, END="1", COVER="patch", FILL="0.5", I="i", J="j"),
            "(you used 0.5)",
        ),
        (
            "ch06.q4",
            _fill(_OCCLUSION, END="1", COVER="(patch - 1)", FILL="fill", I="i", J="j"),
            "covers patch − 1 pixels",
        ),
        (
            "ch06.q4",
            _fill(_OCCLUSION, END="1", COVER="patch", FILL="fill", I="j", J="i"),
            "transposed",
        ),
        (
            "ch07.q1",
            (
                "def smooth_labels(labels, num_classes, smoothing):\n"
                "    one = np.eye(num_classes)[labels]\n"
                "    return one * (1 - smoothing) + smoothing / (num_classes - 1) * (1"
                " - one)\n"
            ),
            "num_classes − 1",
        ),
        (
            "ch07.q1",
            (
                "def smooth_labels(labels, num_classes, smoothing):\n"
                "    t = np.eye(num_classes)[labels] * (1 - smoothing)\n"
                "    t[t == 0] = smoothing / num_classes\n"
                "    return t\n"
            ),
            "gets its share s/K",
        ),
        (
            "ch07.q2",
            (
                "def ensemble_average(probabilities, weights=None):\n"
                "    p = np.asarray(probabilities)\n"
                "    w = np.ones(len(p)) if weights is None else np.asarray(weights)\n"
                "    return (p * w[:, None, None]).mean(axis=0)\n"
            ),
            "not by the number of",
        ),
        (
            "ch07.q2",
            (
                "def ensemble_average(probabilities, weights=None):\n"
                "    p = np.asarray(probabilities)\n"
                "    return np.eye(10)[p.argmax(axis=2)].mean(axis=0)\n"
            ),
            "not one-hot votes",
        ),
        (
            "ch07.q3",
            (
                "def tta_predict(model, images, shifts):\n"
                "    return np.mean([model.predict(np.roll(images, (dy, dx), axis=(1,"
                " 2))[..., None], verbose=0) for dx, dy in shifts], axis=0)\n"
            ),
            "np.roll wraps",
        ),
        (
            "ch07.q3",
            (
                "def tta_predict(model, images, shifts):\n"
                "    return np.mean([model.predict(shift_images(images, dy, dx)[...,"
                " None], verbose=0) for dx, dy in shifts], axis=0)\n"
            ),
            "dx and dy are swapped",
        ),
        (
            "ch07.q3",
            (
                "def tta_predict(model, images, shifts):\n"
                "    p = [model.predict(images[..., None], verbose=0)]\n"
                "    p += [model.predict(shift_images(images, dx, dy)[..., None],"
                " verbose=0) for dx, dy in shifts]\n"
                "    return np.mean(p, axis=0)\n"
            ),
            "use exactly the shifts",
        ),
        (
            "ch07.q4",
            (
                "def fgsm(model, images, labels, epsilon):\n"
                "    x = tf.constant(images[..., None], tf.float32)\n"
                "    with tf.GradientTape() as tape:\n"
                "        tape.watch(x)\n"
                "        loss = keras.losses.sparse_categorical_crossentropy(labels,"
                " model(x))\n"
                "    return (x + epsilon * tf.sign(tape.gradient(loss,"
                " x))).numpy()[..., 0]\n"
            ),
            "clip the result",
        ),
        (
            "ch07.q4",
            (
                "def fgsm(model, images, labels, epsilon):\n"
                "    x = tf.constant(images[..., None], tf.float32)\n"
                "    with tf.GradientTape() as tape:\n"
                "        tape.watch(x)\n"
                "        loss = keras.losses.sparse_categorical_crossentropy(labels,"
                " model(x))\n"
                "    return np.clip((x - epsilon * tf.sign(tape.gradient(loss,"
                " x))).numpy()[..., 0], 0, 1)\n"
            ),
            "stepped down the loss",
        ),
        (
            "ch07.q4",
            (
                "def fgsm(model, images, labels, epsilon):\n"
                "    x = tf.constant(images[..., None], tf.float32)\n"
                "    with tf.GradientTape() as tape:\n"
                "        tape.watch(x)\n"
                "        loss = keras.losses.sparse_categorical_crossentropy(labels,"
                " model(x))\n"
                "    return np.clip((x + epsilon * tape.gradient(loss, x)).numpy()[...,"
                " 0], 0, 1)\n"
            ),
            "take the sign",
        ),
        (
            "ch07.q4",
            (
                "def fgsm(model, images, labels, epsilon):\n"
                "    x = tf.constant(images[..., None], tf.float32)\n"
                "    with tf.GradientTape() as tape:\n"
                "        tape.watch(x)\n"
                "        p = model(x)\n"
                "        loss ="
                " keras.losses.sparse_categorical_crossentropy(tf.argmax(p, 1), p)\n"
                "    return np.clip((x + epsilon * tf.sign(tape.gradient(loss,"
                " x))).numpy()[..., 0], 0, 1)\n"
            ),
            "true labels",
        ),
    ],
)
def test_chapter_6_mistakes_get_their_nudge(qid, source, nudge):
    passed, message = both(qid, source)
    assert not passed and nudge in message, message


def test_finite_differences_and_other_integration_rules_fail_as_the_chapter_6_docstring_says():  # noqa: E501
    central = (
        "def saliency_map(model, image, label, h=1e-3):\n    out = np.zeros((28, 28))\n"
        "    for k in range(784):\n        up, down = image.copy(), image.copy()\n     "
        "   up.flat[k] += h\n        down.flat[k] -= h\n        s ="
        " np.asarray(model(np.stack([up, down])[..., None].astype('float32')))[:,"
        " label]\n        out.flat[k] = abs(s[0] - s[1]) / (2 * h)\n    return out\n"
    )
    trapezoid = _fill(
        _IG, ALPHAS="np.linspace(0, 1, steps + 1)", SCALE="(image - baseline)"
    ).replace(
        "numpy()[..., 0].mean(axis=0)",
        "numpy()[..., 0]\n    return (image - baseline) * (g[:-1] +"
        " g[1:]).mean(axis=0) / 2",
    )
    trapezoid = trapezoid.replace(
        "    return (image - baseline) * tape.gradient(s, x)",
        "    g = tape.gradient(s, x)",
    )
    for qid, source in (("ch06.q2", central), ("ch06.q3", trapezoid)):
        result = _exercise(qid).grade(define(qid, source))
        assert not result.passed and "are allowed" in result.message, result.message


def test_a_scale_tolerance_is_relative_to_the_largest_value():
    from mnist_course.exercises._core import Case, Exercise

    def reference(scale):
        return np.array([0.0, 0.5, 1.0]) * scale

    exercise = Exercise(
        "t.q1",
        "f",
        reference,
        lambda: [Case((1e-3,), "tiny"), Case((1e3,), "huge")],
        "",
        scale_tolerance=0.02,
    )
    assert exercise.grade(lambda scale: reference(scale) + 0.019 * scale).passed
    result = exercise.grade(lambda scale: reference(scale) + 0.021 * scale)
    assert (
        not result.passed
        and "Differences up to 2 % of the largest value, 0.001, are allowed"
        in result.message
    )


def test_nan_and_inf_name_their_likely_cause():
    overflow = ch02.q1.grade(
        define(
            "ch02.q1",
            "def softmax(z):\n    e = np.exp(z)\n    return e / e.sum(axis=1,"
            " keepdims=True)\n",
        )
    )
    assert "nan" in overflow.message and "overflow" in overflow.message
    log_zero = ch02.q2.grade(
        define(
            "ch02.q2",
            "def cross_entropy(p, y):\n    return"
            " float(-np.mean(np.log(p[np.arange(len(y)), y])))\n",
        )
    )
    assert "inf" in log_zero.message and "log(0)" in log_zero.message
    # No known mistake matches: the general advice lists the causes of nan.
    negative = ch04.q5.grade(
        define(
            "ch04.q5",
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n    return gamma *"
            " (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) - 2.0) + beta\n",
        )
    )
    assert (
        "contains nan" in negative.message
        and "square root or log of a negative" in negative.message
    ), negative.message


def test_numbers_print_plainly():
    result = ch02.q4.grade(
        define(
            "ch02.q4",
            "def count_parameters(sizes):\n    return sum(a * b for a, b in"
            " zip(sizes[:-1], sizes[1:]))\n",
        )
    )
    assert "expected 7850, got 7840" in result.message and "np." not in result.message
    loss = ch02.q2.grade(
        define(
            "ch02.q2",
            "def cross_entropy(p, y):\n    return"
            " float(np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1))))\n",
        )
    )
    assert "expected 0.356675, got -0.356675" in loss.message


def test_hints_start_gentle_and_get_stronger(capsys):
    exercise = ch01.q4.__class__(
        "t.q1", "normalize", ch01.normalize, ch01.q4.cases, ("gentle", "strong")
    )
    exercise.hint()
    exercise.hint()
    exercise.hint()
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0].startswith("Hint 1 of 2")
        and "gentle" in lines[0]
        and "again for a stronger hint" in lines[0]
    )
    assert lines[1].startswith("Hint 2 of 2") and "strong" in lines[1]
    assert lines[1].endswith("t.q1.solution() shows one solution)")
    assert (
        lines[2] == "There are no more hints for t.q1 (you have seen all 2); "
        "t.q1.solution() shows one solution."
    )
    for chapter in CHAPTERS:
        for e in chapter.chapter:
            assert len(e.hints) >= 2, f"{e.qid} needs a first hint and a stronger one"


def test_the_build_cnn_hint_uses_names_the_notebook_has():
    strong = ch03.q5.hints[-1]
    assert "layers.Conv2D" in strong and "keras.Sequential" in strong
    notebook = (ROOT / "solutions" / "03_cnn_layers.md").read_text()
    assert "from keras import layers" in notebook


# ------------------------------------------------ the grade agrees with check()

HABITS = [
    (
        "import numpy as np\nimport math\nfrom collections import Counter\nfrom"
        " mnist_course.exercises import ch01, ch02\n"
    ),
    (
        "x_train = np.zeros((60000, 28, 28))\nraise RuntimeError('a heavy training cell"
        " the grader must not run')\n"
    ),
    "def row_max(row):\n    return max(row)\n",
    "LOGITS = np.array([[1.0, 2.0, 3.0]])\n",
    (
        "def softmax(logits):\n    out = np.empty(logits.shape)\n    for i, row in"
        " enumerate(logits):\n        top = row_max(row)\n        exps = [math.exp(v -"
        " top) for v in row]\n        out[i] = [e / math.fsum(exps) for e in exps]\n   "
        " return out\n\nprint(softmax(LOGITS))\nsoftmax(x_train[:2].reshape(2, -1))\n"
    ),
    "ch02.q1.check(softmax)",
]


def _notebook(*cells: str) -> dict:
    return {"cells": [{"cell_type": "code", "source": c} for c in cells], "nbformat": 4}


def test_the_grader_brings_in_imports_helpers_and_constants_and_ignores_try_out_lines():
    with Grader(workers=1) as grader:
        grade = grader.grade_exercise(_notebook(*HABITS), ch02, ch02.q1)
    assert grade.passed, grade.message


def test_only_what_the_function_needs_is_run_and_unused_imports_are_not_loaded():
    from mnist_course.grading.notebook import exercise_program, without_unused_imports

    cells = [
        (
            "import numpy as np\nimport math\nfrom mnist_course import widgets\nimport"
            " no_such_module\n"
        ),
        "def unused_helper():\n    return widgets.DrawDigit()\n",
        "def helper(x):\n    return math.exp(x)\n",
        "SCALE = 255.0\nUNUSED = 3\n",
        (
            "def normalize(images):\n    return np.asarray(images, np.float32) / SCALE"
            " + 0 * helper(0)\n"
        ),
        "ch01.q4.check(normalize)",
    ]
    program = exercise_program(_notebook(*cells), "normalize")
    kept = "".join(code for _, code in program.statements)
    assert (
        "import math" in kept
        and "import numpy as np" in kept
        and "def helper" in kept
        and "SCALE = 255.0" in kept
    )
    assert (
        "widgets" not in kept
        and "no_such_module" not in kept
        and "unused_helper" not in kept
        and "UNUSED" not in kept
    )
    assert (
        without_unused_imports("import numpy as np\nimport keras\n", program.uses)
        == "import numpy as np\n"
    )
    # A name looked up by string could be anything: then everything is kept.
    dynamic = cells[:4] + [
        "def normalize(images):\n    return globals()['np'].asarray(images) / SCALE\n",
        cells[5],
    ]
    assert "no_such_module" in "".join(
        code
        for _, code in exercise_program(_notebook(*dynamic), "normalize").statements
    )
    with Grader(
        workers=1
    ) as grader:  # the broken import is never run, so it cannot fail the exercise
        grade = grader.grade_exercise(_notebook(*cells), ch01, ch01.q4)
    assert grade.passed, grade.message


def test_cases_that_share_a_model_share_one_payload():
    from mnist_course.exercises import ch06
    from mnist_course.grading.wire import model_payloads

    cases = ch06.q1.cases()
    assert cases[0].args[0] is cases[1].args[0]
    with Grader(workers=1) as grader:
        _, labels, calls = grader._inputs(ch06, ch06.q1, True)
    assert labels == [case.label for case in cases]
    # Case models travel as the call that makes them (the worker makes them again,
    # quicker than it loads a file), the shared one as one recipe.
    assert model_payloads(calls) == []
    recipes = model_payloads(calls, tag="__case_model__")
    assert len(recipes) == 3 and len(set(recipes)) == 2


def test_a_case_model_made_again_from_its_recipe_is_the_same_model():
    from mnist_course.exercises import ch06
    from mnist_course.grading.wire import build_case_model, decode, encode

    model = ch06.case_cnn(5)
    data = encode(model, recipes=True)
    assert set(data) == {"__case_model__"}
    again = decode(data, build=build_case_model)
    assert again is not model
    for mine, theirs in zip(model.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    # What a worker sends back is never made from a recipe: the grader's side of the
    # wire passes no `build`, and only the exercises' functions are called.
    assert type(decode(data)).__name__ == "Unreadable"
    forged = {"__case_model__": '["os", "system", ["true"]]'}
    assert type(decode(forged, build=build_case_model)).__name__ == "Unreadable"


def test_a_helper_defined_below_the_check_is_named_in_the_message():
    cells = [
        HABITS[0],
        HABITS[4].replace("row_max", "later_max"),
        HABITS[5],
        "def later_max(row):\n    return max(row)\n",
    ]
    with Grader(workers=1) as grader:
        grade = grader.grade_exercise(_notebook(*cells), ch02, ch02.q1)
    assert not grade.passed
    assert "`later_max` is defined in cell 4, below the check cell" in grade.message


def test_a_value_computed_by_a_heavy_cell_is_explained():
    cells = [
        HABITS[0],
        "SCALE = np.load('big.npy').max()\n",
        "def normalize(images):\n    return images.astype(np.float32) / SCALE\n",
        "ch01.q4.check(normalize)",
    ]
    with Grader(workers=1) as grader:
        grade = grader.grade_exercise(_notebook(*cells), ch01, ch01.q4)
    assert not grade.passed
    assert (
        "`SCALE` is computed in cell 2, which the grader does not run" in grade.message
    )


def test_a_function_defined_below_its_check_cell_is_reported():
    cells = [
        HABITS[0],
        "ch01.q4.check(normalize)",
        "def normalize(images):\n    return images.astype(np.float32) / 255\n",
    ]
    with Grader(workers=1) as grader:
        grade = grader.grade_exercise(_notebook(*cells), ch01, ch01.q4)
    assert not grade.passed and "below its check cell" in grade.message


# ------------------------------------- the references agree with the libraries


def test_chapter_4_references_follow_keras():
    import keras

    rng = np.random.default_rng(0)
    start, gradients = rng.normal(0, 1, 6), [rng.normal(0, 1, 6) for _ in range(5)]

    def keras_steps(optimizer):
        variable = keras.Variable(start.copy(), dtype="float64")
        for g in gradients:
            optimizer.apply_gradients(
                [(keras.ops.convert_to_tensor(g, "float64"), variable)]
            )
        return variable.numpy()

    w, velocity = start.copy(), np.zeros(6)
    for g in gradients:
        w, velocity = ch04.sgd_momentum_step(w, g, velocity, 0.1, 0.9)
    assert np.allclose(
        w, keras_steps(keras.optimizers.SGD(0.1, momentum=0.9)), atol=1e-6
    )
    w, m, v = start.copy(), np.zeros(6), np.zeros(6)
    for t, g in enumerate(gradients, start=1):
        w, m, v = ch04.adam_step(w, g, m, v, t, lr=0.01)
    assert np.allclose(w, keras_steps(keras.optimizers.Adam(0.01)), atol=1e-5)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.001, 750, alpha=0.01, warmup_target=0.01, warmup_steps=250
    )
    assert (
        max(
            abs(float(schedule(s)) - ch04.one_cycle_lr(s, 1000, 0.01))
            for s in range(0, 1001, 7)
        )
        < 1e-8
    )
    x = rng.normal(1, 2, (8, 3, 3, 4)).astype("float32")
    norm = keras.layers.BatchNormalization()
    norm.build(x.shape)
    norm.gamma.assign([1.0, 2.0, 0.5, 1.5])
    norm.beta.assign([0.0, 1.0, -1.0, 0.5])
    assert np.allclose(
        np.asarray(norm(x, training=True)),
        ch04.batch_norm_forward(x, norm.gamma.numpy(), norm.beta.numpy()),
        atol=1e-5,
    )


def test_chapter_5_references_follow_tensorflow_keras_and_scipy():
    import keras
    import tensorflow as tf
    from scipy import stats

    rng = np.random.default_rng(1)
    labels, predicted = rng.integers(0, 10, 3000), rng.integers(0, 10, 3000)
    assert np.array_equal(
        ch05.confusion_matrix(labels, predicted),
        tf.math.confusion_matrix(labels, predicted, 10).numpy(),
    )
    probabilities = ch05._probabilities(500, seed=9).astype("float32")
    for k in (1, 3):
        metric = keras.metrics.SparseTopKCategoricalAccuracy(k=k)
        metric.update_state(labels[:500], probabilities)
        assert (
            abs(
                ch05.top_k_accuracy(probabilities, labels[:500], k)
                - float(metric.result())
            )
            < 1e-6
        )
    z = stats.norm.ppf(0.975)
    for k, n in [(9917, 10000), (0, 10), (10, 10), (3, 7)]:
        interval = stats.binomtest(k, n).proportion_ci(method="wilson")
        assert np.allclose(
            ch05.wilson_interval(k, n, z), (interval.low, interval.high), atol=1e-12
        )
    for case in ch05.q6.cases():
        a, b = case.args
        only_a, only_b = int(np.sum(a & ~b)), int(np.sum(~a & b))
        expected = (
            stats.binomtest(min(only_a, only_b), only_a + only_b, 0.5).pvalue
            if only_a + only_b
            else 1.0
        )
        assert abs(ch05.mcnemar_p_value(a, b) - expected) < 1e-12, case.label


def test_chapter_6_references_keep_their_promises():
    """Integrated gradients add up to f(image) − f(baseline); PCA agrees with the SVD
    and its variances add up; layer outputs are what each layer computes; occlusion by
    nothing changes nothing.
    """
    for case in ch06.q3.cases():
        model, image, label, baseline, steps = case.args
        gap = float(
            np.subtract(*ch06._class_score(model, np.stack([image, baseline]), label))
        )
        attributions = ch06.integrated_gradients(model, image, label, baseline, steps)
        assert abs(attributions.sum() - gap) < ch06.COMPLETENESS / 2 * abs(gap), (
            case.label
        )
    for case in ch06.q5.cases():
        x, k = case.args
        _, components, ratio = ch06.pca(x, x.shape[1])
        centered = x - x.mean(axis=0)
        _, singular, vt = np.linalg.svd(centered, full_matrices=False)
        assert np.allclose(np.abs(components @ vt.T), np.eye(x.shape[1]), atol=1e-8), (
            case.label
        )
        assert (
            np.allclose(ratio, singular**2 / np.sum(singular**2))
            and abs(ratio.sum() - 1) < 1e-12
        )
    model = ch06.case_cnn(1)
    images = ch06._probe_images()
    probe = ch06.layer_outputs(model, ["conv_1", "pool_1", "probabilities"])
    conv, pool, probabilities = (np.asarray(o) for o in probe(images))
    assert np.allclose(pool, np.asarray(model.get_layer("pool_1")(conv)), atol=1e-6)
    assert np.allclose(probabilities, np.asarray(model(images)), atol=1e-6)
    image = ch06.stroke_image(1)
    unchanged = ch06.occlusion_map(
        model, np.zeros((28, 28), np.float32), 3, patch=4, stride=4, fill=0.0
    )
    assert unchanged.shape == (7, 7) and np.allclose(unchanged, 0, atol=1e-7)
    assert ch06.saliency_map(model, image, 3).shape == (28, 28)


def test_model_input_on_a_sequential_points_to_model_inputs():
    source = (
        "import keras\ndef layer_outputs(model, layer_names):\n    return"
        " keras.Model(model.input, [model.get_layer(n).output for n in layer_names])\n"
    )
    passed, message = grade_source(ch06, ch06.q1, source, timeout=60)
    assert not passed and "model.inputs[0]" in message and "input. Hint:" in message, (
        message
    )


def test_a_hint_is_never_glued_onto_an_exception_message():
    source = (
        "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
        " epsilon=1e-7):\n    return missing\n"
    )
    passed, message = grade_source(ch04, ch04.q2, source, timeout=30)
    assert not passed and "is not defined. Hint: t is an int" in message, message


def test_an_int_is_accepted_where_the_text_asks_for_a_probability():
    """mcnemar_p_value capped with min(1, ...) returns the int 1 when b == c: still
    right."""
    source = (
        "from scipy import stats\n"
        "def mcnemar_p_value(a_right, b_right):\n"
        "    b = int(np.sum(a_right & ~b_right))\n"
        "    c = int(np.sum(~a_right & b_right))\n"
        "    if b + c == 0:\n"
        "        return 1\n"
        "    return min(1, 2 * stats.binom.cdf(min(b, c), b + c, 0.5))\n"
    )
    passed, message = both("ch05.q6", source)
    assert passed, message


def test_check_reports_a_name_only_a_cell_below_defines_as_the_grader_does(
    tmp_path, monkeypatch, capsys
):
    source = (
        "def normalize(images):\n    return images.astype(np.float32) / math.pow(255,"
        " 1)\n"
    )
    cells = [
        "import numpy as np\nfrom mnist_course.exercises import ch01\n",
        source,
        "ch01.q4.check(normalize)",
        "import math\n",
    ]
    path = tmp_path / "01_data.ipynb"
    path.write_text(json.dumps(_notebook(*cells)), encoding="utf-8")
    function = define(
        "ch01.q4", "import math\n" + source
    )  # the cell below has run: math exists in the kernel
    ch01.q4.check(function)
    assert "✔" in capsys.readouterr().out  # no notebook file known: the pass stands
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    ch01.q4.check(function)
    out = capsys.readouterr().out
    assert "not yet" in out and "cell 4, below this check" in out and "`math`" in out, (
        out
    )
    with Grader(workers=1) as grader:
        grade = grader.grade_notebook(path)[3]
    assert (
        not grade.passed
        and "`math` is defined in cell 4, below the check cell" in grade.message
    ), grade.message


def test_check_returns_a_verdict_that_shows_itself_without_terminal_codes(capsys):
    function = define(
        "ch01.q4",
        "def normalize(images):\n    return images.astype(np.float32) / 255\n",
    )
    verdict = ch01.q4.check(function)
    printed = capsys.readouterr().out
    assert (
        printed == f"{verdict}\n"
        and printed.startswith("✔ ch01.q4: Correct!")
        and "\x1b" not in printed
    )
    assert verdict and verdict.passed and ">normalize</code>" in verdict._repr_html_()
    wrong = ch01.q4.check(
        define("ch01.q4", "def normalize(images):\n    return images / 256\n")
    )
    assert (
        not wrong
        and "not yet" in str(wrong)
        and "not yet.**" in wrong._repr_markdown_()
    )
    assert "\\x1b" not in (ROOT / "mnist_course" / "exercises" / "_core.py").read_text(
        encoding="utf-8"
    )


def test_in_a_jupyter_kernel_a_check_shows_its_verdict_once_as_html():
    import nbformat
    from nbclient import NotebookClient

    cells = [
        (
            "import numpy as np\nfrom mnist_course.exercises import ch01\n"
            "def normalize(images):\n    return images.astype(np.float32) / 255\n"
        ),
        "ch01.q4.check(normalize)",  # the last line: shown once, not twice
        "verdict = ch01.q4.check(normalize)\nprint('after')",
    ]  # not the last line: shown all the same
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in cells]
    )
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT)}},
    ).execute()
    for cell in notebook.cells[1:]:
        shown = [
            o
            for o in cell.outputs
            if o.output_type in ("display_data", "execute_result")
        ]
        assert len(shown) == 1 and "✔ ch01.q4" in shown[0].data["text/html"], (
            cell.outputs
        )
        assert "\x1b" not in shown[0].data["text/plain"]
