"""The exceptions csvbloom raises: one class per kind of failure.

Every error the C++ library reports (``csvbloom::ErrorKind``) arrives as the
subclass of :class:`Error` for its kind, carrying where it happened.  Each
also derives from the built-in exception a Python user would expect
(``ValueError``, ``OSError``), so ``except ValueError`` keeps working.
"""


class Error(Exception):
    """Base class of every csvbloom error.

    Attributes: ``message`` (without the location), ``file``, ``line``,
    ``column`` (``None`` when unknown) and ``kind`` (the library's
    ``ErrorKind`` name, e.g. ``"bad_csv"``).  ``str(e)`` is
    ``"file:line:column: message"``, as the CLI prints it.
    """

    kind = "error"
    message = ""
    file = None
    line = None
    column = None

    def __reduce__(self):
        return (_make, (type(self).__name__, str(self), self.message, self.file, self.line, self.column))


class InvalidArgumentError(Error, ValueError):
    """A parameter that makes no sense (fpr outside (0, 1), a key of the wrong arity, ...)."""
    kind = "invalid_argument"


class IOError(Error, OSError):  # noqa: A001 (csvbloom.IOError, not the builtin alias)
    """A file that cannot be opened, read, written or renamed."""
    kind = "io"


class BadCsvError(Error, ValueError):
    """A CSV record the reader could not accept (``file`` and ``line`` say where)."""
    kind = "bad_csv"


class MissingColumnError(Error, ValueError):
    """A key column absent from an input's header."""
    kind = "missing_column"


class CorruptFilterError(Error, ValueError):
    """A filter file that failed validation or its checksum."""
    kind = "corrupt_filter"


class IncompatibleError(Error, ValueError):
    """Filters whose parameters differ (merge)."""
    kind = "incompatible"


class CancelledError(Error):
    """A build stopped by its cancel flag (Ctrl-C raises KeyboardInterrupt instead)."""
    kind = "cancelled"


def _make(name, what, message, file=None, line=None, column=None):
    cls = globals().get(name, Error)
    e = cls(what)
    e.message = message
    e.file = file
    e.line = line
    e.column = column
    return e
