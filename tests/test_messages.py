"""Fresh wrong answers name their cause (issue 20): one or more per exercise of chapters
1-6.

Three audits each wrote 32 plausible mistakes, none of them in the other tests, and
rated the messages: 9 (first set), 11 (``AUDIT3``) and 8 (``AUDIT4``) named the cause
before this file's nudges and the core's generic relations (a factor that is an
argument, a sign, an offset, an elementwise function, a range the answer never leaves)
were added. Each case pins a phrase of the message that says what is wrong, given by
``check()`` and by the grader alike (:func:`tests.test_checks.both`).
"""

import math

import numpy as np
import pytest

from tests.test_checks import both

MISTAKES = [
    (
        "ch01.q1",
        (
            "header sizes read from byte 4*i instead of 4+4*i (the magic number is read"
            " as the first size)"
        ),
        (
            "def read_idx_bytes(raw):\n    ndim = raw[3]\n    dims ="
            " [int.from_bytes(raw[4 * i : 4 * i + 4], 'big') for i in range(ndim)]\n   "
            " data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)\n   "
            " return data.reshape(dims)\n"
        ),
        "your first size is the magic number itself (2",
    ),
    (
        "ch01.q2",
        "np.unique(..., return_counts=True): digits that never occur get no entry",
        (
            "def class_counts(labels):\n    values, counts = np.unique(labels,"
            " return_counts=True)\n    return counts\n"
        ),
        "you count only the digits that occur: return ",
    ),
    (
        "ch01.q3",
        (
            "running sum in np.zeros_like(images[0]): a uint8 accumulator that wraps"
            " at 256"
        ),
        (
            "def mean_digit(images, labels, digit):\n    total ="
            " np.zeros_like(images[0])\n    count = 0\n    for image, label in"
            " zip(images, labels):\n        if label == digit:\n            total +="
            " image\n            count += 1\n    return total / count\n"
        ),
        "your running total wrapped around at 256: np.",
    ),
    (
        "ch01.q4",
        "min-max scaling by the batch's own min and max (0/0 on a uniform image)",
        (
            "def normalize(images):\n    x = images.astype(np.float32)\n    return (x -"
            " x.min()) / (x.max() - x.min())\n"
        ),
        "divide by 255, the largest POSSIBLE pixel val",
    ),
    (
        "ch01.q5",
        "rng.choice(n, val_size) without replace=False: duplicate validation indices",
        (
            "def split_indices(n, val_size, seed):\n    rng ="
            " np.random.default_rng(seed)\n    val = rng.choice(n, val_size)\n    train"
            " = np.setdiff1d(np.arange(n), val)\n    return train, val\n"
        ),
        "repeat an index",
    ),
    (
        "ch01.q5",
        "returns (val_indices, train_indices): the two parts swapped",
        (
            "def split_indices(n, val_size, seed):\n    order ="
            " np.random.default_rng(seed).permutation(n)\n    val, train ="
            " order[:val_size], order[val_size:]\n    return val, train\n"
        ),
        "two parts are swapped",
    ),
    (
        "ch02.q1",
        "row sums without keepdims=True (broadcasts against the wrong axis)",
        (
            "def softmax(logits):\n    e = np.exp(logits - logits.max(axis=1,"
            " keepdims=True))\n    return e / e.sum(axis=1)\n"
        ),
        "could not be broadcast",
    ),
    (
        "ch02.q2",
        (
            "probabilities[:, labels] instead of probabilities[np.arange(N), labels]"
            " (an N×N block)"
        ),
        (
            "def cross_entropy(probabilities, labels):\n    p_true ="
            " np.clip(probabilities[:, labels], 1e-7, 1.0)\n    return"
            " float(-np.mean(np.log(p_true)))\n"
        ),
        "probabilities[:, labels] is an N×N block (eve",
    ),
    (
        "ch02.q3",
        "np.max(0, z) instead of np.maximum(0, z)",
        (
            "def dense_relu(x, weights, bias):\n    z = x @ weights + bias\n    return"
            " np.max(0, z)\n"
        ),
        "np.max(0, z) reads z as an AXIS (np.max takes",
    ),
    (
        "ch02.q4",
        "loop range(len(sizes) - 2): the last layer is never counted",
        (
            "def count_parameters(layer_sizes):\n    total = 0\n    for i in"
            " range(len(layer_sizes) - 2):\n        total += layer_sizes[i] *"
            " layer_sizes[i + 1] + layer_sizes[i + 1]\n    return total\n"
        ),
        "expected 7850, got 0",
    ),
    (
        "ch02.q5",
        (
            "slices written as [:-dy] / [:-dx]: a shift of 0 gives an empty slice (-0"
            " == 0)"
        ),
        (
            "def shift_images(images, dx, dy):\n    out = np.zeros_like(images)\n   "
            " rows_to = slice(dy, None) if dy >= 0 else slice(None, dy)\n    rows_from"
            " = slice(None, -dy) if dy >= 0 else slice(-dy, None)\n    cols_to ="
            " slice(dx, None) if dx >= 0 else slice(None, dx)\n    cols_from ="
            " slice(None, -dx) if dx >= 0 else slice(-dx, None)\n    out[:, rows_to,"
            " cols_to] = images[:, rows_from, cols_from]\n    return out\n"
        ),
        "the slice you copy from and the one you copy ",
    ),
    (
        "ch03.q1",
        (
            "output allocated with np.zeros_like(image): an integer image truncates the"
            " float sums"
        ),
        (
            "def conv2d(image, kernel):\n    kh, kw = kernel.shape\n    out ="
            " np.zeros_like(image[: image.shape[0] - kh + 1, : image.shape[1] - kw +"
            " 1])\n    for i in range(out.shape[0]):\n        for j in"
            " range(out.shape[1]):\n            out[i, j] = np.sum(image[i : i + kh, j"
            " : j + kw] * kernel)\n    return out\n"
        ),
        "holds integers",
    ),
    (
        "ch03.q2",
        (
            "reshape(h, w, size, size) instead of (h, size, w, size): windows are not"
            " squares of the image"
        ),
        (
            "def max_pool2d(image, size=2):\n    h, w = image.shape[0] // size,"
            " image.shape[1] // size\n    return image[: h * size, : w *"
            " size].reshape(h, w, size, size).max(axis=(2, 3))\n"
        ),
        "reshape(h, w, size, size) does not cut size ×",
    ),
    (
        "ch03.q3",
        "'same' as n // stride (rounded down instead of up)",
        (
            "def conv_output_size(n, kernel, stride=1, padding='valid'):\n    if"
            " padding == 'same':\n        return n // stride\n    return (n - kernel)"
            " // stride + 1\n"
        ),
        "with padding='same', Keras pads so that the o",
    ),
    (
        "ch03.q4",
        "each layer adds (kernel - 1) * its OWN stride, no accumulated jump",
        (
            "def receptive_field(layers):\n    field = 1\n    for kernel, stride in"
            " layers:\n        field += (kernel - 1) * stride\n    return field\n"
        ),
        "strides multiply: a layer's kernel is spread ",
    ),
    (
        "ch03.q5",
        "keras.Input(shape=(28, 28)) without the channel axis",
        (
            "def build_cnn():\n    return keras.Sequential([\n       "
            " keras.Input(shape=(28, 28)),\n        layers.Conv2D(32, 3,"
            " activation='relu'),\n        layers.MaxPooling2D(2),\n       "
            " layers.Flatten(),\n        layers.Dense(10, activation='softmax'),\n   "
            " ])\n"
        ),
        "Conv2D works on images with a channel axis: t",
    ),
    (
        "ch04.q1",
        (
            "sign error: velocity = momentum*velocity + lr*grad, weights + velocity"
            " (gradient ascent)"
        ),
        (
            "def sgd_momentum_step(weights, grad, velocity, lr, momentum):\n   "
            " velocity = momentum * velocity + lr * grad\n    return weights +"
            " velocity, velocity\n"
        ),
        "your step goes uphill: the velocity moves AGA",
    ),
    (
        "ch04.q2",
        "returns the bias-corrected m_hat, v_hat instead of the raw m, v",
        (
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v"
            " + (1 - beta2) * grad**2\n    m_hat = m / (1 - beta1**t)\n    v_hat = v /"
            " (1 - beta2**t)\n    return weights - lr * m_hat / (np.sqrt(v_hat) +"
            " epsilon), m_hat, v_hat\n"
        ),
        "return the raw running averages m and v (the ",
    ),
    (
        "ch04.q3",
        (
            "cosine phase scales peak instead of (peak - low): low + peak * 0.5 * (1 +"
            " cos)"
        ),
        (
            "import math\ndef one_cycle_lr(step, total_steps, peak, warmup=0.25,"
            " final_div=100.0):\n    warm = max(1.0, warmup * total_steps)\n    if step"
            " < warm:\n        return peak * (0.1 + 0.9 * step / warm)\n    progress ="
            " min(1.0, (step - warm) / max(1.0, total_steps - warm))\n    low = peak /"
            " final_div\n    return low + peak * 0.5 * (1 + math.cos(math.pi *"
            " progress))\n"
        ),
        "after the warm-up the rate goes from peak DOW",
    ),
    (
        "ch04.q4",
        "one random number per example: whole rows dropped together",
        (
            "def dropout_forward(x, rate, seed):\n    keep ="
            " np.random.default_rng(seed).random((x.shape[0], 1)) >= rate\n    return"
            " np.where(keep, x / (1 - rate), 0.0)\n"
        ),
        "dropped whole examples",
    ),
    (
        "ch04.q5",
        "mean and variance of the whole array (no axis)",
        (
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n    mean, variance"
            " = x.mean(), x.var()\n    return gamma * (x - mean) / np.sqrt(variance +"
            " epsilon) + beta\n"
        ),
        "normalize each feature with its OWN mean and ",
    ),
    (
        "ch05.q1",
        "np.zeros((n, n)) with the default float dtype",
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n    matrix ="
            " np.zeros((num_classes, num_classes))\n    for t, p in zip(y_true,"
            " y_pred):\n        matrix[t, p] += 1\n    return matrix\n"
        ),
        "holds floats",
    ),
    (
        "ch05.q3",
        "np.argsort(..., axis=0): sorts down the columns instead of each row",
        (
            "def top_k_accuracy(probabilities, labels, k):\n    top ="
            " np.argsort(probabilities, axis=0)[:, -k:]\n    return float(np.mean((top"
            " == labels[:, None]).any(axis=1)))\n"
        ),
        "sort each ROW (axis=1): np.argsort(probabilit",
    ),
    (
        "ch05.q4",
        "edges = np.linspace(0, 1, n_bins): n_bins - 1 bins instead of n_bins",
        (
            "def expected_calibration_error(probabilities, labels, n_bins=10):\n   "
            " confidence = probabilities.max(axis=1)\n    correct ="
            " probabilities.argmax(axis=1) == labels\n    edges = np.linspace(0, 1,"
            " n_bins)\n    total = 0.0\n    for low, high in zip(edges[:-1],"
            " edges[1:]):\n        inside = (confidence > low) & (confidence <= high)\n"
            "        if inside.any():\n            total += inside.mean() *"
            " abs(correct[inside].mean() - confidence[inside].mean())\n    return"
            " float(total)\n"
        ),
        "n_bins bins need n_bins + 1 edges: np.linspac",
    ),
    (
        "ch05.q5",
        "operator precedence: z**2 / 2 * n instead of z**2 / (2 * n) in the centre",
        (
            "import math\ndef wilson_interval(successes, n, z=1.96):\n    p = successes"
            " / n\n    d = 1 + z**2 / n\n    centre = (p + z**2 / 2 * n) / d\n    half"
            " = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / d\n    return"
            " centre - half, centre + half\n"
        ),
        "mind the brackets: z**2 / (2 * n), not z**2 /",
    ),
    (
        "ch05.q6",
        "tail sums range(min(b, c)) instead of range(min(b, c) + 1)",
        (
            "import math\ndef mcnemar_p_value(correct_a, correct_b):\n    b ="
            " int(np.sum(correct_a & ~correct_b))\n    c = int(np.sum(~correct_a &"
            " correct_b))\n    n = b + c\n    if n == 0:\n        return 1.0\n    tail"
            " = sum(math.comb(n, i) for i in range(min(b, c))) / 2**n\n    return"
            " min(1.0, 2 * tail)\n"
        ),
        "include min(b, c) itself in the tail: sum the",
    ),
    (
        "ch06.q1",
        "outputs are the layers themselves (forgot .output)",
        (
            "def layer_outputs(model, layer_names):\n    outputs ="
            " [model.get_layer(name) for name in layer_names]\n    return"
            " keras.Model(model.inputs[0], outputs)\n"
        ),
        "must be KerasTensors",
    ),
    (
        "ch06.q2",
        "model(x)[label] instead of model(x)[0, label] (indexes the batch axis)",
        (
            "def saliency_map(model, image, label):\n    x ="
            " tf.convert_to_tensor(image[None, :, :, None].astype('float32'))\n    with"
            " tf.GradientTape() as tape:\n        tape.watch(x)\n        score ="
            " model(x, training=False)[label]\n    return np.abs(tape.gradient(score,"
            " x).numpy()[0, :, :, 0])\n"
        ),
        "out of bounds",
    ),
    (
        "ch06.q3",
        "left Riemann sum alphas = arange(steps) / steps instead of the midpoints",
        (
            "def integrated_gradients(model, image, label, baseline, steps=32):\n   "
            " alphas = np.arange(steps) / steps\n    path = (baseline + alphas[:, None,"
            " None] * (image - baseline)).astype('float32')\n    x ="
            " tf.convert_to_tensor(path[..., None])\n    with tf.GradientTape() as"
            " tape:\n        tape.watch(x)\n        scores = model(x,"
            " training=False)[:, label]\n    gradients = tape.gradient(scores,"
            " x).numpy()[..., 0]\n    return (image - baseline) *"
            " gradients.mean(axis=0)\n"
        ),
        "take α at the midpoints (k + 0.5) / steps, no",
    ),
    (
        "ch06.q4",
        (
            "scores the model's top probability (its confidence) instead of the"
            " probability of `label`"
        ),
        (
            "def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):\n   "
            " corners = range(0, 28 - patch + 1, stride)\n    copies = []\n    for top"
            " in corners:\n        for left in corners:\n            c = image.copy()\n"
            "            c[top:top + patch, left:left + patch] = fill\n           "
            " copies.append(c)\n    batch = np.stack([image] + copies)[..., None]\n   "
            " scores = np.asarray(model(batch, training=False)).max(axis=1)\n    return"
            " (scores[0] - scores[1:]).reshape(len(corners), len(corners))\n"
        ),
        "use the probability of the class `label` ([:,",
    ),
    (
        "ch06.q5",
        "components taken as ROWS of eigh's eigenvector matrix (they are its columns)",
        (
            "def pca(x, k):\n    x = x.astype(float)\n    centered = x -"
            " x.mean(axis=0)\n    values, vectors = np.linalg.eigh(centered.T @"
            " centered / (len(x) - 1))\n    order = np.argsort(values)[::-1][:k]\n   "
            " components = vectors[order]\n    return centered @ components.T,"
            " components, values[order] / values.sum()\n"
        ),
        "ROWS of the eigenvector matrix",
    ),
]


# A third set (audit 3), written after the nudges above: 11 of these 32 messages were
# good before this set's nudges and checks (commit 6b5d5f1), the rest were weak or
# misleading.
AUDIT3 = [
    (
        "ch01.q1",
        "ndim read from raw[2] (the data-type byte, 0x08) instead of raw[3]",
        (
            "def read_idx_bytes(raw):\n    ndim = raw[2]\n    dims ="
            " [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], 'big') for i in"
            " range(ndim)]\n    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4"
            " * ndim)\n    return data.reshape(dims)\n"
        ),
        "raw[3], is the number of dimensions",
    ),
    (
        "ch01.q2",
        (
            "np.histogram(labels, bins=10) without range=(0, 10): the bins span the"
            " data's min..max"
        ),
        (
            "def class_counts(labels):\n    counts, edges = np.histogram(labels,"
            " bins=10)\n    return counts\n"
        ),
        "pass range=(0, 10)",
    ),
    (
        "ch01.q3",
        (
            "sum of the digit's images divided by len(labels) (all images) instead of"
            " their own count"
        ),
        (
            "def mean_digit(images, labels, digit):\n    chosen = images[labels =="
            " digit].astype(np.float64)\n    return chosen.sum(axis=0) / len(labels)\n"
        ),
        "divide by the number of images OF THIS DIGIT",
    ),
    (
        "ch01.q4",
        "scales to [-1, 1] (x / 127.5 - 1, a GAN-tutorial habit) instead of [0, 1]",
        "def normalize(images):\n    return images.astype(np.float32) / 127.5 - 1.0\n",
        "expected 0.0, got -1.0",
    ),
    (
        "ch01.q5",
        "order = rng.shuffle(np.arange(n)): shuffle works in place and returns None",
        (
            "def split_indices(n, val_size, seed):\n    rng ="
            " np.random.default_rng(seed)\n    order = rng.shuffle(np.arange(n))\n   "
            " return order[val_size:], order[:val_size]\n"
        ),
        "rng.shuffle(a) shuffles `a` in place and returns None",
    ),
    (
        "ch02.q1",
        (
            "subtracts each row's MEAN before np.exp (not its max): exp(1000 - 0) still"
            " overflows"
        ),
        (
            "def softmax(logits):\n    e = np.exp(logits - logits.mean(axis=1,"
            " keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)\n"
        ),
        "subtract the maximum first",
    ),
    (
        "ch02.q2",
        (
            "clips to 1e-15 (scikit-learn's old log_loss default) instead of the 1e-7"
            " the text fixes"
        ),
        (
            "def cross_entropy(probabilities, labels):\n    p_true ="
            " probabilities[np.arange(len(labels)), labels]\n    return"
            " float(-np.mean(np.log(np.clip(p_true, 1e-15, 1.0))))\n"
        ),
        "clip the probabilities to at least 1e-7",
    ),
    (
        "ch02.q3",
        "x * weights (element-wise) instead of the matrix product x @ weights",
        (
            "def dense_relu(x, weights, bias):\n    z = x * weights + bias\n    return"
            " np.maximum(0, z)\n"
        ),
        "could not be broadcast together",
    ),
    (
        "ch02.q4",
        (
            "np.sum over a list comprehension: for [5] the empty list sums to the"
            " float 0.0"
        ),
        (
            "def count_parameters(layer_sizes):\n    return np.sum([n_in * n_out +"
            " n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])])\n"
        ),
        "np.sum of an empty list",
    ),
    (
        "ch02.q5",
        "np.pad then crop: handles positive shifts only (a negative pad width raises)",
        (
            "def shift_images(images, dx, dy):\n    h, w = images.shape[1:]\n    padded"
            " = np.pad(images, ((0, 0), (dy, 0), (dx, 0)))\n    return padded[:, :h,"
            " :w]\n"
        ),
        "index can't contain negative values",
    ),
    (
        "ch03.q1",
        "np.sum(patch @ kernel): a matrix product instead of the element-wise product",
        (
            "def conv2d(image, kernel):\n    kh, kw = kernel.shape\n    out ="
            " np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))\n    for i"
            " in range(out.shape[0]):\n        for j in range(out.shape[1]):\n         "
            "   out[i, j] = np.sum(image[i : i + kh, j : j + kw] @ kernel)\n    return"
            " out\n"
        ),
        "mismatch in its core dimension",
    ),
    (
        "ch03.q2",
        "right reshape (h, size, w, size) but max over axes (1, 2) instead of (1, 3)",
        (
            "def max_pool2d(image, size=2):\n    h, w = image.shape[0] // size,"
            " image.shape[1] // size\n    windows = image[: h * size, : w *"
            " size].reshape(h, size, w, size)\n    return windows.max(axis=(1, 2))\n"
        ),
        "take the max over axes (1, 3)",
    ),
    (
        "ch03.q3",
        "forgot `return` in the 'same' branch: it falls through to the 'valid' formula",
        (
            "import math\ndef conv_output_size(n, kernel, stride=1, padding='valid'):\n"
            "    if padding == 'same':\n        math.ceil(n / stride)\n    return (n -"
            " kernel) // stride + 1\n"
        ),
        "your function returned the 'valid' size",
    ),
    (
        "ch03.q4",
        (
            "jump multiplied by the KERNEL instead of the stride (two similar numbers"
            " mixed up)"
        ),
        (
            "def receptive_field(layers):\n    field, jump = 1, 1\n    for kernel,"
            " stride in layers:\n        field += (kernel - 1) * jump\n        jump *="
            " kernel\n    return field\n"
        ),
        "the jump grows by each layer's STRIDE",
    ),
    (
        "ch03.q5",
        "channels-first input keras.Input(shape=(1, 28, 28)) (a PyTorch habit)",
        (
            "def build_cnn():\n    return keras.Sequential([\n       "
            " keras.Input(shape=(1, 28, 28)),\n        layers.Conv2D(32, 3,"
            " activation='relu'),\n        layers.MaxPooling2D(2),\n       "
            " layers.Flatten(),\n        layers.Dense(10, activation='softmax'),\n   "
            " ])\n"
        ),
        "Keras puts the channels LAST",
    ),
    (
        "ch04.q1",
        (
            "PyTorch's momentum convention: velocity = momentum*velocity + grad;"
            " weights - lr*velocity"
        ),
        (
            "def sgd_momentum_step(weights, grad, velocity, lr, momentum):\n   "
            " velocity = momentum * velocity + grad\n    return weights - lr *"
            " velocity, velocity\n"
        ),
        "that is PyTorch's convention",
    ),
    (
        "ch04.q2",
        (
            "epsilon inside the square root: sqrt(v_hat + epsilon) instead of"
            " sqrt(v_hat) + epsilon"
        ),
        (
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v"
            " + (1 - beta2) * grad**2\n    m_hat, v_hat = m / (1 - beta1**t), v / (1 -"
            " beta2**t)\n    return weights - lr * m_hat / np.sqrt(v_hat + epsilon),"
            " m, v\n"
        ),
        "`weights` is wrong",
    ),
    (
        "ch04.q3",
        (
            "cosine progress measured over all steps, step / total_steps, not over the"
            " steps after the warm-up"
        ),
        (
            "import math\ndef one_cycle_lr(step, total_steps, peak, warmup=0.25,"
            " final_div=100.0):\n    warm = max(1.0, warmup * total_steps)\n    if step"
            " < warm:\n        return peak * (0.1 + 0.9 * step / warm)\n    progress ="
            " step / total_steps\n    low = peak / final_div\n    return low + (peak -"
            " low) * 0.5 * (1 + math.cos(math.pi * progress))\n"
        ),
        "progress counts from the END of the warm-up",
    ),
    (
        "ch04.q4",
        (
            "returns x[keep] / (1 - rate): boolean indexing flattens to the kept values"
            " only"
        ),
        (
            "def dropout_forward(x, rate, seed):\n    keep ="
            " np.random.default_rng(seed).random(x.shape) >= rate\n    return x[keep] /"
            " (1 - rate)\n"
        ),
        "x[keep] keeps only the selected values",
    ),
    (
        "ch04.q5",
        "standard deviation where the variance belongs: sqrt(std + epsilon)",
        (
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n    axes ="
            " tuple(range(x.ndim - 1))\n    mean, std = x.mean(axis=axes),"
            " x.std(axis=axes)\n    return gamma * (x - mean) / np.sqrt(std + epsilon)"
            " + beta\n"
        ),
        "not the standard deviation x.std(...)",
    ),
    (
        "ch05.q1",
        (
            "np.bincount(t * n + p) without minlength=n*n: reshape fails when the last"
            " classes are absent"
        ),
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n    codes ="
            " y_true.astype(int) * num_classes + y_pred.astype(int)\n    return"
            " np.bincount(codes).reshape(num_classes, num_classes)\n"
        ),
        "cannot reshape array",
    ),
    (
        "ch05.q2",
        "returns the macro averages (three floats) instead of one value per class",
        (
            "def precision_recall_f1(confusion):\n    correct ="
            " np.diag(confusion).astype(float)\n    predicted, actual ="
            " confusion.sum(axis=0), confusion.sum(axis=1)\n    precision ="
            " np.divide(correct, predicted, out=np.zeros(len(correct)), where=predicted"
            " > 0)\n    recall = np.divide(correct, actual, out=np.zeros(len(correct)),"
            " where=actual > 0)\n    both = precision + recall\n    f1 = np.divide(2 *"
            " precision * recall, both, out=np.zeros(len(correct)), where=both > 0)\n  "
            "  return precision.mean(), recall.mean(), f1.mean()\n"
        ),
        "expected a NumPy array of shape (3,)",
    ),
    (
        "ch05.q3",
        (
            "np.isin(labels, top): asks whether each label is ANYWHERE in the top-k"
            " array, not in its own row"
        ),
        (
            "def top_k_accuracy(probabilities, labels, k):\n    top ="
            " np.argsort(probabilities, axis=1)[:, -k:]\n    return"
            " float(np.mean(np.isin(labels, top)))\n"
        ),
        "np.isin(labels, top) asks whether",
    ),
    (
        "ch05.q4",
        (
            "confidence = max(axis=1, keepdims=True) (a softmax habit): an (N, 1) mask"
            " indexes a 1-D array"
        ),
        (
            "def expected_calibration_error(probabilities, labels, n_bins=10):\n   "
            " confidence = probabilities.max(axis=1, keepdims=True)\n    correct ="
            " probabilities.argmax(axis=1) == labels\n    total = 0.0\n    for b in"
            " range(n_bins):\n        inside = (confidence > b / n_bins) & (confidence"
            " <= (b + 1) / n_bins)\n        if inside.any():\n            total +="
            " inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())\n"
            "    return float(total)\n"
        ),
        "without keepdims=True",
    ),
    (
        "ch05.q5",
        "p = successes // n (integer division): p is 0 (or 1)",
        (
            "import math\ndef wilson_interval(successes, n, z=1.96):\n    p = successes"
            " // n\n    d = 1 + z**2 / n\n    centre = (p + z**2 / (2 * n)) / d\n   "
            " half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / d\n    return"
            " centre - half, centre + half\n"
        ),
        "successes // n is integer division",
    ),
    (
        "ch05.q6",
        (
            "McNemar's chi-squared approximation (b - c)^2 / (b + c) instead of the"
            " exact binomial test"
        ),
        (
            "from scipy import stats\ndef mcnemar_p_value(correct_a, correct_b):\n    b"
            " = int(np.sum(correct_a & ~correct_b))\n    c = int(np.sum(~correct_a &"
            " correct_b))\n    if b + c == 0:\n        return 1.0\n    return"
            " float(stats.chi2.sf((b - c) ** 2 / (b + c), df=1))\n"
        ),
        "McNemar's chi-squared approximation",
    ),
    (
        "ch06.q1",
        (
            "a fresh keras.Input as the new model's input: the layers' outputs are not"
            " connected to it"
        ),
        (
            "def layer_outputs(model, layer_names):\n    inputs ="
            " keras.Input(shape=(28, 28, 1))\n    return keras.Model(inputs,"
            " [model.get_layer(name).output for name in layer_names])\n"
        ),
        "is not connected to `inputs`",
    ),
    (
        "ch06.q2",
        (
            "score = model(x) without [0, label]: the gradient of the sum of all"
            " probabilities (always 1) is ~0"
        ),
        (
            "def saliency_map(model, image, label):\n    x ="
            " tf.convert_to_tensor(image[None, :, :, None].astype('float32'))\n    with"
            " tf.GradientTape() as tape:\n        tape.watch(x)\n        score ="
            " model(x, training=False)\n    return np.abs(tape.gradient(score,"
            " x).numpy()[0, :, :, 0])\n"
        ),
        "you differentiated model(x) as a whole",
    ),
    (
        "ch06.q3",
        "multiplies the averaged gradients by the image instead of (image - baseline)",
        (
            "def integrated_gradients(model, image, label, baseline, steps=32):\n   "
            " alphas = (np.arange(steps) + 0.5) / steps\n    path = (baseline +"
            " alphas[:, None, None] * (image - baseline)).astype('float32')\n    x ="
            " tf.convert_to_tensor(path[..., None])\n    with tf.GradientTape() as"
            " tape:\n        tape.watch(x)\n        scores = model(x,"
            " training=False)[:, label]\n    gradients = tape.gradient(scores,"
            " x).numpy()[..., 0]\n    return image * gradients.mean(axis=0)\n"
        ),
        "not by the image",
    ),
    (
        "ch06.q3",
        "argument ignored: 32 midpoints hard-coded, whatever `steps` says",
        (
            "def integrated_gradients(model, image, label, baseline, steps=32):\n   "
            " alphas = (np.arange(32) + 0.5) / 32\n    path = (baseline + alphas[:,"
            " None, None] * (image - baseline)).astype('float32')\n    x ="
            " tf.convert_to_tensor(path[..., None])\n    with tf.GradientTape() as"
            " tape:\n        tape.watch(x)\n        scores = model(x,"
            " training=False)[:, label]\n    gradients = tape.gradient(scores,"
            " x).numpy()[..., 0]\n    return (image - baseline) *"
            " gradients.mean(axis=0)\n"
        ),
        "your function seems to ignore `steps`",
    ),
    (
        "ch06.q4",
        (
            "c = image (no .copy()): every 'copy' is the input itself, patched over and"
            " over"
        ),
        (
            "def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):\n   "
            " corners = range(0, 28 - patch + 1, stride)\n    copies = []\n    for top"
            " in corners:\n        for left in corners:\n            c = image\n       "
            "     c[top:top + patch, left:left + patch] = fill\n           "
            " copies.append(c)\n    batch = np.stack([image] + copies)[..., None]\n   "
            " scores = np.asarray(model(batch, training=False))[:, label]\n    return"
            " (scores[0] - scores[1:]).reshape(len(corners), len(corners))\n"
        ),
        "changed its input `image`",
    ),
    (
        "ch06.q5",
        (
            "SVD route with ratios from the singular values s, not their squares s**2"
            " (the variances)"
        ),
        (
            "def pca(x, k):\n    centered = x - x.mean(axis=0)\n    u, s, vt ="
            " np.linalg.svd(centered, full_matrices=False)\n    return centered @"
            " vt[:k].T, vt[:k], s[:k] / s.sum()\n"
        ),
        "Those are ratios of SINGULAR values",
    ),
]


# A fourth set (audit 4): 8 of these 32 messages were good before this set's nudges and
# the generic relations of exercises/_core.py (commit 4931a70).
AUDIT4 = [
    (
        "ch01.q1",
        (
            "pixels read as signed bytes, np.int8 ('a byte is int8'): pixels above 127"
            " become negative"
        ),
        (
            "def read_idx_bytes(raw):\n    ndim = raw[3]\n    dims ="
            " [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], 'big') for i in"
            " range(ndim)]\n    data = np.frombuffer(raw, dtype=np.int8, offset=4 + 4 *"
            " ndim)\n    return data.reshape(dims)\n"
        ),
        "expected uint8",
    ),
    (
        "ch01.q2",
        (
            "counts[labels] += 1 with fancy indexing: a repeated digit is counted once"
            " (no accumulation)"
        ),
        (
            "def class_counts(labels):\n    counts = np.zeros(10, dtype=int)\n   "
            " counts[labels] += 1\n    return counts\n"
        ),
        "counts[labels] += 1 adds 1 only ONCE",
    ),
    (
        "ch01.q3",
        (
            "images[labels == digit].mean() without axis: one number instead of a 28×28"
            " image"
        ),
        (
            "def mean_digit(images, labels, digit):\n    return images[labels =="
            " digit].astype(np.float64).mean()\n"
        ),
        "expected a NumPy array of shape (28, 28)",
    ),
    (
        "ch01.q4",
        "standardizes (x - mean) / std (z-score) where the text asks to scale to 0..1",
        (
            "def normalize(images):\n    x = images.astype(np.float32)\n    return (x -"
            " x.mean()) / x.std()\n"
        ),
        "that is standardization",
    ),
    (
        "ch01.q5",
        (
            "two separate rng.permutation calls for val and train: the parts overlap"
            " and miss indices"
        ),
        (
            "def split_indices(n, val_size, seed):\n    rng ="
            " np.random.default_rng(seed)\n    val = rng.permutation(n)[:val_size]\n   "
            " train = rng.permutation(n)[val_size:]\n    return train, val\n"
        ),
        "exactly once",
    ),
    (
        "ch02.q1",
        (
            "returns the LOG-softmax (logits - max - log(sum exp)): the log-sum-exp"
            " trick without the final exp"
        ),
        (
            "def softmax(logits):\n    shifted = logits - logits.max(axis=1,"
            " keepdims=True)\n    return shifted - np.log(np.exp(shifted).sum(axis=1,"
            " keepdims=True))\n"
        ),
        "the LOG-softmax",
    ),
    (
        "ch02.q2",
        (
            "one-hot form averaged over all N×C entries (np.mean of onehot * log p)"
            " instead of per row"
        ),
        (
            "def cross_entropy(probabilities, labels):\n    onehot ="
            " np.eye(probabilities.shape[1])[labels]\n    return float(-np.mean(onehot"
            " * np.log(np.clip(probabilities, 1e-7, 1.0))))\n"
        ),
        "divided by the",
    ),
    (
        "ch02.q3",
        "PyTorch's nn.Linear convention: x @ weights.T (weights stored as (out, in))",
        (
            "def dense_relu(x, weights, bias):\n    return np.maximum(0, x @ weights.T"
            " + bias)\n"
        ),
        "x @ weights, with no transpose",
    ),
    (
        "ch02.q4",
        "total = ... instead of total += ...: only the last layer is counted",
        (
            "def count_parameters(layer_sizes):\n    total = 0\n    for n_in, n_out in"
            " zip(layer_sizes[:-1], layer_sizes[1:]):\n        total = n_in * n_out +"
            " n_out\n    return total\n"
        ),
        "only the last layer is counted",
    ),
    (
        "ch02.q5",
        "general slicing without the guard for a shift at least as large as the image",
        (
            "def shift_images(images, dx, dy):\n    h, w = images.shape[1:]\n    out ="
            " np.zeros_like(images)\n    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w"
            " + min(dx, 0)] = \\\n        images[:, max(-dy, 0):h - max(dy, 0),"
            " max(-dx, 0):w - max(dx, 0)]\n    return out\n"
        ),
        "shift as large as the image",
    ),
    (
        "ch03.q1",
        (
            "applies ReLU to the result (as Conv2D(activation='relu') does): negative"
            " sums become 0"
        ),
        (
            "def conv2d(image, kernel):\n    kh, kw = kernel.shape\n    out ="
            " np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))\n    for i"
            " in range(out.shape[0]):\n        for j in range(out.shape[1]):\n         "
            "   out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)\n    return"
            " np.maximum(out, 0)\n"
        ),
        "every negative value set to 0",
    ),
    (
        "ch03.q2",
        "argument ignored: 2×2 pooling by four strided slices, whatever `size` says",
        (
            "def max_pool2d(image, size=2):\n    h, w = image.shape[0] // 2 * 2,"
            " image.shape[1] // 2 * 2\n    x = image[:h, :w]\n    return"
            " np.maximum.reduce([x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2,"
            " 1::2]])\n"
        ),
        "seems to ignore `size`",
    ),
    (
        "ch03.q3",
        (
            "'same' as the PyTorch padding kernel // 2 on each side: (n - k + 2*(k//2))"
            " // s + 1 (wrong for even kernels)"
        ),
        (
            "def conv_output_size(n, kernel, stride=1, padding='valid'):\n    pad ="
            " kernel // 2 if padding == 'same' else 0\n    return (n - kernel + 2 *"
            " pad) // stride + 1\n"
        ),
        "not a padding of kernel // 2",
    ),
    (
        "ch03.q4",
        "field starts at 0 instead of 1 (off by one: a pixel sees itself)",
        (
            "def receptive_field(layers):\n    field, jump = 0, 1\n    for kernel,"
            " stride in layers:\n        field += (kernel - 1) * jump\n        jump *="
            " stride\n    return field\n"
        ),
        "`field, jump = (0, 1)` gives where `field, jump = (1, 1)` is needed",
    ),
    (
        "ch03.q5",
        (
            "last layer Dense(10, activation='sigmoid') (a binary-classification habit)"
            " instead of softmax"
        ),
        (
            "def build_cnn():\n    return keras.Sequential([\n       "
            " keras.Input(shape=(28, 28, 1)),\n        layers.Conv2D(32, 3,"
            " activation='relu'),\n        layers.MaxPooling2D(2),\n       "
            " layers.Flatten(),\n        layers.Dense(10, activation='sigmoid'),\n   "
            " ])\n"
        ),
        "activation='softmax'",
    ),
    (
        "ch03.q5",
        (
            "one conv/pool pair, then Dense(512) straight after Flatten: 2.8 million"
            " parameters"
        ),
        (
            "def build_cnn():\n    return keras.Sequential([\n       "
            " keras.Input(shape=(28, 28, 1)),\n        layers.Conv2D(32, 3,"
            " activation='relu'),\n        layers.MaxPooling2D(2),\n       "
            " layers.Flatten(),\n        layers.Dense(512, activation='relu'),\n       "
            " layers.Dense(10, activation='softmax'),\n    ])\n"
        ),
        "keep it under 1,000,000",
    ),
    (
        "ch04.q1",
        (
            "Nesterov's look-ahead update (weights + momentum*velocity - lr*grad) where"
            " plain momentum is asked"
        ),
        (
            "def sgd_momentum_step(weights, grad, velocity, lr, momentum):\n   "
            " velocity = momentum * velocity - lr * grad\n    return weights + momentum"
            " * velocity - lr * grad, velocity\n"
        ),
        "Nesterov's look-ahead update",
    ),
    (
        "ch04.q2",
        "v accumulates the gradient, not its square: (1 - beta2) * grad",
        (
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v"
            " + (1 - beta2) * grad\n    m_hat, v_hat = m / (1 - beta1**t), v / (1 -"
            " beta2**t)\n    return weights - lr * m_hat / (np.sqrt(v_hat) + epsilon),"
            " m, v\n"
        ),
        "SQUARED gradient",
    ),
    (
        "ch04.q3",
        "cosine decays to 0 instead of to peak / final_div (final_div ignored)",
        (
            "import math\ndef one_cycle_lr(step, total_steps, peak, warmup=0.25,"
            " final_div=100.0):\n    warm = max(1.0, warmup * total_steps)\n    if step"
            " < warm:\n        return peak * (0.1 + 0.9 * step / warm)\n    progress ="
            " min(1.0, (step - warm) / max(1.0, total_steps - warm))\n    return peak *"
            " 0.5 * (1 + math.cos(math.pi * progress))\n"
        ),
        "the cosine ends at low = peak / final_div",
    ),
    (
        "ch04.q4",
        (
            "kept values scaled by 1 / rate instead of 1 / (1 - rate) (drop and keep"
            " probability mixed up)"
        ),
        (
            "def dropout_forward(x, rate, seed):\n    keep ="
            " np.random.default_rng(seed).random(x.shape) >= rate\n    return"
            " np.where(keep, x / rate, 0.0)\n"
        ),
        "are not x / (1 - rate)",
    ),
    (
        "ch04.q5",
        "arguments ignored: gamma and beta never applied (only the standardization)",
        (
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n    axes ="
            " tuple(range(x.ndim - 1))\n    return (x - x.mean(axis=axes)) /"
            " np.sqrt(x.var(axis=axes) + epsilon)\n"
        ),
        "scale by gamma and shift by beta",
    ),
    (
        "ch05.q1",
        (
            "np.histogram2d(y_true, y_pred, bins=num_classes)[0]: bins span the data's"
            " min..max, counts are floats"
        ),
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n    return"
            " np.histogram2d(y_true, y_pred, bins=num_classes)[0]\n"
        ),
        "np.histogram2d spreads its bins",
    ),
    (
        "ch05.q2",
        (
            "scikit-learn's precision_recall_fscore_support habit: returns a 4th array,"
            " the support"
        ),
        (
            "def precision_recall_f1(confusion):\n    correct ="
            " np.diag(confusion).astype(float)\n    predicted, actual ="
            " confusion.sum(axis=0), confusion.sum(axis=1)\n    precision ="
            " np.divide(correct, predicted, out=np.zeros(len(correct)), where=predicted"
            " > 0)\n    recall = np.divide(correct, actual, out=np.zeros(len(correct)),"
            " where=actual > 0)\n    both = precision + recall\n    f1 = np.divide(2 *"
            " precision * recall, both, out=np.zeros(len(correct)), where=both > 0)\n  "
            "  return precision, recall, f1, actual\n"
        ),
        "returned 4 values; expected 3",
    ),
    (
        "ch05.q3",
        (
            "np.argpartition(p, k)[:, -k:] (kth=k instead of -k): the last k are not"
            " the k largest"
        ),
        (
            "def top_k_accuracy(probabilities, labels, k):\n    top ="
            " np.argpartition(probabilities, k, axis=1)[:, -k:]\n    return"
            " float(np.mean((top == labels[:, None]).any(axis=1)))\n"
        ),
        "np.argpartition(probabilities, kth) needs",
    ),
    (
        "ch05.q4",
        (
            "signed gap (accuracy - confidence) without abs(): over- and"
            " under-confident bins cancel"
        ),
        (
            "def expected_calibration_error(probabilities, labels, n_bins=10):\n   "
            " confidence = probabilities.max(axis=1)\n    correct ="
            " probabilities.argmax(axis=1) == labels\n    total = 0.0\n    for b in"
            " range(n_bins):\n        inside = (confidence > b / n_bins) & (confidence"
            " <= (b + 1) / n_bins)\n        if inside.any():\n            total +="
            " inside.mean() * (correct[inside].mean() - confidence[inside].mean())\n   "
            " return float(total)\n"
        ),
        "take the ABSOLUTE gap",
    ),
    (
        "ch05.q5",
        "the half-width is not divided by the denominator d (only the centre is)",
        (
            "import math\ndef wilson_interval(successes, n, z=1.96):\n    p = successes"
            " / n\n    d = 1 + z**2 / n\n    centre = (p + z**2 / (2 * n)) / d\n   "
            " half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))\n    return"
            " centre - half, centre + half\n"
        ),
        "divide the half-width by d",
    ),
    (
        "ch05.q6",
        "binomial n = all images (len(correct_a)) instead of the disagreements b + c",
        (
            "import math\ndef mcnemar_p_value(correct_a, correct_b):\n    b ="
            " int(np.sum(correct_a & ~correct_b))\n    c = int(np.sum(~correct_a &"
            " correct_b))\n    if b + c == 0:\n        return 1.0\n    n ="
            " len(correct_a)\n    return min(1.0, 2 * sum(math.comb(n, i) for i in"
            " range(min(b, c) + 1)) / 2**n)\n"
        ),
        "n = b + c, not the number of images",
    ),
    (
        "ch06.q1",
        (
            "outputs collected in the MODEL's layer order ([l.output for l in"
            " model.layers if l.name in names]), not the order asked"
        ),
        (
            "def layer_outputs(model, layer_names):\n    outputs = [layer.output for"
            " layer in model.layers if layer.name in layer_names]\n    return"
            " keras.Model(model.inputs[0], outputs)\n"
        ),
        "Use model.get_layer(name).output",
    ),
    (
        "ch06.q2",
        (
            "score = model.predict(x)[0, label] inside the tape: predict returns NumPy,"
            " so nothing is recorded"
        ),
        (
            "def saliency_map(model, image, label):\n    x ="
            " tf.convert_to_tensor(image[None, :, :, None].astype('float32'))\n    with"
            " tf.GradientTape() as tape:\n        tape.watch(x)\n        score ="
            " model.predict(x, verbose=0)[0, label]\n    return"
            " np.abs(tape.gradient(score, x).numpy()[0, :, :, 0])\n"
        ),
        "tf.GradientTape can only follow TensorFlow operations",
    ),
    (
        "ch06.q3",
        (
            "differentiates tf.reduce_mean of the path's scores, then averages again:"
            " attributions 1/steps too small"
        ),
        (
            "def integrated_gradients(model, image, label, baseline, steps=32):\n   "
            " alphas = (np.arange(steps) + 0.5) / steps\n    path = (baseline +"
            " alphas[:, None, None] * (image - baseline)).astype('float32')\n    x ="
            " tf.convert_to_tensor(path[..., None])\n    with tf.GradientTape() as"
            " tape:\n        tape.watch(x)\n        score = tf.reduce_mean(model(x,"
            " training=False)[:, label])\n    gradients = tape.gradient(score,"
            " x).numpy()[..., 0]\n    return (image - baseline) *"
            " gradients.mean(axis=0)\n"
        ),
        "divided by `steps` (32)",
    ),
    (
        "ch06.q4",
        (
            "corners range(0, 28, stride): also patches that stick out past the edge"
            " (too many positions)"
        ),
        (
            "def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):\n   "
            " corners = range(0, 28, stride)\n    copies = []\n    for top in"
            " corners:\n        for left in corners:\n            c = image.copy()\n   "
            "         c[top:top + patch, left:left + patch] = fill\n           "
            " copies.append(c)\n    batch = np.stack([image] + copies)[..., None]\n   "
            " scores = np.asarray(model(batch, training=False))[:, label]\n    return"
            " (scores[0] - scores[1:]).reshape(len(corners), len(corners))\n"
        ),
        "range(0, 28 - patch + 1, stride)",
    ),
    (
        "ch06.q5",
        (
            "np.cov(centered) without .T (np.cov takes ROWS as variables): an n×n"
            " covariance of the samples"
        ),
        (
            "def pca(x, k):\n    centered = x - x.mean(axis=0)\n    values, vectors ="
            " np.linalg.eigh(np.cov(centered))\n    order ="
            " np.argsort(values)[::-1][:k]\n    components = vectors[:, order].T\n   "
            " return centered @ components.T, components, values[order] /"
            " values.sum()\n"
        ),
        "np.cov treats each ROW as a variable",
    ),
]


# A fifth set (audit 5): 13 of its 32 messages were good at commit 3676bf0; these got a
# hint after it (the others are in the closing note of issue 20).
AUDIT5 = [
    (
        "ch01.q2",
        "returns the SHARE of each digit (counts / len(labels)) instead of the counts",
        (
            "def class_counts(labels):\n    return np.bincount(labels, minlength=10) /"
            " len(labels)\n"
        ),
        "return the COUNTS",
    ),
    (
        "ch01.q4",
        (
            "in-place division images /= 255.0 on the uint8 input (mutating the input;"
            " NumPy refuses the cast)"
        ),
        "def normalize(images):\n    images /= 255.0\n    return images\n",
        "images /= 255 tries to write floats",
    ),
    (
        "ch02.q2",
        (
            "log of the mean probability, -log(mean(p_true)), instead of the mean of"
            " the logs"
        ),
        (
            "def cross_entropy(probabilities, labels):\n    p_true ="
            " probabilities[np.arange(len(labels)), labels]\n    return"
            " float(-np.log(np.clip(np.mean(p_true), 1e-7, 1.0)))\n"
        ),
        "not -log of the mean probability",
    ),
    (
        "ch02.q4",
        "forgot to add them up: returns the list of per-layer counts",
        (
            "def count_parameters(layer_sizes):\n    return [n_in * n_out + n_out for"
            " n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]\n"
        ),
        "expected ONE number",
    ),
    (
        "ch02.q5",
        (
            "y axis pointing UP (plot convention): positive dy moves the content up"
            " instead of down"
        ),
        (
            "def shift_images(images, dx, dy):\n    dy = -dy  # positive dy = up, as on"
            " a plot\n    h, w = images.shape[1:]\n    out = np.zeros_like(images)\n   "
            " if abs(dx) >= w or abs(dy) >= h:\n        return out\n    out[:, max(dy,"
            " 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \\\n        images[:,"
            " max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]\n    return out\n"
        ),
        "positive dy moves the digit DOWN",
    ),
    (
        "ch03.q1",
        (
            "np.mean of the window × kernel instead of np.sum (an averaging filter"
            " habit): divided by the kernel's size"
        ),
        (
            "def conv2d(image, kernel):\n    kh, kw = kernel.shape\n    out ="
            " np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))\n    for i"
            " in range(out.shape[0]):\n        for j in range(out.shape[1]):\n         "
            "   out[i, j] = np.mean(image[i:i + kh, j:j + kw] * kernel)\n    return"
            " out\n"
        ),
        (
            "`np.mean(image[i:i + kh, j:j + kw] * kernel)` gives where"
            " `np.sum(image[i:i + kh, j:j + kw] * kernel)`"
        ),
    ),
    (
        "ch03.q3",
        (
            "'valid' as (n - kernel + 1) // stride (the positions at stride 1, then"
            " divided by the stride)"
        ),
        (
            "def conv_output_size(n, kernel, stride=1, padding='valid'):\n    if"
            " padding == 'same':\n        return (n + stride - 1) // stride\n    return"
            " (n - kernel + 1) // stride\n"
        ),
        "the + 1 comes after the division",
    ),
    (
        "ch03.q4",
        "operator precedence: kernel - 1 * jump instead of (kernel - 1) * jump",
        (
            "def receptive_field(layers):\n    field, jump = 1, 1\n    for kernel,"
            " stride in layers:\n        field += kernel - 1 * jump\n        jump *="
            " stride\n    return field\n"
        ),
        "mind the brackets: (kernel - 1) * jump",
    ),
    (
        "ch03.q5",
        (
            "no keras.Input (a tf.keras 2 habit of letting the first call build the"
            " model): the model is never built"
        ),
        (
            "def build_cnn():\n    return keras.Sequential([\n        layers.Conv2D(32,"
            " 3, activation='relu'),\n        layers.MaxPooling2D(2),\n       "
            " layers.Flatten(),\n        layers.Dense(128, activation='relu'),\n       "
            " layers.Dense(10, activation='softmax'),\n    ])\n"
        ),
        "the model has no defined input",
    ),
    (
        "ch04.q3",
        (
            "warmup read as a number of STEPS (Keras' warmup_steps habit): warm ="
            " max(1, warmup), not warmup * total_steps"
        ),
        (
            "import math\ndef one_cycle_lr(step, total_steps, peak, warmup=0.25,"
            " final_div=100.0):\n    warm = max(1.0, warmup)\n    if step < warm:\n    "
            "    return peak * (0.1 + 0.9 * step / warm)\n    progress = min(1.0, (step"
            " - warm) / max(1.0, total_steps - warm))\n    low = peak / final_div\n   "
            " return low + (peak - low) * 0.5 * (1 + math.cos(math.pi * progress))\n"
        ),
        "`warmup` is a FRACTION of the run",
    ),
    (
        "ch05.q3",
        (
            "np.sort instead of np.argsort: compares the k largest probabilities"
            " (values) with the labels"
        ),
        (
            "def top_k_accuracy(probabilities, labels, k):\n    top ="
            " np.sort(probabilities, axis=1)[:, -k:]\n    return float(np.mean((top =="
            " labels[:, None]).any(axis=1)))\n"
        ),
        "np.sort returns the sorted probabilities",
    ),
    (
        "ch05.q6",
        (
            "tail summed up to max(b, c) instead of min(b, c): the p-value is (almost)"
            " always 1"
        ),
        (
            "import math\ndef mcnemar_p_value(correct_a, correct_b):\n    b ="
            " int(np.sum(correct_a & ~correct_b))\n    c = int(np.sum(~correct_a &"
            " correct_b))\n    n = b + c\n    if n == 0:\n        return 1.0\n    tail"
            " = sum(math.comb(n, i) for i in range(max(b, c) + 1)) / 2**n\n    return"
            " min(1.0, 2 * tail)\n"
        ),
        "the tail runs up to the SMALLER count",
    ),
]


# Mistakes no nudge foresees, named by the one edit of the reference (or of another
# right form of it) that gives the same results on every case (exercises/_mutants.py).
VARIANTS = [
    (
        "ch02.q1",
        "each column's maximum subtracted (axis=0), not each row's",
        (
            "def softmax(logits):\n    e = np.exp(logits - logits.max(axis=0,"
            " keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)\n"
        ),
        (
            "`logits.max(axis=0, keepdims=True)` gives where `logits.max(axis=1,"
            " keepdims=True)` is needed"
        ),
    ),
    (
        "ch05.q5",
        "the square root closed before the z²/4n² term",
        (
            "import math\ndef wilson_interval(successes, n, z=1.96):\n    p = successes"
            " / n\n    d = 1 + z**2 / n\n    c = (p + z**2 / (2*n)) / d\n    h = z *"
            " (math.sqrt(p*(1-p)/n) + z**2/(4*n**2)) / d\n    return c - h, c + h\n"
        ),
        "where `math.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2))` is needed",
    ),
    (
        "ch05.q5",
        "the centre not divided by the denominator",
        (
            "import math\ndef wilson_interval(successes, n, z=1.96):\n    p = successes"
            " / n\n    d = 1 + z**2 / n\n    c = p + z**2 / (2*n)\n    h = z *"
            " math.sqrt(p*(1-p)/n + z**2/(4*n**2)) / d\n    return c - h, c + h\n"
        ),
        "where `(p + z ** 2 / (2 * n)) / denominator` is needed",
    ),
    (
        "ch05.q6",
        "a one-sided p-value (the tail not doubled)",
        (
            "import math\ndef mcnemar_p_value(correct_a, correct_b):\n    b ="
            " int(np.sum(correct_a & ~correct_b))\n    c = int(np.sum(~correct_a &"
            " correct_b))\n    if b + c == 0:\n        return 1.0\n    return min(1.0,"
            " sum(math.comb(b + c, i) for i in range(min(b, c) + 1)) / 2**(b + c))\n"
        ),
        "where `min(1.0, 2 * tail)` is needed",
    ),
    (
        "ch01.q3",
        "the mean of every pixel of the digit's images (one number), not a mean image",
        (
            "def mean_digit(images, labels, digit):\n    return images[labels =="
            " digit].mean()\n"
        ),
        ".mean(axis=None)` gives where",
    ),
    (
        "ch03.q2",
        "pooling with the minimum",
        (
            "def max_pool2d(image, size=2):\n    h, w = image.shape[0] // size,"
            " image.shape[1] // size\n    return image[:h*size, :w*size].reshape(h,"
            " size, w, size).min(axis=(1, 3))\n"
        ),
        "`windows.min(axis=(1, 3))` gives where `windows.max(axis=(1, 3))` is needed",
    ),
    (
        "ch04.q2",
        "v's bias corrected with beta1 (the paper's form, one letter off)",
        (
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v"
            " + (1 - beta2) * grad ** 2\n    m_hat = m / (1 - beta1 ** t)\n    v_hat ="
            " v / (1 - beta1 ** t)\n    return weights - lr * m_hat / (np.sqrt(v_hat) +"
            " epsilon), m, v\n"
        ),
        "beta1 ** t)` gives where `",
    ),
    (
        "ch04.q1",
        (
            "velocity as a moving average of the gradients (Adam's m), then weights -"
            " lr * velocity"
        ),
        (
            "def sgd_momentum_step(weights, grad, velocity, lr, momentum):\n    v ="
            " momentum * velocity + (1 - momentum) * grad\n    return weights - lr *"
            " v, v\n"
        ),
        "a moving average of the gradients",
    ),
]

# A sixth audit's misleading and self-contradicting messages (247a89a).
AUDIT6 = [
    (
        "ch01.q1",
        "sizes read with np.frombuffer(dtype=np.int32): little-endian, not big-endian",
        (
            "def read_idx_bytes(raw):\n    ndim = raw[3]\n    sizes ="
            " np.frombuffer(raw, dtype=np.int32, count=ndim, offset=4)\n    data ="
            " np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)\n    return"
            " data.reshape(tuple(sizes))\n"
        ),
        "BIG-endian",
    ),
    (
        "ch02.q3",
        "a leaky ReLU (0.01 * z for negatives) instead of ReLU",
        (
            "def dense_relu(x, weights, bias):\n    z = x @ weights + bias\n    return"
            " np.where(z > 0, z, 0.01 * z)\n"
        ),
        "negatives let through where they should become 0",
    ),
    (
        "ch01.q2",
        "np.histogram(labels, bins=range(10)): 10 edges make 9 bins",
        (
            "def class_counts(labels):\n    counts, _ = np.histogram(labels,"
            " bins=range(10))\n    return counts\n"
        ),
        "`bins` are EDGES",
    ),
    (
        "ch03.q2",
        "windows start at (i, j) instead of (i * size, j * size)",
        (
            "def max_pool2d(image, size=2):\n    out = np.empty((image.shape[0] //"
            " size, image.shape[1] // size))\n    for i in range(out.shape[0]):\n      "
            "  for j in range(out.shape[1]):\n            out[i, j] = max(image[i + a,"
            " j + b] for a in range(size) for b in range(size))\n    return out\n"
        ),
        "starts at row i * size",
    ),
    (
        "ch04.q5",
        "variance summed by hand and divided by x.shape[0] only",
        (
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n    axes ="
            " tuple(range(x.ndim - 1))\n    mean = x.mean(axis=axes)\n    variance ="
            " ((x - mean) ** 2).sum(axis=axes) / x.shape[0]\n    return gamma * (x -"
            " mean) / np.sqrt(variance + epsilon) + beta\n"
        ),
        "not by x.shape[0]",
    ),
    (
        "ch05.q3",
        "argsort(...)[::-1] reverses the rows (images), not each row",
        (
            "def top_k_accuracy(probabilities, labels, k):\n    top ="
            " np.argsort(probabilities, axis=1)[::-1][:, :k]\n    return"
            " float(np.mean([labels[i] in top[i] for i in range(len(labels))]))\n"
        ),
        "reverses its ROWS",
    ),
    (
        "ch02.q4",
        "(n_in + 1) * (n_out + 1) per layer: a bias on both sides",
        (
            "def count_parameters(layer_sizes):\n    total = 0\n    for a, b in"
            " zip(layer_sizes, layer_sizes[1:]):\n        total += (a + 1) * (b + 1)\n "
            "   return total\n"
        ),
        "not (n_in + 1) * (n_out + 1)",
    ),
    (
        "ch03.q3",
        "'same' as round(n / stride) instead of rounding up",
        (
            "def conv_output_size(n, kernel, stride=1, padding='valid'):\n    if"
            " padding == 'same':\n        return round(n / stride)\n    return (n -"
            " kernel) // stride + 1\n"
        ),
        "is rounded UP",
    ),
    (
        "ch01.q3",
        "images[np.argwhere(mask)]: the (k, 1) indices add an axis",
        (
            "def mean_digit(images, labels, digit):\n    return"
            " images[np.argwhere(labels == digit)].astype(np.float64).mean(axis=0)\n"
        ),
        "np.argwhere gives a column of indices",
    ),
    (
        "ch02.q1",
        "logits clipped to [-100, 100] instead of shifted by their maximum",
        (
            "def softmax(logits):\n    e = np.exp(np.clip(logits, -100.0, 100.0))\n   "
            " return e / np.sum(e, axis=1, keepdims=True)\n"
        ),
        "clipping the logits changes them",
    ),
    (
        "ch02.q2",
        "the mean taken over the classes, not the images",
        (
            "def cross_entropy(probabilities, labels):\n    n, k ="
            " probabilities.shape\n    picked = np.maximum(probabilities[np.arange(n),"
            " labels], 1e-7)\n    return float(-np.log(picked).sum() / k)\n"
        ),
        "not by the number of classes",
    ),
    (
        "ch02.q5",
        "np.roll, then only the wrapped columns blanked",
        (
            "def shift_images(images, dx, dy):\n    out = np.roll(np.roll(images, dy,"
            " axis=1), dx, axis=2)\n    if dx > 0:\n        out[:, :, :dx] = 0\n    if"
            " dx < 0:\n        out[:, :, dx:] = 0\n    return out\n"
        ),
        "wraps the ROWS around too",
    ),
    (
        "ch03.q1",
        "output sized right, loops one position short",
        (
            "def conv2d(image, kernel):\n    kh, kw = kernel.shape\n    out ="
            " np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))\n    for i"
            " in range(image.shape[0] - kh):\n        for j in range(image.shape[1] -"
            " kw):\n            out[i, j] = (image[i:i + kh, j:j + kw] *"
            " kernel).sum()\n    return out\n"
        ),
        "the loops stop one position early",
    ),
    (
        "ch03.q1",
        "the window cut with the kernel's height and width swapped",
        (
            "def conv2d(image, kernel):\n    rows, cols = kernel.shape\n    H, W ="
            " image.shape\n    return np.array([[np.sum(image[i:i + cols, j:j + rows] *"
            " kernel) for j in range(W - cols + 1)]\n                     for i in"
            " range(H - rows + 1)])\n"
        ),
        "height and width swapped",
    ),
    (
        "ch03.q4",
        "the output-to-input recursion run from the first layer",
        (
            "def receptive_field(layers):\n    r = 1\n    for k, s in layers:\n       "
            " r = s * (r - 1) + k\n    return r\n"
        ),
        "in REVERSED order",
    ),
    (
        "ch04.q2",
        "bias correction by 1 - beta (the power t left out)",
        (
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v"
            " + (1 - beta2) * grad ** 2\n    step = lr * (m / (1 - beta1)) / (np.sqrt(v"
            " / (1 - beta2)) + epsilon)\n    return weights - step, m, v\n"
        ),
        "without the power t",
    ),
    (
        "ch05.q6",
        "b and c as each model's number of right answers",
        (
            "import math\ndef mcnemar_p_value(correct_a, correct_b):\n    b, c ="
            " int(correct_a.sum()), int(correct_b.sum())\n    n = b + c\n    if n =="
            " 0:\n        return 1.0\n    logs = [math.lgamma(n + 1) - math.lgamma(i +"
            " 1) - math.lgamma(n - i + 1) - n * math.log(2) for i in range(min(b, c) +"
            " 1)]\n    return min(1.0, 2 * float(np.exp(np.logaddexp.reduce(logs))))\n"
        ),
        "count the DISAGREEMENTS",
    ),
]


# A seventh audit's fresh mistakes (its answers, comments removed).
AUDIT7 = [
    (
        "ch01.q1",
        "np.array(list(raw[...])) builds an int64 array, not uint8",
        (
            "def read_idx_bytes(raw):\n    ndim = raw[3]\n    dims ="
            ' [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]\n'
            "    return np.array(list(raw[4 + 4 * ndim:])).reshape(dims)\n"
        ),
        "an array built from a Python list of ints",
    ),
    (
        "ch01.q5",
        "train = order[val_size + 1:]: off-by-one, one index lost",
        (
            "def split_indices(n, val_size, seed):\n    order ="
            " np.random.default_rng(seed).permutation(n)\n    return order[val_size +"
            " 1:], order[:val_size]\n"
        ),
        "in neither part",
    ),
    (
        "ch02.q2",
        "probabilities[labels] picks rows by label instead of [arange(N), label",
        (
            "def cross_entropy(probabilities, labels):\n    p_true ="
            " np.clip(probabilities[labels], 1e-7, 1.0)\n    return"
            " float(-np.mean(np.log(p_true)))\n"
        ),
        "picks whole ROWS",
    ),
    (
        "ch02.q2",
        "-log of the row's MAX probability (predicted class), not the true clas",
        (
            "def cross_entropy(probabilities, labels):\n    p ="
            " np.clip(probabilities.max(axis=1), 1e-7, 1.0)\n    return"
            " float(-np.mean(np.log(p)))\n"
        ),
        "not the largest one",
    ),
    (
        "ch02.q3",
        "bias reshaped to a column (bias.reshape(-1, 1))",
        (
            "def dense_relu(x, weights, bias):\n    return np.maximum(0, x @ weights +"
            " bias.reshape(-1, 1))\n"
        ),
        "don't reshape it into a column",
    ),
    (
        "ch02.q4",
        "biases counted for every layer, input included (+ sum(layer_sizes))",
        (
            "def count_parameters(layer_sizes):\n    weights = sum(a * b for a, b in"
            " zip(layer_sizes[:-1], layer_sizes[1:]))\n    return weights +"
            " sum(layer_sizes)\n"
        ),
        "the input layer has no biases",
    ),
    (
        "ch02.q5",
        "output allocated with np.zeros(images.shape): float64 instead of the i",
        (
            "def shift_images(images, dx, dy):\n    n, h, w = images.shape\n    out ="
            " np.zeros(images.shape)\n    if abs(dx) >= w or abs(dy) >= h:\n       "
            " return out\n    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx,"
            " 0)] = \\\n        images[:, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w -"
            " max(dx, 0)]\n    return out\n"
        ),
        "np.zeros_like(x) keeps",
    ),
    (
        "ch03.q1",
        "square images/kernels assumed: one size for both axes",
        (
            "def conv2d(image, kernel):\n    k = kernel.shape[0]\n    n ="
            " image.shape[0] - k + 1\n    out = np.zeros((n, n))\n    for i in"
            " range(n):\n        for j in range(n):\n            out[i, j] ="
            " np.sum(image[i:i + k, j:j + k] * kernel)\n    return out\n"
        ),
        "need not be square",
    ),
    (
        "ch03.q3",
        "'same' returns n (stride ignored)",
        (
            'def conv_output_size(n, kernel, stride=1, padding="valid"):\n    if'
            ' padding == "same":\n        return n\n    return (n - kernel) // stride'
            " + 1\n"
        ),
        "the stride still shrinks",
    ),
    (
        "ch03.q3",
        "'valid' rounded up: ceil((n - k) / s) + 1",
        (
            'import math\ndef conv_output_size(n, kernel, stride=1, padding="valid"):\n'
            '    if padding == "same":\n        return math.ceil(n / stride)\n   '
            " return math.ceil((n - kernel) / stride) + 1\n"
        ),
        "'valid' rounds DOWN",
    ),
    (
        "ch04.q1",
        "weights moved by the OLD velocity before it is updated",
        (
            "def sgd_momentum_step(weights, grad, velocity, lr, momentum):\n   "
            " new_weights = weights + velocity\n    new_velocity = momentum * velocity"
            " - lr * grad\n    return new_weights, new_velocity\n"
        ),
        "by the NEW velocity",
    ),
    (
        "ch04.q1",
        "returns (velocity, weights): wrong order",
        (
            "def sgd_momentum_step(weights, grad, velocity, lr, momentum):\n   "
            " velocity = momentum * velocity - lr * grad\n    return velocity, weights"
            " + velocity\n"
        ),
        "right values, wrong order",
    ),
    (
        "ch04.q2",
        "moving averages with weights swapped: beta*grad + (1-beta)*m",
        (
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n    m = beta1 * grad + (1 - beta1) * m\n    v = beta2 *"
            " grad ** 2 + (1 - beta2) * v\n    m_hat, v_hat = m / (1 - beta1 ** t), v /"
            " (1 - beta2 ** t)\n    return weights - lr * m_hat / (np.sqrt(v_hat) +"
            " epsilon), m, v\n"
        ),
        "beta weighs the OLD average",
    ),
    (
        "ch05.q2",
        "plain division: nan where a class is never predicted/never occurs",
        (
            "def precision_recall_f1(confusion):\n    confusion ="
            " confusion.astype(float)\n    tp = np.diag(confusion)\n    with"
            ' np.errstate(divide="ignore", invalid="ignore"):\n        precision = tp /'
            " confusion.sum(axis=0)\n        recall = tp / confusion.sum(axis=1)\n     "
            "   f1 = 2 * precision * recall / (precision + recall)\n    return"
            " precision, recall, f1\n"
        ),
        "0 / 0 gives nan",
    ),
    (
        "ch05.q4",
        "confidence = probability of the true class, not the max probability",
        (
            "def expected_calibration_error(probabilities, labels, n_bins=10):\n   "
            " confidence = probabilities[np.arange(len(labels)), labels]\n    correct ="
            " probabilities.argmax(axis=1) == labels\n    total = 0.0\n    for b in"
            " range(n_bins):\n        inside = (confidence > b / n_bins) & (confidence"
            " <= (b + 1) / n_bins)\n        if inside.any():\n            total +="
            " inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())\n"
            "    return float(total)\n"
        ),
        "its HIGHEST probability",
    ),
    (
        "ch05.q5",
        "returns (centre, half_width) instead of (low, high)",
        (
            "import math\ndef wilson_interval(successes, n, z=1.96):\n    p = successes"
            " / n\n    d = 1 + z ** 2 / n\n    centre = (p + z ** 2 / (2 * n)) / d\n   "
            " half = z * math.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2)) / d\n   "
            " return centre, half\n"
        ),
        "the interval's two ends",
    ),
    (
        "ch05.q6",
        "b, c from correct_a - correct_b on boolean arrays (TypeError)",
        (
            "import math\ndef mcnemar_p_value(correct_a, correct_b):\n    diff ="
            " correct_a - correct_b\n    b = int(np.sum(diff == 1))\n    c ="
            " int(np.sum(diff == -1))\n    n = b + c\n    if n == 0:\n        return"
            " 1.0\n    return min(1.0, 2 * sum(math.comb(n, i) for i in range(min(b, c)"
            " + 1)) / 2 ** n)\n"
        ),
        "which NumPy does not subtract",
    ),
    (
        "ch05.q6",
        "p = 2 * P(X = min(b, c)): one binomial term instead of the tail sum",
        (
            "import math\ndef mcnemar_p_value(correct_a, correct_b):\n    b ="
            " int(np.sum(correct_a & ~correct_b))\n    c = int(np.sum(~correct_a &"
            " correct_b))\n    n = b + c\n    if n == 0:\n        return 1.0\n   "
            " return min(1.0, 2 * math.comb(n, min(b, c)) / 2 ** n)\n"
        ),
        "sums EVERY split",
    ),
]


# An eighth audit's fresh mistakes (its answers, comments removed). The first PASSED
# before its case was added: log(p + 1e-7) where the text clips p to at least 1e-7.
AUDIT8 = [
    (
        "ch02.q2",
        "log(p + 1e-7): epsilon added inside the log instead of clipping p",
        (
            "def cross_entropy(probabilities, labels):\n    p_true ="
            " probabilities[np.arange(len(labels)), labels]\n    return"
            " float(-np.mean(np.log(p_true + 1e-7)))\n"
        ),
        "np.clip(p, 1e-7, 1)",
    ),
    (
        "ch03.q1",
        "windows step by the kernel size (non-overlapping, as in pooling)",
        (
            "def conv2d(image, kernel):\n    kh, kw = kernel.shape\n    rows = range(0,"
            " image.shape[0] - kh + 1, kh)\n    cols = range(0, image.shape[1] - kw +"
            " 1, kw)\n    out = np.zeros((len(rows), len(cols)))\n    for a, i in"
            " enumerate(rows):\n        for b, j in enumerate(cols):\n           "
            " out[a, b] = np.sum(image[i : i + kh, j : j + kw] * kernel)\n    return"
            " out\n"
        ),
        "ONE pixel at a time",
    ),
    (
        "ch01.q1",
        "reshape(dims[0], -1): the images flattened to rows",
        (
            "def read_idx_bytes(raw):\n    ndim = raw[3]\n    dims ="
            ' [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in'
            " range(ndim)]\n    pixels = np.frombuffer(raw, dtype=np.uint8, offset=4 +"
            " 4 * ndim)\n    return pixels.reshape(dims[0], -1)\n"
        ),
        "every size the header gives",
    ),
    (
        "ch02.q4",
        "biases of the hidden layers only (layer_sizes[1:-1]): the output's forgotten",
        (
            "def count_parameters(layer_sizes):\n    weights = sum(a * b for a, b in"
            " zip(layer_sizes[:-1], layer_sizes[1:]))\n    biases ="
            " sum(layer_sizes[1:-1])\n    return weights + biases\n"
        ),
        "the OUTPUT layer's biases",
    ),
    (
        "ch02.q4",
        "biases from the second layer on (layer_sizes[2:]): the first one's forgotten",
        (
            "def count_parameters(layer_sizes):\n    weights = sum(a * b for a, b in"
            " zip(layer_sizes[:-1], layer_sizes[1:]))\n    return weights +"
            " sum(layer_sizes[2:])\n"
        ),
        "the FIRST layer's biases",
    ),
    (
        "ch03.q4",
        "field = (field + kernel - 1) * stride: the stride multiplies the field",
        (
            "def receptive_field(layers):\n    field = 1\n    for kernel, stride in"
            " layers:\n        field = (field + kernel - 1) * stride\n    return"
            " field\n"
        ),
        "running product of the strides",
    ),
    (
        "ch04.q2",
        "bias correction of m only: the step divides by sqrt(v) uncorrected",
        (
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v"
            " + (1 - beta2) * grad**2\n    m_hat = m / (1 - beta1**t)\n    return"
            " weights - lr * m_hat / (np.sqrt(v) + epsilon), m, v\n"
        ),
        "v is not",
    ),
    (
        "ch04.q3",
        "warm-up from peak / final_div instead of peak / 10",
        (
            "import math\ndef one_cycle_lr(step, total_steps, peak, warmup=0.25,"
            " final_div=100.0):\n    warm = max(1.0, warmup * total_steps)\n    low ="
            " peak / final_div\n    if step < warm:\n        return low + (peak - low)"
            " * step / warm\n    progress = min(1.0, (step - warm) / max(1.0,"
            " total_steps - warm))\n    return low + (peak - low) * 0.5 * (1 +"
            " math.cos(math.pi * progress))\n"
        ),
        "not at peak / final_div",
    ),
    (
        "ch05.q1",
        "cells indexed by position among the classes seen (np.unique)",
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n    classes ="
            " np.unique(np.concatenate([y_true, y_pred]))\n    index = {c: i for i, c"
            " in enumerate(classes)}\n    matrix = np.zeros((num_classes, num_classes),"
            " dtype=np.int64)\n    for t, p in zip(y_true, y_pred):\n       "
            " matrix[index[t], index[p]] += 1\n    return matrix\n"
        ),
        "the class numbers themselves",
    ),
    (
        "ch05.q2",
        "precision = TP / (TP + column sum): TP counted twice",
        (
            "def precision_recall_f1(confusion):\n    confusion = np.asarray(confusion,"
            " dtype=np.float64)\n    tp = np.diag(confusion)\n    fp ="
            " confusion.sum(axis=0)\n    fn = confusion.sum(axis=1) - tp\n    with"
            " np.errstate(divide='ignore', invalid='ignore'):\n        precision ="
            " np.nan_to_num(tp / (tp + fp))\n        recall = np.nan_to_num(tp / (tp +"
            " fn))\n        f1 = np.nan_to_num(2 * precision * recall / (precision +"
            " recall))\n    return precision, recall, f1\n"
        ),
        "counts TP twice",
    ),
    (
        "ch01.q2",
        "a Python list of the right counts",
        (
            "def class_counts(labels):\n    return [int(np.sum(labels == d)) for d in"
            " range(10)]\n"
        ),
        "return a NumPy array",
    ),
    (
        "ch03.q3",
        "true division in 'valid': a float",
        (
            "def conv_output_size(n, kernel, stride=1, padding='valid'):\n    if"
            " padding == 'same':\n        return (n + stride - 1) // stride\n    return"
            " (n - kernel) / stride + 1\n"
        ),
        "wrong on: n=28, kernel=3, stride=1, 'valid'",
    ),
    (
        "ch05.q6",
        "counts kept as NumPy int64: 2**n overflows",
        (
            "import math\ndef mcnemar_p_value(correct_a, correct_b):\n    b ="
            " np.sum(correct_a & ~correct_b)\n    c = np.sum(~correct_a & correct_b)\n "
            "   n = b + c\n    if n == 0:\n        return 1.0\n    tail ="
            " sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2**n\n    return"
            " min(1.0, 2 * tail)\n"
        ),
        "overflows",
    ),
]

# What those messages said before and must no longer say: a hint worked out from one
# input, reference code the learner never wrote, advice that does not apply.
AUDIT8_NOT = [
    (
        "ch03.q1",
        "windows step by the kernel size",
        AUDIT8[1][2],
        "off-by-one",
    ),
    (
        "ch03.q1",
        "windows step by 2 (no nudge: the shapes differ by another amount per input)",
        (
            "def conv2d(image, kernel):\n    kh, kw = kernel.shape\n    rows = range(0,"
            " image.shape[0] - kh + 1, 2)\n    cols = range(0, image.shape[1] - kw + 1,"
            " 2)\n    return np.array([[np.sum(image[i:i + kh, j:j + kw] * kernel)"
            " for j in cols] for i in rows], dtype=float)\n"
        ),
        "off-by-one",
    ),
    ("ch04.q2", "bias correction of m only", AUDIT8[6][2], "math.sqrt"),
    ("ch01.q2", "a Python list of the right counts", AUDIT8[10][2], "dtype=int"),
]


# Audit 9: fresh mistakes whose messages were weak or misleading; each pins a phrase
# of the message that names the cause (a nudge, or a generic rule of the core).
AUDIT9 = [
    (
        "ch01.q1",
        "reshape(dims, order='F')",
        (
            "def read_idx_bytes(raw):\n    ndim = raw[3]\n    dims ="
            ' [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in'
            " range(ndim)]\n    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4"
            ' * ndim)\n    return data.reshape(dims, order="F")\n'
        ),
        "row after row",
    ),
    (
        "ch01.q2",
        "one-hot comparison summed over the wrong axis",
        (
            "def class_counts(labels):\n    matches = labels[:, None] =="
            " np.arange(10)\n    return matches.sum(axis=1)\n"
        ),
        "one value per element of `labels`",
    ),
    (
        "ch01.q3",
        "pixel-wise MEDIAN instead of the mean",
        (
            "def mean_digit(images, labels, digit):\n    return np.median(images[labels"
            " == digit], axis=0)\n"
        ),
        "np.median",
    ),
    (
        "ch01.q4",
        "'values in 0-1' read as clipping",
        "def normalize(images):\n    return np.clip(images, 0, 1).astype(np.float32)\n",
        "does not scale",
    ),
    (
        "ch01.q5",
        "random mask rng.random(n) < val_size / n",
        (
            "def split_indices(n, val_size, seed):\n    rng ="
            " np.random.default_rng(seed)\n    in_val = rng.random(n) < val_size / n\n "
            "   indices = np.arange(n)\n    return indices[~in_val], indices[in_val]\n"
        ),
        "exactly val_size",
    ),
    (
        "ch02.q1",
        "element-wise sigmoid 1 /",
        "def softmax(logits):\n    return 1.0 / (1.0 + np.exp(-logits))\n",
        "sigmoid",
    ),
    (
        "ch02.q2",
        "forgot to average",
        (
            "def cross_entropy(probabilities, labels):\n    p_true ="
            " probabilities[np.arange(len(labels)), labels]\n    return"
            " -np.log(np.clip(p_true, 1e-7, 1.0))\n"
        ),
        "Their mean is the right answer",
    ),
    (
        "ch02.q5",
        "fills the uncovered pixels by repeating the edge",
        (
            "def shift_images(images, dx, dy):\n    n, h, w = images.shape\n    padded"
            " = np.pad(images, ((0, 0), (abs(dy), abs(dy)), (abs(dx), abs(dx))),"
            ' mode="edge")\n    top, left = abs(dy) - dy, abs(dx) - dx\n    return'
            " padded[:, top:top + h, left:left + w]\n"
        ),
        "must be 0",
    ),
    (
        "ch03.q1",
        "window sum over one axis only",
        (
            "def conv2d(image, kernel):\n    kh, kw = kernel.shape\n    out ="
            " np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))\n    for i"
            " in range(out.shape[0]):\n        for j in range(out.shape[1]):\n         "
            "   out[i, j] = (image[i:i + kh, j:j + kw] * kernel).sum(axis=0)\n   "
            " return out\n"
        ),
        "single number",
    ),
    (
        "ch03.q5",
        "return model.compile(...)",
        (
            "def build_cnn():\n    model = keras.Sequential([\n       "
            " keras.Input(shape=(28, 28, 1)),\n        layers.Conv2D(32, 3,"
            ' activation="relu"),\n        layers.MaxPooling2D(2),\n       '
            ' layers.Flatten(),\n        layers.Dense(10, activation="softmax"),\n   '
            ' ])\n    return model.compile(optimizer="adam",'
            ' loss="sparse_categorical_crossentropy", metrics=["accuracy"])\n'
        ),
        "model.compile(...) returns None",
    ),
    (
        "ch04.q1",
        "keeps the velocity in a module-level global instead of using the `velo",
        (
            "_velocity = None\n\ndef sgd_momentum_step(weights, grad, velocity, lr,"
            " momentum):\n    global _velocity\n    if _velocity is None:\n       "
            " _velocity = np.zeros_like(weights)\n    _velocity = momentum * _velocity"
            " - lr * grad\n    return weights + _velocity, _velocity\n"
        ),
        "between calls",
    ),
    (
        "ch04.q2",
        "beta1 and beta2 swapped in the bias corrections",
        (
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v"
            " + (1 - beta2) * grad**2\n    m_hat, v_hat = m / (1 - beta2**t), v / (1 -"
            " beta1**t)\n    return weights - lr * m_hat / (np.sqrt(v_hat) + epsilon),"
            " m, v\n"
        ),
        "ITS OWN beta",
    ),
    (
        "ch04.q3",
        "quarter cosine cos(pi/2 * p) instead of the half cosine 0.5 *",
        (
            "import math\n\ndef one_cycle_lr(step, total_steps, peak, warmup=0.25,"
            " final_div=100.0):\n    warm = max(1.0, warmup * total_steps)\n    if step"
            " < warm:\n        return peak * (0.1 + 0.9 * step / warm)\n    progress ="
            " min(1.0, (step - warm) / max(1.0, total_steps - warm))\n    low = peak /"
            " final_div\n    return low + (peak - low) * math.cos(math.pi / 2 *"
            " progress)\n"
        ),
        "quarter",
    ),
    (
        "ch04.q5",
        "epsilon hard-coded to PyTorch's 1e-5",
        (
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n    axes ="
            " tuple(range(x.ndim - 1))\n    mean, variance = x.mean(axis=axes),"
            " x.var(axis=axes)\n    return gamma * (x - mean) / np.sqrt(variance +"
            " 1e-5) + beta\n"
        ),
        "epsilon=1e-5",
    ),
    (
        "ch05.q1",
        "row-normalised matrix",
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n    matrix ="
            " np.zeros((num_classes, num_classes))\n    np.add.at(matrix, (y_true,"
            " y_pred), 1)\n    totals = matrix.sum(axis=1, keepdims=True)\n    return"
            " np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)\n"
        ),
        "rows add up to 1",
    ),
    (
        "ch05.q2",
        "np.trace instead of np.diag",
        (
            "def precision_recall_f1(confusion):\n    confusion = np.asarray(confusion,"
            " dtype=np.float64)\n    correct = np.trace(confusion)\n    predicted,"
            " actual = confusion.sum(axis=0), confusion.sum(axis=1)\n    precision ="
            " np.divide(correct, predicted, out=np.zeros_like(predicted),"
            " where=predicted > 0)\n    recall = np.divide(correct, actual,"
            " out=np.zeros_like(actual), where=actual > 0)\n    both = precision +"
            " recall\n    f1 = np.divide(2 * precision * recall, both,"
            " out=np.zeros_like(both), where=both > 0)\n    return precision, recall,"
            " f1\n"
        ),
        "np.trace",
    ),
    (
        "ch05.q4",
        "squared gap per bin",
        (
            "def expected_calibration_error(probabilities, labels, n_bins=10):\n   "
            " confidence = probabilities.max(axis=1)\n    correct ="
            " probabilities.argmax(axis=1) == labels\n    total = 0.0\n    for b in"
            " range(n_bins):\n        inside = (confidence > b / n_bins) & (confidence"
            " <= (b + 1) / n_bins)\n        if inside.any():\n            total +="
            " inside.mean() * (correct[inside].mean() - confidence[inside].mean()) **"
            " 2\n    return float(total)\n"
        ),
        "not its square",
    ),
    (
        "ch05.q5",
        "Wilson half-width but centred on the observed p instead of Wilson's sh",
        (
            "import math\n\ndef wilson_interval(successes, n, z=1.96):\n    p ="
            " successes / n\n    d = 1 + z**2 / n\n    half = z * math.sqrt(p * (1 - p)"
            " / n + z**2 / (4 * n**2)) / d\n    return p - half, p + half\n"
        ),
        "Wilson's centre",
    ),
    (
        "ch06.q2",
        "returns the gradient with its batch and channel axes, shape",
        (
            "def saliency_map(model, image, label):\n    x ="
            " tf.convert_to_tensor(image[None, :, :, None], dtype=tf.float32)\n    with"
            " tf.GradientTape() as tape:\n        tape.watch(x)\n        score ="
            " model(x, training=False)[0, label]\n    return"
            " np.abs(tape.gradient(score, x).numpy())\n"
        ),
        "[0, ..., 0]",
    ),
    (
        "ch06.q4",
        "relative drop",
        (
            "def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):\n   "
            " corners = range(0, image.shape[0] - patch + 1, stride)\n    occluded ="
            " []\n    for top in corners:\n        for left in corners:\n           "
            " copy = image.copy()\n            copy[top:top + patch, left:left + patch]"
            " = fill\n            occluded.append(copy)\n    batch = np.stack([image,"
            " *occluded])[..., None]\n    scores = np.asarray(model(batch,"
            " training=False))[:, label]\n    return ((scores[0] - scores[1:]) /"
            " scores[0]).reshape(len(corners), len(corners))\n"
        ),
        "relative",
    ),
    (
        "ch06.q5",
        "centres each ROW",
        (
            "def pca(x, k):\n    x = np.asarray(x, dtype=np.float64)\n    centered = x"
            " - x.mean(axis=1, keepdims=True)\n    variances, vectors ="
            " np.linalg.eigh(centered.T @ centered / (len(x) - 1))\n    order ="
            " np.argsort(variances)[::-1][:k]\n    components = vectors[:, order].T\n  "
            "  return centered @ components.T, components, variances[order] /"
            " variances.sum()\n"
        ),
        "each ROW",
    ),
    (
        "ch07.q2",
        "`if not weights",
        (
            "def ensemble_average(probabilities, weights=None):\n    stacked ="
            " np.asarray(probabilities)\n    if not weights:\n        return"
            " stacked.mean(axis=0)\n    w = np.asarray(weights, dtype=float)\n   "
            " return np.tensordot(w / w.sum(), stacked, axes=1)\n"
        ),
        "weights is None",
    ),
    (
        "ch07.q3",
        "reassigns `images` inside the loop",
        (
            "def tta_predict(model, images, shifts):\n    total = 0\n    for dx, dy in"
            " shifts:\n        images = shift_images(images, dx, dy)\n        total ="
            " total + model.predict(images[..., None], verbose=0)\n    return total /"
            " len(shifts)\n"
        ),
        "ORIGINAL images",
    ),
    (
        "ch07.q4",
        "keeps the channel axis",
        (
            "def fgsm(model, images, labels, epsilon):\n    x ="
            ' tf.convert_to_tensor(np.asarray(images, dtype="float32")[..., None])\n   '
            " with tf.GradientTape() as tape:\n        tape.watch(x)\n        loss ="
            " keras.losses.sparse_categorical_crossentropy(labels, model(x,"
            " training=False))\n    gradient = tape.gradient(loss, x).numpy()\n   "
            " return np.clip(x.numpy() + epsilon * np.sign(gradient), 0.0, 1.0)\n"
        ),
        "[..., 0]",
    ),
    (
        "ch02.q4",
        "hard-codes one hidden layer",
        (
            "def count_parameters(layer_sizes):\n    n_in, n_hidden, n_out ="
            " layer_sizes\n    return n_in * n_hidden + n_hidden + n_hidden * n_out +"
            " n_out\n"
        ),
        "don't unpack a fixed number of sizes",
    ),
    (
        "ch03.q4",
        "starts from the first layer",
        (
            "def receptive_field(layers):\n    field, jump = layers[0]\n    for kernel,"
            " stride in layers[1:]:\n        field += (kernel - 1) * jump\n        jump"
            " *= stride\n    return field\n"
        ),
        "Start from field = 1",
    ),
    # generic rules of the core, on other exercises than the ones above
    (
        "ch05.q3",
        "returns each row's hit (a bool per row), not their share",
        (
            "def top_k_accuracy(probabilities, labels, k):\n    top ="
            " np.argsort(probabilities, axis=1)[:, -k:]\n    return (top == labels[:,"
            " None]).any(axis=1)\n"
        ),
        "Their mean is the right answer",
    ),
    (
        "ch05.q1",
        "each column divided by its total (normalize='pred')",
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n    matrix ="
            " np.zeros((num_classes, num_classes))\n    np.add.at(matrix, (y_true,"
            " y_pred), 1)\n    totals = matrix.sum(axis=0)\n    return"
            " np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)\n"
        ),
        "columns add up to 1",
    ),
    (
        "ch03.q2",
        "window max over one axis only: .max(axis=0)",
        (
            "def max_pool2d(image, size=2):\n    h, w = image.shape[0] // size,"
            " image.shape[1] // size\n    out = np.zeros((h, w))\n    for i in"
            " range(h):\n        for j in range(w):\n            out[i, j] = image[i *"
            " size:(i + 1) * size, j * size:(j + 1) * size].max(axis=0)\n    return"
            " out\n"
        ),
        "single number",
    ),
    (
        "ch06.q3",
        "keeps the channel axis: (28, 28, 1)",
        (
            "def integrated_gradients(model, image, label, baseline, steps=32):\n   "
            ' alphas = (np.arange(steps, dtype="float32") + 0.5) / steps\n    path ='
            " baseline + alphas[:, None, None] * (image - baseline)\n    x ="
            " tf.convert_to_tensor(path[..., None], dtype=tf.float32)\n    with"
            " tf.GradientTape() as tape:\n        tape.watch(x)\n        scores ="
            " model(x, training=False)[:, label]\n    gradients = tape.gradient(scores,"
            " x).numpy()\n    return (image - baseline)[..., None] *"
            " gradients.mean(axis=0)\n"
        ),
        "[..., 0]",
    ),
    (
        "ch05.q2",
        "precision = TP / FP (the false positives alone)",
        (
            "def precision_recall_f1(confusion):\n    confusion = np.asarray(confusion,"
            " dtype=np.float64)\n    tp = np.diag(confusion)\n    fp ="
            " confusion.sum(axis=0) - tp\n    fn = confusion.sum(axis=1) - tp\n   "
            " precision = np.divide(tp, fp, out=np.zeros_like(tp), where=fp > 0)\n   "
            " recall = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=tp + fn >"
            " 0)\n    both = precision + recall\n    f1 = np.divide(2 * precision *"
            " recall, both, out=np.zeros_like(both), where=both > 0)\n    return"
            " precision, recall, f1\n"
        ),
        "goes above 1",
    ),
]

# What those messages said before and must no longer say.
AUDIT9_NOT = [
    ("ch02.q2", "forgot to average", AUDIT9[6][2], "0-d array"),
    ("ch03.q5", "return model.compile(...)", AUDIT9[9][2], "Did you forget"),
    (
        "ch04.q1",
        "keeps the velocity in a module-level global instead of using the `velo",
        AUDIT9[10][2],
        "keepdims",
    ),
    ("ch06.q5", "centres each ROW", AUDIT9[20][2], "sum of ALL the covariance"),
]


def test_a_wrong_dtype_is_not_reported_as_right_on_every_input():
    passed, message = both(
        "ch01.q4", 'def normalize(images):\n    return images.astype("float") / 255\n'
    )
    assert (
        not passed
        and "dtype float64" in message
        and "right on 4 of the 4" not in message
    ), message


def test_no_variant_edits_a_while_condition():
    from mnist_course.exercises._mutants import variants

    def count_down(n):
        while n > 0:
            n = n - 2
        return n

    assert all(
        "n > 0" not in v.right or "n > 0" in v.wrong for v in variants(count_down)
    )
    assert any(v.wrong == "n - 3" or v.wrong == "n - 1" for v in variants(count_down))


def _shrink(x, t):
    return x * math.sqrt(1 - 0.5**t)


def test_a_variant_that_raises_on_another_input_does_not_explain_it():
    # Audit 11: `t ** beta2` for `beta2 ** t` gives the learner's value at t=1 and a
    # math domain error at t=3, where the learner's function returned a value: it
    # explains one input, not "every input checked".
    from mnist_course.exercises._core import Case, Exercise

    exercise = Exercise(
        "test.q1",
        "shrink",
        _shrink,
        lambda: [Case((2.0, 1), "t=1"), Case((2.0, 3), "t=3")],
        "a hint",
    )
    result = exercise.grade(lambda x, t: 0.0)
    assert not result.passed and "t ** 0.5" not in result.message, result.message


# The ch02.q2 case that fails log(p + 1e-7) must not fail other ways of clipping to
# at least 1e-7.
AUDIT8_CORRECT = [
    (
        "ch02.q2",
        "np.maximum(p, 1e-7)",
        (
            "def cross_entropy(probabilities, labels):\n    p_true ="
            " probabilities[np.arange(len(labels)), labels]\n    return"
            " float(-np.mean(np.log(np.maximum(p_true, 1e-7))))\n"
        ),
    ),
    (
        "ch02.q2",
        "the whole matrix clipped first, then the true classes picked",
        (
            "def cross_entropy(probabilities, labels):\n    p = np.clip(probabilities,"
            " 1e-7, 1.0)\n    return float(-np.log(p[np.arange(len(labels)),"
            " labels]).mean())\n"
        ),
    ),
    (
        "ch02.q2",
        "np.where(p < 1e-7, 1e-7, p) in a loop over the rows",
        (
            "def cross_entropy(probabilities, labels):\n    losses = []\n    for row,"
            " label in zip(probabilities, labels):\n        p = row[label]\n       "
            " losses.append(-np.log(np.where(p < 1e-7, 1e-7, p)))\n    return"
            " float(np.mean(losses))\n"
        ),
    ),
]


# A fresh audit (10) after audits 8 and 9's fixes found three wrong answers that passed:
# a cap the cases never reached, a layer after the softmax, outputs as a dict.
AUDIT10 = [
    (
        "ch02.q3",
        "ReLU6: the outputs capped at 6",
        (
            "def dense_relu(x, weights, bias):\n    z = x @ weights + bias\n"
            "    return np.minimum(np.maximum(0.0, z), 6.0)\n"
        ),
        "as large as 13.5",
    ),
    (
        "ch03.q5",
        "a Dropout layer after the softmax",
        (
            "def build_cnn():\n    return keras.Sequential(\n        [\n"
            "            keras.Input(shape=(28, 28, 1)),\n"
            '            layers.Conv2D(32, 3, activation="relu"),\n'
            "            layers.MaxPooling2D(2),\n            layers.Flatten(),\n"
            '            layers.Dense(64, activation="relu"),\n'
            '            layers.Dense(10, activation="softmax"),\n'
            "            layers.Dropout(0.5),\n        ]\n    )\n"
        ),
        "ends with a Dropout layer",
    ),
    (
        "ch06.q1",
        "the outputs given as a dict {name: output}",
        (
            "def layer_outputs(model, layer_names):\n    outputs = {name:"
            " model.get_layer(name).output for name in layer_names}\n"
            "    return keras.Model(model.inputs[0], outputs)\n"
        ),
        "outputs are a dict",
    ),
    (
        "ch02.q2",
        "labels treated as one-hot rows",
        (
            "def cross_entropy(probabilities, labels):\n    p = np.clip(probabilities,"
            " 1e-7, 1.0)\n    return float(-np.mean(np.sum(labels * np.log(p),"
            " axis=1)))\n"
        ),
        "one class number per row",
    ),
    (
        "ch04.q4",
        "a new default_rng(seed) for every value: all kept",
        (
            "def dropout_forward(x, rate, seed):\n    out = np.zeros_like(x)\n    for"
            " index in np.ndindex(x.shape):\n        if"
            " np.random.default_rng(seed).random() < rate:\n            out[index] ="
            " 0.0\n        else:\n            out[index] = x[index] / (1 - rate)\n"
            "    return out\n"
        ),
        "you dropped none of the values",
    ),
    (
        "ch05.q6",
        "the tail summed up to b instead of min(b, c)",
        (
            "import math\n\ndef mcnemar_p_value(correct_a, correct_b):\n    b ="
            " int(np.sum(correct_a & ~correct_b))\n    c = int(np.sum(~correct_a &"
            " correct_b))\n    n = b + c\n    if n == 0:\n        return 1.0\n"
            "    tail = sum(math.comb(n, i) for i in range(b + 1)) / 2**n\n"
            "    return min(1.0, 2 * tail)\n"
        ),
        "up to the SMALLER count",
    ),
    (
        "ch02.q1",
        "max subtracted in the numerator only",
        (
            "def softmax(logits):\n"
            "    top = logits.max(axis=1, keepdims=True)\n"
            "    return np.exp(logits - top) / np.exp(logits).sum(axis=1,"
            " keepdims=True)\n"
        ),
        "denominator too",
    ),
    (
        "ch02.q4",
        "one bias per LAYER (a perceptron habit) instead of one per u",
        (
            "def count_parameters(layer_sizes):\n"
            "    weights = sum(a * b for a, b in zip(layer_sizes[:-1],"
            " layer_sizes[1:]))\n"
            "    return weights + len(layer_sizes) - 1\n"
        ),
        "one bias per OUTPUT UNIT",
    ),
    (
        "ch03.q2",
        "strided subsampling image[",
        (
            "def max_pool2d(image, size=2):\n"
            "    h, w = image.shape[0] // size, image.shape[1] // size\n"
            "    return image[::size, ::size][:h, :w]\n"
        ),
        "top-left pixel",
    ),
    (
        "ch04.q1",
        "learning rate applied twice",
        (
            "def sgd_momentum_step(weights, grad, velocity, lr, momentum):\n"
            "    velocity = momentum * velocity - lr * grad\n"
            "    return weights + lr * velocity, velocity\n"
        ),
        "applied once",
    ),
    (
        "ch05.q3",
        "the k-th class alone: [:, -k] for [:, -k:]",
        (
            "def top_k_accuracy(probabilities, labels, k):\n"
            "    kth = np.argsort(probabilities, axis=1)[:, -k]\n"
            "    return float(np.mean(kth == labels))\n"
        ),
        "k-th best class alone",
    ),
    (
        "ch05.q5",
        "Bessel's correction habit",
        (
            "import math\n"
            "\n"
            "def wilson_interval(successes, n, z=1.96):\n"
            "    p = successes / n\n"
            "    d = 1 + z**2 / n\n"
            "    centre = (p + z**2 / (2 * n)) / d\n"
            "    half = z * math.sqrt(p * (1 - p) / (n - 1) + z**2 / (4 * n**2)) / d\n"
            "    return centre - half, centre + half\n"
        ),
        "no Bessel correction",
    ),
]


# Chapter 8's mistakes, each named by its nudge.
CHAPTER8 = [
    (
        "ch08.q1",
        "divides by 256",
        (
            "def choose_scale_zero_point(low, high):\n"
            "    low, high = min(low, 0), max(high, 0)\n"
            "    scale = (high - low) / 256\n"
            "    return scale, int(round(-128 - low / scale))\n"
        ),
        "by 255, not 256",
    ),
    (
        "ch08.q1",
        "symmetric: max|x| / 127, zero point 0",
        (
            "def choose_scale_zero_point(low, high):\n"
            "    return max(abs(low), abs(high)) / 127, 0\n"
        ),
        "symmetric quantization",
    ),
    (
        "ch08.q1",
        "the range not widened to include 0",
        (
            "def choose_scale_zero_point(low, high):\n"
            "    scale = (high - low) / 255\n"
            "    return scale, int(round(-128 - low / scale))\n"
        ),
        "widen the range to include 0",
    ),
    (
        "ch08.q1",
        "the zero point's sign flipped",
        (
            "def choose_scale_zero_point(low, high):\n"
            "    low, high = min(low, 0), max(high, 0)\n"
            "    scale = (high - low) / 255\n"
            "    return scale, int(round(-128 + low / scale))\n"
        ),
        "zero point's sign is wrong",
    ),
    (
        "ch08.q1",
        "uint8's zero point",
        (
            "def choose_scale_zero_point(low, high):\n"
            "    low, high = min(low, 0), max(high, 0)\n"
            "    scale = (high - low) / 255\n"
            "    return scale, int(round(-low / scale))\n"
        ),
        "uint8's zero point",
    ),
    (
        "ch08.q1",
        "the zero point not rounded",
        (
            "def choose_scale_zero_point(low, high):\n"
            "    low, high = min(low, 0), max(high, 0)\n"
            "    scale = (high - low) / 255\n"
            "    return scale, -128 - low / scale\n"
        ),
        "round the zero point to the nearest integer",
    ),
    (
        "ch08.q1",
        "the zero point truncated by int()",
        (
            "def choose_scale_zero_point(low, high):\n"
            "    low, high = min(low, 0), max(high, 0)\n"
            "    scale = (high - low) / 255\n"
            "    return scale, int(-128 - low / scale)\n"
        ),
        "int() cuts the fraction off",
    ),
    (
        "ch08.q1",
        "low ignored",
        (
            "def choose_scale_zero_point(low, high):\n"
            "    return max(high, 0) / 255, -128\n"
        ),
        "use `low`",
    ),
    (
        "ch08.q1",
        "(zero_point, scale)",
        (
            "def choose_scale_zero_point(low, high):\n"
            "    low, high = min(low, 0), max(high, 0)\n"
            "    scale = (high - low) / 255\n"
            "    return int(round(-128 - low / scale)), scale\n"
        ),
        "return (scale, zero_point), in that order",
    ),
    (
        "ch08.q2",
        "cast to int8 before clipping",
        (
            "def quantize(x, scale, zero_point):\n"
            "    q = np.round(x / scale + zero_point).astype(np.int8)\n"
            "    return np.clip(q, -128, 127)\n"
        ),
        "before clipping",
    ),
    (
        "ch08.q2",
        "truncated by astype",
        (
            "def quantize(x, scale, zero_point):\n"
            "    return np.clip(x / scale + zero_point, -128, 127).astype(np.int8)\n"
        ),
        "cuts the fraction off",
    ),
    (
        "ch08.q2",
        "floor(v + 0.5): ties up",
        (
            "def quantize(x, scale, zero_point):\n"
            "    q = np.floor(x / scale + 0.5) + zero_point\n"
            "    return np.clip(q, -128, 127).astype(np.int8)\n"
        ),
        "rounds every tie up",
    ),
    (
        "ch08.q2",
        "the zero point forgotten",
        (
            "def quantize(x, scale, zero_point):\n"
            "    return np.clip(np.round(x / scale), -128, 127).astype(np.int8)\n"
        ),
        "add the zero point",
    ),
    (
        "ch08.q2",
        "the zero point subtracted",
        (
            "def quantize(x, scale, zero_point):\n"
            "    q = np.round(x / scale) - zero_point\n"
            "    return np.clip(q, -128, 127).astype(np.int8)\n"
        ),
        "ADD the zero point",
    ),
    (
        "ch08.q2",
        "multiplied by the scale",
        (
            "def quantize(x, scale, zero_point):\n"
            "    q = np.round(x * scale) + zero_point\n"
            "    return np.clip(q, -128, 127).astype(np.int8)\n"
        ),
        "divide by the scale",
    ),
    (
        "ch08.q2",
        "float result",
        (
            "def quantize(x, scale, zero_point):\n"
            "    return np.clip(np.round(x / scale) + zero_point, -128, 127)\n"
        ),
        "return int8 values",
    ),
    (
        "ch08.q3",
        "q - zero_point in int8",
        (
            "def dequantize(q, scale, zero_point):\n"
            "    return ((q - zero_point) * scale).astype(np.float32)\n"
        ),
        "computed in int8 and wraps round",
    ),
    (
        "ch08.q3",
        "the zero point added",
        (
            "def dequantize(q, scale, zero_point):\n"
            "    return ((q.astype(np.int32) + zero_point) *"
            " scale).astype(np.float32)\n"
        ),
        "SUBTRACT the zero point",
    ),
    (
        "ch08.q3",
        "divided by the scale",
        (
            "def dequantize(q, scale, zero_point):\n"
            "    return ((q.astype(np.int32) - zero_point) /"
            " scale).astype(np.float32)\n"
        ),
        "multiply by the scale",
    ),
    (
        "ch08.q3",
        "float64 result",
        (
            "def dequantize(q, scale, zero_point):\n"
            "    return (q.astype(float) - zero_point) * scale\n"
        ),
        "return float32",
    ),
    (
        "ch08.q4",
        "contiguous blocks",
        (
            "def shard_indices(n, num_workers, worker_index):\n"
            "    return np.array_split(np.arange(n), num_workers)[worker_index]\n"
        ),
        "contiguous block",
    ),
    (
        "ch08.q4",
        "the remainder dropped",
        (
            "def shard_indices(n, num_workers, worker_index):\n"
            "    return np.arange(n // num_workers) * num_workers + worker_index\n"
        ),
        "one example more",
    ),
    (
        "ch08.q4",
        "worker_index ignored",
        (
            "def shard_indices(n, num_workers, worker_index):\n"
            "    return np.arange(0, n, num_workers)\n"
        ),
        "use `worker_index`",
    ),
    (
        "ch08.q4",
        "starts at worker_index + 1",
        (
            "def shard_indices(n, num_workers, worker_index):\n"
            "    return np.arange(worker_index + 1, n, num_workers)\n"
        ),
        "counts from 0",
    ),
    (
        "ch08.q4",
        "stops at n - 1",
        (
            "def shard_indices(n, num_workers, worker_index):\n"
            "    return np.arange(worker_index, n - 1, num_workers)\n"
        ),
        "stop at n",
    ),
    (
        "ch08.q4",
        "reshape(-1, num_workers)",
        (
            "def shard_indices(n, num_workers, worker_index):\n"
            "    return np.arange(n).reshape(-1, num_workers)[:, worker_index]\n"
        ),
        "not always a multiple",
    ),
    (
        "ch08.q5",
        "plain mean of the replicas' means",
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    return [np.mean(np.stack(v), axis=0) for v in zip(*gradients)]\n"
        ),
        "ITS OWN counts[r]",
    ),
    (
        "ch08.q5",
        "weighted sum, not divided",
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    return [sum(c * g for c, g in zip(counts, v)) for v in"
            " zip(*gradients)]\n"
        ),
        "divide the weighted sum",
    ),
    (
        "ch08.q5",
        "divided by the number of replicas",
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    return [sum(c * g for c, g in zip(counts, v)) / len(counts) for v in"
            " zip(*gradients)]\n"
        ),
        "not by the number of",
    ),
    (
        "ch08.q5",
        "only the first variable",
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    return np.average(np.stack([g[0] for g in gradients]), axis=0,"
            " weights=counts)\n"
        ),
        "one averaged array per variable",
    ),
    (
        "ch08.q5",
        "averaged along the variable's own axis",
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    return [np.mean([r[v] for r in gradients], axis=1) for v in"
            " range(len(gradients[0]))]\n"
        ),
        "ACROSS the replicas",
    ),
    (
        "ch08.q5",
        "the loops swapped: one replica's variables added",
        (
            "def all_reduce_mean(gradients, counts):\n"
            "    return [sum(c * g for c, g in zip(counts, r)) / sum(counts) for r in"
            " gradients]\n"
        ),
        "only the same variable's gradients",
    ),
]


def _occlusion_answer(corner_step: str, drop: str) -> str:
    """A learner's occlusion_map whose corners step by ``corner_step`` and whose map is
    ``drop`` (the two places audit 11's occlusion mistakes differ)."""
    return (
        "def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):\n"
        "    image = np.asarray(image, dtype='float32')\n"
        f"    corners = range(0, image.shape[0] - patch + 1, {corner_step})\n"
        "    batch = [image]\n"
        "    for top in corners:\n"
        "        for left in corners:\n"
        "            c = image.copy()\n"
        "            c[top:top + patch, left:left + patch] = fill\n"
        "            batch.append(c)\n"
        "    scores = np.asarray(model(np.stack(batch)[..., None],"
        " training=False))[:, label]\n"
        f"    return ({drop}).reshape(len(corners), len(corners))\n"
    )


def _mcnemar_answer(no_disagreement: str, p_value: str) -> str:
    """A learner's McNemar test: b and c counted right, then what it returns when the
    models never disagree and the p-value it computes otherwise."""
    return (
        "import math\n"
        "def mcnemar_p_value(correct_a, correct_b):\n"
        "    b = int(np.sum(correct_a & ~correct_b))\n"
        "    c = int(np.sum(~correct_a & correct_b))\n"
        "    n = b + c\n"
        "    if n == 0:\n"
        f"        return {no_disagreement}\n"
        f"    return {p_value}\n"
    )


# A fresh audit (11) of chapters 1-6: 32 mistakes, 26 named their cause before these
# fixes (5 weak: expected vs got; 1 misleading: a one-edit variant that raised on the
# other inputs claimed to explain them); and 6 right answers written another way.
AUDIT11 = [
    (
        "ch01.q1",
        "pixel offset 4*ndim: the 4-byte magic number forgotten",
        (
            "def read_idx_bytes(raw):\n"
            "    ndim = raw[3]\n"
            "    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], 'big') for i in"
            " range(ndim)]\n"
            "    data = np.frombuffer(raw, dtype=np.uint8, offset=4 * ndim)\n"
            "    return data.reshape(dims)\n"
        ),
        "your pixels start 4 bytes too early",
    ),
    (
        "ch01.q2",
        "counts kept in np.zeros(10, dtype=labels.dtype): a uint8 tally wraps at 256",
        (
            "def class_counts(labels):\n"
            "    counts = np.zeros(10, dtype=labels.dtype)\n"
            "    for label in labels:\n"
            "        counts[label] += 1\n"
            "    return counts\n"
        ),
        "wrapped around at 256",
    ),
    (
        "ch01.q3",
        "mean over axis=1 (the rows of each image) instead of axis=0",
        (
            "def mean_digit(images, labels, digit):\n"
            "    return images[labels == digit].mean(axis=1)\n"
        ),
        "mean(axis=1)` gives where",
    ),
    (
        "ch01.q4",
        "divided by the batch's own maximum instead of 255",
        (
            "def normalize(images):\n"
            "    x = images.astype(np.float32)\n"
            "    return x / x.max()\n"
        ),
        "not by this batch's maximum",
    ),
    (
        "ch01.q5",
        "default_rng() without the seed: a new split on every call",
        (
            "def split_indices(n, val_size, seed):\n"
            "    order = np.random.default_rng().permutation(n)\n"
            "    return order[val_size:], order[:val_size]\n"
        ),
        "two calls with the same seed gave different splits",
    ),
    (
        "ch02.q1",
        "each column normalised (sum over axis=0)",
        (
            "def softmax(logits):\n"
            "    e = np.exp(logits - logits.max(axis=1, keepdims=True))\n"
            "    return e / e.sum(axis=0, keepdims=True)\n"
        ),
        "exps.sum(axis=0, keepdims=True)` gives",
    ),
    (
        "ch02.q2",
        "binary cross-entropy over all ten outputs (Keras binary_crossentropy habit)",
        (
            "def cross_entropy(probabilities, labels):\n"
            "    p = np.clip(probabilities, 1e-7, 1 - 1e-7)\n"
            "    onehot = np.eye(p.shape[1])[labels]\n"
            "    return float(-np.mean(np.sum(onehot * np.log(p) + (1 - onehot) *"
            " np.log(1 - p), axis=1)))\n"
        ),
        "that is binary cross-entropy",
    ),
    (
        "ch02.q3",
        "ReLU applied before the bias is added",
        (
            "def dense_relu(x, weights, bias):\n"
            "    return np.maximum(0.0, x @ weights) + bias\n"
        ),
        "add the bias BEFORE the ReLU",
    ),
    (
        "ch02.q4",
        "one bias per INPUT unit (n_in) instead of per output unit",
        (
            "def count_parameters(layer_sizes):\n"
            "    return sum(a * b + a for a, b in zip(layer_sizes[:-1],"
            " layer_sizes[1:]))\n"
        ),
        "one bias per OUTPUT unit",
    ),
    (
        "ch02.q5",
        "dx and dy swapped: dx moves rows, dy moves columns",
        (
            "def shift_images(images, dx, dy):\n"
            "    h, w = images.shape[1:]\n"
            "    out = np.zeros_like(images)\n"
            "    if abs(dx) >= h or abs(dy) >= w:\n"
            "        return out\n"
            "    out[:, max(dx, 0):h + min(dx, 0), max(dy, 0):w + min(dy, 0)] ="
            " images[:, max(-dx, 0):h - max(dx, 0), max(-dy, 0):w - max(dy, 0)]\n"
            "    return out\n"
        ),
        "dx moves along the columns",
    ),
    (
        "ch03.q1",
        "zero-padded 'same' convolution: output as large as the image",
        (
            "def conv2d(image, kernel):\n"
            "    kh, kw = kernel.shape\n"
            "    padded = np.pad(image.astype(float), ((kh // 2, kh - 1 - kh // 2), (kw"
            " // 2, kw - 1 - kw // 2)))\n"
            "    out = np.zeros(image.shape)\n"
            "    for i in range(image.shape[0]):\n"
            "        for j in range(image.shape[1]):\n"
            "            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * kernel)\n"
            "    return out\n"
        ),
        "use 'valid' convolution, without padding",
    ),
    (
        "ch03.q2",
        "ceil mode: a partial window at the edge is pooled too",
        (
            "def max_pool2d(image, size=2):\n"
            "    h, w = -(-image.shape[0] // size), -(-image.shape[1] // size)\n"
            "    out = np.zeros((h, w), dtype=image.dtype)\n"
            "    for i in range(h):\n"
            "        for j in range(w):\n"
            "            out[i, j] = image[i * size:(i + 1) * size, j * size:(j + 1) *"
            " size].max()\n"
            "    return out\n"
        ),
        "a window that would stick out of the image is dropped",
    ),
    (
        "ch03.q3",
        "'valid' without the + 1: counts the steps, not the positions",
        (
            "def conv_output_size(n, kernel, stride=1, padding='valid'):\n"
            "    if padding == 'same':\n"
            "        return -(-n // stride)\n"
            "    return (n - kernel) // stride\n"
        ),
        "count the first position too",
    ),
    (
        "ch03.q4",
        "jump multiplied by the stride BEFORE the layer's kernel is added",
        (
            "def receptive_field(layers):\n"
            "    field, jump = 1, 1\n"
            "    for kernel, stride in layers:\n"
            "        jump *= stride\n"
            "        field += (kernel - 1) * jump\n"
            "    return field\n"
        ),
        "update the field BEFORE the jump",
    ),
    (
        "ch03.q5",
        "no Flatten: Dense applied to the 4-D feature maps",
        (
            "def build_cnn():\n"
            "    return keras.Sequential([\n"
            "        keras.Input(shape=(28, 28, 1)),\n"
            "        layers.Conv2D(32, 3, activation='relu'),\n"
            "        layers.MaxPooling2D(2),\n"
            "        layers.Conv2D(64, 3, activation='relu'),\n"
            "        layers.MaxPooling2D(2),\n"
            "        layers.Dropout(0.5),\n"
            "        layers.Dense(128, activation='relu'),\n"
            "        layers.Dense(10, activation='softmax'),\n"
            "    ])\n"
        ),
        "Did you forget Flatten",
    ),
    (
        "ch04.q1",
        "dampened momentum: the gradient scaled by (1 - momentum)",
        (
            "def sgd_momentum_step(weights, grad, velocity, lr, momentum):\n"
            "    velocity = momentum * velocity - (1 - momentum) * lr * grad\n"
            "    return weights + velocity, velocity\n"
        ),
        "scaled by (1 - momentum)",
    ),
    (
        "ch04.q2",
        "bias corrections with t + 1 (t read as 0-based)",
        (
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n"
            "    m = beta1 * m + (1 - beta1) * grad\n"
            "    v = beta2 * v + (1 - beta2) * grad ** 2\n"
            "    alpha = lr * np.sqrt(1 - beta2 ** (t + 1)) / (1 - beta1 ** (t + 1))\n"
            "    return weights - alpha * m / (np.sqrt(v) + epsilon), m, v\n"
        ),
        "not beta**(t + 1)",
    ),
    (
        "ch04.q2",
        "m and v not updated: the step uses the old moments",
        (
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n"
            "    alpha = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)\n"
            "    new_w = weights - alpha * m / (np.sqrt(v) + epsilon)\n"
            "    m = beta1 * m + (1 - beta1) * grad\n"
            "    v = beta2 * v + (1 - beta2) * grad ** 2\n"
            "    return new_w, m, v\n"
        ),
        "uses the OLD m and v",
    ),
    (
        "ch04.q3",
        "linear decay after the warm-up instead of the cosine",
        (
            "import math\n"
            "def one_cycle_lr(step, total_steps, peak, warmup=0.25, final_div=100.0):\n"
            "    warm = max(1.0, warmup * total_steps)\n"
            "    if step < warm:\n"
            "        return peak * (0.1 + 0.9 * step / warm)\n"
            "    progress = min(1.0, (step - warm) / max(1.0, total_steps - warm))\n"
            "    low = peak / final_div\n"
            "    return low + (peak - low) * (1 - progress)\n"
        ),
        "not a straight line",
    ),
    (
        "ch04.q3",
        "warm-up from 0 instead of from peak / 10",
        (
            "import math\n"
            "def one_cycle_lr(step, total_steps, peak, warmup=0.25, final_div=100.0):\n"
            "    warm = max(1.0, warmup * total_steps)\n"
            "    if step < warm:\n"
            "        return peak * step / warm\n"
            "    progress = min(1.0, (step - warm) / max(1.0, total_steps - warm))\n"
            "    low = peak / final_div\n"
            "    return low + (peak - low) * 0.5 * (1 + math.cos(math.pi * progress))\n"
        ),
        "not at 0: peak * (0.1",
    ),
    (
        "ch04.q4",
        "keeps a value when random < rate: keeps a share `rate`, drops 1 - rate",
        (
            "def dropout_forward(x, rate, seed):\n"
            "    keep = np.random.default_rng(seed).random(x.shape) < rate\n"
            "    return np.where(keep, x / (1 - rate), 0.0)\n"
        ),
        "keep it when a uniform random number is",
    ),
    (
        "ch04.q5",
        "statistics over the LAST axis (layer norm) instead of over the batch",
        (
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n"
            "    mean = x.mean(axis=-1, keepdims=True)\n"
            "    var = x.var(axis=-1, keepdims=True)\n"
            "    return gamma * (x - mean) / np.sqrt(var + epsilon) + beta\n"
        ),
        "not each example across its features",
    ),
    (
        "ch05.q1",
        "rows are predictions, columns true labels (np.add.at with (y_pred, y_true))",
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n"
            "    m = np.zeros((num_classes, num_classes), dtype=np.int64)\n"
            "    np.add.at(m, (y_pred, y_true), 1)\n"
            "    return m\n"
        ),
        "rows are the TRUE classes",
    ),
    (
        "ch05.q2",
        "F1 as the arithmetic mean of precision and recall",
        (
            "def precision_recall_f1(confusion):\n"
            "    c = np.asarray(confusion, dtype=float)\n"
            "    tp = np.diag(c)\n"
            "    pred, act = c.sum(axis=0), c.sum(axis=1)\n"
            "    precision = np.divide(tp, pred, out=np.zeros_like(tp),"
            " where=pred > 0)\n"
            "    recall = np.divide(tp, act, out=np.zeros_like(tp), where=act > 0)\n"
            "    return precision, recall, (precision + recall) / 2\n"
        ),
        "F1 is the harmonic mean",
    ),
    (
        "ch05.q3",
        "np.argsort ascending then [:, :k]: the k LEAST likely classes",
        (
            "def top_k_accuracy(probabilities, labels, k):\n"
            "    top = np.argsort(probabilities, axis=1)[:, :k]\n"
            "    return float(np.mean(np.any(top == labels[:, None], axis=1)))\n"
        ),
        "the LAST k columns",
    ),
    (
        "ch05.q4",
        "bins weighted equally (a plain mean of the non-empty bins' gaps)",
        (
            "def expected_calibration_error(probabilities, labels, n_bins=10):\n"
            "    conf = probabilities.max(axis=1)\n"
            "    right = probabilities.argmax(axis=1) == labels\n"
            "    bins = np.clip(np.ceil(conf * n_bins).astype(int) - 1, 0,"
            " n_bins - 1)\n"
            "    gaps = [abs(right[bins == b].mean() - conf[bins == b].mean()) for b in"
            " range(n_bins) if np.any(bins == b)]\n"
            "    return float(np.mean(gaps))\n"
        ),
        "weight each bin's gap by the share",
    ),
    (
        "ch05.q5",
        "z**2 / n under the root instead of z**2 / (4 * n**2)",
        (
            "import math\n"
            "def wilson_interval(successes, n, z=1.96):\n"
            "    p = successes / n\n"
            "    d = 1 + z ** 2 / n\n"
            "    centre = (p + z ** 2 / (2 * n)) / d\n"
            "    half = z * math.sqrt(p * (1 - p) / n + z ** 2 / n) / d\n"
            "    return centre - half, centre + half\n"
        ),
        "not z**2 / n",
    ),
    (
        "ch05.q6",
        "two-sided p-value not capped at 1",
        _mcnemar_answer(
            no_disagreement="1.0",
            p_value="2 * sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2 ** n",
        ),
        "cap it at 1",
    ),
    (
        "ch06.q3",
        "path gradients summed instead of averaged",
        (
            "def integrated_gradients(model, image, label, baseline, steps=32):\n"
            "    image = np.asarray(image, dtype='float32')\n"
            "    baseline = np.asarray(baseline, dtype='float32')\n"
            "    alphas = (np.arange(steps, dtype='float32') + 0.5) / steps\n"
            "    x = tf.convert_to_tensor((baseline + alphas[:, None, None] * (image -"
            " baseline))[..., None])\n"
            "    with tf.GradientTape() as tape:\n"
            "        tape.watch(x)\n"
            "        s = model(x, training=False)[:, label]\n"
            "    return (image - baseline) * tape.gradient(s, x).numpy()[...,"
            " 0].sum(axis=0)\n"
        ),
        "multiplied by `steps` (32)",
    ),
    (
        "ch06.q4",
        "occluded minus original: the drop's sign flipped",
        _occlusion_answer(corner_step="stride", drop="scores[1:] - scores[0]"),
        "score(original) − score(occluded)",
    ),
    (
        "ch06.q5",
        "explained-variance ratio over the k kept components' total, not all",
        (
            "def pca(x, k):\n"
            "    x = np.asarray(x, dtype=float)\n"
            "    c = x - x.mean(axis=0)\n"
            "    vals, vecs = np.linalg.eigh(np.cov(c.T))\n"
            "    order = np.argsort(vals)[::-1][:k]\n"
            "    comps = vecs[:, order].T\n"
            "    return c @ comps.T, comps, vals[order] / vals[order].sum()\n"
        ),
        "Divide by the TOTAL variance",
    ),
    (
        "ch06.q4",
        "patches placed at stride `patch` (non-overlapping), stride ignored",
        _occlusion_answer(corner_step="patch", drop="scores[0] - scores[1:]"),
        "patch + 1, patch)` gives where",
    ),
]

AUDIT11_CORRECT = [
    (
        "ch01.q3",
        "float32 mean via sum / count",
        (
            "def mean_digit(images, labels, digit):\n"
            "    chosen = images[labels == digit].astype(np.float32)\n"
            "    return chosen.sum(axis=0) / len(chosen)\n"
        ),
    ),
    (
        "ch01.q4",
        "np.divide with dtype=np.float32",
        (
            "def normalize(images):\n"
            "    return np.divide(images, 255, dtype=np.float32)\n"
        ),
    ),
    (
        "ch03.q3",
        "'same' as math.ceil(n / stride)",
        (
            "import math\n"
            "def conv_output_size(n, kernel, stride=1, padding='valid'):\n"
            "    if padding == 'same':\n"
            "        return math.ceil(n / stride)\n"
            "    return 1 + (n - kernel) // stride\n"
        ),
    ),
    (
        "ch05.q3",
        "argsort of the negated probabilities, first k",
        (
            "def top_k_accuracy(probabilities, labels, k):\n"
            "    top = np.argsort(-probabilities, axis=1)[:, :k]\n"
            "    return float((top == np.asarray(labels).reshape(-1,"
            " 1)).any(axis=1).mean())\n"
        ),
    ),
    (
        "ch06.q5",
        "covariance divided by n (np.cov(bias=True)): same components and ratios",
        (
            "def pca(x, k):\n"
            "    x = np.asarray(x, dtype=float)\n"
            "    c = x - x.mean(axis=0)\n"
            "    vals, vecs = np.linalg.eigh(c.T @ c / len(x))\n"
            "    idx = np.argsort(vals)[::-1][:k]\n"
            "    comps = vecs[:, idx].T\n"
            "    return c @ comps.T, comps, vals[idx] / vals.sum()\n"
        ),
    ),
    (
        "ch04.q1",
        (
            "velocity via a loop-free in-place-safe form: v = momentum*v; v -= lr*grad"
            " on a copy"
        ),
        (
            "def sgd_momentum_step(weights, grad, velocity, lr, momentum):\n"
            "    v = velocity * momentum\n"
            "    v -= lr * grad\n"
            "    return weights + v, v\n"
        ),
    ),
]


# A fresh audit (12) of chapters 1-6: 32 mistakes, 17 named their cause before these
# fixes (13 weak: expected vs got, a bare exception or a generic hint; 2 misleading:
# a broadcast hint suggesting keepdims for a patch cut with two brackets, and "did you
# forget Flatten" for a functional model given the wrong output tensor); and 6 right
# answers written another way (all passed).
AUDIT12 = [
    (
        "ch01.q1",
        "forgot the reshape: returns the flat pixel bytes",
        (
            "def read_idx_bytes(raw):\n"
            "    ndim = raw[3]\n"
            "    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i"
            " in range(ndim)]\n"
            "    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)\n"
        ),
        "where `data.reshape(dims)` is needed",
    ),
    (
        "ch01.q2",
        "loop over range(9): digit 9 never counted",
        (
            "def class_counts(labels):\n"
            "    counts = np.zeros(10, dtype=int)\n"
            "    for d in range(9):\n"
            "        counts[d] = np.sum(labels == d)\n"
            "    return counts\n"
        ),
        "digit 9 is never counted",
    ),
    (
        "ch01.q3",
        "mean cast back to uint8 to keep it an image (fractions truncated)",
        (
            "def mean_digit(images, labels, digit):\n"
            "    return images[labels == digit].mean(axis=0).astype(np.uint8)\n"
        ),
        "cuts the fraction off",
    ),
    (
        "ch01.q4",
        "flattened to (N, 784) rows as a Dense layer wants",
        (
            "def normalize(images):\n"
            "    return images.reshape(len(images), -1).astype(np.float32) / 255.0\n"
        ),
        "keep the images' shape",
    ),
    (
        "ch01.q5",
        "no shuffle: validation is simply the first val_size indices",
        (
            "def split_indices(n, val_size, seed):\n"
            "    order = np.arange(n)\n"
            "    return order[val_size:], order[:val_size]\n"
        ),
        "a different seed gave the same split",
    ),
    (
        "ch02.q1",
        "each row's MIN subtracted instead of its max (exp still overflows)",
        (
            "def softmax(logits):\n"
            "    e = np.exp(logits - logits.min(axis=1, keepdims=True))\n"
            "    return e / e.sum(axis=1, keepdims=True)\n"
        ),
        "where `logits.max(axis=1, keepdims=True)` is needed",
    ),
    (
        "ch02.q2",
        "clipped at the wrong end: np.clip(p, 0, 1 - 1e-7), so p = 0 gives log(0)",
        (
            "def cross_entropy(probabilities, labels):\n"
            "    p = probabilities[np.arange(len(labels)), labels]\n"
            "    return float(-np.mean(np.log(np.clip(p, 0, 1 - 1e-7))))\n"
        ),
        "a probability of 0 gives log(0)",
    ),
    (
        "ch02.q4",
        "loop over range(len(sizes)) reads layer_sizes[i + 1] past the end",
        (
            "def count_parameters(layer_sizes):\n"
            "    total = 0\n"
            "    for i in range(len(layer_sizes)):\n"
            "        total += layer_sizes[i] * layer_sizes[i + 1] +"
            " layer_sizes[i + 1]\n"
            "    return total\n"
        ),
        "L sizes make only L - 1",
    ),
    (
        "ch02.q5",
        (
            "written for one image: height, width = images.shape (the batch axis"
            " forgotten)"
        ),
        (
            "def shift_images(images, dx, dy):\n"
            "    height, width = images.shape\n"
            "    out = np.zeros_like(images)\n"
            "    if abs(dx) >= width or abs(dy) >= height:\n"
            "        return out\n"
            "    out[max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx,"
            " 0)] = images[max(-dy, 0):height - max(dy, 0), max(-dx, 0):width -"
            " max(dx, 0)]\n"
            "    return out\n"
        ),
        "is a BATCH of images",
    ),
    (
        "ch02.q5",
        "dx's direction flipped: a positive dx moves the digit LEFT",
        (
            "def shift_images(images, dx, dy):\n"
            "    n, h, w = images.shape\n"
            "    out = np.zeros_like(images)\n"
            "    if abs(dx) >= w or abs(dy) >= h:\n"
            "        return out\n"
            "    dx = -dx\n"
            "    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] ="
            " images[:, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]\n"
            "    return out\n"
        ),
        "your shifts go the other way along x",
    ),
    (
        "ch03.q1",
        "chained indexing image[i:i+kh][j:j+kw]: the second slice cuts rows again",
        (
            "def conv2d(image, kernel):\n"
            "    kh, kw = kernel.shape\n"
            "    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))\n"
            "    for i in range(out.shape[0]):\n"
            "        for j in range(out.shape[1]):\n"
            "            out[i, j] = np.sum(image[i:i + kh][j:j + kw] * kernel)\n"
            "    return out\n"
        ),
        "its columns were never cut",
    ),
    (
        "ch03.q2",
        (
            "window loops range(0, h - size, size): the last row/column of"
            " windows missed"
        ),
        (
            "def max_pool2d(image, size=2):\n"
            "    h, w = image.shape\n"
            "    rows = []\n"
            "    for i in range(0, h - size, size):\n"
            "        rows.append([image[i:i + size, j:j + size].max() for j in"
            " range(0, w - size, size)])\n"
            "    return np.array(rows)\n"
        ),
        "the last window is missing",
    ),
    (
        "ch03.q3",
        "'same' rounded up by n // stride + 1",
        (
            "def conv_output_size(n, kernel, stride=1, padding='valid'):\n"
            "    if padding == 'same':\n"
            "        return n // stride + 1\n"
            "    return (n - kernel) // stride + 1\n"
        ),
        "what `(n + stride) // stride` gives",
    ),
    (
        "ch03.q4",
        "kernel * jump instead of (kernel - 1) * jump",
        (
            "def receptive_field(layers):\n"
            "    field, jump = 1, 1\n"
            "    for kernel, stride in layers:\n"
            "        field += kernel * jump\n"
            "        jump *= stride\n"
            "    return field\n"
        ),
        "what `kernel * jump` gives",
    ),
    (
        "ch03.q5",
        (
            "functional API: keras.Model(inputs, x) returns the hidden features,"
            " not the softmax output"
        ),
        (
            "def build_cnn():\n"
            "    inputs = keras.Input(shape=(28, 28, 1))\n"
            "    x = layers.Conv2D(32, 3, activation='relu')(inputs)\n"
            "    x = layers.MaxPooling2D(2)(x)\n"
            "    x = layers.Flatten()(x)\n"
            "    x = layers.Dense(64, activation='relu')(x)\n"
            "    outputs = layers.Dense(10, activation='softmax')(x)\n"
            "    return keras.Model(inputs, x)\n"
        ),
        "the tensor you pass as `outputs`",
    ),
    (
        "ch04.q1",
        "velocity right, but weights - velocity (the minus applied twice)",
        (
            "def sgd_momentum_step(weights, grad, velocity, lr, momentum):\n"
            "    velocity = momentum * velocity - lr * grad\n"
            "    return weights - velocity, velocity\n"
        ),
        "what `(weights - velocity, velocity)` gives",
    ),
    (
        "ch04.q2",
        "precedence: ... / np.sqrt(v) + epsilon adds epsilon to the weights",
        (
            "import math\n"
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9,"
            " beta2=0.999, epsilon=1e-7):\n"
            "    m = beta1 * m + (1 - beta1) * grad\n"
            "    v = beta2 * v + (1 - beta2) * grad ** 2\n"
            "    m_hat = m / (1 - beta1 ** t)\n"
            "    v_hat = v / (1 - beta2 ** t)\n"
            "    return weights - lr * m_hat / np.sqrt(v_hat) + epsilon, m, v\n"
        ),
        "epsilon is added to the WEIGHTS",
    ),
    (
        "ch04.q3",
        (
            "warm-up without the 0.9: peak * (0.1 + step / warm) overshoots to"
            " 1.1 * peak"
        ),
        (
            "import math\n"
            "def one_cycle_lr(step, total_steps, peak, warmup=0.25, final_div=100.0):\n"
            "    warm = max(1.0, warmup * total_steps)\n"
            "    if step < warm:\n"
            "        return peak * (0.1 + step / warm)\n"
            "    progress = min(1.0, (step - warm) / max(1.0, total_steps - warm))\n"
            "    low = peak / final_div\n"
            "    return low + (peak - low) * 0.5 * (1 + math.cos(math.pi * progress))\n"
        ),
        "what `peak * (0.1 + step / warm)` gives",
    ),
    (
        "ch04.q3",
        (
            "cosine progress (step - warm) / total_steps: never reaches the end"
            " of the cosine"
        ),
        (
            "import math\n"
            "def one_cycle_lr(step, total_steps, peak, warmup=0.25, final_div=100.0):\n"
            "    warm = max(1.0, warmup * total_steps)\n"
            "    if step < warm:\n"
            "        return peak * (0.1 + 0.9 * step / warm)\n"
            "    progress = (step - warm) / total_steps\n"
            "    low = peak / final_div\n"
            "    return low + (peak - low) * 0.5 * (1 + math.cos(math.pi * progress))\n"
        ),
        "what `max(1.0, total_steps)` gives",
    ),
    (
        "ch04.q4",
        (
            "one mask per feature, rng.random(x.shape[-1]): whole columns"
            " dropped together"
        ),
        (
            "def dropout_forward(x, rate, seed):\n"
            "    keep = np.random.default_rng(seed).random(x.shape[-1]) >= rate\n"
            "    return np.where(keep, x / (1 - rate), 0.0)\n"
        ),
        "every example dropped the same positions",
    ),
    (
        "ch04.q5",
        "divides by std + epsilon instead of sqrt(var + epsilon)",
        (
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n"
            "    axes = tuple(range(x.ndim - 1))\n"
            "    return gamma * (x - x.mean(axis=axes)) / (x.std(axis=axes) +"
            " epsilon) + beta\n"
        ),
        "epsilon goes inside the square root",
    ),
    (
        "ch05.q1",
        "matrix in the labels' dtype (uint8): cells above 255 wrap around",
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n"
            "    matrix = np.zeros((num_classes, num_classes), dtype=y_true.dtype)\n"
            "    np.add.at(matrix, (y_true, y_pred), 1)\n"
            "    return matrix\n"
        ),
        "your counts wrapped around at 256",
    ),
    (
        "ch05.q1",
        "size taken from the data, max label + 1 (num_classes ignored)",
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n"
            "    n = max(y_true.max(), y_pred.max()) + 1\n"
            "    matrix = np.zeros((n, n), dtype=np.int64)\n"
            "    np.add.at(matrix, (y_true, y_pred), 1)\n"
            "    return matrix\n"
        ),
        "Size it with `num_classes`",
    ),
    (
        "ch05.q2",
        (
            "np.divide(..., out=np.zeros_like(diag)) on the int confusion"
            " matrix: an int out array"
        ),
        (
            "def precision_recall_f1(confusion):\n"
            "    d = np.diag(confusion)\n"
            "    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)\n"
            "    p = np.divide(d, predicted, out=np.zeros_like(d),"
            " where=predicted > 0)\n"
            "    r = np.divide(d, actual, out=np.zeros_like(d), where=actual > 0)\n"
            "    f = np.divide(2 * p * r, p + r, out=np.zeros_like(p), where=p +"
            " r > 0)\n"
            "    return p, r, f\n"
        ),
        "a fraction cannot be stored in it",
    ),
    (
        "ch05.q3",
        "(top == labels) without [:, None]: broadcast across the wrong axis",
        (
            "def top_k_accuracy(probabilities, labels, k):\n"
            "    top = np.argsort(probabilities, axis=1)[:, -k:]\n"
            "    return float(np.mean((top == labels).any(axis=1)))\n"
        ),
        "or [:, None], keeps an axis",
    ),
    (
        "ch05.q4",
        "correct = max probability == label (a value compared, not argmax)",
        (
            "def expected_calibration_error(probabilities, labels, n_bins=10):\n"
            "    confidence = probabilities.max(axis=1)\n"
            "    correct = probabilities.max(axis=1) == labels\n"
            "    bins = np.minimum((np.ceil(confidence * n_bins) -"
            " 1).astype(int), n_bins - 1).clip(0)\n"
            "    total = 0.0\n"
            "    for b in range(n_bins):\n"
            "        inside = bins == b\n"
            "        if inside.any():\n"
            "            total += inside.mean() * abs(correct[inside].mean() -"
            " confidence[inside].mean())\n"
            "    return float(total)\n"
        ),
        "where `probabilities.argmax(axis=1)` is needed",
    ),
    (
        "ch05.q5",
        "z left out of the half-width (sqrt(...) / d only)",
        (
            "import math\n"
            "def wilson_interval(successes, n, z=1.96):\n"
            "    p = successes / n\n"
            "    d = 1 + z**2 / n\n"
            "    centre = (p + z**2 / (2 * n)) / d\n"
            "    half = math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / d\n"
            "    return centre - half, centre + half\n"
        ),
        "where `z * math.sqrt(",
    ),
    (
        "ch05.q6",
        "no disagreements returns 0.0 instead of 1.0",
        _mcnemar_answer(
            no_disagreement="0.0",
            p_value=(
                "min(1.0, 2 * sum(math.comb(n, i) for i in range(min(b, c) + 1)) /"
                " 2**n)"
            ),
        ),
        "the p-value is 1.0 (no evidence",
    ),
    (
        "ch06.q1",
        "returns the list of output tensors, not a Model",
        (
            "def layer_outputs(model, layer_names):\n"
            "    return [model.get_layer(name).output for name in layer_names]\n"
        ),
        "expected a keras.Model",
    ),
    (
        "ch06.q2",
        "softmax applied to the model's output again (treated as logits)",
        (
            "def saliency_map(model, image, label):\n"
            "    x = tf.convert_to_tensor(image[None, :, :, None].astype('float32'))\n"
            "    with tf.GradientTape() as tape:\n"
            "        tape.watch(x)\n"
            "        score = tf.nn.softmax(model(x))[0, label]\n"
            "    return np.abs(tape.gradient(score, x).numpy()[0, :, :, 0])\n"
        ),
        "already applies softmax",
    ),
    (
        "ch06.q3",
        "right Riemann sum: alphas = arange(1, steps + 1) / steps",
        (
            "def integrated_gradients(model, image, label, baseline, steps=32):\n"
            "    alphas = np.arange(1, steps + 1) / steps\n"
            "    x = tf.convert_to_tensor((baseline + alphas[:, None, None] *"
            " (image - baseline))[..., None].astype('float32'))\n"
            "    with tf.GradientTape() as tape:\n"
            "        tape.watch(x)\n"
            "        s = model(x)[:, label]\n"
            "    return (image - baseline) * tape.gradient(s, x).numpy()[...,"
            " 0].mean(axis=0)\n"
        ),
        "not (k + 1) / steps",
    ),
    (
        "ch06.q5",
        "argsort(...)[-k:] without reversing: the k largest, smallest first",
        (
            "def pca(x, k):\n"
            "    x = np.asarray(x, dtype=float)\n"
            "    c = x - x.mean(axis=0)\n"
            "    values, vectors = np.linalg.eigh(np.cov(c.T))\n"
            "    order = np.argsort(values)[-k:]\n"
            "    comps = vectors[:, order].T\n"
            "    return c @ comps.T, comps, values[order] / values.sum()\n"
        ),
        "Your ratios increase",
    ),
]


AUDIT12_CORRECT = [
    (
        "ch02.q2",
        "clip after the log: np.maximum(log p, log 1e-7)",
        (
            "def cross_entropy(probabilities, labels):\n"
            "    p = probabilities[np.arange(len(labels)), labels]\n"
            "    return float(-np.mean(np.maximum(np.log(p), np.log(1e-7))))\n"
        ),
    ),
    (
        "ch02.q5",
        "pixel loops over the destination, reading the source pixel",
        (
            "def shift_images(images, dx, dy):\n"
            "    n, h, w = images.shape\n"
            "    out = np.zeros_like(images)\n"
            "    for y in range(h):\n"
            "        for x in range(w):\n"
            "            sy, sx = y - dy, x - dx\n"
            "            if 0 <= sy < h and 0 <= sx < w:\n"
            "                out[:, y, x] = images[:, sy, sx]\n"
            "    return out\n"
        ),
    ),
    (
        "ch03.q1",
        "sliding_window_view and einsum",
        (
            "def conv2d(image, kernel):\n"
            "    windows = np.lib.stride_tricks.sliding_window_view(image,"
            " kernel.shape)\n"
            "    return np.einsum('ijkl,kl->ij', windows, kernel).astype(float)\n"
        ),
    ),
    (
        "ch04.q5",
        "mean and variance by hand with keepdims",
        (
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n"
            "    axes = tuple(range(x.ndim - 1))\n"
            "    mu = np.mean(x, axis=axes, keepdims=True)\n"
            "    var = np.mean((x - mu) ** 2, axis=axes, keepdims=True)\n"
            "    return (x - mu) / np.sqrt(var + epsilon) * gamma + beta\n"
        ),
    ),
    (
        "ch05.q5",
        "Wilson's half-width as sqrt((p(1-p) + z^2/4n) / n)",
        (
            "import math\n"
            "def wilson_interval(successes, n, z=1.96):\n"
            "    p = successes / n\n"
            "    d = 1 + z * z / n\n"
            "    centre = (p + z * z / (2 * n)) / d\n"
            "    half = z / d * math.sqrt((p * (1 - p) + z * z / (4 * n)) / n)\n"
            "    return (centre - half, centre + half)\n"
        ),
    ),
    (
        "ch05.q6",
        "disagreements by comparison (a > b), tail from the smaller count",
        (
            "import math\n"
            "def mcnemar_p_value(correct_a, correct_b):\n"
            "    b = int(np.count_nonzero(correct_a > correct_b))\n"
            "    c = int(np.count_nonzero(correct_b > correct_a))\n"
            "    if b + c == 0:\n"
            "        return 1.0\n"
            "    k = min(b, c)\n"
            "    tail = sum(math.comb(b + c, i) for i in range(k + 1))\n"
            "    return min(1.0, 2 * tail / 2 ** (b + c))\n"
        ),
    ),
]


# Audit 13 (chapters 1-6, 32 fresh mistakes, 6 right answers written another way):
# 18 messages were weak or misleading before these fixes.
AUDIT13 = [
    (
        "ch01.q1",
        (
            "written for MNIST's two file types only: ndim 1 -> offset 8, else 3 sizes"
            " at offset 16 (a 4-D file breaks)"
        ),
        (
            "def read_idx_bytes(raw):\n"
            "    count = int.from_bytes(raw[4:8], 'big')\n"
            "    if raw[3] == 1:\n"
            "        return np.frombuffer(raw, dtype=np.uint8, offset=8)\n"
            "    rows = int.from_bytes(raw[8:12], 'big')\n"
            "    cols = int.from_bytes(raw[12:16], 'big')\n"
            "    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(count,"
            " rows, cols)\n"
        ),
        "this file has more dimensions",
    ),
    (
        "ch01.q2",
        (
            "collections.Counter values in first-seen order (not indexed by digit,"
            " absent digits missing)"
        ),
        (
            "from collections import Counter\n"
            "def class_counts(labels):\n"
            "    counts = Counter(labels.tolist())\n"
            "    return np.array(list(counts.values()))\n"
        ),
        "in the order the digits first appear",
    ),
    (
        "ch01.q5",
        (
            "val_size read as a FRACTION (scikit-learn's test_size habit): cut at int(n"
            " * val_size)"
        ),
        (
            "def split_indices(n, val_size, seed):\n"
            "    rng = np.random.default_rng(seed)\n"
            "    order = rng.permutation(n)\n"
            "    cut = int(n * val_size)\n"
            "    return order[cut:], order[:cut]\n"
        ),
        "val_size is a NUMBER of indices",
    ),
    (
        "ch02.q2",
        (
            "replaces only exact zeros by 1e-7 (np.where(p == 0, ...)) instead of"
            " clipping below 1e-7"
        ),
        (
            "def cross_entropy(probabilities, labels):\n"
            "    p = probabilities[np.arange(len(labels)), labels]\n"
            "    p = np.where(p == 0, 1e-7, p)\n"
            "    return float(-np.mean(np.log(p)))\n"
        ),
        "you replace only a probability of exactly 0",
    ),
    (
        "ch02.q2",
        "one-hot built with np.eye(10): the number of classes hard-coded to MNIST's 10",
        (
            "def cross_entropy(probabilities, labels):\n"
            "    onehot = np.eye(10)[labels]\n"
            "    logp = np.log(np.clip(probabilities, 1e-7, 1.0))\n"
            "    return float(-np.sum(onehot * logp) / len(labels))\n"
        ),
        "do not have the same number of columns (10 and 3)",
    ),
    (
        "ch02.q3",
        "np.max(z, 0) for the ReLU: the column-wise maximum (axis 0), not max(0, z)",
        (
            "def dense_relu(x, weights, bias):\n"
            "    z = x @ weights + bias\n"
            "    return np.max(z, 0)\n"
        ),
        "reads the 0 as an AXIS",
    ),
    (
        "ch02.q4",
        (
            "pairs built with zip(layer_sizes, layer_sizes[:-1]): each size paired with"
            " itself"
        ),
        (
            "def count_parameters(layer_sizes):\n"
            "    total = 0\n"
            "    for n_in, n_out in zip(layer_sizes, layer_sizes[:-1]):\n"
            "        total += n_in * n_out + n_out\n"
            "    return total\n"
        ),
        "pairs each size with ITSELF",
    ),
    (
        "ch02.q5",
        (
            "starts from images.copy() instead of zeros: the uncovered strip keeps the"
            " old pixels"
        ),
        (
            "def shift_images(images, dx, dy):\n"
            "    n, h, w = images.shape\n"
            "    out = images.copy()\n"
            "    if abs(dx) >= w or abs(dy) >= h:\n"
            "        return np.zeros_like(images)\n"
            "    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] ="
            " images[:, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]\n"
            "    return out\n"
        ),
        "keep their OLD values",
    ),
    (
        "ch03.q1",
        (
            "window cut one pixel short on both axes (image[i:i+kh-1, j:j+kw-1],"
            " inclusive-end thinking)"
        ),
        (
            "def conv2d(image, kernel):\n"
            "    kh, kw = kernel.shape\n"
            "    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))\n"
            "    for i in range(out.shape[0]):\n"
            "        for j in range(out.shape[1]):\n"
            "            out[i, j] = np.sum(image[i:i + kh - 1, j:j + kw - 1] *"
            " kernel)\n"
            "    return out\n"
        ),
        "your window is 1 row and 1 column short",
    ),
    (
        "ch03.q2",
        (
            "keeps the value of largest MAGNITUDE (np.abs(window).max(): 'the strongest"
            " responses')"
        ),
        (
            "def max_pool2d(image, size=2):\n"
            "    h, w = image.shape[0] // size, image.shape[1] // size\n"
            "    out = np.zeros((h, w))\n"
            "    for i in range(h):\n"
            "        for j in range(w):\n"
            "            out[i, j] = np.abs(image[i * size:(i + 1) * size, j * size:(j"
            " + 1) * size]).max()\n"
            "    return out\n"
        ),
        "largest ABSOLUTE value",
    ),
    (
        "ch04.q2",
        "bias correction written (1 - beta1) ** t instead of 1 - beta1 ** t",
        (
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,"
            " epsilon=1e-7):\n"
            "    m = beta1 * m + (1 - beta1) * grad\n"
            "    v = beta2 * v + (1 - beta2) * grad ** 2\n"
            "    m_hat = m / (1 - beta1) ** t\n"
            "    v_hat = v / (1 - beta2) ** t\n"
            "    return weights - lr * m_hat / (np.sqrt(v_hat) + epsilon), m, v\n"
        ),
        "you divide m by (1 - beta1)**t",
    ),
    (
        "ch04.q5",
        (
            "axes hard-coded to (0, 1, 2), the feature-map case: a (N, features) batch"
            " breaks"
        ),
        (
            "def batch_norm_forward(x, gamma, beta, epsilon=1e-3):\n"
            "    mean = x.mean(axis=(0, 1, 2))\n"
            "    var = x.var(axis=(0, 1, 2))\n"
            "    return gamma * (x - mean) / np.sqrt(var + epsilon) + beta\n"
        ),
        "your axes are written as fixed numbers",
    ),
    (
        "ch05.q1",
        (
            "matrix as [[0] * n] * n: every row is the same list, so each row holds the"
            " column totals"
        ),
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n"
            "    matrix = [[0] * num_classes] * num_classes\n"
            "    for t, p in zip(y_true, y_pred):\n"
            "        matrix[t][p] += 1\n"
            "    return np.array(matrix)\n"
        ),
        "repeats ONE list n times",
    ),
    (
        "ch05.q4",
        (
            "bin confidence = mean of ALL ten probabilities of the bin's rows"
            " (probabilities[inside].mean())"
        ),
        (
            "def expected_calibration_error(probabilities, labels, n_bins=10):\n"
            "    confidence = probabilities.max(axis=1)\n"
            "    correct = probabilities.argmax(axis=1) == labels\n"
            "    ece = 0.0\n"
            "    for b in range(n_bins):\n"
            "        inside = (confidence > b / n_bins) & (confidence <= (b + 1) /"
            " n_bins)\n"
            "        if inside.sum() > 0:\n"
            "            acc = correct[inside].mean()\n"
            "            conf = probabilities[inside].mean()\n"
            "            ece += inside.sum() / len(labels) * abs(acc - conf)\n"
            "    return float(ece)\n"
        ),
        "each row's LARGEST probability",
    ),
    (
        "ch05.q5",
        "z instead of z**2 in the centre and the denominator (the square dropped)",
        (
            "import math\n"
            "def wilson_interval(successes, n, z=1.96):\n"
            "    p = successes / n\n"
            "    denominator = 1 + z / n\n"
            "    centre = (p + z / (2 * n)) / denominator\n"
            "    half = z * math.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2)) /"
            " denominator\n"
            "    return centre - half, centre + half\n"
        ),
        "z is SQUARED in the denominator",
    ),
    (
        "ch05.q6",
        (
            "c counts the images BOTH models get wrong (~a & ~b) instead of only B"
            " right (~a & b)"
        ),
        (
            "import math\n"
            "def mcnemar_p_value(correct_a, correct_b):\n"
            "    b = int(np.sum(correct_a & ~correct_b))\n"
            "    c = int(np.sum(~correct_a & ~correct_b))\n"
            "    n = b + c\n"
            "    if n == 0:\n"
            "        return 1.0\n"
            "    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2 ** n\n"
            "    return min(1.0, 2 * tail)\n"
        ),
        "BOTH models get wrong",
    ),
    (
        "ch06.q2",
        "image given to the model as (28, 28): batch and channel axes not added",
        (
            "def saliency_map(model, image, label):\n"
            "    x = tf.convert_to_tensor(image, dtype=tf.float32)\n"
            "    with tf.GradientTape() as tape:\n"
            "        tape.watch(x)\n"
            "        score = model(x)[0, label]\n"
            "    return np.abs(tape.gradient(score, x).numpy())\n"
        ),
        "give it a batch of one, (1, 28, 28, 1)",
    ),
    (
        "ch06.q4",
        (
            "map indexed by pixel coordinates out[top, left] in a 23x23 array (zeros"
            " between the stride-2 positions)"
        ),
        (
            "def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):\n"
            "    size = 28 - patch + 1\n"
            "    base = float(model(image[None, :, :, None])[0, label])\n"
            "    out = np.zeros((size, size))\n"
            "    for top in range(0, size, stride):\n"
            "        for left in range(0, size, stride):\n"
            "            copy = image.copy()\n"
            "            copy[top:top + patch, left:left + patch] = fill\n"
            "            out[top, left] = base - float(model(copy[None, :, :, None])[0,"
            " label])\n"
            "    return out\n"
        ),
        "one entry per patch POSITION",
    ),
]


# What the two misleading messages of audit 13 said: a one-hot matrix built with
# np.eye(10) is not the labels used as one-hot rows, and a window one pixel short is
# not an axis to keep with keepdims.
AUDIT13_NOT = [
    (AUDIT13[4][0], AUDIT13[4][1], AUDIT13[4][2], "not one-hot rows"),
    (AUDIT13[8][0], AUDIT13[8][1], AUDIT13[8][2], "keepdims"),
]


# Audit 14 (blind: 32 wrong answers written from the chapter text alone, before the
# checker or the tests were read): 27 named their cause; these 5 did not.
AUDIT14 = [
    (
        "ch03.q1",
        (
            "scipy.signal.convolve2d flips the kernel (true convolution, not the "
            "course's cross-correlation)"
        ),
        (
            "from scipy.signal import convolve2d\n"
            "\n"
            "\n"
            "def conv2d(image, kernel):\n"
            '    return convolve2d(image, kernel, mode="valid").astype(float)\n'
        ),
        "convolve2d flips the kernel",
    ),
    (
        "ch03.q2",
        ("slides the window with stride 1 (overlapping windows)"),
        (
            "def max_pool2d(image, size=2):\n"
            "    h, w = image.shape\n"
            "    out = np.zeros((h - size + 1, w - size + 1))\n"
            "    for i in range(h - size + 1):\n"
            "        for j in range(w - size + 1):\n"
            "            out[i, j] = image[i:i + size, j:j + size].max()\n"
            "    return out\n"
        ),
        "your windows overlap",
    ),
    (
        "ch03.q4",
        ("jump set to the layer's stride instead of multiplied"),
        (
            "def receptive_field(layers):\n"
            "    field = 1\n"
            "    jump = 1\n"
            "    for kernel, stride in layers:\n"
            "        field = field + (kernel - 1) * jump\n"
            "        jump = stride\n"
            "    return field\n"
        ),
        "jump *= stride",
    ),
    (
        "ch03.q5",
        ("last Dense(10) has no softmax (outputs logits)"),
        (
            "import keras\n"
            "from keras import layers\n"
            "\n"
            "\n"
            "def build_cnn():\n"
            "    model = keras.Sequential([\n"
            "        keras.Input(shape=(28, 28, 1)),\n"
            '        layers.Conv2D(32, 3, activation="relu"),\n'
            "        layers.MaxPooling2D(),\n"
            '        layers.Conv2D(64, 3, activation="relu"),\n'
            "        layers.MaxPooling2D(),\n"
            "        layers.Flatten(),\n"
            '        layers.Dense(128, activation="relu"),\n'
            "        layers.Dense(10),\n"
            "    ])\n"
            "    return model\n"
        ),
        "outputs raw scores (logits)",
    ),
    (
        "ch04.q2",
        ("epsilon inside the square root"),
        (
            "def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, "
            "beta2=0.999, epsilon=1e-7):\n"
            "    m = beta1 * m + (1 - beta1) * grad\n"
            "    v = beta2 * v + (1 - beta2) * grad ** 2\n"
            "    m_hat = m / (1 - beta1 ** t)\n"
            "    v_hat = v / (1 - beta2 ** t)\n"
            "    weights = weights - lr * m_hat / np.sqrt(v_hat + epsilon)\n"
            "    return weights, m, v\n"
        ),
        "epsilon goes OUTSIDE the square root",
    ),
]
# The misleading one said a layer came after the softmax; there was none.
AUDIT14_NOT = [(*AUDIT14[3][:3], "A layer after the softmax")]


# Audit 15 (blind, after audit 14's fixes): 31 of 32 named their cause; this one did
# not (Keras' own error only).
AUDIT15 = [
    (
        "ch06.q1",
        "passes the layer objects as outputs instead of layer.output",
        (
            "def layer_outputs(model, layer_names):\n"
            "    wanted = [model.get_layer(name) for name in layer_names]\n"
            "    return keras.Model(inputs=model.inputs, outputs=wanted)\n"
        ),
        "not the layer model.get_layer(name) itself",
    ),
]


# The right answers of the two blind audits (14, 15), written differently from the
# reference: all pass.
AUDIT14_15_CORRECT = [
    (
        "ch01.q2",
        "np.histogram with integer bin edges",
        (
            "def class_counts(labels):\n"
            "    counts, _ = np.histogram(labels, bins=np.arange(11))\n"
            "    return counts\n"
        ),
    ),
    (
        "ch02.q1",
        "softmax through a hand-written log-sum-exp",
        (
            "def softmax(logits):\n"
            "    z = logits - logits.max(axis=1, keepdims=True)\n"
            "    log_norm = np.log(np.exp(z).sum(axis=1, keepdims=True))\n"
            "    return np.exp(z - log_norm)\n"
        ),
    ),
    (
        "ch03.q2",
        "sliding_window_view strided by size",
        (
            "def max_pool2d(image, size=2):\n"
            "    windows = np.lib.stride_tricks.sliding_window_view(image, (size,"
            " size))\n"
            "    return windows[::size, ::size].max(axis=(2, 3))\n"
        ),
    ),
    (
        "ch03.q4",
        "backward recursion from the last layer",
        (
            "def receptive_field(layers):\n"
            "    r = 1\n"
            "    for k, s in reversed(list(layers)):\n"
            "        r = (r - 1) * s + k\n"
            "    return r\n"
        ),
    ),
    (
        "ch05.q1",
        "bincount of flat indices",
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n"
            "    flat = np.asarray(y_true) * num_classes + np.asarray(y_pred)\n"
            "    return np.bincount(flat, minlength=num_classes *"
            " num_classes).reshape(num_classes, num_classes)\n"
        ),
    ),
    (
        "ch05.q6",
        "scipy.stats.binomtest on the disagreements",
        (
            "def mcnemar_p_value(correct_a, correct_b):\n"
            "    from scipy.stats import binomtest\n"
            "    b = int(np.sum(correct_a & ~correct_b))\n"
            "    c = int(np.sum(~correct_a & correct_b))\n"
            "    if b + c == 0:\n"
            "        return 1.0\n"
            "    return float(binomtest(b, b + c, 0.5).pvalue)\n"
        ),
    ),
    (
        "ch01.q2",
        "broadcast comparison with np.arange(10), summed per column",
        (
            "def class_counts(labels):\n"
            "    return (np.asarray(labels)[:, None] == np.arange(10)[None,"
            " :]).sum(axis=0)\n"
        ),
    ),
    (
        "ch02.q1",
        "log-sum-exp by hand, then exp(logits - logZ)",
        (
            "def softmax(logits):\n"
            "    m = logits.max(axis=-1, keepdims=True)\n"
            "    log_z = m + np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))\n"
            "    return np.exp(logits - log_z)\n"
        ),
    ),
    (
        "ch02.q5",
        "np.pad generously, then slice the shifted window",
        (
            "def shift_images(images, dx, dy):\n"
            "    n, h, w = images.shape\n"
            "    ph, pw = max(h, abs(dy)), max(w, abs(dx))\n"
            "    padded = np.pad(images, ((0, 0), (ph, ph), (pw, pw)))\n"
            "    return padded[:, ph - dy : ph - dy + h, pw - dx : pw - dx +"
            " w].copy()\n"
        ),
    ),
    (
        "ch03.q1",
        "sliding_window_view + einsum",
        (
            "def conv2d(image, kernel):\n"
            "    windows ="
            " np.lib.stride_tricks.sliding_window_view(np.asarray(image,"
            " dtype=float), kernel.shape)\n"
            '    return np.einsum("ijab,ab->ij", windows, kernel)\n'
        ),
    ),
    (
        "ch05.q1",
        "np.bincount on the flattened (true, pred) index",
        (
            "def confusion_matrix(y_true, y_pred, num_classes=10):\n"
            "    flat = np.asarray(y_true).astype(np.int64) * num_classes +"
            " np.asarray(y_pred).astype(np.int64)\n"
            "    return np.bincount(flat,"
            " minlength=num_classes**2).reshape(num_classes, num_classes)\n"
        ),
    ),
    (
        "ch05.q6",
        "scipy.stats.binom.cdf for the tail",
        (
            "from scipy import stats  # the chapter's set-up cell\n"
            "\n"
            "def mcnemar_p_value(correct_a, correct_b):\n"
            "    a = np.asarray(correct_a, dtype=bool)\n"
            "    b = np.asarray(correct_b, dtype=bool)\n"
            "    only_a = int(np.count_nonzero(a & ~b))\n"
            "    only_b = int(np.count_nonzero(b & ~a))\n"
            "    n = only_a + only_b\n"
            "    if n == 0:\n"
            "        return 1.0\n"
            "    return float(min(1.0, 2 * stats.binom.cdf(min(only_a, only_b), n,"
            " 0.5)))\n"
        ),
    ),
]


def test_a_library_route_the_exercise_refuses_is_named_in_its_statement():
    # softmax with scipy.special.logsumexp is refused: logsumexp does the overflow-safe
    # shift the exercise teaches. The statement says so, as ch06.q5's says "no
    # scikit-learn".
    from pathlib import Path

    source = (
        "from scipy.special import logsumexp\n"
        "def softmax(logits):\n"
        "    return np.exp(logits - logsumexp(logits, axis=1, keepdims=True))\n"
    )
    passed, message = both("ch02.q1", source)
    assert not passed and "scipy.special.logsumexp" in message, message
    root = Path(__file__).resolve().parents[1]
    text = (root / "solutions" / "02_dense_baseline.md").read_text()
    statement = text.split("### Exercise 1: softmax")[1].split("```")[0]
    assert "NumPy only" in statement and "scipy.special.logsumexp" in statement


def test_an_error_message_loses_terminal_codes_and_printed_tensors():
    passed, message = both("ch06.q2", AUDIT13[16][2])
    assert not passed and "\x1b" not in message and "0.         0." not in message
    assert "Expected shape (None, 28, 28, 1)" in message, message


# Every list above, by what its tests check.
RIGHT_ANSWERS = AUDIT8_CORRECT + AUDIT11_CORRECT + AUDIT12_CORRECT + AUDIT14_15_CORRECT
FRESH_MISTAKES = (
    MISTAKES
    + AUDIT3
    + AUDIT4
    + AUDIT5
    + VARIANTS
    + AUDIT6
    + AUDIT7
    + AUDIT8
    + AUDIT9
    + AUDIT10
    + AUDIT11
    + AUDIT12
    + AUDIT13
    + AUDIT14
    + AUDIT15
    + CHAPTER8
)
HINTS_THAT_DO_NOT_APPLY = AUDIT8_NOT + AUDIT9_NOT + AUDIT13_NOT + AUDIT14_NOT


@pytest.mark.parametrize(
    "qid,way,source",
    RIGHT_ANSWERS,
    ids=[f"{c[0]}: {c[1]}" for c in RIGHT_ANSWERS],
)
def test_a_right_answer_written_another_way_still_passes(qid, way, source):
    passed, message = both(qid, source)
    assert passed, message


@pytest.mark.parametrize(
    "qid,mistake,source,phrase",
    FRESH_MISTAKES,
    ids=[f"{m[0]}: {m[1][:40]}" for m in FRESH_MISTAKES],
)
def test_a_fresh_mistake_gets_a_message_that_names_its_cause(
    qid, mistake, source, phrase
):
    passed, message = both(qid, source)
    assert not passed and phrase in message, message


@pytest.mark.parametrize(
    "qid,mistake,source,phrase",
    HINTS_THAT_DO_NOT_APPLY,
    ids=[f"{m[0]}: {m[1][:40]}" for m in HINTS_THAT_DO_NOT_APPLY],
)
def test_a_fresh_mistake_gets_no_hint_that_does_not_apply(qid, mistake, source, phrase):
    passed, message = both(qid, source)
    assert not passed and phrase not in message, message


def test_a_hint_that_fits_one_case_by_coincidence_is_not_shown():
    # np.isin gives 1.0 on the 3-row case, as the "first k columns" mistake does; on the
    # 200-row cases the two differ, so that mistake's hint would mislead.
    source = dict((m[1], m[2]) for m in AUDIT3)[
        "np.isin(labels, top): asks whether each label is ANYWHERE in the top-k array,"
        " not in its own row"
    ]
    passed, message = both("ch05.q3", source)
    assert not passed and "LAST k columns" not in message, message


def test_a_float_that_is_a_whole_number_reads_as_a_float():
    from mnist_course.exercises._core import describe

    assert (describe(0.0), describe(58.0), describe(np.float64(2.5)), describe(3)) == (
        "0.0",
        "58.0",
        "2.5",
        "3",
    )


GENERIC = [
    (
        "ch03.q1",
        "the sign flipped",
        (
            "def conv2d(image, kernel):\n    kh, kw = kernel.shape\n    h, w ="
            " image.shape[0] - kh + 1, image.shape[1] - kw + 1\n    return"
            " -np.array([[np.sum(image[i:i + kh, j:j + kw] * kernel) for j in range(w)]"
            " for i in range(h)], dtype=float)\n"
        ),
        "with its sign flipped",
    ),
    (
        "ch01.q4",
        "1 - x / 255 (the complement)",
        "def normalize(images):\n    return 1 - images.astype(np.float32) / 255\n",
        "1 minus the right one",
    ),
    (
        "ch01.q3",
        "the mean digit transposed",
        (
            "def mean_digit(images, labels, digit):\n    return images[labels =="
            " digit].mean(axis=0).T\n"
        ),
        "transposed",
    ),
    (
        "ch05.q3",
        "the share of rows divided by k once more",
        (
            "def top_k_accuracy(probabilities, labels, k):\n    top ="
            " np.argsort(probabilities, axis=1)[:, -k:]\n    return float(np.mean((top"
            " == labels[:, None]).any(axis=1))) / k\n"
        ),
        "divided by `k`",
    ),
]


@pytest.mark.parametrize(
    "qid,mistake,source,phrase", GENERIC, ids=[f"{g[0]}: {g[1]}" for g in GENERIC]
)
def test_an_unforeseen_mistake_gets_the_relation_it_has_with_the_right_answer(
    qid, mistake, source, phrase
):
    passed, message = both(qid, source)
    assert not passed and phrase in message, message


def test_one_pair_of_numbers_gets_no_ratio_hint():
    # Any two numbers have a ratio: with one wrong case, a "times the right one" hint
    # would be noise.
    source = (
        "def count_parameters(layer_sizes):\n    return 7851 if layer_sizes == [784,"
        " 10] else sum(a * b + b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))\n"
    )
    passed, message = both("ch02.q4", source)
    assert (
        not passed and "times the right one" not in message and "plus" not in message
    ), message
