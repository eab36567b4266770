# Type stubs for the csvbloom package (the extension module csvbloom._csvbloom
# and csvbloom._errors). Keep in step with src/python/*.cpp and docs/PYTHON.md.
import os
from typing import Any, Iterable, Literal, Optional, Protocol, Sequence, Union

import numpy as np
import numpy.typing as npt

__version__: str
DEFAULT_SEED: int
DEDUPE_FPR: float  # dedupe's default fpr, the CLI's: 1e-6

_Path = Union[str, os.PathLike[str]]
_Key = Union[str, bytes, tuple[Union[str, bytes], ...]]
_Column = Union[str, int]
_KeyArg = Union[None, _Column, Sequence[_Column]]

class _BinaryWriter(Protocol):
    def write(self, data: bytes, /) -> Any: ...

# select/dedupe: a path (written atomically), a binary file object, or None
# (the rows come back as bytes, the summary's "data").
_RowOutput = Union[None, _Path, _BinaryWriter]

class Filter:
    @staticmethod
    def open(path: _Path, verify: bool = True) -> Filter: ...
    def contains(self, key: _Key) -> bool: ...
    def __contains__(self, key: _Key) -> bool: ...
    def contains_many(self, keys: Union[Iterable[_Key], npt.NDArray[Any], Any]) -> npt.NDArray[np.bool_]: ...
    def info(self) -> dict[str, Any]: ...
    @property
    def path(self) -> str: ...
    @property
    def keys_inserted(self) -> int: ...
    @property
    def estimated_distinct_keys(self) -> float: ...
    @property
    def key_columns(self) -> int: ...

def build(
    inputs: Union[_Path, Iterable[_Path]],
    output: _Path,
    *,
    key: _KeyArg = None,
    no_header: bool = False,
    delimiter: Optional[Union[str, bytes]] = None,
    trim: bool = False,
    lowercase: bool = False,
    capacity: int | None = None,
    fpr: float = 0.01,
    bits: int | None = None,
    hashes: int | None = None,
    layout: Literal["blocked", "classic"] = "blocked",
    seed: int = ...,
    on_error: Literal["fail", "skip"] = "fail",
    allow_ragged: bool = False,
    max_record_bytes: int = 67108864,
    threads: int | None = None,
    readers: int | None = None,
    workers: int | None = None,
    chunk_size: int = 4194304,
    queue_batches: int | None = None,
) -> dict[str, Any]: ...

def merge(output: _Path, inputs: Iterable[_Path]) -> None: ...

def select(
    filter: Union[_Path, Filter],
    inputs: Union[_Path, Iterable[_Path]],
    output: _RowOutput = None,
    *,
    absent: bool = False,
    count: bool = False,
    key: _KeyArg = None,
    no_header: bool = False,
    delimiter: Optional[Union[str, bytes]] = None,
    verify: bool = True,
    on_error: Literal["fail", "skip"] = "fail",
    allow_ragged: bool = False,
    max_record_bytes: int = 67108864,
    threads: int | None = None,
    readers: int | None = None,
    workers: int | None = None,
    chunk_size: int = 1048576,
    queue_batches: int | None = None,
) -> dict[str, Any]: ...

def dedupe(
    inputs: Union[_Path, Iterable[_Path]],
    output: _RowOutput = None,
    *,
    key: _KeyArg = None,
    capacity: int | None = None,
    fpr: float = 1e-06,
    trim: bool = False,
    lowercase: bool = False,
    filter: Union[None, _Path, Filter] = None,
    save: Optional[_Path] = None,
    no_header: bool = False,
    delimiter: Optional[Union[str, bytes]] = None,
    on_error: Literal["fail", "skip"] = "fail",
    allow_ragged: bool = False,
    max_record_bytes: int = 67108864,
    threads: int | None = None,
    readers: int | None = None,
    workers: int | None = None,
    chunk_size: int = 1048576,
    queue_batches: int | None = None,
) -> dict[str, Any]: ...

def add(
    filter: Union[_Path, Filter],
    inputs: Union[_Path, Iterable[_Path]],
    output: Optional[_Path] = None,
    *,
    key: _KeyArg = None,
    no_header: bool = False,
    delimiter: Optional[Union[str, bytes]] = None,
    on_error: Literal["fail", "skip"] = "fail",
    allow_ragged: bool = False,
    max_record_bytes: int = 67108864,
    threads: int | None = None,
    readers: int | None = None,
    workers: int | None = None,
    chunk_size: int = 4194304,
    queue_batches: int | None = None,
) -> dict[str, Any]: ...

class Error(Exception):
    kind: str
    message: str
    file: str | None
    line: int | None
    column: int | None

class InvalidArgumentError(Error, ValueError): ...
class IOError(Error, OSError): ...  # noqa: A001
class BadCsvError(Error, ValueError): ...
class MissingColumnError(Error, ValueError): ...
class CorruptFilterError(Error, ValueError): ...
class IncompatibleError(Error, ValueError): ...
class CancelledError(Error): ...
