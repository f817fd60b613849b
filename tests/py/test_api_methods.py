"""Behaviour of mmf.mmap: resize, flush, move, madvise, set_name, the context
manager, len and repr, and the positional-only arguments.

Written once and run against the stdlib mmap and mmf (fixture ``impl``);
the reference, the checks and the helpers (``check_raises``, ``fmap``,
``amap``, ...) are described in conftest.py, section "The API tests".
"""

import ctypes
import errno
import os
import re
import sys

import pytest

from conftest import (CLOSED, PAGESIZE, PY, READONLY, Idx, check_oserror,
                      check_raises, file_bytes, is_mmf, mmf_only, needs_315)


class TestResize:
    def test_grow_and_shrink_file(self, fmap):
        m, path = fmap(b"abcdef")
        m.seek(3)
        assert m.resize(PAGESIZE + 10) is None
        assert len(m) == PAGESIZE + 10
        assert os.stat(path).st_size == PAGESIZE + 10
        assert m[:6] == b"abcdef" and m[6:] == b"\0" * (PAGESIZE + 4)
        m[-1] = 1
        assert m.tell() == 3
        m.resize(2)
        assert len(m) == 2 and m[:] == b"ab"
        assert file_bytes(path) == b"ab"
        assert m.size() == 2

    def test_resize_with_offset(self, impl, mkfile):
        path = mkfile(b"a" * PAGESIZE + b"b" * 10)
        with open(path, "r+b") as f:
            m = impl.mmap(f.fileno(), 0, offset=PAGESIZE)
        assert m[:] == b"b" * 10
        m.resize(20)
        assert os.stat(path).st_size == PAGESIZE + 20
        assert m[:] == b"b" * 10 + b"\0" * 10
        m.close()

    def test_anonymous_private_grow_zero_fills(self, impl, amap):
        m = amap(PAGESIZE, b"xy", flags=impl.MAP_PRIVATE | impl.MAP_ANONYMOUS)
        m.resize(3 * PAGESIZE)
        assert m[:2] == b"xy" and m[2:] == b"\0" * (3 * PAGESIZE - 2)
        m.resize(10)
        assert m[:] == b"xy" + b"\0" * 8

    def test_anonymous_private_regrow_inside_last_page_zero_fills(
            self, impl, amap):
        mmf_only(impl, "the grown part of a private anonymous map reads as "
                 "zeros even inside the old last page; the "
                 "stdlib shows the stale bytes again")
        m = amap(1000, b"x" * 1000,
                 flags=impl.MAP_PRIVATE | impl.MAP_ANONYMOUS)
        m.resize(500)
        m.resize(1000)
        assert m[:500] == b"x" * 500 and m[500:] == b"\0" * 500
        m.resize(2 * PAGESIZE)
        assert m[500:] == b"\0" * (2 * PAGESIZE - 500)

    def test_anonymous_shared_shrink(self, amap):
        m = amap(2 * PAGESIZE, b"hello")
        m.resize(PAGESIZE)
        assert len(m) == PAGESIZE and m[:5] == b"hello"

    def test_anonymous_shared_grow_refused(self, impl, amap):
        needs_315(impl, (3, 15), "ValueError for growing a shared anonymous "
                  "map (gh-138204, only in late 3.13.x/3.14.x backports)")
        m = amap(2 * PAGESIZE, b"hello")
        msg = "mmap: can't expand a shared anonymous mapping"
        check_raises(ValueError, msg, m.resize, 3 * PAGESIZE)
        assert len(m) == 2 * PAGESIZE and m[:5] == b"hello"
        m.resize(PAGESIZE)
        check_raises(ValueError, msg, m.resize, PAGESIZE + 1)
        m.resize(PAGESIZE)      # same size is not growing

    def test_resize_pos_not_clamped(self, impl, amap):
        m = amap(8192)
        m.read(5000)
        m.resize(4096)
        assert m.tell() == 5000
        assert m.read(14) == b""
        assert m.read() == b""
        assert m.readline() == b""
        check_raises(ValueError, "read byte out of range", m.read_byte)
        check_raises(ValueError, "write byte out of range", m.write_byte, 1)
        check_raises(ValueError, "data out of range", m.write, b"abc")
        check_raises(ValueError, "data out of range", m.write, b"")
        # 3.15 (gh-151021): a start past the end finds nothing
        assert m.find(b"") == (-1 if is_mmf(impl) or PY >= (3, 15)
                               else 4096)
        check_raises(ValueError, "seek out of range", m.seek, 0, 1)
        assert m.tell() == 5000
        m.seek(10)
        assert m.tell() == 10

    def test_resize_order(self, impl, fmap, mkfile):
        m, _ = fmap(b"x" * 10)
        v = memoryview(m)
        # exports first, even before the size check
        check_raises(BufferError, "mmap can't resize with extant buffers "
                     "exported.", m.resize, -1)
        v.release()
        check_raises(ValueError, "new size out of range", m.resize, -1)
        r, _ = fmap(b"x" * 10, access=impl.ACCESS_READ)
        check_raises(TypeError, "mmap can't resize a readonly or "
                     "copy-on-write memory map.", r.resize, -1)
        m.close()
        check_raises(ValueError, CLOSED, m.resize, 5)

    def test_resize_bad_arguments(self, impl, amap):
        m = amap(PAGESIZE, flags=impl.MAP_PRIVATE | impl.MAP_ANONYMOUS)
        check_raises(TypeError, None, m.resize, 1.5)
        check_raises(TypeError, None, m.resize)
        check_raises(OverflowError, None, m.resize, 2**64)
        check_raises(ValueError, "new size out of range", m.resize,
                     -sys.maxsize - 1)

    def test_resize_huge_fails_cleanly(self, fmap):
        m, path = fmap(b"x" * 10)
        for size in (sys.maxsize, 2**62):
            try:
                m.resize(size)
            except (OSError, ValueError):
                pass
            else:
                raise AssertionError("resize(%d) succeeded" % size)
            assert len(m) == 10 and m[:] == b"x" * 10

    def test_resize_zero(self, impl, fmap, amap):
        mmf_only(impl, "resize(0) raises 3.15's OSError(EINVAL) without "
                 "touching the file (CPython truncates the file, then "
                 "fails: docs/behaviour.md)")
        m, path = fmap(b"x" * 10)
        check_oserror(errno.EINVAL, m.resize, 0)
        assert file_bytes(path) == b"x" * 10
        assert len(m) == 10 and m[:] == b"x" * 10
        a = amap(PAGESIZE, flags=impl.MAP_PRIVATE | impl.MAP_ANONYMOUS)
        check_oserror(errno.EINVAL, a.resize, 0)
        assert len(a) == PAGESIZE
        check_raises(ValueError, "new size out of range", a.resize, -1)


class TestFlush:
    def test_flush_basic(self, fmap):
        m, path = fmap(b"x" * (2 * PAGESIZE))
        m[0] = ord("y")
        assert m.flush() is None
        assert m.flush(0, len(m)) is None
        assert m.flush(0, 0) is None
        assert m.flush(PAGESIZE, PAGESIZE) is None
        assert m.flush(Idx(0), Idx(1)) is None
        assert file_bytes(path)[:2] == b"yx"

    def test_flush_unaligned(self, fmap):
        m, _ = fmap(b"x" * 100)
        check_oserror(errno.EINVAL, m.flush, 1, 6)

    def test_flush_range_errors(self, fmap):
        m, _ = fmap(b"x" * 100)
        msg = "flush values out of range"
        for args in ((-1,), (0, 101), (-1, 1), (0, -2), (101, 0),
                     (PAGESIZE, sys.maxsize), (100, 1)):
            check_raises(ValueError, msg, m.flush, *args)
        check_raises(TypeError, None, m.flush, 1.0)
        # 3.15.2 (flags= is a keyword): "flush() got an unexpected keyword
        # argument 'offset'"; before 3.15: "flush() takes no keyword
        # arguments"
        check_raises(TypeError, re.compile(r"flush\(\) (takes no keyword|"
                                           r"got an unexpected keyword "
                                           r"argument 'offset')"),
                     m.flush, offset=0)

    def test_flush_range_checked_for_read_and_copy(self, impl, fmap):
        for access in (impl.ACCESS_READ, impl.ACCESS_COPY):
            m, _ = fmap(b"x" * 100, access=access)
            assert m.flush() is None
            assert m.flush(1, 1) is None
            check_raises(ValueError, "flush values out of range", m.flush,
                         0, 101)

    def test_flush_anonymous(self, amap):
        assert amap(PAGESIZE).flush() is None

    def test_flush_offset_to_end(self, impl, fmap):
        needs_315(impl, (3, 15), "flush(offset) flushing to the end "
                  "(gh-138092)")
        m, path = fmap(b"x" * (3 * PAGESIZE))
        m[-1] = ord("z")
        assert m.flush(PAGESIZE) is None
        assert m.flush(PAGESIZE, -1) is None
        assert m.flush(len(m)) is None
        assert file_bytes(path)[-1:] == b"z"
        check_raises(ValueError, "flush values out of range", m.flush,
                     len(m) + 1)

    def test_flush_flags(self, impl, fmap):
        needs_315(impl, (3, 15), "flush(flags=) (gh-63016)")
        m, path = fmap(b"x" * PAGESIZE)
        m[0] = ord("a")
        assert m.flush(flags=impl.MS_SYNC) is None
        assert m.flush(0, PAGESIZE, flags=impl.MS_ASYNC) is None
        assert m.flush(flags=impl.MS_INVALIDATE) is None
        assert m.flush(flags=0) is None
        check_oserror(errno.EINVAL, m.flush, flags=impl.MS_ASYNC |
                      impl.MS_SYNC)
        check_raises(TypeError, None, m.flush, 0, PAGESIZE, impl.MS_SYNC)
        check_raises(TypeError, None, m.flush, flags="x")
        assert file_bytes(path)[:1] == b"a"


class TestMove:
    def test_move(self, amap):
        m = amap(10, b"0123456789")
        m.seek(4)
        assert m.move(0, 5, 5) is None
        assert m[:] == b"5678956789"
        m[:] = b"0123456789"
        m.move(2, 0, 8)            # overlapping, forward
        assert m[:] == b"0101234567"
        m.move(0, 0, 10)
        m.move(10, 10, 0)
        m.move(10, 0, 0)
        assert m.tell() == 4

    def test_move_zero_on_one_byte(self, amap):
        m = amap(1)
        m.move(0, 0, 0)
        m.move(1, 1, 0)

    def test_move_errors(self, amap):
        m = amap(10, b"0123456789")
        msg = "source, destination, or count out of range"
        for args in ((-1, 0, 1), (0, -1, 1), (0, 0, -1), (0, 9, 2),
                     (9, 0, 2), (0, 0, 11), (11, 0, 0), (0, 11, 0),
                     (sys.maxsize, 0, 1), (0, 1, sys.maxsize),
                     (-sys.maxsize - 1, 0, 0)):
            check_raises(ValueError, msg, m.move, *args)
        assert m[:] == b"0123456789"
        check_raises(TypeError, None, m.move, "a", 0, 0)
        check_raises(TypeError, None, m.move, 0, 0)
        check_raises(OverflowError, None, m.move, 2**64, 0, 0)

    def test_move_readonly_before_range(self, impl, fmap):
        m, _ = fmap(access=impl.ACCESS_READ)
        check_raises(TypeError, READONLY, m.move, -1, 0, 1)


class TestMadvise:
    def test_madvise(self, impl, amap):
        size = 2 * PAGESIZE
        m = amap(size)
        assert m.madvise(impl.MADV_NORMAL) is None
        assert m.madvise(impl.MADV_NORMAL, PAGESIZE) is None
        assert m.madvise(impl.MADV_NORMAL, PAGESIZE, size) is None
        assert m.madvise(impl.MADV_NORMAL, 0, 2) is None
        assert m.madvise(impl.MADV_NORMAL, 0, 0) is None
        assert m.madvise(impl.MADV_WILLNEED, 0, sys.maxsize) is None
        assert m.madvise(Idx(impl.MADV_NORMAL), Idx(0), Idx(1)) is None

    def test_madvise_dontneed_private_zeroes(self, impl, amap):
        m = amap(PAGESIZE, b"abc", flags=impl.MAP_PRIVATE | impl.MAP_ANONYMOUS)
        m.madvise(impl.MADV_DONTNEED)
        assert m[:3] == b"\0\0\0"

    def test_madvise_errors(self, impl, amap):
        size = 2 * PAGESIZE
        m = amap(size)
        check_raises(ValueError, "madvise start out of bounds", m.madvise,
                     impl.MADV_NORMAL, -1)
        check_raises(ValueError, "madvise start out of bounds", m.madvise,
                     impl.MADV_NORMAL, size)
        check_raises(ValueError, "madvise length invalid", m.madvise,
                     impl.MADV_NORMAL, 0, -1)
        check_raises(OverflowError, "madvise length too large", m.madvise,
                     impl.MADV_NORMAL, PAGESIZE, sys.maxsize)
        check_oserror(errno.EINVAL, m.madvise, impl.MADV_NORMAL, 1)
        check_oserror(errno.EINVAL, m.madvise, 12345)
        check_raises(TypeError, "'str' object cannot be interpreted as an "
                     "integer", m.madvise, impl.MADV_NORMAL, 0, "x")
        check_raises(TypeError, None, m.madvise)
        check_raises(TypeError, None, m.madvise, 1.0)

    def test_madvise_length_none(self, impl, amap):
        needs_315(impl, (3, 15), "madvise(option, start, None)")
        m = amap(2 * PAGESIZE)
        assert m.madvise(impl.MADV_NORMAL, 0, None) is None
        assert m.madvise(impl.MADV_NORMAL, PAGESIZE, None) is None
        check_raises(ValueError, "madvise start out of bounds", m.madvise,
                     impl.MADV_NORMAL, 2 * PAGESIZE, None)


class TestSetName:
    def _named(self, m):
        with open("/proc/self/maps") as f:
            return [line for line in f if "[anon:cpython:mmap" in line]

    @staticmethod
    def _kernel_names_anonymous_maps():
        """Whether prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME) works here."""
        import mmap as std_mmap
        libc = ctypes.CDLL(None, use_errno=True)
        buf = std_mmap.mmap(-1, PAGESIZE)
        try:
            c = ctypes.c_char.from_buffer(buf)
            addr = ctypes.addressof(c)
            ok = libc.prctl(0x53564d41, 0, ctypes.c_ulong(addr),
                            ctypes.c_ulong(PAGESIZE),
                            ctypes.c_char_p(b"probe")) == 0
            del c
        finally:
            buf.close()
        return ok

    def test_set_name(self, impl, amap):
        needs_315(impl, (3, 15), "set_name() (gh-142419)")
        m = amap(PAGESIZE)
        # never raises for a valid name: the stdlib of a release build
        # returns None, and so does mmf where the kernel cannot annotate
        assert m.set_name("testname") is None
        if is_mmf(impl) and self._kernel_names_anonymous_maps():
            # mmf annotates always, not only in dev mode
            lines = self._named(m)
            assert any("[anon:cpython:mmap:testname]" in ln
                       for ln in lines), lines
        assert m.set_name("x" * 66) is None
        assert m.set_name("\u00e9" * 33) is None        # 66 UTF-8 bytes

    def test_set_name_errors(self, impl, amap, fmap):
        needs_315(impl, (3, 15), "set_name() (gh-142419)")
        m = amap(PAGESIZE)
        check_raises(ValueError, "name is too long", m.set_name, "x" * 67)
        check_raises(ValueError, "name is too long", m.set_name,
                     "\u00e9" * 33 + "x")
        check_raises(ValueError, "embedded null character", m.set_name,
                     "a\0b")
        check_raises(TypeError, "set_name() argument must be str, not bytes",
                     m.set_name, b"abc")
        check_raises(TypeError, "set_name() argument must be str, not int",
                     m.set_name, 1)
        f, _ = fmap(b"x" * 10)
        check_raises(ValueError, "Cannot set annotation on non-anonymous "
                     "mappings", f.set_name, "abc")
        # the released 3.15 returns None once the name is valid, also on a
        # closed map (it annotates only in debug builds and -X dev); mmf
        # annotates where the kernel can and never raises there
        m.close()
        assert m.set_name("abc") is None
        check_raises(ValueError, "name is too long", m.set_name, "x" * 67)
        f.close()
        check_raises(ValueError, "Cannot set annotation on non-anonymous "
                     "mappings", f.set_name, "abc")


class TestContextLenRepr:
    def test_context_manager(self, impl):
        with impl.mmap(-1, 10) as m:
            assert not m.closed
        assert m.closed

    def test_enter_returns_self(self, amap):
        m = amap()
        assert m.__enter__() is m

    def test_exit_does_not_suppress(self, impl):
        with pytest.raises(KeyError):
            with impl.mmap(-1, 10) as m:
                raise KeyError
        assert m.closed
        m2 = impl.mmap(-1, 10)
        assert m2.__exit__(None, None, None) is None
        assert m2.closed

    def test_exit_with_export(self, impl):
        m = impl.mmap(-1, 10)
        v = memoryview(m)
        with pytest.raises(BufferError):
            with m:
                pass
        assert not m.closed
        v.release()
        m.close()

    def test_exit_needs_three_args(self, impl, amap):
        needs_315(impl, (3, 15), "__exit__ taking exactly 3 arguments "
                  "(3.14.1 Argument Clinic conversion)")
        m = amap()
        check_raises(TypeError, None, m.__exit__)
        check_raises(TypeError, None, m.__exit__, 1, 2, 3, 4)
        assert not m.closed

    def test_len(self, amap):
        assert len(amap(17)) == 17

    def test_repr(self, impl, mkfile):
        m = impl.mmap(-1, 16)
        m.seek(3)
        assert repr(m) == ("<mmap.mmap closed=False, access=ACCESS_DEFAULT, "
                           "length=16, pos=3, offset=0>")
        m.close()
        assert repr(m) == "<mmap.mmap closed=True>"
        with open(mkfile(b"x" * (PAGESIZE + 5)), "r+b") as f:
            for access, name in ((impl.ACCESS_READ, "ACCESS_READ"),
                                 (impl.ACCESS_WRITE, "ACCESS_WRITE"),
                                 (impl.ACCESS_COPY, "ACCESS_COPY")):
                m = impl.mmap(f.fileno(), 0, access=access, offset=PAGESIZE)
                assert repr(m) == ("<mmap.mmap closed=False, access=%s, "
                                   "length=5, pos=0, offset=%d>"
                                   % (name, PAGESIZE))
                m.close()


# --------------------------------------------------------------------------
# Positional-only arguments

@pytest.mark.parametrize("method,kwargs", [
    ("read", {"n": 1}), ("find", {"sub": b"a"}), ("rfind", {"sub": b"a"}),
    ("write", {"bytes": b"a"}), ("write_byte", {"byte": 1}),
    ("seek", {"pos": 0}), ("move", {"dest": 0, "src": 0, "count": 0}),
    ("madvise", {"option": 0}), ("resize", {"newsize": 5}),
])
def test_keywords_refused(amap, impl, method, kwargs):
    m = amap(PAGESIZE, flags=impl.MAP_PRIVATE | impl.MAP_ANONYMOUS)
    check_raises(TypeError, re.compile(r"takes no keyword arguments|"
                                       r"positional-only|unexpected keyword"),
                 getattr(m, method), **kwargs)
