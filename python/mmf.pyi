# Type stub for the extension module `mmf`: the CPython 3.15 API of the
# `mmap` module, offered on every supported Python (3.9+). It mirrors
# typeshed's stdlib/mmap.pyi, with mmf's exact signatures: positional-only
# method parameters, `trackfd`, `seek()` returning the position,
# `flush(..., flags=)`, `madvise(..., length=None)`, `set_name()`, and
# `None` accepted for find()/rfind() bounds.
import sys
from _typeshed import ReadableBuffer, StrOrBytesPath, Unused, WriteableBuffer
from collections.abc import Iterator
from typing import Final, Literal, NoReturn, final, overload
from typing_extensions import Self, disjoint_base

__version__: Final[str]

error = OSError

ACCESS_DEFAULT: Final = 0
ACCESS_READ: Final = 1
ACCESS_WRITE: Final = 2
ACCESS_COPY: Final = 3

ALLOCATIONGRANULARITY: Final[int]
PAGESIZE: Final[int]

if sys.platform != "win32":
    MAP_ANON: Final[int]
    MAP_ANONYMOUS: Final[int]
    MAP_PRIVATE: Final[int]
    MAP_SHARED: Final[int]
    PROT_EXEC: Final[int]
    PROT_READ: Final[int]
    PROT_WRITE: Final[int]
    MS_ASYNC: Final[int]
    MS_INVALIDATE: Final[int]
    MS_SYNC: Final[int]

if sys.platform == "linux":
    MAP_DENYWRITE: Final[int]
    MAP_EXECUTABLE: Final[int]
    MAP_POPULATE: Final[int]
    MAP_NORESERVE: Final[int]
    # x86-64 only.
    MAP_32BIT: Final[int]

if sys.platform != "win32" and sys.platform != "darwin":
    MAP_STACK: Final[int]

# A C type with its own layout: no class can derive from it and another
# such type at once (PEP 800).
@disjoint_base
class mmap:
    """A memory-mapped file or anonymous memory, with a cursor."""

    def __new__(
        cls,
        fileno: int,
        length: int,
        flags: int = ...,
        prot: int = ...,
        access: int = 0,
        offset: int = 0,
        *,
        trackfd: bool = True,
        hugepages: bool = False,  # mmf addition (anonymous maps)
        memfd: bool = False,  # mmf addition (shared anonymous maps)
    ) -> Self: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    def find(
        self,
        sub: ReadableBuffer,
        start: int | None = None,
        end: int | None = None,
        /,
    ) -> int: ...
    def rfind(
        self,
        sub: ReadableBuffer,
        start: int | None = None,
        end: int | None = None,
        /,
    ) -> int: ...
    def flush(
        self, offset: int = 0, size: int = -1, /, *, flags: int = 0
    ) -> None: ...
    def madvise(
        self, option: int, start: int = 0, length: int | None = None, /
    ) -> None: ...
    def move(self, dest: int, src: int, count: int, /) -> None: ...
    def read(self, n: int | None = None, /) -> bytes: ...
    def read_byte(self) -> int: ...
    def readline(self) -> bytes: ...
    # mmf addition: the lines from the current position, as readline()
    # returns them; the iteration moves the position.
    def lines(self) -> LineIterator: ...
    # mmf additions beyond the stdlib API
    def count(self, sub: ReadableBuffer, start: int | None = None,
              end: int | None = None, /) -> int: ...
    def readinto(self, buffer: WriteableBuffer, /) -> int: ...
    def protect(self, prot: int, /) -> None: ...
    def lock(self, start: int = 0, length: int | None = None, /) -> None: ...
    def unlock(self, start: int = 0, length: int | None = None, /) -> None: ...
    def populate(self, start: int = 0, length: int | None = None,
                 write: bool = False, /) -> None: ...
    def resident(self, start: int = 0, length: int | None = None, /) -> int: ...
    def page_size(self) -> int: ...
    def fd(self) -> int: ...  # not fileno(): see its docstring
    def resize(self, newsize: int, /) -> None: ...
    def seek(self, pos: int, whence: int = 0, /) -> int: ...
    def seekable(self) -> Literal[True]: ...
    def set_name(self, name: str, /) -> None: ...
    def size(self) -> int: ...
    def tell(self) -> int: ...
    def write(self, bytes: ReadableBuffer, /) -> int: ...
    def write_byte(self, byte: int, /) -> None: ...
    def __len__(self) -> int: ...
    @overload
    def __getitem__(self, key: int, /) -> int: ...
    @overload
    def __getitem__(self, key: slice, /) -> bytes: ...
    def __delitem__(self, key: int | slice, /) -> NoReturn: ...
    @overload
    def __setitem__(self, key: int, value: int, /) -> None: ...
    @overload
    def __setitem__(self, key: slice, value: ReadableBuffer, /) -> None: ...
    # There is no __contains__ and no __iter__: `in` and iteration go
    # through the sequence protocol, whose items are 1-byte bytes objects
    # (unlike m[i], an int). They are declared for type checkers (and
    # allowlisted for stubtest: tests/stubtest/allowlist.txt).
    def __contains__(self, o: object, /) -> bool: ...
    def __iter__(self) -> Iterator[bytes]: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: Unused, exc_value: Unused, traceback: Unused, /
    ) -> None: ...
    # Present at run time since 3.12 (PEP 688); declared on every version,
    # as typeshed does, so that an mmap is a Buffer for type checkers
    # (allowlisted before 3.12: tests/stubtest/allowlist-py39-py311.txt).
    def __buffer__(self, flags: int, /) -> memoryview: ...
    def __release_buffer__(self, buffer: memoryview, /) -> None: ...

if sys.platform != "win32":
    MADV_NORMAL: Final[int]
    MADV_RANDOM: Final[int]
    MADV_SEQUENTIAL: Final[int]
    MADV_WILLNEED: Final[int]
    MADV_DONTNEED: Final[int]
    MADV_FREE: Final[int]

if sys.platform == "linux":
    MADV_REMOVE: Final[int]
    MADV_DONTFORK: Final[int]
    MADV_DOFORK: Final[int]
    MADV_HWPOISON: Final[int]
    MADV_MERGEABLE: Final[int]
    MADV_UNMERGEABLE: Final[int]
    # MADV_SOFT_OFFLINE exists only where libc's <sys/mman.h> defines it
    # (glibc does not).
    MADV_HUGEPAGE: Final[int]
    MADV_NOHUGEPAGE: Final[int]
    MADV_DONTDUMP: Final[int]
    MADV_DODUMP: Final[int]

if sys.platform != "linux" and sys.platform != "darwin" and sys.platform != "win32":
    MAP_ALIGNED_SUPER: Final[int]  # FreeBSD
    MAP_CONCEAL: Final[int]  # OpenBSD
    MADV_NOSYNC: Final[int]
    MADV_AUTOSYNC: Final[int]
    MADV_NOCORE: Final[int]
    MADV_CORE: Final[int]
    MADV_PROTECT: Final[int]

if sys.platform == "darwin":
    MADV_FREE_REUSABLE: Final[int]
    MADV_FREE_REUSE: Final[int]
    MAP_NORESERVE: Final[int]
    MAP_NOEXTEND: Final[int]
    MAP_HASSEMAPHORE: Final[int]
    MAP_NOCACHE: Final[int]
    MAP_JIT: Final[int]
    MAP_RESILIENT_CODESIGN: Final[int]
    MAP_RESILIENT_MEDIA: Final[int]
    MAP_TRANSLATED_ALLOW_EXECUTE: Final[int]
    MAP_UNIX03: Final[int]
    MAP_TPRO: Final[int]

def reinstall_fault_guard() -> None: ...

# mmf addition: open a file by path and map it (numpy.memmap's modes)
def open(
    path: StrOrBytesPath,
    mode: Literal["r", "r+", "w+", "c"] = "r",
    size: int | None = None,
    offset: int = 0,
) -> mmap: ...

@final
class LineIterator(Iterator[bytes]):
    def __iter__(self) -> Self: ...
    def __next__(self) -> bytes: ...
