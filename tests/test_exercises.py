"""The checks have teeth and the grader is robust (SPEC section 4)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mnist_course import authoring
from mnist_course.grading import grade_notebook, grade_source
from tests.conftest import SOLVED, chapter_modules

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = chapter_modules()

# At least two plausible wrong answers per exercise; each must fail.
WRONG = {
    "ch01.q1": [
        (
            "def read_idx_bytes(raw):\n    n = raw[3]\n    dims = [raw[7 + 4*i] for i"
            " in range(n)]\n    return np.frombuffer(raw, np.uint8,"
            " offset=4+4*n).reshape(dims)\n"
        ),
        (
            "def read_idx_bytes(raw):\n    n = raw[3]\n    dims ="
            " [int.from_bytes(raw[4+4*i:8+4*i], 'little') for i in range(n)]\n   "
            " return np.frombuffer(raw, np.uint8, offset=4+4*n).reshape(dims)\n"
        ),
        (
            "def read_idx_bytes(raw):\n    n = raw[3]\n    dims ="
            " [int.from_bytes(raw[4+4*i:8+4*i], 'big') for i in range(n)]\n    return"
            " np.frombuffer(raw, np.uint8,"
            " offset=4*n)[:int(np.prod(dims))].reshape(dims)\n"
        ),
        (
            "def read_idx_bytes(raw):\n    return np.frombuffer(raw, np.uint8,"
            " offset=16).reshape(-1, 28, 28)\n"
        ),
    ],
    "ch01.q2": [
        (
            "def class_counts(labels):\n    counts = np.zeros(10, dtype=labels.dtype)\n"
            "    np.add.at(counts, labels, 1)\n    return counts.astype(int)\n"
        ),
        (
            "def class_counts(labels):\n    counts = np.zeros(10)\n    for label in"
            " labels:\n        counts[label] += 1\n    return counts\n"
        ),
        "def class_counts(labels):\n    return np.bincount(labels)\n",
        "def class_counts(labels):\n    return np.bincount(labels, minlength=11)[1:]\n",
    ],
    "ch01.q3": [
        (
            "def mean_digit(images, labels, digit):\n    return images[labels =="
            " digit].mean(axis=(1, 2))\n"
        ),
        "def mean_digit(images, labels, digit):\n    return images.mean(axis=0)\n",
        (
            "def mean_digit(images, labels, digit):\n    return images[labels == digit"
            " + 1].mean(axis=0)\n"
        ),
    ],
    "ch01.q4": [
        "def normalize(images):\n    return images.astype(np.float32) / images.max()\n",
        "def normalize(images):\n    return images.astype(np.float32) / 256\n",
        "def normalize(images):\n    return images / 255.0\n",
        "def normalize(images):\n    return images // 255\n",
    ],
    "ch01.q5": [
        (
            "def split_indices(n, val_size, seed):\n    order = np.arange(n)\n   "
            " return order[val_size:], order[:val_size]\n"
        ),
        (
            "def split_indices(n, val_size, seed):\n    order ="
            " np.random.permutation(n)\n    return order[val_size:], order[:val_size]\n"
        ),
        (
            "def split_indices(n, val_size, seed):\n    order ="
            " np.random.default_rng(seed).permutation(n)\n    return order[val_size +"
            " 1:], order[:val_size]\n"
        ),
    ],
    "ch02.q1": [
        (
            "def softmax(z):\n    e = np.exp(z - z.max())\n    return e / e.sum(axis=1,"
            " keepdims=True)\n"
        ),
        (
            "def softmax(z):\n    e = np.exp(z)\n    return e / e.sum(axis=1,"
            " keepdims=True)\n"
        ),
        (
            "def softmax(z):\n    e = np.exp(z - z.max())\n    return e / e.sum(axis=0,"
            " keepdims=True)\n"
        ),
        (
            "def softmax(z):\n    e = np.exp(z - z.max(axis=1, keepdims=True))\n   "
            " return e / e.sum()\n"
        ),
    ],
    "ch02.q2": [
        (
            "def cross_entropy(p, y):\n    return"
            " float(-np.mean(np.log2(np.clip(p[np.arange(len(y)), y], 1e-7, 1))))\n"
        ),
        (
            "def cross_entropy(p, y):\n    return"
            " float(-np.sum(np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1))))\n"
        ),
        (
            "def cross_entropy(p, y):\n    return"
            " float(-np.mean(np.log(p[np.arange(len(y)), y])))\n"
        ),
        (
            "def cross_entropy(p, y):\n    return float(-np.mean(np.log(np.clip(p,"
            " 1e-7, 1))))\n"
        ),
        (
            "def cross_entropy(p, y):\n    return"
            " float(np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1))))\n"
        ),
    ],
    "ch02.q3": [
        "def dense_relu(x, w, b):\n    return x @ w + b\n",
        "def dense_relu(x, w, b):\n    return np.maximum(0, x @ w)\n",
        "def dense_relu(x, w, b):\n    return np.maximum(0, x @ w) + b\n",
    ],
    "ch02.q4": [
        (
            "def count_parameters(sizes):\n    return sum(a * b for a, b in"
            " zip(sizes[:-1], sizes[1:]))\n"
        ),
        (
            "def count_parameters(sizes):\n    return sum(a * b + a for a, b in"
            " zip(sizes[:-1], sizes[1:]))\n"
        ),
        (
            "def count_parameters(sizes):\n    return sum(a * b + b for a, b in"
            " zip(sizes, sizes[1:])) + sizes[0]\n"
        ),
    ],
    "ch02.q5": [
        (
            "def shift_images(x, dx, dy):\n    n = x.shape[1]\n    out ="
            " np.zeros_like(x)\n    if dx >= 0 and dy >= 0:\n        out[:, dy:, dx:] ="
            " x[:, :n - dy, :n - dx]\n    else:\n        out[:, :n + min(dy, 0), :n +"
            " min(dx, 0)] = x[:, -min(dy, 0):, -min(dx, 0):]\n    return out\n"
        ),
        "def shift_images(x, dx, dy):\n    return np.roll(x, (dy, dx), axis=(1, 2))\n",
        "def shift_images(x, dx, dy):\n    return np.roll(x, (dx, dy), axis=(1, 2))\n",
        (
            "def shift_images(x, dx, dy):\n    out = np.zeros_like(x)\n    h, w ="
            " x.shape[1:]\n    out[:, max(dx, 0):h + min(dx, 0), max(dy, 0):w + min(dy,"
            " 0)] = x[:, max(-dx, 0):h - max(dx, 0), max(-dy, 0):w - max(dy, 0)]\n   "
            " return out\n"
        ),
    ],
    "ch03.q1": [
        (
            "def conv2d(image, kernel):\n    k = kernel[::-1, ::-1]\n    kh, kw ="
            " k.shape\n    h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1\n   "
            " return np.array([[np.sum(image[i:i+kh, j:j+kw] * k) for j in range(w)]"
            " for i in range(h)])\n"
        ),
        (
            "def conv2d(image, kernel):\n    kh, kw = kernel.shape\n    h, w ="
            " image.shape[0] - kh, image.shape[1] - kw\n    return"
            " np.array([[np.sum(image[i:i+kh, j:j+kw] * kernel) for j in range(w)] for"
            " i in range(h)])\n"
        ),
        (
            "def conv2d(image, kernel):\n    kh, kw = kernel.shape\n    p ="
            " np.pad(image, ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2)))\n   "
            " return np.array([[np.sum(p[i:i+kh, j:j+kw] * kernel) for j in"
            " range(image.shape[1])] for i in range(image.shape[0])])\n"
        ),
        (
            "def conv2d(image, kernel):\n    k = kernel.shape[0]\n    n ="
            " image.shape[0] - k + 1\n    return np.array([[np.sum(image[i:i+k, j:j+k]"
            " * kernel) for j in range(n)] for i in range(n)])\n"
        ),
    ],
    "ch03.q2": [
        (
            "def max_pool2d(image, size=2):\n    h, w = image.shape\n    return"
            " image.reshape(h // size, size, w // size, size).max(axis=(1, 3))\n"
        ),
        (
            "def max_pool2d(image, size=2):\n    h, w = image.shape[0] // size,"
            " image.shape[1] // size\n    return image[:h*size, :w*size].reshape(h,"
            " size, w, size).mean(axis=(1, 3))\n"
        ),
        (
            "def max_pool2d(image, size=2):\n    h, w = image.shape[0] - size + 1,"
            " image.shape[1] - size + 1\n    return np.array([[image[i:i+size,"
            " j:j+size].max() for j in range(w)] for i in range(h)])\n"
        ),
        (
            "def max_pool2d(image, size=2):\n    h, w = image.shape[0] // size,"
            " image.shape[1] // size\n    out = np.zeros((h, w))\n    for i in"
            " range(h):\n        for j in range(w):\n            for v in"
            " image[i*size:(i+1)*size, j*size:(j+1)*size].ravel():\n               "
            " out[i, j] = max(out[i, j], v)\n    return out\n"
        ),
    ],
    "ch03.q3": [
        (
            "def conv_output_size(n, kernel, stride=1, padding='valid'):\n    pad = 1"
            " if padding == 'same' else 0\n    return (n - kernel + 2 * pad) // stride"
            " + 1\n"
        ),
        (
            "def conv_output_size(n, kernel, stride=1, padding='valid'):\n    return (n"
            " - kernel) // stride + 1\n"
        ),
        (
            "def conv_output_size(n, kernel, stride=1, padding='valid'):\n    return n"
            " - kernel + 1 if padding == 'valid' else n\n"
        ),
        (
            "def conv_output_size(n, kernel, stride=1, padding='valid'):\n    return (n"
            " - kernel) // stride if padding == 'valid' else (n + stride - 1) //"
            " stride\n"
        ),
    ],
    "ch03.q4": [
        "def receptive_field(layers):\n    return 1 + sum(k - 1 for k, s in layers)\n",
        "def receptive_field(layers):\n    return sum(k for k, s in layers) or 1\n",
        (
            "def receptive_field(layers):\n    r, j = 1, 1\n    for k, s in layers:\n  "
            "      j *= s\n        r += (k - 1) * j\n    return r\n"
        ),
    ],
    "ch03.q5": [
        (
            "def build_cnn():\n    return keras.Sequential([keras.Input((28, 28, 1)),"
            " layers.Conv2D(8, 3), layers.MaxPooling2D(), layers.Flatten(),"
            " layers.Dense(10)])\n"
        ),
        (
            "def build_cnn():\n    return keras.Sequential([keras.Input((28, 28, 1)),"
            " layers.Flatten(), layers.Dense(128, activation='relu'), layers.Dense(10,"
            " activation='softmax')])\n"
        ),
        (
            "def build_cnn():\n    return keras.Sequential([keras.Input((28, 28, 1)),"
            " layers.Conv2D(8, 3), layers.MaxPooling2D(), layers.Dense(10,"
            " activation='softmax')])\n"
        ),
        (
            "def build_cnn():\n    keras.Sequential([keras.Input((28, 28, 1)),"
            " layers.Conv2D(8, 3), layers.MaxPooling2D(), layers.Flatten(),"
            " layers.Dense(10, activation='softmax')])\n"
        ),
    ],
    "ch04.q1": [
        (
            "def sgd_momentum_step(w, g, v, lr, momentum):\n    return w - lr * g, -lr"
            " * g\n"
        ),
        (
            "def sgd_momentum_step(w, g, v, lr, momentum):\n    v = momentum * v + lr *"
            " g\n    return w - v, v\n"
        ),
        (
            "def sgd_momentum_step(w, g, v, lr, momentum):\n    new_w = w + v\n   "
            " return new_w, momentum * v - lr * g\n"
        ),
    ],
    "ch04.q2": [
        (
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v"
            " + (1 - beta2) * grad**2\n    step = (m / (1 - beta1**t)) / (np.sqrt(v /"
            " (1 - beta2**t)) + 1e-7)\n    return weights - lr * step, m, v\n"
        ),
        (
            "def adam_step(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n    m = beta1 * m + (1 - beta1) * g\n    v = beta2 * v +"
            " (1 - beta2) * g**2\n    return w - lr * m / (np.sqrt(v) + epsilon),"
            " m, v\n"
        ),
        (
            "def adam_step(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n    m = beta1 * m + (1 - beta1) * g\n    v = beta2 * v +"
            " (1 - beta2) * g**2\n    return w - lr * (m / (1 - beta1**(t + 1))) /"
            " (np.sqrt(v / (1 - beta2**(t + 1))) + epsilon), m, v\n"
        ),
        (
            "def adam_step(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n    m = beta1 * m + (1 - beta1) * g\n    v = beta2 * v +"
            " (1 - beta2) * g**2\n    return w - lr * g / (np.sqrt(v / (1 - beta2**t))"
            " + epsilon), m, v\n"
        ),
    ],
    "ch04.q3": [
        (
            "def one_cycle_lr(step, total_steps, peak, warmup=0.25, final_div=100.0):\n"
            "    import math\n    warm = max(1, int(warmup * total_steps))\n    if step"
            " < warm:\n        return peak * (0.1 + 0.9 * step / warm)\n    progress ="
            " min(1.0, (step - warm) / max(1, total_steps - warm))\n    low = peak /"
            " final_div\n    return low + (peak - low) * 0.5 * (1 + math.cos(math.pi *"
            " progress))\n"
        ),
        (
            "import math\ndef one_cycle_lr(step, total_steps, peak, warmup=0.25,"
            " final_div=100.0):\n    warm = max(1.0, warmup * total_steps)\n    if step"
            " < warm:\n        return peak * (0.1 + 0.9 * step / warm)\n    low = peak"
            " / final_div\n    return peak - (peak - low) * (step - warm) /"
            " (total_steps - warm)\n"
        ),
        (
            "import math\ndef one_cycle_lr(step, total_steps, peak, warmup=0.25,"
            " final_div=100.0):\n    warm = max(1.0, warmup * total_steps)\n    if step"
            " < warm:\n        return peak * step / warm\n    low = peak / final_div\n "
            "   return low + (peak - low) * 0.5 * (1 + math.cos(math.pi * (step - warm)"
            " / (total_steps - warm)))\n"
        ),
        (
            "import math\ndef one_cycle_lr(step, total_steps, peak, warmup=0.25,"
            " final_div=100.0):\n    warm = warmup * total_steps\n    if step < warm:\n"
            "        return peak * (0.1 + 0.9 * step / warm)\n    low = peak /"
            " final_div\n    return low + (peak - low) * 0.5 * (1 + math.cos(math.pi *"
            " (step - warm) / (total_steps - warm)))\n"
        ),
    ],
    "ch04.q4": [
        (
            "def dropout_forward(x, rate, seed):\n    keep ="
            " np.random.default_rng(seed).random(x.shape[1:]) >= rate\n    return"
            " np.where(keep, x / (1 - rate), 0.0)\n"
        ),
        (
            "def dropout_forward(x, rate, seed):\n    out = (x / (1 -"
            " rate)).ravel().copy()\n    drop ="
            " np.random.default_rng(seed).permutation(x.size)[: int(round(rate *"
            " x.size))]\n    out[drop] = 0.0\n    return out.reshape(x.shape)\n"
        ),
        (
            "def dropout_forward(x, rate, seed):\n    keep ="
            " np.random.default_rng(seed).random(x.shape) >= rate\n    return"
            " np.where(keep, x, 0.0)\n"
        ),
        (
            "def dropout_forward(x, rate, seed):\n    keep ="
            " np.random.default_rng(seed).random(x.shape) < rate\n    return"
            " np.where(keep, x / (1 - rate), 0.0)\n"
        ),
        (
            "def dropout_forward(x, rate, seed):\n    keep = np.random.random(x.shape)"
            " >= rate\n    return np.where(keep, x / (1 - rate), 0.0)\n"
        ),
        (
            "def dropout_forward(x, rate, seed):\n    keep ="
            " np.random.default_rng(seed).random(x.shape) >= rate\n    return"
            " np.where(keep, x * (1 - rate), 0.0)\n"
        ),
    ],
    "ch04.q5": [
        (
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n    mean, var ="
            " x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)\n    return"
            " gamma * (x - mean) / np.sqrt(var + epsilon) + beta\n"
        ),
        (
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n    axes ="
            " tuple(range(x.ndim - 1))\n    return gamma * (x - x.mean(axis=axes)) /"
            " np.sqrt(x.var(axis=axes, ddof=1) + epsilon) + beta\n"
        ),
        (
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n    return gamma *"
            " (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + epsilon) + beta\n"
        ),
        (
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n    axes ="
            " tuple(range(x.ndim - 1))\n    return gamma * (x - x.mean(axis=axes)) /"
            " np.sqrt(x.var(axis=axes)) + beta\n"
        ),
    ],
    "ch05.q1": [
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n    m ="
            " np.zeros((num_classes, num_classes), dtype=y_true.dtype)\n   "
            " np.add.at(m, (y_true, y_pred), 1)\n    return m.astype(int)\n"
        ),
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n    m ="
            " np.zeros((num_classes, num_classes), dtype=int)\n    np.add.at(m,"
            " (y_pred, y_true), 1)\n    return m\n"
        ),
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n    m ="
            " np.zeros((num_classes, num_classes), dtype=int)\n    m[y_true, y_pred] +="
            " 1\n    return m\n"
        ),
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n    n ="
            " max(y_true.max(), y_pred.max()) + 1\n    m = np.zeros((n, n),"
            " dtype=int)\n    np.add.at(m, (y_true, y_pred), 1)\n    return m\n"
        ),
    ],
    "ch05.q2": [
        (
            "def precision_recall_f1(m):\n    d = np.diag(m)\n    p, r = d /"
            " m.sum(axis=1), d / m.sum(axis=0)\n    return p, r, 2 * p * r / (p + r)\n"
        ),
        (
            "def precision_recall_f1(m):\n    d = np.diag(m).astype(float)\n    p ="
            " np.divide(d, m.sum(axis=0), out=np.zeros(len(d)), where=m.sum(axis=0) >"
            " 0)\n    r = np.divide(d, m.sum(axis=1), out=np.zeros(len(d)),"
            " where=m.sum(axis=1) > 0)\n    return p, r, (p + r) / 2\n"
        ),
        (
            "def precision_recall_f1(m):\n    d = np.diag(m)\n    p, r = d /"
            " m.sum(axis=0), d / m.sum(axis=1)\n    return p, r, 2 * p * r / (p + r)\n"
        ),
    ],
    "ch05.q3": [
        (
            "def top_k_accuracy(p, y, k):\n    return float(np.mean((np.argsort(p,"
            " axis=1)[:, :k] == y[:, None]).any(axis=1)))\n"
        ),
        (
            "def top_k_accuracy(p, y, k):\n    return float(np.mean((np.argsort(p,"
            " axis=1)[:, -k + 1:] == y[:, None]).any(axis=1))) if k > 1 else"
            " float(np.mean(p.argmax(1) == y))\n"
        ),
        (
            "def top_k_accuracy(p, y, k):\n    return int(np.sum((np.argsort(p,"
            " axis=1)[:, -k:] == y[:, None]).any(axis=1)))\n"
        ),
    ],
    "ch05.q4": [
        (
            "def expected_calibration_error(probabilities, labels, n_bins=10):\n   "
            " conf = probabilities.max(axis=1)\n    right ="
            " probabilities.argmax(axis=1) == labels\n    bins ="
            " np.minimum(np.floor(conf * n_bins).astype(int), n_bins - 1)\n    return"
            " float(sum((bins == b).mean() * abs(right[bins == b].mean() - conf[bins =="
            " b].mean()) for b in range(n_bins) if (bins == b).any()))\n"
        ),
        (
            "def expected_calibration_error(probabilities, labels, n_bins=10):\n   "
            " conf = probabilities.max(axis=1)\n    right ="
            " probabilities.argmax(axis=1) == labels\n    bins ="
            " np.minimum((np.ceil(conf * 10) - 1).astype(int), 9).clip(0)\n    total ="
            " 0.0\n    for b in range(10):\n        inside = bins == b\n        if"
            " inside.any():\n            total += inside.mean() *"
            " abs(right[inside].mean() - conf[inside].mean())\n    return"
            " float(total)\n"
        ),
        (
            "def expected_calibration_error(p, y, n_bins=10):\n    return"
            " float(abs((p.argmax(1) == y).mean() - p.max(1).mean()))\n"
        ),
        (
            "def expected_calibration_error(p, y, n_bins=10):\n    c, ok = p.max(1),"
            " p.argmax(1) == y\n    gaps = []\n    for b in range(n_bins):\n       "
            " inside = (c > b / n_bins) & (c <= (b + 1) / n_bins)\n        if"
            " inside.any():\n            gaps.append(abs(ok[inside].mean() -"
            " c[inside].mean()))\n    return float(np.mean(gaps))\n"
        ),
        (
            "def expected_calibration_error(p, y, n_bins=10):\n    c, ok ="
            " p[np.arange(len(y)), y], p.argmax(1) == y\n    total = 0.0\n    for b in"
            " range(n_bins):\n        inside = (c > b / n_bins) & (c <= (b + 1) /"
            " n_bins)\n        if inside.any():\n            total += inside.mean() *"
            " abs(ok[inside].mean() - c[inside].mean())\n    return float(total)\n"
        ),
    ],
    "ch05.q5": [
        (
            "import math\ndef wilson_interval(k, n, z=1.96):\n    p = k / n\n    h = z"
            " * math.sqrt(p * (1 - p) / n)\n    return p - h, p + h\n"
        ),
        (
            "import math\ndef wilson_interval(k, n, z=1.96):\n    p = k / n\n    d = 1"
            " + z**2 / n\n    c = (p + z**2 / (2 * n)) / d\n    h = z * math.sqrt(p *"
            " (1 - p) / n + z**2 / (4 * n)) / d\n    return c - h, c + h\n"
        ),
        (
            "import math\ndef wilson_interval(k, n, z=1.96):\n    p = k / n\n    c = p"
            " + z**2 / (2 * n)\n    h = z * math.sqrt(p * (1 - p) / n + z**2 / (4 *"
            " n**2))\n    return c - h, c + h\n"
        ),
    ],
    "ch05.q6": [
        (
            "import math\ndef mcnemar_p_value(a, b):\n    x, y = int(np.sum(a & ~b)),"
            " int(np.sum(~a & b))\n    n = x + y\n    return sum(math.comb(n, i) for i"
            " in range(min(x, y) + 1)) / 2**n if n else 1.0\n"
        ),
        (
            "import math\ndef mcnemar_p_value(a, b):\n    x, y = int(np.sum(a & ~b)),"
            " int(np.sum(~a & b))\n    n = x + y\n    return 2 * sum(math.comb(n, i)"
            " for i in range(min(x, y) + 1)) / 2**n if n else 1.0\n"
        ),
        (
            "import math\ndef mcnemar_p_value(a, b):\n    x, y = int(np.sum(a != b)),"
            " int(np.sum(~a & ~b))\n    n = x + y\n    return min(1.0, 2 *"
            " sum(math.comb(n, i) for i in range(min(x, y) + 1)) / 2**n) if n else"
            " 1.0\n"
        ),
    ],
    "ch06.q1": [
        "def layer_outputs(model, layer_names):\n    return model\n",
        (
            "def layer_outputs(model, layer_names):\n    return"
            " keras.Model(model.inputs[0], [model.get_layer(n).input for n in"
            " layer_names])\n"
        ),
        (
            "def layer_outputs(model, layer_names):\n    return"
            " keras.Model(model.inputs[0], [model.get_layer(n).output for n in"
            " sorted(layer_names)])\n"
        ),
        (
            "def layer_outputs(model, layer_names):\n    return"
            " keras.Model(model.inputs[0], model.get_layer(layer_names[-1]).output)\n"
        ),
    ],
    "ch06.q2": [
        (
            "def saliency_map(model, image, label):\n    x = tf.Variable(image[None, :,"
            ' :, None].astype("float32"))\n    with tf.GradientTape() as tape:\n       '
            " score = model(x)[0, label]\n    return tape.gradient(score, x).numpy()[0,"
            " :, :, 0]\n"
        ),
        (
            "def saliency_map(model, image, label):\n    x = tf.Variable(image[None, :,"
            ' :, None].astype("float32"))\n    with tf.GradientTape() as tape:\n       '
            " p = model(x)[0]\n        score = p[tf.argmax(p)]\n    return"
            " np.abs(tape.gradient(score, x).numpy()[0, :, :, 0])\n"
        ),
        (
            "def saliency_map(model, image, label):\n    x = tf.Variable(image[None, :,"
            ' :, None].astype("float32"))\n    with tf.GradientTape() as tape:\n       '
            " loss = -tf.math.log(model(x)[0, label])\n    return"
            " np.abs(tape.gradient(loss, x).numpy()[0, :, :, 0])\n"
        ),
        (
            "def saliency_map(model, image, label):\n    x = tf.Variable(image[None, :,"
            ' :, None].astype("float32"))\n    with tf.GradientTape() as tape:\n       '
            " score = model(x)[0, label]\n    return np.abs(tape.gradient(score,"
            " x).numpy()[0, :, :, 0] * image)\n"
        ),
    ],
    "ch06.q3": [
        (
            "def integrated_gradients(model, image, label, baseline, steps=32):\n   "
            " alphas = np.linspace(0, 1, steps)\n    path = (baseline + alphas[:, None,"
            " None] * (image - baseline)).astype('float32')\n    x ="
            " tf.convert_to_tensor(path[..., None])\n    with tf.GradientTape() as"
            " tape:\n        tape.watch(x)\n        s = model(x, training=False)[:,"
            " label]\n    return (image - baseline) * tape.gradient(s, x).numpy()[...,"
            " 0].mean(axis=0)\n"
        ),
        (
            "def integrated_gradients(model, image, label, baseline, steps=32):\n   "
            " alphas = (np.arange(steps) + 0.5) / steps\n    x ="
            " tf.convert_to_tensor((baseline + alphas[:, None, None] * (image -"
            ' baseline))[..., None].astype("float32"))\n    with tf.GradientTape() as'
            " tape:\n        tape.watch(x)\n        s = model(x)[:, label]\n    return"
            " tape.gradient(s, x).numpy()[..., 0].mean(axis=0)\n"
        ),
        (
            "def integrated_gradients(model, image, label, baseline, steps=32):\n    x"
            ' = tf.convert_to_tensor(image[None, :, :, None].astype("float32"))\n   '
            " with tf.GradientTape() as tape:\n        tape.watch(x)\n        s ="
            " model(x)[0, label]\n    return tape.gradient(s, x).numpy()[0, :, :, 0] *"
            " image\n"
        ),
        (
            "def integrated_gradients(model, image, label, baseline, steps=32):\n   "
            " alphas = (np.arange(steps) + 0.5) / steps\n    x ="
            " tf.convert_to_tensor((baseline + alphas[:, None, None] * (image -"
            ' baseline))[..., None].astype("float32"))\n    with tf.GradientTape() as'
            " tape:\n        tape.watch(x)\n        s = model(x)[:, label]\n    return"
            " (image - baseline) * tape.gradient(s, x).numpy()[..., 0].sum(axis=0)\n"
        ),
        (
            "def integrated_gradients(model, image, label, baseline, steps=32):\n   "
            " alphas = (np.arange(steps) + 0.5) / steps\n    x ="
            " tf.convert_to_tensor((alphas[:, None, None] * image)[...,"
            ' None].astype("float32"))\n    with tf.GradientTape() as tape:\n       '
            " tape.watch(x)\n        s = model(x)[:, label]\n    return image *"
            " tape.gradient(s, x).numpy()[..., 0].mean(axis=0)\n"
        ),
    ],
    "ch06.q4": [
        (
            "def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):\n   "
            " c = range(0, 28 - patch + 1, stride)\n    out = np.zeros((len(c),"
            " len(c)))\n    for i, t in enumerate(c):\n        for j, l in"
            " enumerate(c):\n            x = image.copy()\n            x[t:t + patch,"
            " l:l + patch] = fill\n            out[i, j] = model(x[None, :, :,"
            " None])[0, label]\n    return out\n"
        ),
        (
            "def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):\n   "
            " c = range(0, 28 - patch + 1, stride)\n    base = float(model(image[None,"
            " :, :, None])[0, label])\n    out = np.zeros((len(c), len(c)))\n    for i,"
            " t in enumerate(c):\n        for j, l in enumerate(c):\n            x ="
            " image.copy()\n            x[t:t + patch, l:l + patch] = 0.0\n           "
            " out[i, j] = base - float(model(x[None, :, :, None])[0, label])\n   "
            " return out\n"
        ),
        (
            "def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):\n   "
            " c = range(0, 28 - patch, stride)\n    base = float(model(image[None, :,"
            " :, None])[0, label])\n    out = np.zeros((len(c), len(c)))\n    for i, t"
            " in enumerate(c):\n        for j, l in enumerate(c):\n            x ="
            " image.copy()\n            x[t:t + patch, l:l + patch] = fill\n           "
            " out[i, j] = base - float(model(x[None, :, :, None])[0, label])\n   "
            " return out\n"
        ),
        (
            "def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):\n   "
            " c = range(0, 28 - patch + 1, stride)\n    base = float(model(image[None,"
            " :, :, None])[0, label])\n    out = np.zeros((len(c), len(c)))\n    for i,"
            " t in enumerate(c):\n        for j, l in enumerate(c):\n            x ="
            " image.copy()\n            x[t:t + patch, l:l + patch] = fill\n           "
            " out[i, j] = float(model(x[None, :, :, None])[0, label]) - base\n   "
            " return out\n"
        ),
    ],
    "ch06.q5": [
        (
            "def pca(x, k):\n    x = x.astype(float)\n    c = x - x.mean(axis=0)\n   "
            " values, vectors = np.linalg.eigh(np.cov(c.T))\n    comps = vectors[:,"
            " :k].T\n    return c @ comps.T, comps, values[:k] / values.sum()\n"
        ),
        (
            "def pca(x, k):\n    x = x.astype(float)\n    values, vectors ="
            " np.linalg.eigh(x.T @ x / len(x))\n    order ="
            " np.argsort(values)[::-1][:k]\n    comps = vectors[:, order].T\n    return"
            " x @ comps.T, comps, values[order] / values.sum()\n"
        ),
        (
            "def pca(x, k):\n    x = x.astype(float)\n    c = x - x.mean(axis=0)\n   "
            " values, vectors = np.linalg.eigh(np.cov(c.T))\n    order ="
            " np.argsort(values)[::-1][:k]\n    comps = vectors[:, order].T\n    return"
            " c @ comps.T, comps, values[order] / values[order].sum()\n"
        ),
        (
            "def pca(x, k):\n    x = x.astype(float)\n    c = x - x.mean(axis=0)\n   "
            " values, vectors = np.linalg.eigh(np.cov(c.T))\n    order ="
            " np.argsort(values)[::-1][:k]\n    comps = vectors[:, order]\n    return c"
            " @ comps, comps, values[order] / values.sum()\n"
        ),
        (
            "def pca(x, k):\n    x = x.astype(float)\n    c = x - x.mean(axis=0)\n   "
            " values, vectors = np.linalg.eigh(np.cov(c.T))\n    order ="
            " np.argsort(values)[::-1][:k]\n    comps = vectors[:, order].T\n    return"
            " x @ comps.T, comps, values[order] / values.sum()\n"
        ),
    ],
    "ch07.q1": [
        (
            "def smooth_labels(labels, num_classes, smoothing):\n"
            "    one = np.eye(num_classes)[labels]\n"
            "    return one * (1 - smoothing) + smoothing / (num_classes - 1) * (1 -"
            " one)\n"
        ),
        (
            "def smooth_labels(labels, num_classes, smoothing):\n"
            "    return np.eye(10)[labels] * (1 - smoothing) + smoothing / 10\n"
        ),
        (
            "def smooth_labels(labels, num_classes, smoothing):\n"
            "    return np.eye(num_classes)[labels] * (1 - smoothing) + smoothing\n"
        ),
        (
            "def smooth_labels(labels, num_classes, smoothing):\n"
            "    t = np.eye(num_classes)[labels] * (1 - smoothing)\n"
            "    t[t == 0] = smoothing / num_classes\n"
            "    return t\n"
        ),
    ],
    "ch07.q2": [
        (
            "def ensemble_average(probabilities, weights=None):\n"
            "    return np.mean(probabilities, axis=0)\n"
        ),
        (
            "def ensemble_average(probabilities, weights=None):\n"
            "    p = np.asarray(probabilities)\n"
            "    w = np.ones(len(p)) if weights is None else np.asarray(weights)\n"
            "    return (p * w[:, None, None]).mean(axis=0)\n"
        ),
        (
            "def ensemble_average(probabilities, weights=None):\n"
            "    p = np.asarray(probabilities)\n"
            "    return np.eye(10)[p.argmax(axis=2)].mean(axis=0)\n"
        ),
        (
            "def ensemble_average(probabilities, weights=None):\n"
            "    return np.exp(np.average(np.log(np.asarray(probabilities)), axis=0,"
            " weights=weights))\n"
        ),
    ],
    "ch07.q3": [
        (
            "def tta_predict(model, images, shifts):\n"
            "    return np.mean([model.predict(np.roll(images, (dy, dx), axis=(1,"
            " 2))[..., None], verbose=0) for dx, dy in shifts], axis=0)\n"
        ),
        (
            "def tta_predict(model, images, shifts):\n"
            "    return np.mean([model.predict(shift_images(images, dy, dx)[..., None],"
            " verbose=0) for dx, dy in shifts], axis=0)\n"
        ),
        (
            "def tta_predict(model, images, shifts):\n"
            "    return np.sum([model.predict(shift_images(images, dx, dy)[..., None],"
            " verbose=0) for dx, dy in shifts], axis=0)\n"
        ),
        (
            "def tta_predict(model, images, shifts):\n"
            "    p = [model.predict(images[..., None], verbose=0)]\n"
            "    p += [model.predict(shift_images(images, dx, dy)[..., None],"
            " verbose=0) for dx, dy in shifts]\n"
            "    return np.mean(p, axis=0)\n"
        ),
    ],
    "ch07.q4": [
        (
            "def fgsm(model, images, labels, epsilon):\n"
            "    x = tf.constant(images[..., None], tf.float32)\n"
            "    with tf.GradientTape() as tape:\n"
            "        tape.watch(x)\n"
            "        loss = keras.losses.sparse_categorical_crossentropy(labels,"
            " model(x))\n"
            "    return (x + epsilon * tf.sign(tape.gradient(loss, x))).numpy()[...,"
            " 0]\n"
        ),
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
        (
            "def fgsm(model, images, labels, epsilon):\n"
            "    x = tf.constant(images[..., None], tf.float32)\n"
            "    with tf.GradientTape() as tape:\n"
            "        tape.watch(x)\n"
            "        loss = keras.losses.sparse_categorical_crossentropy(labels,"
            " model(x))\n"
            "    return np.clip((x + epsilon * tape.gradient(loss, x)).numpy()[..., 0],"
            " 0, 1)\n"
        ),
        (
            "def fgsm(model, images, labels, epsilon):\n"
            "    x = tf.constant(images[..., None], tf.float32)\n"
            "    with tf.GradientTape() as tape:\n"
            "        tape.watch(x)\n"
            "        p = model(x)\n"
            "        loss = keras.losses.sparse_categorical_crossentropy(tf.argmax(p,"
            " 1), p)\n"
            "    return np.clip((x + epsilon * tf.sign(tape.gradient(loss,"
            " x))).numpy()[..., 0], 0, 1)\n"
        ),
        (
            "def fgsm(model, images, labels, epsilon):\n"
            "    x = tf.constant(images[..., None], tf.float32)\n"
            "    with tf.GradientTape() as tape:\n"
            "        tape.watch(x)\n"
            "        loss = keras.losses.sparse_categorical_crossentropy(labels,"
            " model(x))\n"
            "    return np.clip((x + 0.1 * tf.sign(tape.gradient(loss,"
            " x))).numpy()[..., 0], 0, 1)\n"
        ),
    ],
    "ch08.q1": [
        (
            "def choose_scale_zero_point(low, high):\n"
            "    low, high = min(low, 0), max(high, 0)\n"
            "    scale = (high - low) / 256\n"
            "    return scale, int(round(-128 - low / scale))\n"
        ),
        (
            "def choose_scale_zero_point(low, high):\n"
            "    scale = (high - low) / 255\n"
            "    return scale, int(round(-128 - low / scale))\n"
        ),
        (
            "def choose_scale_zero_point(low, high):\n"
            "    low, high = min(low, 0), max(high, 0)\n"
            "    scale = (high - low) / 255\n"
            "    return scale, int(round(-128 + low / scale))\n"
        ),
        (
            "def choose_scale_zero_point(low, high):\n"
            "    low, high = min(low, 0), max(high, 0)\n"
            "    scale = (high - low) / 255\n"
            "    return scale, -128 - low / scale\n"
        ),
        (
            "def choose_scale_zero_point(low, high):\n"
            "    low, high = min(low, 0), max(high, 0)\n"
            "    scale = (high - low) / 255\n"
            "    return scale, int(round(-low / scale))\n"
        ),
        (
            "def choose_scale_zero_point(low, high):\n"
            "    return max(high, 0) / 255, -128\n"
        ),
    ],
    "ch08.q2": [
        (
            "def quantize(x, scale, zero_point):\n"
            "    return np.clip(np.round(x / scale + zero_point).astype(np.int8), -128,"
            " 127)\n"
        ),
        (
            "def quantize(x, scale, zero_point):\n"
            "    return np.clip(x / scale + zero_point, -128, 127).astype(np.int8)\n"
        ),
        (
            "def quantize(x, scale, zero_point):\n"
            "    q = np.floor(x / scale + 0.5) + zero_point\n"
            "    return np.clip(q, -128, 127).astype(np.int8)\n"
        ),
        (
            "def quantize(x, scale, zero_point):\n"
            "    return np.clip(np.round(x / scale), -128, 127).astype(np.int8)\n"
        ),
        (
            "def quantize(x, scale, zero_point):\n"
            "    q = np.round(x / scale) - zero_point\n"
            "    return np.clip(q, -128, 127).astype(np.int8)\n"
        ),
        (
            "def quantize(x, scale, zero_point):\n"
            "    q = np.round(x * scale) + zero_point\n"
            "    return np.clip(q, -128, 127).astype(np.int8)\n"
        ),
        (
            "def quantize(x, scale, zero_point):\n"
            "    return np.clip(np.round(x / scale) + zero_point, -128, 127)\n"
        ),
    ],
    "ch08.q3": [
        (
            "def dequantize(q, scale, zero_point):\n"
            "    return ((q - zero_point) * scale).astype(np.float32)\n"
        ),
        (
            "def dequantize(q, scale, zero_point):\n"
            "    return ((q.astype(np.int32) + zero_point) * scale).astype("
            "np.float32)\n"
        ),
        (
            "def dequantize(q, scale, zero_point):\n"
            "    return ((q.astype(np.int32) - zero_point) / scale).astype("
            "np.float32)\n"
        ),
        (
            "def dequantize(q, scale, zero_point):\n"
            "    return (q.astype(np.int32) - zero_point) * scale\n"
        ),
        (
            "def dequantize(q, scale, zero_point):\n"
            "    return (q * scale).astype(np.float32)\n"
        ),
    ],
    "ch08.q4": [
        (
            "def shard_indices(n, num_workers, worker_index):\n"
            "    return np.array_split(np.arange(n), num_workers)[worker_index]\n"
        ),
        (
            "def shard_indices(n, num_workers, worker_index):\n"
            "    return np.arange(n // num_workers) * num_workers + worker_index\n"
        ),
        (
            "def shard_indices(n, num_workers, worker_index):\n"
            "    return np.arange(0, n, num_workers)\n"
        ),
        (
            "def shard_indices(n, num_workers, worker_index):\n"
            "    return np.arange(worker_index + 1, n, num_workers)\n"
        ),
        (
            "def shard_indices(n, num_workers, worker_index):\n"
            "    return np.arange(worker_index, n - 1, num_workers)\n"
        ),
    ],
    "ch08.q5": [
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    return [np.mean(np.stack(v), axis=0) for v in zip(*gradients)]\n"
        ),
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    return [sum(c * g for c, g in zip(counts, v)) for v in"
            " zip(*gradients)]\n"
        ),
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    return [sum(c * g for c, g in zip(counts, v)) / len(counts) for v in"
            " zip(*gradients)]\n"
        ),
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    return np.average(np.stack([g[0] for g in gradients]), axis=0,"
            " weights=counts)\n"
        ),
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    return [np.mean([r[v] for r in gradients], axis=1) for v in"
            " range(len(gradients[0]))]\n"
        ),
    ],
}


def _exercise(qid):
    return next(e for chapter in CHAPTERS for e in chapter.chapter if e.qid == qid)


def test_every_exercise_has_at_least_two_wrong_answers():
    for chapter in CHAPTERS:
        for exercise in chapter.chapter:
            assert len(WRONG.get(exercise.qid, [])) >= 2, exercise.qid


@pytest.mark.parametrize(
    "qid,source", [(q, s) for q, sources in WRONG.items() for s in sources]
)
def test_plausible_wrong_answers_fail(qid, source):
    exercise = _exercise(qid)
    module = next(c for c in CHAPTERS if exercise in c.chapter.exercises)
    passed, message = grade_source(module, exercise, source)
    assert not passed, f"{qid} accepted a wrong answer:\n{source}"
    assert "Traceback" not in message and message


def test_solutions_pass_every_exercise():
    for notebook in sorted(SOLVED.glob("[0-9][0-9]_*.ipynb")):
        failures = [g for g in grade_notebook(notebook) if not g.passed]
        assert failures == [], failures


def test_unmodified_chapters_fail_every_exercise_with_a_clear_message():
    for notebook in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")):
        grades = grade_notebook(notebook)
        assert grades and not any(g.passed for g in grades)
        assert all("not written yet" in g.message for g in grades), [
            g.message for g in grades
        ]


def test_chapters_are_exactly_what_the_generator_writes():
    assert authoring.stale_chapters(ROOT / "solutions", ROOT / "chapters") == [], (
        "run `make exercises`"
    )


def test_chapter_sources_are_text_in_the_form_jupytext_saves():
    """Opening a source as a notebook in JupyterLab and saving it rewrites nothing, and
    a one-line edit of the prose is a one-line change of the source."""
    import jupytext

    for path in sorted((ROOT / "solutions").glob(authoring.SOURCE_GLOB)):
        text = path.read_text(encoding="utf-8")
        assert (
            jupytext.writes(jupytext.reads(text, fmt="md:myst"), fmt="md:myst") == text
        ), path.name
        notebook = authoring.read_source(path)
        assert notebook == authoring.read_source(path), (
            "cell ids must not change between two reads"
        )
        assert len({c["id"] for c in notebook["cells"]}) == len(notebook["cells"])
    assert not list((ROOT / "solutions").glob("*.ipynb")), (
        "the sources are solutions/NN_topic.md"
    )


def test_generator_stubs_solutions_and_drops_solution_only_cells():
    solution = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [{"x": 1}],
                "execution_count": 3,
                "source": (
                    "def f(x):\n    # BEGIN SOLUTION\n    y = x + 1\n    return y\n   "
                    " # END SOLUTION\n"
                ),
            },
            {
                "cell_type": "code",
                "metadata": {"tags": ["solution-only"]},
                "outputs": [],
                "execution_count": None,
                "source": "secret()",
            },
            {"cell_type": "markdown", "metadata": {}, "source": "text"},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    student = authoring.exercise_notebook(solution)
    assert [c["cell_type"] for c in student["cells"]] == ["code", "markdown"]
    assert (
        student["cells"][0]["source"]
        == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError\n"
    )
    assert (
        student["cells"][0]["outputs"] == []
        and student["cells"][0]["execution_count"] is None
    )
    assert solution["cells"][0]["outputs"] == [{"x": 1}], (
        "the solution notebook is not modified"
    )


def test_book_only_cells_are_in_the_book_page_and_in_neither_notebook(tmp_path):
    source = tmp_path / "01_topic.md"
    source.write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\n---\n\n"
        "# Title\n\n"
        '+++ {"tags": ["book-only"]}\n\n'
        '```{raw} html\n<div class="mnist-live" data-panel="draw"></div>\n```\n\n'
        "+++\n\nAfter the panel.\n",
        encoding="utf-8",
    )
    page = authoring.read_source(source)  # what the book builds its page from
    assert any("mnist-live" in authoring.cell_source(c) for c in page["cells"])
    (solution,) = authoring.solution_notebooks(tmp_path).values()
    student = authoring.exercise_notebook(solution)
    for notebook in (solution, student):
        text = json.dumps(notebook)
        assert "mnist-live" not in text and "book-only" not in text
        assert "After the panel." in text


def test_broken_notebook_fails_only_the_broken_exercises_and_is_not_modified(tmp_path):
    notebook = json.loads((SOLVED / "01_data.ipynb").read_text())
    for cell in notebook["cells"]:
        source = (
            cell["source"]
            if isinstance(cell["source"], str)
            else "".join(cell["source"])
        )
        if source.startswith("def read_idx_bytes"):
            cell["source"] = "def read_idx_bytes(raw)\n    return raw\n"  # syntax error
        elif source.startswith("def class_counts"):
            cell["source"] = (  # endless loop
                "def class_counts(labels):\n    while True:\n        pass\n"
            )
    notebook["cells"] = [
        c
        for c in notebook["cells"]
        if not "".join(c["source"]).startswith("def mean_digit")
    ]
    path = tmp_path / "01_data.ipynb"
    path.write_text(json.dumps(notebook))
    before = path.read_bytes()
    grades = {g.exercise: g for g in grade_notebook(path, timeout=10)}
    assert (
        "syntax error on line 1" in grades["ch01.q1"].message
        and not grades["ch01.q1"].passed
    )
    assert (
        "took longer than 10 s" in grades["ch01.q2"].message
        and not grades["ch01.q2"].passed
    )
    assert (
        "No cell defines `mean_digit`" in grades["ch01.q3"].message
        and not grades["ch01.q3"].passed
    )
    assert grades["ch01.q4"].passed and grades["ch01.q5"].passed
    assert path.read_bytes() == before


def test_grade_cli_writes_a_report_and_exits_nonzero_on_failures(tmp_path):
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mnist_course",
            "grade",
            "build/solutions",
            "chapters",
            "--json",
            str(report),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 1
    names = [p.name for p in sorted(SOLVED.glob("[0-9][0-9]_*.ipynb"))]
    assert names[:3] == [
        "01_data.ipynb",
        "02_dense_baseline.ipynb",
        "03_cnn_layers.ipynb",
    ]
    counts = {
        name: len(
            next(c for c in CHAPTERS if c.chapter.name == name[:-6]).chapter.exercises
        )
        for name in names
    }
    for name, count in counts.items():
        assert (
            f"build/solutions/{name}: {count}/{count} exercises passed" in proc.stdout
        )
        assert f"chapters/{name}: not started" in proc.stdout  # every exercise a stub
    rows = json.loads(report.read_text())
    assert len(rows) == 2 * sum(counts.values())
    assert not any(r["passed"] for r in rows if r["notebook"].startswith("chapters/"))
    assert {r["notebook"] for r in rows} == {
        f"{folder}/{name}"
        for folder in ("build/solutions", "chapters")
        for name in names
    }


@pytest.mark.parametrize("module", CHAPTERS, ids=[m.chapter.name for m in CHAPTERS])
def test_unmodified_chapter_stops_at_its_first_exercise(module, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.setenv("MNIST_COURSE_FAST", "1")
    notebook = nbformat.read(
        ROOT / "chapters" / f"{module.chapter.name}.ipynb", as_version=4
    )
    with pytest.raises(CellExecutionError) as error:
        NotebookClient(
            notebook, timeout=300, resources={"metadata": {"path": str(ROOT)}}
        ).execute()
    assert "NotImplementedError" in str(error.value)
    executed = [
        c for c in notebook.cells if c.cell_type == "code" and c.get("execution_count")
    ]
    first = module.chapter.exercises[0]
    assert (
        f"{first.function_name}(" in executed[-1].source
        and f"def {first.function_name}" not in executed[-1].source
    )
    check_output = "".join(
        o.get("text", "")
        or o.get("data", {}).get("text/plain", "")  # printed, or shown (a Verdict)
        for c in executed
        if f"{first.qid.split('.')[1]}.check(" in c.source
        for o in c.outputs
    )
    assert "not written yet" in check_output, (
        "the check cell explains, it does not crash"
    )
