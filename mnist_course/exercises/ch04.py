"""Chapter 4 — Training: optimizer update rules, a one-cycle schedule, dropout and batch
norm.

Every reference follows Keras exactly (``keras.optimizers.SGD``, ``Adam``,
``keras.optimizers.schedules.CosineDecay`` with warm-up, ``Dropout``,
``BatchNormalization`` in training mode); ``tests/test_checks.py`` pins that.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from ._core import (
    Case,
    Chapter,
    Exercise,
    Nudge,
    Result,
    describe,
    in_threes,
    seeded_calls,
)

# ------------------------------------------------------ q1: SGD with momentum


def sgd_momentum_step(
    weights: np.ndarray,
    grad: np.ndarray,
    velocity: np.ndarray,
    lr: float,
    momentum: float,
):
    velocity = momentum * velocity - lr * grad
    return weights + velocity, velocity


def _q1_cases() -> list[Case]:
    rng = np.random.default_rng(
        401
    )  # this exercise's own inputs, the same on every call
    w, g = rng.normal(0, 1, (3, 4)), rng.normal(0, 1, (3, 4))
    return [
        Case(
            (np.array([1.0, -2.0]), np.array([0.5, 0.5]), np.zeros(2), 0.1, 0.9),
            "the first step (velocity 0): w=[1, -2], grad=[0.5, 0.5], lr=0.1,"
            " momentum=0.9",
        ),
        Case(
            (w, g, rng.normal(0, 0.1, (3, 4)), 0.01, 0.9),
            "a 3×4 weight matrix with some velocity already, lr=0.01, momentum=0.9",
        ),
        Case(
            (np.array([2.0]), np.array([-1.0]), np.array([0.3]), 0.5, 0.0),
            "momentum 0 (plain SGD): w=[2], grad=[-1], velocity=[0.3]",
        ),
        Case(
            (
                np.array([1.0, 1.0]),
                np.array([3.0, -3.0]),
                np.array([0.2, 0.2]),
                0.0,
                0.5,
            ),
            "a learning rate of 0",
        ),
    ]


q1 = Exercise(
    "ch04.q1",
    "sgd_momentum_step",
    sgd_momentum_step,
    _q1_cases,
    (
        (
            "The velocity remembers past steps: it decays by `momentum` and takes a"
            " step down the gradient. The weights then move by the new velocity. Return"
            " both."
        ),
        (
            "velocity = momentum * velocity - lr * grad; weights = weights + velocity"
            " (Keras' convention)."
        ),
    ),
    nudges=(
        Nudge(
            lambda w, g, v, lr, m: (
                w + lr * (m * v - lr * g),
                m * v - lr * g,
            ),
            "the learning rate is applied once, in the velocity (v = momentum * v - lr"
            " * grad); the step is then weights + v, not weights + lr * v.",
        ),
        Nudge(
            lambda w, g, vel, lr, mom: sgd_momentum_step(w, g, vel, lr, mom)[::-1],
            "right values, wrong order: return (weights, velocity), the new weights"
            " first.",
        ),
        Nudge(
            lambda w, g, vel, lr, mom: (w + vel, mom * vel - lr * g),
            "update the velocity first, then move the weights by the NEW velocity: "
            "velocity = momentum * velocity - lr * grad; weights + velocity.",
        ),
        Nudge(
            lambda w, g, v, lr, m: (w + m * v + lr * g, m * v + lr * g),
            "your step goes uphill: the velocity moves AGAINST the gradient, velocity ="
            " momentum * velocity - lr * grad, then weights + velocity.",
        ),
        Nudge(
            lambda w, g, v, lr, m: (w - lr * g, -lr * g),
            "the velocity keeps `momentum` times its old value: velocity = momentum *"
            " velocity - lr * grad.",
        ),
        Nudge(
            lambda w, g, v, lr, m: (w + m * v - lr * g, v),
            "return the NEW velocity too: the next step needs it.",
        ),
        Nudge(
            lambda w, g, v, lr, m: (w - (m * v + lr * g), m * v + lr * g),
            "in Keras' convention the velocity points downhill: velocity = momentum *"
            " velocity - lr * grad, then weights + velocity.",
        ),
        Nudge(
            lambda w, g, v, lr, m: (w + m * (m * v - lr * g) - lr * g, m * v - lr * g),
            "that is Nesterov's look-ahead update (weights + momentum * velocity - lr *"
            " grad). Plain momentum moves the weights by the new velocity itself:"
            " weights + velocity.",
        ),
        Nudge(
            lambda w, g, v, lr, m: (w - lr * (m * v + g), m * v + g),
            "that is PyTorch's convention (velocity = momentum * velocity + grad;"
            " weights - lr * velocity). The text uses Keras': the velocity already"
            " includes the learning rate, velocity = momentum * velocity - lr * grad,"
            " then weights + velocity.",
        ),
        Nudge(
            lambda w, g, v, lr, m: (
                w - lr * (m * v + (1 - m) * g),
                m * v + (1 - m) * g,
            ),
            "that is a moving average of the gradients (momentum * velocity + (1 -"
            " momentum) * grad, like Adam's m): here the velocity adds up the steps"
            " themselves, velocity = momentum * velocity - lr * grad, then weights +"
            " velocity.",
        ),
        Nudge(
            lambda w, g, v, lr, m: (
                w + m * v - (1 - m) * lr * g,
                m * v - (1 - m) * lr * g,
            ),
            "your gradient step is scaled by (1 - momentum) (a 'dampened' momentum):"
            " the whole step lr * grad goes into the velocity, velocity = momentum *"
            " velocity - lr * grad, then weights + velocity.",
        ),
    ),
    returns=("weights", "velocity"),
)

# ------------------------------------------------------------------ q2: Adam


def adam_step(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    alpha = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    return weights - alpha * m / (np.sqrt(v) + epsilon), m, v


def _adam_swapped(
    weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7
):
    """The moving averages with their weights swapped: beta * new + (1 - beta) * old."""
    m = beta1 * grad + (1 - beta1) * m
    v = beta2 * grad**2 + (1 - beta2) * v
    return (
        weights - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + epsilon),
        m,
        v,
    )


def _adam_epsilon_inside(
    weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7
):
    """Epsilon added under the square root: np.sqrt(v_hat + epsilon)."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return weights - lr * m_hat / np.sqrt(v_hat + epsilon), m, v


def _adam_paper(weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return (
        weights - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + epsilon),
        m,
        v,
    )


def _adam_half_corrected(
    weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7, *, only
):
    """The paper's form with the bias correction of ``only`` ("m" or "v")."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t) if only == "m" else m
    v_hat = v / (1 - beta2**t) if only == "v" else v
    return weights - lr * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def _adam_corrections_swapped(
    weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7
):
    """The paper's form with each bias correction using the other beta."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta2**t), v / (1 - beta1**t)
    return weights - lr * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def _adam_power_outside(
    weights, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7, *, which
):
    """The paper's form with the bias correction of ``which`` ("m", "v" or both)
    written (1 - beta) ** t, the power outside the brackets."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / ((1 - beta1) ** t if "m" in which else 1 - beta1**t)
    v_hat = v / ((1 - beta2) ** t if "v" in which else 1 - beta2**t)
    return weights - lr * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def _q2_cases() -> list[Case]:
    rng = np.random.default_rng(
        402
    )  # this exercise's own inputs, the same on every call
    w, g = rng.normal(0, 1, (2, 5)), rng.normal(0, 1, (2, 5))
    m, v = rng.normal(0, 0.1, (2, 5)), rng.random((2, 5)) * 0.01
    return [
        Case(
            (np.array([1.0, -1.0]), np.array([0.2, -0.5]), np.zeros(2), np.zeros(2), 1),
            "the first step (t=1, m=v=0): grad=[0.2, -0.5]",
        ),
        Case((w, g, m, v, 10, 0.01), "step t=10 of a 2×5 weight matrix, lr=0.01"),
        Case(
            (
                np.array([0.5]),
                np.array([2.0]),
                np.array([0.1]),
                np.array([0.3]),
                3,
                0.1,
                0.8,
                0.99,
            ),
            "t=3 with beta1=0.8, beta2=0.99, lr=0.1",
        ),
        Case(
            (
                np.array([1.0, 2.0]),
                np.array([0.1, 0.1]),
                np.zeros(2),
                np.zeros(2),
                1,
                0.0,
            ),
            "a learning rate of 0",
        ),
        # t so large that the bias corrections are 1: Keras' and the paper's epsilon
        # agree
        Case(
            (
                np.array([0.3, -0.2, 1.0]),
                np.array([0.01, -0.02, 0.005]),
                np.array([0.01, -0.01, 0.0]),
                np.array([1e-4, 4e-4, 1e-5]),
                20_000,
                0.1,
                0.9,
                0.999,
                0.05,
            ),
            "t=20000, small gradients and epsilon=0.05 (epsilon matters)",
        ),
    ]


def _adam_v_of_grad(w, g, m, v, t, lr, b1, b2, e):
    m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g
    with np.errstate(all="ignore"):
        return w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + e), m, v


q2 = Exercise(
    "ch04.q2",
    "adam_step",
    adam_step,
    _q2_cases,
    (
        (
            "Adam keeps two running averages: m of the gradients and v of their"
            " squares. Both start at 0, so in the first steps they are too small:"
            " correct them by dividing by (1 - beta**t). Then step by m / sqrt(v)."
        ),
        (
            "m = beta1*m + (1-beta1)*grad; v = beta2*v + (1-beta2)*grad**2; weights -="
            " lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + epsilon)."
            " Return (weights, m, v)."
        ),
    ),
    nudges=(
        Nudge(
            _adam_epsilon_inside,
            "epsilon goes OUTSIDE the square root: m_hat / (np.sqrt(v_hat) + epsilon),"
            " as the text writes it. Inside, np.sqrt(v_hat + epsilon), it adds about"
            " √epsilon instead of epsilon, which matters when v is small.",
        ),
        Nudge(
            lambda w, g, m, v, t, lr=0.001, b1=0.9, b2=0.999, e=1e-7: (
                w - lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + e),
                *adam_step(w, g, m, v, t, lr, b1, b2, e)[1:],
            ),
            "your step uses the OLD m and v, from before this gradient: update them"
            " first (m = beta1 * m + (1 - beta1) * grad, v = beta2 * v + (1 - beta2) *"
            " grad**2), then take the step with the new ones.",
        ),
        Nudge(
            _adam_swapped,
            "beta weighs the OLD average: m = beta1 * m + (1 - beta1) * grad, v = beta2"
            " * v + (1 - beta2) * grad**2 (beta is close to 1: each step changes the"
            " average only a little).",
        ),
        Nudge(
            lambda w, g, m, v, t, lr=0.001, b1=0.9, b2=0.999, e=1e-7: (
                adam_step(w, g, m, v, t, lr, b1, b2, e)[0],
                (b1 * m + (1 - b1) * g) / (1 - b1**t),
                (b2 * v + (1 - b2) * g**2) / (1 - b2**t),
            ),
            "return the raw running averages m and v (the next step builds on them);"
            " the bias-corrected ones, m / (1 - beta1**t) and v / (1 - beta2**t), are"
            " only for this step's update.",
        ),
        Nudge(
            lambda w, g, m, v, t, lr=0.001, b1=0.9, b2=0.999, e=1e-7: (
                w
                - lr
                * (b1 * m + (1 - b1) * g)
                / (np.sqrt(b2 * v + (1 - b2) * g**2) + e),
                b1 * m + (1 - b1) * g,
                b2 * v + (1 - b2) * g**2,
            ),
            "correct the bias of m and v: divide them by (1 - beta1**t) and (1 -"
            " beta2**t). Without it the first steps are far too small.",
        ),
        Nudge(
            partial(_adam_half_corrected, only="m"),
            "your m is bias-corrected but v is not: divide v by (1 - beta2**t) too"
            " (v_hat), and step by m_hat / (np.sqrt(v_hat) + epsilon), as in the"
            " formula. Uncorrected, v is far too small in the first steps, so your"
            " steps are far too large.",
        ),
        Nudge(
            partial(_adam_half_corrected, only="v"),
            "your v is bias-corrected but m is not: divide m by (1 - beta1**t) too"
            " (m_hat), and step by m_hat / (np.sqrt(v_hat) + epsilon), as in the"
            " formula. Uncorrected, m is too small in the first steps (ten times at"
            " t=1 with beta1=0.9).",
        ),
        Nudge(
            lambda w, g, m, v, t, lr=0.001, b1=0.9, b2=0.999, e=1e-7: _adam_paper(
                w, g, m, v, 1, lr, b1, b2, e
            ),
            "the bias correction divides by (1 - beta1**t) and (1 - beta2**t): without"
            " the power t (the step number) every step is corrected as if it were the"
            " first.",
        ),
        Nudge(
            lambda w, g, m, v, t, lr=0.001, b1=0.9, b2=0.999, e=1e-7: _adam_paper(
                w, g, m, v, t + 1, lr, b1, b2, e
            ),
            "t is the number of the step being taken, starting at 1: use beta**t, not"
            " beta**(t + 1).",
        ),
        Nudge(
            lambda w, g, m, v, t, lr=0.001, b1=0.9, b2=0.999, e=1e-7: _adam_v_of_grad(
                w, g, m, v, t, lr, b1, b2, e
            ),
            "v is the running average of the SQUARED gradient: v = beta2 * v + (1 -"
            " beta2) * grad**2 (a square root of an average of raw gradients can be of"
            " a negative number: nan).",
        ),
        Nudge(
            lambda w, g, m, v, t, lr=0.001, b1=0.9, b2=0.999, e=1e-7: (
                _adam_paper(w, g, m, v, t, lr, b1, b2, 0.0)[0] + e,
                *adam_step(w, g, m, v, t, lr, b1, b2, e)[1:],
            ),
            "epsilon is added to the WEIGHTS: `... / np.sqrt(v_hat) + epsilon`"
            " divides first and adds epsilon afterwards (/ binds tighter than +). Put"
            " the sum in brackets: m_hat / (np.sqrt(v_hat) + epsilon).",
        ),
        *(
            Nudge(
                partial(_adam_power_outside, which=which),
                f"mind the brackets in the bias correction: {what}, where the power t"
                " applies to beta alone, 1 - beta**t. The two are different numbers:"
                " with beta1 = 0.9 at t = 10, 1 - beta1**t is 0.65 but (1 - beta1)**t"
                " is 1e-10. Only at t = 1 do they agree, which is why your first step"
                " is right.",
            )
            for which, what in (
                ("mv", "you divide m by (1 - beta1)**t and v by (1 - beta2)**t"),
                ("m", "you divide m by (1 - beta1)**t"),
                ("v", "you divide v by (1 - beta2)**t"),
            )
        ),
        Nudge(
            _adam_corrections_swapped,
            "each average is corrected with ITS OWN beta: m / (1 - beta1**t) and v /"
            " (1 - beta2**t). Yours are swapped (with beta1=0.9 and beta2=0.999 the"
            " first step comes out 1000 times too large).",
        ),
    ),
    error_nudges=(
        (
            "",
            (
                "t is an int (the step number), lr, beta1, beta2 and epsilon are"
                " floats; m and v have the weights' shape."
            ),
        ),
    ),
    returns=("weights", "m", "v"),
    # Keras puts epsilon outside the bias correction, the Adam paper inside: both pass
    rtol=1e-3,
    atol=1e-9,
    forms=(
        _adam_paper,
    ),  # the paper's form: its one-edit variants name mistakes made in that form
)

# ------------------------------------------------------- q3: one-cycle schedule


def one_cycle_lr(
    step: int,
    total_steps: int,
    peak: float,
    warmup: float = 0.25,
    final_div: float = 100.0,
) -> float:
    warm = max(1.0, warmup * total_steps)
    if step < warm:
        return peak * (0.1 + 0.9 * step / warm)
    progress = min(1.0, (step - warm) / max(1.0, total_steps - warm))
    low = peak / final_div
    return low + (peak - low) * 0.5 * (1 + math.cos(math.pi * progress))


def _q3_cases() -> list[Case]:
    return [
        Case((0, 1000, 0.01), "step 0 of 1000, peak 0.01 (the start of the warm-up)"),
        Case((125, 1000, 0.01), "step 125 of 1000 (half-way through the warm-up)"),
        Case((250, 1000, 0.01), "step 250 of 1000 (the peak)"),
        Case((400, 1000, 0.01), "step 400 of 1000 (on the way down)"),
        Case((900, 1000, 0.01), "step 900 of 1000 (near the end)"),
        Case((1000, 1000, 0.01), "step 1000 of 1000 (the end)"),
        Case(
            (33, 40, 0.5, 0.5, 10.0),
            "step 33 of 40, peak 0.5, warmup=0.5, final_div=10",
        ),
        Case((0, 2, 1.0), "step 0 of only 2 steps (the warm-up lasts at least 1 step)"),
        Case((1, 2, 1.0), "step 1 of only 2 steps"),
        Case(
            (2, 10, 1.0),
            "step 2 of 10: the warm-up lasts 2.5 steps (0.25 × 10, not rounded)",
        ),
        Case((3, 10, 1.0), "step 3 of 10, just after a warm-up of 2.5 steps"),
    ]


def _cosine_scaled_by_peak(
    step, total_steps, peak, warmup=0.25, final_div=100.0
) -> float:
    """The mistake low + peak * 0.5 * (1 + cos(...)) after the warm-up."""
    rate, low = (
        one_cycle_lr(step, total_steps, peak, warmup, final_div),
        peak / final_div,
    )
    if step < max(1.0, warmup * total_steps):
        return rate
    return low + peak * (rate - low) / (peak - low)


def _one_cycle_mistake(
    step,
    total_steps,
    peak,
    warmup=0.25,
    final_div=100.0,
    *,
    warm_in_steps=False,
    progress_from_start=False,
    to_zero=False,
    linear=False,
) -> float:
    """one_cycle_lr with one known mistake: `warmup` read as a number of steps, progress
    counted from step 0, a cosine that ends at 0, or a straight line instead of the
    cosine (for the nudges)."""
    warm = max(1.0, warmup if warm_in_steps else warmup * total_steps)
    if step < warm:
        return peak * (0.1 + 0.9 * step / warm)
    progress = min(
        1.0,
        (
            step / total_steps
            if progress_from_start
            else (step - warm) / max(1.0, total_steps - warm)
        ),
    )
    low = 0.0 if to_zero else peak / final_div
    if linear:
        return low + (peak - low) * (1 - progress)
    return low + (peak - low) * 0.5 * (1 + math.cos(math.pi * progress))


def _quarter_cosine(step, total_steps, peak, warmup=0.25, final_div=100.0) -> float:
    """The mistake cos(pi / 2 * progress) after the warm-up (a quarter period)."""
    warm = max(1.0, warmup * total_steps)
    if step < warm:
        return one_cycle_lr(step, total_steps, peak, warmup, final_div)
    progress = min(1.0, (step - warm) / max(1.0, total_steps - warm))
    low = peak / final_div
    return low + (peak - low) * math.cos(math.pi / 2 * progress)


q3 = Exercise(
    "ch04.q3",
    "one_cycle_lr",
    one_cycle_lr,
    _q3_cases,
    (
        (
            "Two phases. The warm-up lasts warm = max(1, warmup * total_steps) steps"
            " and rises in a straight line from peak/10 to peak. Then a half cosine"
            " takes the rate from peak down to peak/final_div at the last step."
        ),
        (
            "warm-up: peak * (0.1 + 0.9 * step / warm). After it: progress = (step -"
            " warm) / (total_steps - warm), low = peak / final_div, rate = low + (peak"
            " - low) * 0.5 * (1 + cos(pi * progress))."
        ),
    ),
    nudges=(
        Nudge(
            _cosine_scaled_by_peak,
            "after the warm-up the rate goes from peak DOWN TO low = peak / final_div:"
            " low + (peak - low) * 0.5 * (1 + cos(pi * progress)). Scaling the cosine"
            " by peak starts it at peak + low.",
        ),
        Nudge(
            partial(_one_cycle_mistake, linear=True),
            "after the warm-up the rate follows half a cosine, 0.5 * (1 + cos(pi *"
            " progress)), not a straight line.",
        ),
        Nudge(
            lambda s, n, p, w=0.25, f=100.0: (
                p * s / max(1.0, w * n)
                if s < max(1.0, w * n)
                else one_cycle_lr(s, n, p, w, f)
            ),
            "the warm-up starts at peak / 10, not at 0: peak * (0.1 + 0.9 * step /"
            " warm).",
        ),
        Nudge(
            lambda s, n, p, w=0.25, f=100.0: (
                p / f + (p - p / f) * s / max(1.0, w * n)
                if s < max(1.0, w * n)
                else one_cycle_lr(s, n, p, w, f)
            ),
            "the warm-up starts at peak / 10, as the text says, not at peak /"
            " final_div (the value the cosine ENDS at): it rises in a straight line"
            " from peak / 10 to peak, peak * (0.1 + 0.9 * step / warm).",
        ),
        Nudge(
            lambda s, n, p, w=0.25, f=100.0: one_cycle_lr(
                s, n, p, int(max(1, w * n)) / n, f
            ),
            "the warm-up lasts max(1, warmup * total_steps) steps exactly, even when"
            " that is not a whole number (2.5 steps for 10 steps and warmup 0.25):"
            " don't round it.",
        ),
        Nudge(
            partial(_one_cycle_mistake, progress_from_start=True),
            "after the warm-up, progress counts from the END of the warm-up: progress ="
            " (step - warm) / (total_steps - warm), so that the rate is exactly peak"
            " when the warm-up ends.",
        ),
        Nudge(
            lambda s, n, p, w=0.25, f=100.0: p * 0.5 * (1 + math.cos(math.pi * s / n)),
            "start with a warm-up: the rate first rises from peak / 10 to peak during"
            " warm = max(1, warmup * total_steps) steps.",
        ),
        Nudge(
            partial(_one_cycle_mistake, to_zero=True),
            "the cosine ends at low = peak / final_div, not at 0: low + (peak - low) *"
            " 0.5 * (1 + cos(pi * progress)).",
        ),
        Nudge(
            partial(_one_cycle_mistake, warm_in_steps=True),
            "`warmup` is a FRACTION of the run (0.25: the first quarter): warm = max(1,"
            " warmup * total_steps) steps, not max(1, warmup).",
        ),
        Nudge(
            _quarter_cosine,
            "after the warm-up the rate follows HALF a cosine period, 0.5 * (1 +"
            " cos(pi * progress)), which goes from 1 to 0; cos(pi / 2 * progress) is a"
            " quarter period, which stays high longer and falls steeply at the end:"
            " low + (peak - low) * 0.5 * (1 + cos(pi * progress)).",
        ),
    ),
)

# ------------------------------------------------------------------ q4: dropout


def dropout_forward(x: np.ndarray, rate: float, seed: int) -> np.ndarray:
    keep = np.random.default_rng(seed).random(x.shape) >= rate
    return np.where(keep, x / (1 - rate), 0.0)


_Q4_SETTINGS = [
    ((40, 50), 0.5, 0),
    ((1, 2000), 0.2, 7),
    ((30, 30), 0.0, 1),
    ((25, 40), 0.8, 3),
]


def _q4_cases() -> list[Case]:
    cases = []
    for shape, rate, seed in _Q4_SETTINGS:
        x = np.random.default_rng(seed + 100).uniform(0.5, 2.0, shape) * np.where(
            np.arange(shape[1]) % 2, 1, -1
        )
        label = f"a {shape[0]}×{shape[1]} batch, rate={rate}"
        cases += seeded_calls(
            (x, rate, seed), f"{label}, seed={seed}", f"{label}, seed={seed + 1}"
        )
    ones = np.ones((1, 1000))
    cases += [
        Case(
            (ones, 0.3, seed),
            f"a 1×1000 batch, rate=0.3, seed={seed} (one of {len(_SPREAD_SEEDS)}"
            " seeds)",
        )
        for seed in _SPREAD_SEEDS
    ]
    return cases


# One call for each of these seeds, judged together: values dropped independently, so
# the number dropped varies from seed to seed like a binomial count.
_SPREAD_SEEDS = range(200, 221)


def _spread_problem(cases: list[Case], values: list) -> str | None:
    counts = []
    for case, value in zip(cases, values, strict=False):
        if not isinstance(value, np.ndarray) or value.shape != case.args[0].shape:
            return (
                f"On {case.label}, return an array of the input's shape; got"
                f" {describe(value)}."
            )
        counts.append(int((value == 0).sum()))
    size, rate = cases[0].args[0].size, cases[0].args[1]
    expected_spread = math.sqrt(size * rate * (1 - rate))
    spread = float(np.std(counts))
    if spread < 0.3 * expected_spread:
        return (
            f"Over {len(counts)} seeds you dropped {min(counts)} to {max(counts)} of"
            f" the {size} values of a 1×{size} batch at rate {rate}: always (nearly)"
            " the same number. Dropout drops each value INDEPENDENTLY with probability"
            " `rate`, so the number dropped varies from call to call (here by about"
            f" ±{expected_spread:.0f}). Hint: keep = rng.random(x.shape) >= rate, not a"
            " fixed count of positions."
        )
    return None


def _q4_judge(cases: list[Case], values: list) -> Result | None:
    spread = len(_SPREAD_SEEDS)
    problem = _spread_problem(cases[-spread:], values[-spread:])
    cases, values = cases[:-spread], values[:-spread]
    for case, three in in_threes(cases, values):
        (x, rate, _seed), label = case.args, case.label
        outs = []
        for value in three:
            if not isinstance(value, np.ndarray) or value.shape != x.shape:
                flattened = (
                    isinstance(value, np.ndarray)
                    and value.ndim == 1
                    and 0 < value.size < x.size
                )
                return Result(
                    False,
                    f"On {label}, return an array of the input's shape {x.shape}; got"
                    f" {describe(value)}."
                    + (
                        " Hint: x[keep] keeps only the selected values, flattened into"
                        " one row; keep the shape and put 0 where a value is dropped:"
                        " np.where(keep, x / (1 - rate), 0.0)."
                        if flattened
                        else ""
                    ),
                )
            if value.dtype.kind != "f":
                return Result(
                    False, f"On {label}, return floats; got dtype {value.dtype}."
                )
            outs.append(value)
        out, again, other = outs
        dropped = out == 0
        kept = ~dropped
        if not np.allclose(out[kept], x[kept] / (1 - rate), rtol=1e-6):
            scaled = np.allclose(out[kept], x[kept], rtol=1e-6)
            return Result(
                False,
                f"On {label}, the values you kept are not x / (1 - rate)."
                + (
                    ' Hint: scale what you keep by 1 / (1 - rate) ("inverted dropout"),'
                    " so that the layer's average output does not change and nothing"
                    " needs rescaling at test time."
                    if scaled
                    else ""
                ),
            )
        if 0 < rate < 1 and dropped.mean() in (0.0, 1.0):
            return Result(
                False,
                f"On {label}, you dropped {'none' if not dropped.any() else 'all'} of"
                f" the values, where about {rate:.0%} should go. If every value is"
                " compared with the same random number (a new"
                " np.random.default_rng(seed) for each value starts the same"
                " sequence), all of them are kept or all dropped: make ONE generator"
                " and draw one number per value, rng.random(x.shape).",
            )
        if rate > 0 and len(x) > 1 and (dropped == dropped[0]).all():
            return Result(
                False,
                f"On {label}, every example dropped the same positions: draw a random"
                " number for every value, rng.random(x.shape), not one row of them"
                " shared by the whole batch.",
            )
        if (
            rate > 0
            and x.shape[-1] > 1
            and (dropped.all(axis=-1) | kept.all(axis=-1)).all()
        ):
            return Result(
                False,
                f"On {label}, you dropped whole examples (all of a row's values, or"
                " none): draw one random number per VALUE, rng.random(x.shape), not"
                " one per example.",
            )
        fraction = dropped.mean()
        if rate == 0 and fraction > 0:
            return Result(
                False,
                f"On {label}, rate 0 must drop nothing, but you set {dropped.sum()}"
                " values to 0.",
            )
        if abs(fraction - rate) > 0.05:
            return Result(
                False,
                f"On {label}, you dropped {fraction:.0%} of the values; about"
                f" {rate:.0%} expected. Hint: drop each value with probability `rate`"
                " (keep it when a uniform random number is ≥ rate).",
            )
        if not np.array_equal(out, again):
            return Result(
                False,
                f"On {label}, two calls with the same seed dropped different values:"
                " draw the random numbers from np.random.default_rng(seed).",
            )
        if rate > 0 and np.array_equal(out, other):
            return Result(
                False,
                f"On {label}, another seed dropped exactly the same values: the seed"
                " should choose them.",
            )
    return Result(False, problem) if problem else None


q4 = Exercise(
    "ch04.q4",
    "dropout_forward",
    dropout_forward,
    _q4_cases,
    (
        (
            "During training, dropout sets each value to 0 with probability `rate`,"
            " independently, and scales the values it keeps so that the average stays"
            " the same. Use np.random.default_rng(seed) for the randomness."
        ),
        (
            "keep = np.random.default_rng(seed).random(x.shape) >= rate; return"
            " np.where(keep, x / (1 - rate), 0.0)."
        ),
    ),
    judge=_q4_judge,
)

# ------------------------------------------------------------- q5: batch norm


def batch_norm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, epsilon: float = 1e-3
) -> np.ndarray:
    axes = tuple(
        range(x.ndim - 1)
    )  # every axis but the last (the features or channels)
    mean = x.mean(axis=axes)
    variance = x.var(axis=axes)
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


def _q5_cases() -> list[Case]:
    rng = np.random.default_rng(
        405
    )  # this exercise's own inputs, the same on every call
    return [
        Case(
            (np.array([[1.0, 2.0], [3.0, 6.0]]), np.ones(2), np.zeros(2)),
            "a batch of 2 with 2 features, gamma=1, beta=0",
        ),
        Case(
            (rng.normal(3, 2, (16, 5)), rng.uniform(0.5, 2, 5), rng.normal(0, 1, 5)),
            "a batch of 16 with 5 features",
        ),
        Case(
            (
                rng.normal(0, 1, (4, 3, 3, 2)),
                np.array([1.0, 0.5]),
                np.array([0.0, 1.0]),
            ),
            "feature maps (4, 3, 3, 2): normalize each of the 2 channels",
        ),
        Case(
            (
                np.array([[5.0, -1.0, 2.0]]),
                np.array([2.0, 2.0, 2.0]),
                np.array([0.1, 0.2, 0.3]),
            ),
            "a batch of ONE (its variance is 0)",
        ),
        Case((rng.normal(0, 1, (8, 3)), np.ones(3), np.zeros(3), 0.1), "epsilon=0.1"),
    ]


q5 = Exercise(
    "ch04.q5",
    "batch_norm_forward",
    batch_norm_forward,
    _q5_cases,
    (
        (
            "In training mode, batch norm standardizes each feature (the last axis)"
            " with the mean and variance of THIS batch, then scales by gamma and shifts"
            " by beta. Epsilon keeps the division safe when the variance is 0."
        ),
        (
            "axes = every axis but the last; mean = x.mean(axis=axes); var ="
            " x.var(axis=axes) (divide by N, not N - 1); return gamma * (x - mean) /"
            " np.sqrt(var + epsilon) + beta."
        ),
    ),
    nudges=(
        Nudge(
            lambda x, g, b, e=1e-3: (
                g
                * (x - x.mean(axis=tuple(range(x.ndim - 1))))
                / np.sqrt(
                    x.var(axis=tuple(range(x.ndim - 1)))
                    * (x.size // x.shape[-1])
                    / x.shape[0]
                    + e
                )
                + b
            ),
            "the variance averages over every value of a channel (batch × height ×"
            " width for feature maps): divide by how many values you summed, x.size //"
            " x.shape[-1], not by x.shape[0]; x.var(axis=axes) does it.",
        ),
        Nudge(
            lambda x, g, b, e=1e-3: g * (x - x.mean()) / np.sqrt(x.var() + e) + b,
            "normalize each feature with its OWN mean and variance: average over every"
            " axis but the last (x.mean(axis=0) for a batch of vectors), not over the"
            " whole array.",
        ),
        Nudge(
            lambda x, g, b, e=1e-3: (
                g
                * (x - x.mean(axis=-1, keepdims=True))
                / np.sqrt(x.var(axis=-1, keepdims=True) + e)
                + b
            ),
            "normalize each feature across the batch (every axis but the last), not"
            " each example across its features.",
        ),
        Nudge(
            lambda x, g, b, e=1e-3: (
                g
                * (x - x.mean(axis=tuple(range(x.ndim - 1))))
                / np.sqrt(x.var(axis=tuple(range(x.ndim - 1)), ddof=1) + e)
                + b
            ),
            "use the batch's own variance, dividing by N (np.var's default), as Keras"
            " does, not N - 1.",
        ),
        Nudge(
            lambda x, g, b, e=1e-3: (
                g
                * (x - x.mean(axis=tuple(range(x.ndim - 1))))
                / (np.sqrt(x.var(axis=tuple(range(x.ndim - 1)))) + e)
                + b
            ),
            "epsilon goes inside the square root: np.sqrt(variance + epsilon).",
        ),
        Nudge(
            lambda x, g, b, e=1e-3: (
                g
                * (x - x.mean(axis=tuple(range(x.ndim - 1))))
                / np.sqrt(x.std(axis=tuple(range(x.ndim - 1))) + e)
                + b
            ),
            "divide by np.sqrt(VARIANCE + epsilon): x.var(...), not the standard"
            " deviation x.std(...) (which is already a square root).",
        ),
        Nudge(
            lambda x, g, b, e=1e-3: (
                g
                * (x - x.mean(axis=tuple(range(x.ndim - 1))))
                / (x.std(axis=tuple(range(x.ndim - 1))) + e)
                + b
            ),
            "epsilon goes inside the square root: np.sqrt(x.var(...) + epsilon), not"
            " x.std(...) + epsilon.",
        ),
        Nudge(
            lambda x, g, b, e=1e-3: (
                b
                * (x - x.mean(axis=tuple(range(x.ndim - 1))))
                / np.sqrt(x.var(axis=tuple(range(x.ndim - 1))) + e)
                + g
            ),
            "gamma scales and beta shifts: gamma * normalized + beta.",
        ),
        Nudge(
            lambda x, g, b, e=1e-3: (
                (x - x.mean(axis=tuple(range(x.ndim - 1))))
                / np.sqrt(x.var(axis=tuple(range(x.ndim - 1))) + e)
            ),
            "after standardizing, scale by gamma and shift by beta: gamma * normalized"
            " + beta (they are the layer's learned parameters).",
        ),
        Nudge(
            lambda x, g, b, e=1e-3: batch_norm_forward(x, g, b, 1e-5),
            "your answer is what epsilon=1e-5 (PyTorch's default) or smaller gives,"
            " whatever `epsilon` is: use the `epsilon` argument your function is"
            " called with (its default is Keras' 1e-3).",
        ),
    ),
    error_nudges=(
        (
            "out of bounds for array of dimension",
            (
                "your axes are written as fixed numbers, but `x` does not always have"
                " the same number of axes: a batch of feature vectors is (N, features),"
                " 2 axes, and feature maps are (N, H, W, channels), 4. Normalize over"
                " every axis but the last, whatever x.ndim is: build the axes from it,"
                " tuple(range(x.ndim - 1))."
            ),
        ),
    ),
)

chapter = Chapter("04_training", [q1, q2, q3, q4, q5])
