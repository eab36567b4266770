"""csvbloom: build, query and merge Bloom filters over CSV files.

A thin binding over the C++ library the ``csvbloom`` command uses: the same
filter files serve the shell, C++ and Python. See docs/PYTHON.md.

    >>> import csvbloom
    >>> f = csvbloom.Filter.open("emails.bloom")
    >>> "alice@example.com" in f
    >>> seen = f.contains_many(df["email"])          # NumPy bool array
    >>> stats = csvbloom.build(["exports/"], "emails.bloom", key="email", capacity=50_000_000)
    >>> csvbloom.merge("all.bloom", ["part-1.bloom", "part-2.bloom"])
    >>> csvbloom.select("emails.bloom", "today.csv", "new.csv", absent=True)   # rows never seen
    >>> csvbloom.add("emails.bloom", "today.csv")                             # then remember them
    >>> csvbloom.dedupe(["a.csv", "b.csv"], "unique.csv", key="email")

Errors are subclasses of :class:`csvbloom.Error`, one per kind.
"""

from ._errors import (  # noqa: F401
    BadCsvError,
    CancelledError,
    CorruptFilterError,
    Error,
    IncompatibleError,
    InvalidArgumentError,
    IOError,
    MissingColumnError,
)
from ._csvbloom import DEDUPE_FPR, DEFAULT_SEED, Filter, __version__, add, build, dedupe, merge, select  # noqa: F401

__all__ = [
    "Filter", "build", "merge", "select", "dedupe", "add", "DEFAULT_SEED", "DEDUPE_FPR", "__version__",
    "Error", "InvalidArgumentError", "IOError", "BadCsvError", "MissingColumnError",
    "CorruptFilterError", "IncompatibleError", "CancelledError",
]
