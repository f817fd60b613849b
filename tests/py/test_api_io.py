"""Behaviour of mmf.mmap: close, reading, find/rfind, writing, seek/tell and
size.

Written once and run against the stdlib mmap and mmf (fixture ``impl``);
the reference, the checks and the helpers (``check_raises``, ``fmap``,
``amap``, ...) are described in conftest.py, section "The API tests".
"""

import array
import os
import re
import sys

import pytest

from conftest import (CLOSED, DATA, FIND_BUG, PAGESIZE, PY, READONLY, Idx,
                      check_raises, fd_count, mmf_only, needs_315,
                      stdlib_broken, stdlib_overlap_ub)


# --------------------------------------------------------------------------
# Methods

class TestClose:
    def test_close_idempotent(self, amap):
        m = amap()
        assert m.close() is None
        assert m.close() is None
        assert m.closed is True

    def test_closed_property(self, amap):
        m = amap()
        assert m.closed is False
        check_raises(AttributeError, None, setattr, m, "closed", True)
        m.close()
        assert m.closed is True

    def test_close_releases_fd(self, impl, mkfile):
        with open(mkfile(b"x" * 10), "r+b") as f:
            m = impl.mmap(f.fileno(), 0)
        n = fd_count()
        m.close()
        assert fd_count() == n - 1

    def test_close_with_export(self, amap):
        m = amap()
        v = memoryview(m)
        check_raises(BufferError, "cannot close exported pointers exist",
                     m.close)
        assert not m.closed
        v[0] = 7
        assert m[0] == 7
        v.release()
        m.close()
        assert m.closed

    @pytest.mark.parametrize("op", [
        "len", "bool", "getitem", "getslice", "setitem", "setslice",
        "read", "read_byte", "readline", "write", "write_byte", "find",
        "rfind", "seek", "tell", "size", "flush", "move", "madvise",
        "resize", "enter", "memoryview", "iter", "contains",
    ])
    def test_closed_map_raises(self, amap, op):
        m = amap()
        m.close()
        ops = {
            "len": lambda: len(m), "bool": lambda: bool(m),
            "getitem": lambda: m[0], "getslice": lambda: m[0:2],
            "setitem": lambda: m.__setitem__(0, 1),
            "setslice": lambda: m.__setitem__(slice(0, 1), b"x"),
            "read": lambda: m.read(1), "read_byte": m.read_byte,
            "readline": m.readline, "write": lambda: m.write(b"x"),
            "write_byte": lambda: m.write_byte(1),
            "find": lambda: m.find(b"x"), "rfind": lambda: m.rfind(b"x"),
            "seek": lambda: m.seek(0), "tell": m.tell, "size": m.size,
            "flush": m.flush, "move": lambda: m.move(0, 1, 1),
            "madvise": lambda: m.madvise(0), "resize": lambda: m.resize(5),
            "enter": m.__enter__, "memoryview": lambda: memoryview(m),
            "iter": lambda: list(m), "contains": lambda: b"a" in m,
        }
        check_raises(ValueError, CLOSED, ops[op])
        assert repr(m).endswith(" closed=True>")
        assert m.closed and m.close() is None

    def test_closed_readonly_map(self, fmap, impl):
        # 3.14+: item assignment checks writability before anything else,
        # even on a closed map; write() checks "closed" first
        needs_315(impl, (3, 14), "item assignment's order of checks")
        m, _ = fmap(access=impl.ACCESS_READ)
        m.close()
        check_raises(ValueError, CLOSED, m.write, b"x")
        check_raises(TypeError, READONLY, m.__setitem__, 0, 1)
        check_raises(TypeError, READONLY, m.__setitem__, 10**30, 1)
        check_raises(TypeError, READONLY, m.__delitem__, 0)

    def test_seekable_on_closed(self, amap, impl):
        needs_315(impl, (3, 13), "seekable()")
        m = amap()
        assert m.seekable() is True
        m.close()
        assert m.seekable() is True


class TestReadByteReadline:
    def test_read_byte(self, amap):
        m = amap(3, b"\x00\x7f\xff")
        assert [m.read_byte() for _ in range(3)] == [0, 127, 255]
        assert m.tell() == 3
        check_raises(ValueError, "read byte out of range", m.read_byte)
        assert m.tell() == 3

    def test_readline(self, amap):
        m = amap(len(DATA), DATA)
        assert m.readline() == b"0123456789abcdefghij\n"
        assert m.tell() == 21
        assert m.readline() == b"line two\n"
        assert m.readline() == b"three"
        assert m.tell() == len(DATA)
        assert m.readline() == b""
        assert m.tell() == len(DATA)

    def test_readline_only_lf(self, amap):
        m = amap(6, b"a\rb\r\nc")
        assert m.readline() == b"a\rb\r\n"
        assert m.readline() == b"c"

    def test_readline_takes_no_argument(self, amap):
        m = amap()
        check_raises(TypeError, None, m.readline, 5)


class TestRead:
    def test_read_variants(self, amap):
        m = amap(16, bytes(range(16)))
        assert m.read(2) == b"\0\1"
        assert m.read(0) == b""
        assert m.read(None) == bytes(range(2, 16))
        assert m.read() == b""
        m.seek(3)
        assert m.read(-1) == bytes(range(3, 16))
        m.seek(3)
        assert m.read(-100) == bytes(range(3, 16))
        m.seek(3)
        assert m.read(100) == bytes(range(3, 16))
        assert m.tell() == 16
        m.seek(3)
        assert m.read(Idx(2)) == b"\3\4"
        m.seek(3)
        assert m.read(sys.maxsize) == bytes(range(3, 16))
        m.seek(3)
        assert m.read(-sys.maxsize - 1) == bytes(range(3, 16))

    def test_read_bad_arguments(self, amap):
        m = amap()
        for bad, name in ((1.5, "float"), ("foo", "str"), ([1], "list")):
            check_raises(TypeError, "argument should be integer or None, "
                         "not '%s'" % name, m.read, bad)
        check_raises(OverflowError, None, m.read, 2**100)
        check_raises(OverflowError, None, m.read, -2**100)
        check_raises(TypeError, None, m.read, 1, 2)
        check_raises(TypeError, re.compile(r"read\(\) takes no keyword"),
                     m.read, n=1)
        assert m.tell() == 0


class TestFind:
    data = b"one two ones"

    def test_find_basic(self, amap):
        m = amap(len(self.data), self.data)
        assert m.find(b"one") == 0
        assert m.find(b"ones") == 8
        assert m.find(b"one", 0, -1) == 0
        assert m.find(b"one", 1) == 8
        assert m.find(b"one", 1, -1) == 8
        assert m.find(b"one", 1, -2) == -1
        assert m.find(b"xyz") == -1
        assert m.rfind(b"one") == 8
        assert m.rfind(b"one", 0, -1) == 8
        assert m.rfind(b"one", 0, -2) == 0
        assert m.rfind(b"o", 0, 1) == 0
        assert m.tell() == 0

    def test_default_start_is_pos(self, amap):
        m = amap(len(self.data), self.data)
        m.seek(3)
        assert m.find(b"one") == 8
        assert m.rfind(b"one") == 8
        m.seek(9)
        assert m.find(b"one") == -1
        assert m.rfind(b"one") == -1
        assert m.find(b"one", 0) == 0
        assert m.tell() == 9

    def test_needle_types(self, impl, amap):
        m = amap(len(self.data), self.data)
        assert m.find(bytearray(b"two")) == 4
        assert m.find(memoryview(b"xtwox")[1:4]) == 4
        assert m.find(array.array("B", b"two")) == 4
        other = amap(3, b"ons")
        assert m.find(other) == -1
        other[:] = b"nes"
        assert m.find(other) == 9
        assert m.find(m) == 0
        check_raises(TypeError, "a bytes-like object is required, not 'str'",
                     m.find, "one")
        check_raises(TypeError, "a bytes-like object is required, not 'str'",
                     m.rfind, "one")
        check_raises(TypeError, None, m.find, 1)
        check_raises(TypeError, None, m.find, b"o", 1.5)
        check_raises(TypeError, None, m.find, b"o", 0, "1")
        check_raises(TypeError, None, m.find)

    def test_index_bounds(self, amap):
        m = amap(len(self.data), self.data)
        assert m.find(b"one", Idx(1)) == 8
        assert m.rfind(b"one", Idx(0), Idx(5)) == 0

    def test_huge_bounds(self, amap):
        m = amap(len(self.data), self.data)
        assert m.find(b"one", sys.maxsize, -sys.maxsize - 1) == -1
        assert m.rfind(b"one", -sys.maxsize - 1, sys.maxsize) == 8
        assert m.find(b"one", -sys.maxsize - 1, sys.maxsize) == 0
        check_raises(OverflowError, None, m.find, b"one", 2**100)
        check_raises(OverflowError, None, m.find, b"one", 0, -2**100)

    def test_long_needle(self, amap):
        m = amap(len(self.data), self.data)
        assert m.find(self.data + b"x") == -1
        assert m.rfind(self.data + b"x") == -1
        assert m.find(self.data) == 0
        assert m.rfind(self.data) == 0

    def test_all_bounds_match_bytes(self, impl, amap):
        stdlib_broken(impl, *FIND_BUG)
        data = self.data
        n = len(data)
        m = amap(n, data)
        for p in (b"o", b"on", b"two", b"ones", b"s", b"one two ones"):
            for i in range(-n - 1, n + 1):
                for j in range(-n - 1, n + 1):
                    assert m.find(p, i, j) == data.find(p, i, j), (p, i, j)
                    assert m.rfind(p, i, j) == data.rfind(p, i, j), (p, i, j)

    def test_empty_needle(self, impl, amap):
        stdlib_broken(impl, *FIND_BUG)
        data = self.data
        n = len(data)
        m = amap(n, data)
        for i in range(-n - 1, n + 1):
            for j in range(-n - 1, n + 2):
                assert m.find(b"", i, j) == data.find(b"", i, j), (i, j)
                assert m.rfind(b"", i, j) == data.rfind(b"", i, j), (i, j)

    def test_empty_needle_past_end(self, impl, amap):
        # gh-151021: a positive start beyond the length is not clamped.
        needs_315(impl, (3, 15), "find(b'', len+1) == -1 (gh-151021)")
        data = self.data
        n = len(data)
        m = amap(n, data)
        for i in (n + 1, n + 2, sys.maxsize):
            for j in (None, n, n + 5, sys.maxsize):
                args = (i,) if j is None else (i, j)
                assert m.find(b"", *args) == -1, args
                assert m.rfind(b"", *args) == -1, args
        assert m.find(b"", n) == n and m.rfind(b"", n) == n

    def test_none_bounds(self, impl, amap):
        needs_315(impl, (3, 15), "find/rfind accepting None (3.14.1)")
        data = self.data
        m = amap(len(data), data)
        m.seek(3)
        assert m.find(b"one", None) == 8      # None start = pos
        assert m.find(b"one", 0, None) == 0
        assert m.rfind(b"one", 0, None) == 8
        assert m.rfind(b"one", None, None) == 8
        m.seek(0)
        assert m.find(b"one", None) == 0

    def test_none_start_honours_end(self, impl, amap):
        mmf_only(impl, "find(sub, None, end) honours end (docs/behaviour.md; "
                 "CPython HEAD ignores end)")
        data = self.data
        m = amap(len(data), data)
        assert m.find(b"ones", None, 11) == -1
        assert m.find(b"ones", None, 12) == 8
        assert m.rfind(b"one", None, 7) == 0
        m.seek(1)
        assert m.find(b"one", None, 7) == -1
        assert m.rfind(b"", None, 5) == 5
        assert m.find(b"", None, 0) == -1

    def test_find_does_not_move_pos(self, amap):
        m = amap(len(self.data), self.data)
        m.seek(2)
        m.find(b"two")
        m.rfind(b"o", 0)
        assert m.tell() == 2

    def test_big_map_find(self, impl):
        stdlib_broken(impl, *FIND_BUG)
        n = 4 * 1024 * 1024
        m = impl.mmap(-1, n)
        m[n - 3:n] = b"xyz"
        m[5:8] = b"xyz"
        assert m.find(b"xyz") == 5
        assert m.rfind(b"xyz") == n - 3
        assert m.find(b"xyz", 6) == n - 3
        assert m.find(b"xyza") == -1
        assert m.find(b"z", n - 1) == n - 1
        m.close()


class TestWrite:
    def test_write(self, amap):
        m = amap(10)
        assert m.write(b"abc") == 3
        assert m.tell() == 3
        assert m.write(bytearray(b"de")) == 2
        assert m.write(memoryview(b"f")) == 1
        assert m.write(b"") == 0
        assert m.write(array.array("B", b"gh")) == 2
        assert m.tell() == 8
        assert m[:] == b"abcdefgh\0\0"

    def test_write_all_or_nothing(self, amap):
        m = amap(10)
        m.seek(8)
        check_raises(ValueError, "data out of range", m.write, b"xyz")
        assert m.tell() == 8
        assert m[:] == b"\0" * 10
        assert m.write(b"xy") == 2
        assert m.tell() == 10
        check_raises(ValueError, "data out of range", m.write, b"x")
        assert m.write(b"") == 0

    def test_write_bad_types(self, amap):
        m = amap(10)
        check_raises(TypeError, None, m.write, "abc")
        check_raises(TypeError, None, m.write, 3)
        check_raises(TypeError, None, m.write)
        assert m.tell() == 0

    def test_write_order_closed_writable_range(self, impl, fmap):
        m, _ = fmap(access=impl.ACCESS_READ)
        m.seek(len(m))
        check_raises(TypeError, READONLY, m.write, b"x" * 1000)
        m.close()
        check_raises(ValueError, CLOSED, m.write, b"x")

    def test_write_self(self, impl, amap):
        stdlib_overlap_ub(impl)
        m = amap(10, b"0123456789")
        m.seek(2)
        assert m.write(memoryview(m)[0:5]) == 5
        assert m[:] == b"0101234789"

    def test_write_byte(self, amap):
        m = amap(4)
        assert m.write_byte(0) is None
        m.write_byte(255)
        m.write_byte(True)
        m.write_byte(Idx(7))
        assert m[:] == b"\0\xff\1\7"
        assert m.tell() == 4
        check_raises(ValueError, "write byte out of range", m.write_byte, 1)
        assert m.tell() == 4

    def test_write_byte_bad_values(self, amap):
        m = amap(4)
        check_raises(OverflowError, "unsigned byte integer is less than "
                     "minimum", m.write_byte, -1)
        check_raises(OverflowError, "unsigned byte integer is greater than "
                     "maximum", m.write_byte, 256)
        e = check_raises(TypeError, None, m.write_byte, b"x")
        if PY >= (3, 10):
            assert str(e) == "'bytes' object cannot be interpreted as an " \
                "integer"
        check_raises(TypeError, None, m.write_byte, 1.0)
        check_raises(TypeError, None, m.write_byte, "a")
        assert m.tell() == 0 and m[:] == b"\0" * 4

    def test_write_byte_converts_before_closed_check(self, impl, amap):
        needs_315(impl, (3, 15), "argument conversion before the closed "
                  "check (Argument Clinic conversion, 3.14.1)")
        m = amap(4)
        m.close()
        check_raises(OverflowError, "unsigned byte integer is greater than "
                     "maximum", m.write_byte, 256)
        check_raises(ValueError, CLOSED, m.write_byte, 1)


class TestSeekTell:
    def test_seek_returns_position(self, impl, amap):
        needs_315(impl, (3, 13), "seek() returning the new position")
        m = amap(100)
        assert m.seek(10) == 10
        assert m.seek(5, 1) == 15
        assert m.seek(-5, 2) == 95
        assert m.seek(0, 2) == 100

    def test_seek(self, amap):
        m = amap(100)
        m.seek(10)
        assert m.tell() == 10
        m.seek(5, 1)
        assert m.tell() == 15
        m.seek(-15, 1)
        assert m.tell() == 0
        m.seek(-1, 2)
        assert m.tell() == 99
        m.seek(100)
        assert m.tell() == 100
        m.seek(Idx(3), Idx(0))
        assert m.tell() == 3

    def test_seek_errors(self, amap):
        m = amap(100)
        m.seek(7)
        for args in ((-1,), (101,), (1, 2), (-101, 2), (94, 1), (-8, 1),
                     (sys.maxsize, 1), (-sys.maxsize - 1, 1),
                     (sys.maxsize, 2), (-sys.maxsize - 1, 2)):
            check_raises(ValueError, "seek out of range", m.seek, *args)
            assert m.tell() == 7, args
        for whence in (3, -1, 100):
            check_raises(ValueError, "unknown seek type", m.seek, 0, whence)
        check_raises(OverflowError, None, m.seek, 2**64)
        check_raises(OverflowError, None, m.seek, 0, 2**40)
        check_raises(TypeError, None, m.seek, 1.0)
        check_raises(TypeError, None, m.seek, None)
        check_raises(TypeError, None, m.seek)
        check_raises(TypeError, re.compile(r"seek\(\) takes no keyword "
                                           r"arguments"), m.seek, pos=0)
        assert m.tell() == 7

    def test_seek_overflow_after_seek1(self, amap):
        m = amap(100)
        m.seek(1)
        check_raises(ValueError, "seek out of range", m.seek, sys.maxsize, 1)
        assert m.tell() == 1

    def test_seekable(self, impl, amap):
        needs_315(impl, (3, 13), "seekable()")
        assert amap().seekable() is True

    def test_tell_no_args(self, amap):
        m = amap()
        check_raises(TypeError, None, m.tell, 0)


class TestSize:
    def test_size_of_file(self, fmap):
        m, path = fmap(b"x" * 100, length=50)
        assert m.size() == 100
        assert len(m) == 50
        with open(path, "ab") as f:
            f.write(b"y" * 10)
        assert m.size() == 110

    def test_size_after_truncation(self, fmap):
        m, path = fmap(b"x" * 100)
        os.truncate(path, 10)
        assert m.size() == 10
        assert len(m) == 100

    def test_size_of_anonymous(self, impl, amap):
        needs_315(impl, (3, 15), "size() of an anonymous map (gh-87595)")
        assert amap(123).size() == 123
        assert amap(PAGESIZE * 3, flags=impl.MAP_PRIVATE).size() \
            == PAGESIZE * 3

    def test_size_trackfd_false(self, impl, mkfile):
        needs_315(impl, (3, 15), "size() with trackfd=False -> ValueError")
        with open(mkfile(b"x" * 64), "r+b") as f:
            m = impl.mmap(f.fileno(), 0, trackfd=False)
        check_raises(ValueError, "can't get size with trackfd=False", m.size)
        m.close()
        m = impl.mmap(-1, 64, trackfd=False)
        check_raises(ValueError, "can't get size with trackfd=False", m.size)
        m.close()
