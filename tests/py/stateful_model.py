"""The model of test_stateful.py: ``Model``, the 3.15 rules of
docs/behaviour.md on a bytearray plus position, access mode, exports and
closed flag; and ``outcome``/``describe``, which record and print what a
call did (a return value or an exception type and errno) on the subject, the
stdlib and the model alike.
"""

import errno
import os
import sys

from conftest import FIND_BUG, PAGESIZE, PY


MAXS = sys.maxsize
MINS = -sys.maxsize - 1
STD_FIND_OK = not (FIND_BUG[0] <= PY[:3] < FIND_BUG[1])
ALPHABET = b"ab\nc"

DEFAULT, READ, WRITE, COPY = 0, 1, 2, 3
ACCESS_NAMES = {DEFAULT: "ACCESS_DEFAULT", READ: "ACCESS_READ",
                WRITE: "ACCESS_WRITE", COPY: "ACCESS_COPY"}


class Model:
    """The 3.15 rules on a bytearray (docs/behaviour.md)."""

    def __init__(self, data, access, anonymous, shared, trackfd):
        self.data = bytearray(data)
        self.pos = 0
        self.closed = False
        self.access = access
        self.anonymous = anonymous
        self.shared = shared
        self.trackfd = trackfd
        self.exports = 0
        # the file (None for anonymous maps)
        self.file = None if anonymous else bytearray(data)

    # -- helpers
    def _valid(self):
        if self.closed:
            raise ValueError("mmap closed or invalid")

    def _writable(self):
        if self.access == READ:
            raise TypeError("mmap can't modify a readonly memory map.")

    def _sync_file(self):
        # shared file maps are the file; COPY and READ never reach it
        if self.file is not None and self.access in (DEFAULT, WRITE):
            self.file[:] = self.data

    @staticmethod
    def _index(i):
        if not isinstance(i, int):
            raise TypeError("not an index")
        if not (MINS <= i <= MAXS):
            raise IndexError("cannot fit 'int' into an index-sized integer")
        return i

    # -- operations
    def len(self):
        self._valid()
        return len(self.data)

    def getitem(self, key):
        self._valid()
        if isinstance(key, slice):
            if key.step == 0:
                raise ValueError("slice step cannot be zero")
            return bytes(self.data[key])
        i = self._index(key)
        n = len(self.data)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("mmap index out of range")
        return self.data[i]

    def setitem(self, key, value):
        # 3.14+: writability (even closed), the key, the value, and only
        # then whether the map is open and the index's range
        self._writable()
        if isinstance(key, slice):
            if key.step == 0:
                raise ValueError("slice step cannot be zero")
            self._valid()
            idx = range(*key.indices(len(self.data)))
            if len(value) != len(idx):
                raise IndexError("mmap slice assignment is wrong size")
            self.data[key] = bytes(value)
        else:
            i = self._index(key)
            if not 0 <= value <= 255:
                raise ValueError("mmap item value must be in range(0, 256)")
            self._valid()
            n = len(self.data)
            if i < 0:
                i += n
            if not 0 <= i < n:
                raise IndexError("mmap index out of range")
            self.data[i] = value
        self._sync_file()

    def find(self, sub, start, end, reverse):
        self._valid()
        for v in (start, end):
            if v is not None and not (MINS <= v <= MAXS):
                raise OverflowError("int too big")
        s = self.pos if start is None else start
        e = len(self.data) if end is None else end
        data = bytes(self.data)
        # bytes.find has the 3.15 normalisation, including "a start past
        # the end finds nothing" (gh-151021) and end honoured with a None
        # start (project decision)
        return data.rfind(sub, s, e) if reverse else data.find(sub, s, e)

    def seek(self, off, whence):
        self._valid()
        if whence == 0:
            target = off
        elif whence == 1:
            target = self.pos + off
        elif whence == 2:
            target = len(self.data) + off
        else:
            raise ValueError("unknown seek type")
        if not 0 <= target <= len(self.data):
            raise ValueError("seek out of range")
        self.pos = target
        return target

    def tell(self):
        self._valid()
        return self.pos

    def read(self, n):
        self._valid()
        remaining = max(len(self.data) - self.pos, 0)
        if n is None or n < 0 or n > remaining:
            n = remaining
        out = bytes(self.data[self.pos:self.pos + n])
        self.pos += n
        return out

    def readline(self):
        self._valid()
        if self.pos >= len(self.data):
            return b""
        nl = self.data.find(b"\n", self.pos)
        end = len(self.data) if nl < 0 else nl + 1
        out = bytes(self.data[self.pos:end])
        self.pos = end
        return out

    def read_byte(self):
        self._valid()
        if self.pos >= len(self.data):
            raise ValueError("read byte out of range")
        self.pos += 1
        return self.data[self.pos - 1]

    def write(self, payload):
        self._valid()
        self._writable()
        n = len(self.data)
        if self.pos > n or n - self.pos < len(payload):
            raise ValueError("data out of range")
        self.data[self.pos:self.pos + len(payload)] = payload
        self.pos += len(payload)
        self._sync_file()
        return len(payload)

    def write_byte(self, value):
        # 3.15: the argument is converted before the closed check
        if value < 0 or value > 255:
            raise OverflowError("unsigned byte integer")
        self._valid()
        self._writable()
        if self.pos >= len(self.data):
            raise ValueError("write byte out of range")
        self.data[self.pos] = value
        self.pos += 1
        self._sync_file()

    def move(self, dest, src, count):
        self._valid()
        self._writable()
        n = len(self.data)
        if dest < 0 or src < 0 or count < 0 or n - dest < count \
                or n - src < count:
            raise ValueError("source, destination, or count out of range")
        self.data[dest:dest + count] = bytes(self.data[src:src + count])
        self._sync_file()

    def flush(self, offset, size):
        self._valid()
        n = len(self.data)
        if size == -1:
            size = n - offset
        if size < 0 or offset < 0 or n - offset < size:
            raise ValueError("flush values out of range")
        if self.access in (READ, COPY):
            return None
        if offset % PAGESIZE:
            raise OSError(errno.EINVAL, "Invalid argument")
        return None

    def madvise(self, option, start, length):
        self._valid()
        n = len(self.data)
        if length is None:
            length = n
        if start < 0 or start >= n:
            raise ValueError("madvise start out of bounds")
        if length < 0:
            raise ValueError("madvise length invalid")
        if start + length > MAXS:
            raise OverflowError("madvise length too large")
        if start % PAGESIZE:
            raise OSError(errno.EINVAL, "Invalid argument")
        return None

    def size(self):
        self._valid()
        if not self.trackfd:
            raise ValueError("can't get size with trackfd=False")
        if self.anonymous:
            return len(self.data)
        return len(self.file)

    def resize(self, newsize):
        self._valid()
        if self.exports:
            raise BufferError("mmap can't resize with extant buffers "
                              "exported.")
        if not self.trackfd:
            raise ValueError("mmap can't resize with trackfd=False.")
        if self.access in (READ, COPY):
            raise TypeError("mmap can't resize a readonly or copy-on-write "
                            "memory map.")
        if newsize < 0:
            raise ValueError("new size out of range")
        if newsize == 0:
            # 3.15 truncates the file, then mremap() fails: mmf raises the
            # same error before touching anything (docs/behaviour.md)
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        n = len(self.data)
        if self.anonymous and self.shared and newsize > n:
            raise ValueError("mmap: can't expand a shared anonymous "
                             "mapping")
        if newsize < n:
            del self.data[newsize:]
        else:
            self.data.extend(bytes(newsize - n))
        if self.file is not None:
            self.file[:] = self.data

    def export(self):
        self._valid()
        self.exports += 1

    def release(self):
        self.exports -= 1

    def close(self):
        if self.closed:
            return None
        if self.exports:
            raise BufferError("cannot close exported pointers exist")
        self.closed = True
        return None

    def repr(self, typename="mmap.mmap"):
        if self.closed:
            return "<%s closed=True>" % typename
        return ("<%s closed=False, access=%s, length=%d, pos=%d, offset=0>"
                % (typename, ACCESS_NAMES[self.access], len(self.data),
                   self.pos))


def outcome(fn):
    """('ok', value) or ('exc', exception type, errno)."""
    try:
        return ("ok", fn())
    except (ValueError, TypeError, IndexError, OverflowError, BufferError,
            OSError) as e:
        return ("exc", type(e), getattr(e, "errno", None))


def describe(o):
    if o[0] == "ok":
        v = o[1]
        return "returned %r" % (v[:60] + b"..." if isinstance(v, bytes)
                                and len(v) > 60 else v,)
    return "raised %s%s" % (o[1].__name__,
                            "(errno %s)" % errno.errorcode.get(o[2], o[2])
                            if o[2] else "")
