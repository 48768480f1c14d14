"""Exception classes. Every message says what happened and what to do next."""


class MnistCourseError(Exception):
    """Base class for every error this package raises on purpose."""


class IdxFormatError(MnistCourseError):
    """A file is not a valid IDX file (wrong magic, wrong size, wrong dimensions)."""


class DataSourceError(MnistCourseError):
    """No data source could provide verified MNIST files."""


class CorruptCacheError(MnistCourseError):
    """The cached MNIST files are missing, truncated or do not match their checksums."""


class ModelFileError(MnistCourseError):
    """A model file is missing or cannot be loaded safely."""


class ImageError(MnistCourseError):
    """An image could not be read or contains no digit."""


class CacheError(MnistCourseError):
    """The cache folder cannot be used: it is a file, or a file in it cannot be written
    (disk full, read-only)."""


class UsageError(MnistCourseError, ValueError):
    """A command-line argument or a function argument is invalid; raised before any work
    starts."""
