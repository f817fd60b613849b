"""Behaviour of mmf.mmap, written once and run against the stdlib mmap and mmf.

Reference: docs/behaviour.md (CPython 3.15 behaviour on Linux).  Exception types
are part of the contract and are checked exactly (``type(e) is X``, or an
OSError subclass with the given errno).  Messages that the mmap module itself
produces are checked word for word.  Messages produced by the interpreter's
argument parsing differ between Python versions and are not checked.

Where the running interpreter's stdlib predates a 3.15 behaviour, the test
runs against mmf only: see ``needs_315(impl, since, what)``, which skips the
stdlib parameter with the reason.  ``mmf_only()`` marks the deliberate
differences of docs/behaviour.md (behaviour that differs from CPython on
purpose).
"""

import array
import copy
import ctypes
import errno
import gc
import io
import os
import pickle
import re
import sys
import weakref

import pytest

from conftest import (PAGESIZE, PY, file_bytes, fd_count, is_mmf,
                      mmf_only, needs_315, fds_of, run_child, stdlib_broken,
                      stdlib_overlap_ub, FIND_BUG)

CLOSED = "mmap closed or invalid"
READONLY = "mmap can't modify a readonly memory map."


# --------------------------------------------------------------------------
# helpers

def check_raises(exc, msg, func, *args, **kwargs):
    """func(*args, **kwargs) must raise exactly `exc`.

    msg: None (not checked), a str (exact match) or a compiled regex
    (searched).  Returns the exception.
    """
    try:
        func(*args, **kwargs)
    except BaseException as e:  # noqa: B902
        assert type(e) is exc, "expected %s(%r), got %s(%r)" % (
            exc.__name__, msg, type(e).__name__, str(e))
        if isinstance(msg, str):
            assert str(e) == msg, "%s message: expected %r, got %r" % (
                exc.__name__, msg, str(e))
        elif msg is not None:
            assert msg.search(str(e)), "%s message %r does not match %r" % (
                exc.__name__, str(e), msg.pattern)
        return e
    raise AssertionError("expected %s(%r), nothing raised" % (exc.__name__,
                                                              msg))


def check_oserror(err, func, *args, **kwargs):
    """func must raise OSError (or a subclass) with errno == err."""
    try:
        func(*args, **kwargs)
    except OSError as e:
        assert e.errno == err, "expected errno %s, got %r" % (
            errno.errorcode[err], e)
        return e
    raise AssertionError("expected OSError(%s), nothing raised"
                         % errno.errorcode[err])


class Idx:
    """An object with __index__ (and nothing else)."""

    def __init__(self, value, action=None):
        self.value = value
        self.action = action

    def __index__(self):
        if self.action:
            self.action()
        return self.value


DATA = b"0123456789abcdefghij\nline two\nthree"


@pytest.fixture
def fmap(impl, mkfile):
    """fmap(content=DATA, **kw) -> (map, path): a file-backed shared map."""
    maps = []

    def make(content=DATA, length=0, **kw):
        path = mkfile(content)
        with open(path, "r+b") as f:
            m = impl.mmap(f.fileno(), length, **kw)
        maps.append(m)
        return m, path
    yield make
    for m in maps:
        try:
            m.close()
        except BufferError:
            pass


@pytest.fixture
def amap(impl):
    """amap(size=16, content=None, **kw) -> anonymous map."""
    maps = []

    def make(size=16, content=None, **kw):
        m = impl.mmap(-1, size, **kw)
        if content is not None:
            m[:len(content)] = content
        maps.append(m)
        return m
    yield make
    for m in maps:
        try:
            m.close()
        except BufferError:
            pass


# --------------------------------------------------------------------------
# 1. Module surface

class TestModule:
    def test_error_is_oserror(self, impl):
        assert impl.error is OSError

    def test_type_names(self, impl):
        t = impl.mmap
        assert t.__name__ == "mmap"
        assert t.__qualname__ == "mmap"
        assert t.__module__ == "mmap"
        assert repr(t) == "<class 'mmap.mmap'>"

    def test_type_is_immutable(self, impl):
        if impl.__name__ == "mmf" and PY < (3, 10):
            pytest.skip("known limitation: a heap type cannot be made "
                        "immutable before 3.10 (no Py_TPFLAGS_IMMUTABLETYPE)")
        e = check_raises(TypeError, None, setattr, impl.mmap, "x", 1)
        if PY >= (3, 10):
            assert str(e) == ("cannot set 'x' attribute of immutable type "
                              "'mmap.mmap'")
        assert not hasattr(impl.mmap, "x")

    def test_instance_has_no_dict(self, amap):
        m = amap()
        check_raises(AttributeError, None, setattr, m, "x", 1)
        assert not hasattr(m, "__dict__")

    def test_weakref(self, impl):
        m = impl.mmap(-1, 16)
        r = weakref.ref(m)
        assert r() is m
        m.close()
        del m
        gc.collect()
        assert r() is None

    def test_hash_and_eq_by_identity(self, amap):
        a, b = amap(), amap()
        assert a == a and a != b
        assert hash(a) == hash(a)
        assert len({a, b, a}) == 2

    def test_no_fileno_iter_contains(self, amap):
        m = amap()
        for name in ("fileno", "__iter__", "__contains__", "__reversed__"):
            assert not hasattr(m, name), name

    def test_concat_repeat_refused(self, amap):
        m = amap()
        check_raises(TypeError, None, lambda: m + m)
        check_raises(TypeError, None, lambda: m * 2)

    def test_constants_always(self, impl):
        assert impl.ACCESS_DEFAULT == 0
        assert impl.ACCESS_READ == 1
        assert impl.ACCESS_WRITE == 2
        assert impl.ACCESS_COPY == 3
        assert impl.PAGESIZE == os.sysconf("SC_PAGESIZE")
        assert impl.ALLOCATIONGRANULARITY == impl.PAGESIZE

    def test_constants_linux(self, impl):
        table = {
            "PROT_READ": 1, "PROT_WRITE": 2, "PROT_EXEC": 4,
            "MAP_SHARED": 1, "MAP_PRIVATE": 2, "MAP_ANON": 0x20,
            "MAP_ANONYMOUS": 0x20, "MAP_DENYWRITE": 0x800,
            "MAP_EXECUTABLE": 0x1000,
            "MADV_NORMAL": 0, "MADV_RANDOM": 1, "MADV_SEQUENTIAL": 2,
            "MADV_WILLNEED": 3, "MADV_DONTNEED": 4, "MADV_REMOVE": 9,
            "MADV_DONTFORK": 10, "MADV_DOFORK": 11, "MADV_HWPOISON": 100,
            "MADV_MERGEABLE": 12, "MADV_UNMERGEABLE": 13,
            "MADV_HUGEPAGE": 14, "MADV_NOHUGEPAGE": 15,
            "MADV_DONTDUMP": 16, "MADV_DODUMP": 17, "MADV_FREE": 8,
        }
        if PY >= (3, 10) or is_mmf(impl):
            table["MAP_POPULATE"] = 0x8000
        if PY >= (3, 11) or is_mmf(impl):
            table["MAP_STACK"] = 0x20000
        if PY >= (3, 13) or is_mmf(impl):
            table["MAP_NORESERVE"] = 0x4000
            if os.uname().machine == "x86_64":
                table["MAP_32BIT"] = 0x40
        for name, value in sorted(table.items()):
            assert getattr(impl, name, None) == value, name

    def test_ms_constants(self, impl):
        needs_315(impl, (3, 15), "MS_ASYNC/MS_INVALIDATE/MS_SYNC")
        assert (impl.MS_ASYNC, impl.MS_INVALIDATE, impl.MS_SYNC) == (1, 2, 4)

    def test_no_placeholder_constants(self, impl):
        # glibc's <sys/mman.h> has no MADV_SOFT_OFFLINE, and mmap has no
        # MFD_* constants.
        assert not any(n.startswith("MFD_") for n in dir(impl))

    def test_mmf_has_every_stdlib_constant(self, mmf_mod):
        import mmap as std
        for name in dir(std):
            if name.isupper():
                assert getattr(mmf_mod, name, None) == getattr(std, name), \
                    name


# --------------------------------------------------------------------------
# 2. Constructor

class TestConstructor:
    def test_keywords(self, impl):
        m = impl.mmap(fileno=-1, length=10, flags=impl.MAP_SHARED,
                      prot=impl.PROT_READ | impl.PROT_WRITE,
                      access=impl.ACCESS_DEFAULT, offset=0)
        assert len(m) == 10 and m[:] == b"\0" * 10
        m.close()

    def test_argument_types(self, impl):
        check_raises(TypeError, None, impl.mmap, "x", 10)
        check_raises(TypeError, None, impl.mmap, 1.0, 10)
        check_raises(OverflowError, None, impl.mmap, 2**40, 10)
        check_raises(TypeError, None, impl.mmap, -1, 1.5)
        check_raises(TypeError, None, impl.mmap, -1, "10")
        check_raises(OverflowError,
                     "Python int too large to convert to C ssize_t",
                     impl.mmap, -1, 2**63)
        check_raises(TypeError, None, impl.mmap, -1, 10, flags="a")
        check_raises(TypeError, None, impl.mmap, -1, 10, prot=None)
        check_raises(TypeError, None, impl.mmap, -1, 10, access=1.0)
        check_raises(OverflowError, None, impl.mmap, -1, 10, flags=2**40)
        check_raises(TypeError, None, impl.mmap, -1, 10, offset=None)
        check_raises(TypeError, None, impl.mmap, -1, 10, offset=1.0)
        check_raises(OverflowError, None, impl.mmap, -1, 10, offset=2**63)
        check_raises(TypeError, None, impl.mmap)
        check_raises(TypeError, None, impl.mmap, -1)
        check_raises(TypeError, None, impl.mmap, -1, 10, 1, 3, 0, 0, True)
        check_raises(TypeError, None, impl.mmap, -1, 10, bogus=1)

    def test_length_accepts_index(self, impl):
        m = impl.mmap(-1, Idx(10))
        assert len(m) == 10
        m.close()

    def test_negative_length(self, impl):
        check_raises(OverflowError, "memory mapped length must be positive",
                     impl.mmap, -1, -1)

    def test_negative_offset(self, impl):
        check_raises(OverflowError, "memory mapped offset must be positive",
                     impl.mmap, -1, 10, offset=-1)

    def test_order_length_before_offset_and_access(self, impl):
        check_raises(OverflowError, "memory mapped length must be positive",
                     impl.mmap, -1, -1, offset=-1, access=99)
        check_raises(OverflowError, "memory mapped offset must be positive",
                     impl.mmap, -1, 10, offset=-1, access=99)
        # before the fd is used
        check_raises(OverflowError, "memory mapped length must be positive",
                     impl.mmap, -2, -1)

    def test_access_with_flags_or_prot(self, impl):
        msg = "mmap can't specify both access and flags, prot."
        check_raises(ValueError, msg, impl.mmap, -1, 10,
                     flags=impl.MAP_PRIVATE, access=impl.ACCESS_READ)
        check_raises(ValueError, msg, impl.mmap, -1, 10,
                     prot=impl.PROT_READ, access=impl.ACCESS_WRITE)
        # checked before the access value itself
        check_raises(ValueError, msg, impl.mmap, -1, 10,
                     prot=impl.PROT_READ, access=99)

    def test_access_with_default_values_is_allowed(self, impl):
        m = impl.mmap(-1, 10, flags=impl.MAP_SHARED,
                      prot=impl.PROT_READ | impl.PROT_WRITE,
                      access=impl.ACCESS_READ)
        assert "access=ACCESS_READ" in repr(m)
        check_raises(TypeError, READONLY, m.write_byte, 1)
        m.close()

    def test_invalid_access(self, impl):
        for access in (4, -1, 2**31 - 1):
            check_raises(ValueError, "mmap invalid access parameter.",
                         impl.mmap, -1, 10, access=access)

    def test_access_checked_before_file(self, impl, mkfile):
        with open(mkfile(b""), "r+b") as f:
            check_raises(ValueError, "mmap invalid access parameter.",
                         impl.mmap, f.fileno(), 0, access=7)

    def test_empty_file(self, impl, mkfile):
        with open(mkfile(b""), "r+b") as f:
            check_raises(ValueError, "cannot mmap an empty file",
                         impl.mmap, f.fileno(), 0)
            check_raises(ValueError, "cannot mmap an empty file",
                         impl.mmap, f.fileno(), 0,
                         access=impl.ACCESS_READ)

    def test_offset_past_file(self, impl, mkfile):
        with open(mkfile(b"x" * 100), "r+b") as f:
            check_raises(ValueError, "mmap offset is greater than file size",
                         impl.mmap, f.fileno(), 0, offset=PAGESIZE)
        with open(mkfile(b"x" * PAGESIZE), "r+b") as f:
            # offset == size with length 0
            check_raises(ValueError, "mmap offset is greater than file size",
                         impl.mmap, f.fileno(), 0, offset=PAGESIZE)

    def test_length_past_file(self, impl, mkfile):
        msg = "mmap length is greater than file size"
        with open(mkfile(b"x" * 100), "r+b") as f:
            check_raises(ValueError, msg, impl.mmap, f.fileno(), 101)
            check_raises(ValueError, msg, impl.mmap, f.fileno(), 1,
                         offset=PAGESIZE)
            check_raises(ValueError, msg, impl.mmap, f.fileno(), 101,
                         access=impl.ACCESS_WRITE)
            assert os.fstat(f.fileno()).st_size == 100   # never extended
        with open(mkfile(b"x" * (PAGESIZE + 10)), "r+b") as f:
            check_raises(ValueError, msg, impl.mmap, f.fileno(), 11,
                         offset=PAGESIZE)
            m = impl.mmap(f.fileno(), 10, offset=PAGESIZE)
            assert len(m) == 10
            m.close()

    def test_whole_file_with_offset(self, impl, mkfile):
        data = bytes(range(256)) * (2 * PAGESIZE // 256) + b"tail"
        with open(mkfile(data), "r+b") as f:
            m = impl.mmap(f.fileno(), 0, offset=PAGESIZE)
        assert len(m) == len(data) - PAGESIZE
        assert m[:] == data[PAGESIZE:]
        assert "offset=%d" % PAGESIZE in repr(m)
        m.close()

    def test_unaligned_offset(self, impl, mkfile):
        with open(mkfile(b"x" * 2 * PAGESIZE), "r+b") as f:
            check_oserror(errno.EINVAL, impl.mmap, f.fileno(), 10, offset=1)

    def test_anonymous_zero_length(self, impl):
        check_oserror(errno.EINVAL, impl.mmap, -1, 0)

    def test_bad_fd(self, impl):
        e = check_oserror(errno.EBADF, impl.mmap, -2, 4096)
        assert type(e) is OSError
        fd = os.open(os.devnull, os.O_RDONLY)
        os.close(fd)
        check_oserror(errno.EBADF, impl.mmap, fd, 4096)

    def test_readonly_fd_needs_read_access(self, impl, mkfile):
        path = mkfile(b"abc")
        with open(path, "rb") as f:
            e = check_oserror(errno.EACCES, impl.mmap, f.fileno(), 0)
            assert type(e) is PermissionError
            m = impl.mmap(f.fileno(), 0, access=impl.ACCESS_READ)
            assert m[:] == b"abc"
            m.close()
            m = impl.mmap(f.fileno(), 0, access=impl.ACCESS_COPY)
            m[0] = ord("X")
            assert m[:] == b"Xbc"
            m.close()
        assert file_bytes(path) == b"abc"

    def test_pipe(self, impl):
        r, w = os.pipe()
        try:
            e = check_oserror(errno.EACCES, impl.mmap, r, 10)
            assert type(e) is PermissionError
            check_oserror(errno.EINVAL, impl.mmap, r, 0)
        finally:
            os.close(r)
            os.close(w)

    def test_dev_zero_length_zero(self, impl):
        fd = os.open("/dev/zero", os.O_RDWR)
        try:
            check_oserror(errno.EINVAL, impl.mmap, fd, 0)
            m = impl.mmap(fd, 100)     # no size check for devices
            assert m[:] == b"\0" * 100
            m.close()
        finally:
            os.close(fd)

    def test_fd_is_duplicated_cloexec(self, impl, mkfile):
        path = mkfile(b"x" * 10)
        with open(path, "r+b") as f:
            m = impl.mmap(f.fileno(), 0)
            new = fds_of(path) - {f.fileno()}
        assert len(new) == 1, new
        fd = new.pop()
        assert os.get_inheritable(fd) is False
        assert m[:] == b"x" * 10       # works after the user's fd closed
        m.close()
        assert fds_of(path) == set()

    def test_anonymous_keeps_no_fd(self, impl):
        before = fd_count()
        m = impl.mmap(-1, 100)
        assert fd_count() == before
        m.close()

    def test_trackfd_false(self, impl, mkfile):
        needs_315(impl, (3, 13), "the trackfd keyword")
        path = mkfile(b"a" * 64)
        with open(path, "r+b") as f:
            before = fd_count()
            m = impl.mmap(f.fileno(), 64, trackfd=False)
            assert fd_count() == before
        m.write_byte(ord("X"))
        m[2] = ord("Y")
        m.flush()
        assert file_bytes(path)[:4] == b"XaYa"
        check_raises(ValueError, "mmap can't resize with trackfd=False.",
                     m.resize, 128)
        check_raises(ValueError, "mmap can't resize with trackfd=False.",
                     m.resize, 32)
        assert len(m) == 64 and not m.closed
        m.close()
        assert os.stat(path).st_size == 64

    def test_trackfd_is_keyword_only(self, impl):
        needs_315(impl, (3, 13), "the trackfd keyword")
        check_raises(TypeError, None, impl.mmap, -1, 10, 1, 3, 0, 0, False)
        m = impl.mmap(-1, 10, trackfd=0)     # any truth value
        m.close()
        m = impl.mmap(-1, 10, trackfd=[1])
        m.close()

    def test_trackfd_before_313_stdlib(self, impl):
        if is_mmf(impl) or PY >= (3, 13):
            pytest.skip("stdlib before 3.13 only")
        check_raises(TypeError, None, impl.mmap, -1, 10, trackfd=True)

    def test_no_init_arguments_checked_twice(self, impl):
        # tp_new only; object.__init__ is inherited and ignores arguments.
        m = impl.mmap(-1, 10)
        m.__init__(1, 2, 3)
        assert len(m) == 10
        m.close()

    def test_audit_event(self, impl):
        run_child("""
            events = []
            def hook(name, args):
                if name == "mmap.__new__":
                    events.append(args)
            sys.addaudithook(hook)
            with open(sys.argv[1], "wb") as f:
                f.write(b"x" * 100)
            with open(sys.argv[1], "r+b") as f:
                M.mmap(f.fileno(), 0).close()
                fd = f.fileno()
            M.mmap(-1, 50, prot=M.PROT_READ).close()
            M.mmap(-1, 50, prot=M.PROT_WRITE).close()
            M.mmap(-1, 50, access=M.ACCESS_COPY).close()
            assert events == [(fd, 0, 0, 0), (-1, 50, 1, 0), (-1, 50, 2, 0),
                              (-1, 50, 3, 0)], events
            def veto(name, args):
                if name == "mmap.__new__":
                    raise RuntimeError("vetoed")
            sys.addaudithook(veto)
            try:
                M.mmap(-1, 10)
            except RuntimeError as e:
                assert str(e) == "vetoed"
            else:
                raise AssertionError("audit hook exception not propagated")
        """, impl, args=[os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                      "mmf_audit_%d" % os.getpid())])


# --------------------------------------------------------------------------
# 3. Access modes

class TestAccess:
    def test_read(self, impl, fmap):
        m, path = fmap(access=impl.ACCESS_READ)
        assert "access=ACCESS_READ" in repr(m)
        for op in (lambda: m.write(b"x"), lambda: m.write_byte(1),
                   lambda: m.__setitem__(0, 1),
                   lambda: m.__setitem__(slice(0, 1), b"x"),
                   lambda: m.move(0, 1, 1)):
            check_raises(TypeError, READONLY, op)
        check_raises(TypeError, "mmap can't resize a readonly or "
                     "copy-on-write memory map.", m.resize, 10)
        assert m.flush() is None
        assert m.tell() == 0
        assert file_bytes(path) == DATA

    def test_write_reaches_file(self, impl, fmap):
        m, path = fmap(access=impl.ACCESS_WRITE)
        assert "access=ACCESS_WRITE" in repr(m)
        m[0] = ord("X")
        m[1:3] = b"YZ"
        m.seek(5)
        m.write(b"W")
        assert m.flush() is None
        assert file_bytes(path) == b"XYZ34W" + DATA[6:]

    def test_copy_never_reaches_file(self, impl, fmap):
        m, path = fmap(access=impl.ACCESS_COPY)
        assert "access=ACCESS_COPY" in repr(m)
        m[0] = ord("X")
        m.write(b"abc")
        m.move(10, 0, 5)
        assert m[:3] == b"abc"
        assert m.flush() is None
        assert m.flush(1, 1) is None     # no msync: no EINVAL
        check_raises(TypeError, "mmap can't resize a readonly or "
                     "copy-on-write memory map.", m.resize, 10)
        assert file_bytes(path) == DATA

    def test_default_private_is_writable_and_resizable(self, impl, fmap):
        m, path = fmap(flags=impl.MAP_PRIVATE)
        assert "access=ACCESS_DEFAULT" in repr(m)
        m[0] = ord("X")
        assert m.flush() is None
        assert file_bytes(path) == DATA
        m.resize(5)
        assert len(m) == 5
        assert os.stat(path).st_size == 5

    @pytest.mark.parametrize("prot,access", [
        ("PROT_READ", "ACCESS_READ"),
        ("PROT_WRITE", "ACCESS_WRITE"),
        ("PROT_READ|PROT_WRITE", "ACCESS_DEFAULT"),
        ("PROT_READ|PROT_EXEC", "ACCESS_READ"),
    ])
    def test_access_derived_from_prot(self, impl, prot, access):
        p = 0
        for name in prot.split("|"):
            p |= getattr(impl, name)
        m = impl.mmap(-1, 10, prot=p)
        assert "access=%s," % access in repr(m)
        if access == "ACCESS_READ":
            check_raises(TypeError, READONLY, m.write_byte, 1)
            assert memoryview(m).readonly
        m.close()

    def test_prot_none_gets_access_read(self, impl):
        m = impl.mmap(-1, PAGESIZE, prot=0)
        assert "access=ACCESS_READ" in repr(m)
        check_raises(TypeError, READONLY, m.write_byte, 1)
        m.close()


# --------------------------------------------------------------------------
# 4. Methods

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
# 5. Subscripts

class TestGetItem:
    def test_index(self, amap):
        m = amap(4, b"\x00\x01\xfe\xff")
        assert m[0] == 0 and m[3] == 255 and m[-1] == 255 and m[-4] == 0
        assert isinstance(m[0], int)
        assert m[Idx(2)] == 254
        assert m[True] == 1

    def test_index_errors(self, amap):
        m = amap(4)
        for i in (4, -5, 100, sys.maxsize, -sys.maxsize - 1):
            check_raises(IndexError, "mmap index out of range",
                         m.__getitem__, i)
        check_raises(IndexError, "cannot fit 'int' into an index-sized "
                     "integer", m.__getitem__, 10**30)
        for key in (1.5, "a", (1, 2), None, b"a"):
            check_raises(TypeError, "mmap indices must be integers",
                         m.__getitem__, key)

    def test_slices(self, amap):
        m = amap(10, b"0123456789")
        assert m[:] == b"0123456789"
        assert m[2:5] == b"234"
        assert m[-3:] == b"789"
        assert m[5:2] == b""
        assert m[::2] == b"02468"
        assert m[::-1] == b"9876543210"
        assert m[8:2:-3] == b"85"
        assert m[100:200] == b""
        assert m[-100:2] == b"01"
        assert m[::sys.maxsize] == b"0"
        assert m[::-sys.maxsize] == b"9"
        assert m[-sys.maxsize:sys.maxsize] == b"0123456789"
        assert m[10**30:] == b""
        assert m[Idx(1):Idx(3)] == b"12"
        assert isinstance(m[1:3], bytes)
        check_raises(ValueError, "slice step cannot be zero",
                     m.__getitem__, slice(None, None, 0))

    def test_extended_getslice(self, amap):
        s = bytes(reversed(range(256)))
        m = amap(len(s), s)
        indices = (0, None, 1, 3, 19, 300, sys.maxsize, -1, -2, -31, -300)
        for start in indices:
            for stop in indices:
                for step in indices[1:]:
                    assert m[start:stop:step] == s[start:stop:step], \
                        (start, stop, step)


class TestSetItem:
    def test_index(self, amap):
        m = amap(4)
        m[0] = 1
        m[-1] = 255
        m[Idx(1)] = Idx(2)
        m[2] = True
        assert m[:] == b"\x01\x02\x01\xff"

    def test_index_errors(self, impl, amap):
        needs_315(impl, (3, 14), "item assignment's order of checks")
        m = amap(4, b"abcd")
        for i in (4, -5, sys.maxsize):
            check_raises(IndexError, "mmap index out of range",
                         m.__setitem__, i, 1)
        check_raises(IndexError, None, m.__setitem__, 10**30, 1)
        check_raises(ValueError, "mmap item value must be in range(0, 256)",
                     m.__setitem__, 0, 256)
        check_raises(ValueError, "mmap item value must be in range(0, 256)",
                     m.__setitem__, 0, -1)
        for v in (b"a", "a", 1.0, None):
            check_raises(TypeError, "mmap item value must be an int",
                         m.__setitem__, 0, v)
        # 3.14+: the value is checked before the index's range
        check_raises(ValueError, "mmap item value must be in range(0, 256)",
                     m.__setitem__, 4, 256)
        check_raises(TypeError, "mmap item value must be an int",
                     m.__setitem__, 4, b"a")
        # ... and the map's state last
        m.close()
        check_raises(ValueError, "mmap item value must be in range(0, 256)",
                     m.__setitem__, 1, 300)
        check_raises(TypeError, "mmap indices must be integer",
                     m.__setitem__, "a", 1)
        check_raises(ValueError, CLOSED, m.__setitem__, 100, 1)
        for key in (1.5, "a", (1, 2), None):
            check_raises(TypeError, "mmap indices must be integer",
                         m.__setitem__, key, 1)
        assert m.closed

    def test_deletion(self, impl, amap):
        needs_315(impl, (3, 14), "item assignment's order of checks")
        m = amap(4, b"abcd")

        def del_item(k):
            del m[k]
        check_raises(TypeError, "mmap doesn't support item deletion",
                     del_item, 0)
        check_raises(TypeError, "mmap doesn't support item deletion",
                     del_item, 4)
        check_raises(TypeError, "mmap object doesn't support slice deletion",
                     del_item, slice(0, 2))
        check_raises(TypeError, "mmap object doesn't support slice deletion",
                     del_item, slice(0, 4, 2))
        assert m[:] == b"abcd"

    def test_readonly_checked_before_key(self, impl, fmap):
        m, _ = fmap(access=impl.ACCESS_READ)
        for key, value in ((1.5, 1), ("a", 1), (10**9, 1), (0, 256),
                           (slice(0, 1), "x")):
            check_raises(TypeError, READONLY, m.__setitem__, key, value)

        def del_item():
            del m[0]
        check_raises(TypeError, READONLY, del_item)

    def test_slices(self, amap):
        m = amap(10, b"0123456789")
        m[2:5] = b"abc"
        assert m[:] == b"01abc56789"
        m[::3] = bytearray(b"WXYZ")
        assert m[:] == b"W1aXc5Y78Z"
        m[::-1] = memoryview(b"0123456789")
        assert m[:] == b"9876543210"
        m[5:5] = b""
        m[20:30] = b""
        m[:] = array.array("B", b"A" * 10)
        assert m[:] == b"A" * 10

    def test_slice_errors(self, amap):
        m = amap(10, b"0123456789")
        msg = "mmap slice assignment is wrong size"
        check_raises(IndexError, msg, m.__setitem__, slice(0, 2), b"abc")
        check_raises(IndexError, msg, m.__setitem__, slice(0, 2), b"a")
        check_raises(IndexError, msg, m.__setitem__, slice(None, None, 2),
                     b"abc")
        check_raises(IndexError, msg, m.__setitem__, slice(8, 20), b"abc")
        check_raises(TypeError, None, m.__setitem__, slice(0, 2), "ab")
        check_raises(TypeError, None, m.__setitem__, slice(0, 2), 5)
        check_raises(TypeError, None, m.__setitem__, slice(0, 2), [1, 2])
        check_raises(ValueError, "slice step cannot be zero",
                     m.__setitem__, slice(None, None, 0), b"")
        assert m[:] == b"0123456789"

    def test_extended_set_slice(self, amap):
        s = bytes(reversed(range(256)))
        m = amap(len(s))
        indices = (0, None, 1, 3, 19, 300, sys.maxsize, -1, -2, -31, -300)
        for start in indices:
            for stop in indices:
                for step in indices[1:]:
                    m[:] = s
                    expected = bytearray(s)
                    n = len(expected[start:stop:step])
                    data = bytes(reversed(range(n)))
                    expected[start:stop:step] = data
                    m[start:stop:step] = data
                    assert m[:] == bytes(expected), (start, stop, step)

    def test_overlapping_self_assignment(self, impl, amap):
        stdlib_overlap_ub(impl)
        m = amap(10, b"0123456789")
        m[1:] = memoryview(m)[:-1]
        assert m[:] == b"0012345678"
        m[:] = b"0123456789"
        m[:-1] = memoryview(m)[1:]
        assert m[:] == b"1234567899"
        m[:] = b"0123456789"
        m[:] = m
        assert m[:] == b"0123456789"
        m.close()       # the views above were released

    def test_overlapping_strided_self_assignment(self, impl, amap):
        mmf_only(impl, "a strided slice assignment from the map itself "
                 "reads the source before writing (docs/hazards.md H-21); "
                 "CPython copies in place and gives b'0123443210'")
        m = amap(10, b"0123456789")
        m[::-1] = m
        assert m[:] == b"9876543210"
        m[:] = b"0123456789"
        m[::2] = memoryview(m)[1:6]
        assert m[:] == b"1123354759"
        m[:] = b"0123456789"
        m[::-2] = memoryview(m)[2:7]
        assert m[:] == b"0625446382"
        m.close()


class TestSequenceQuirks:
    def test_iteration_yields_bytes(self, amap):
        m = amap(3, b"abc")
        assert list(m) == [b"a", b"b", b"c"]
        assert list(reversed(m)) == [b"c", b"b", b"a"]
        assert [x for x in m] == [b"a", b"b", b"c"]

    def test_contains(self, amap):
        m = amap(3, b"abc")
        assert b"a" in m
        assert b"d" not in m
        assert 97 not in m
        assert b"ab" not in m

    def test_sequence_api(self, amap):
        m = amap(3, b"abc")
        api = ctypes.pythonapi
        api.PySequence_GetItem.restype = ctypes.py_object
        api.PySequence_GetItem.argtypes = [ctypes.py_object, ctypes.c_ssize_t]
        api.PySequence_SetItem.restype = ctypes.c_int
        api.PySequence_SetItem.argtypes = [ctypes.py_object, ctypes.c_ssize_t,
                                           ctypes.py_object]
        api.PySequence_DelItem.restype = ctypes.c_int
        api.PySequence_DelItem.argtypes = [ctypes.py_object, ctypes.c_ssize_t]
        api.PySequence_Size.restype = ctypes.c_ssize_t
        api.PySequence_Size.argtypes = [ctypes.py_object]
        assert api.PySequence_GetItem(m, 1) == b"b"
        assert api.PySequence_GetItem(m, -1) == b"c"
        assert api.PySequence_Size(m) == 3
        api.PySequence_SetItem(m, 0, b"z")
        assert m[:] == b"zbc"
        check_raises(IndexError, "mmap assignment must be length-1 bytes()",
                     api.PySequence_SetItem, m, 0, b"xy")
        check_raises(IndexError, "mmap assignment must be length-1 bytes()",
                     api.PySequence_SetItem, m, 0, 5)
        check_raises(IndexError, "mmap index out of range",
                     api.PySequence_GetItem, m, 3)
        check_raises(TypeError, "mmap object doesn't support item deletion",
                     api.PySequence_DelItem, m, 0)
        assert m[:] == b"zbc"


# --------------------------------------------------------------------------
# 6. Buffer protocol

class TestBuffer:
    def test_memoryview(self, amap):
        m = amap(10, b"0123456789")
        with memoryview(m) as v:
            assert v.format == "B" and v.itemsize == 1 and v.ndim == 1
            assert v.nbytes == 10 and not v.readonly
            assert v.contiguous
            v[0] = ord("x")
            assert m[0] == ord("x")
            m[1] = ord("y")
            assert v[1] == ord("y")
            # reads, writes, seeks and slices are not blocked
            m.seek(2)
            m.write(b"z")
            assert m[:3] == b"xyz"

    def test_readonly_buffer(self, impl, fmap):
        m, _ = fmap(access=impl.ACCESS_READ)
        with memoryview(m) as v:
            assert v.readonly
            check_raises(TypeError, None, v.__setitem__, 0, 1)
        check_raises(TypeError, None, io.BytesIO(b"ab").readinto, m)
        check_raises(TypeError, None, (ctypes.c_char * 2).from_buffer, m)

    def test_copy_buffer_writable(self, impl, fmap):
        m, path = fmap(access=impl.ACCESS_COPY)
        with memoryview(m) as v:
            assert not v.readonly
            v[0] = ord("Q")
        assert file_bytes(path) == DATA

    def test_exports_block_close_and_resize(self, amap, impl):
        m = amap(PAGESIZE, flags=impl.MAP_PRIVATE | impl.MAP_ANONYMOUS)
        v1 = memoryview(m)
        v2 = memoryview(m)[1:3]
        check_raises(BufferError, "mmap can't resize with extant buffers "
                     "exported.", m.resize, 100)
        v1.release()
        check_raises(BufferError, "cannot close exported pointers exist",
                     m.close)
        v2.release()
        m.resize(100)
        assert len(m) == 100

    def test_ctypes_from_buffer_blocks_close(self, amap):
        m = amap(16)
        c = (ctypes.c_char * 16).from_buffer(m)
        c[0] = b"q"
        assert m[0] == ord("q")
        check_raises(BufferError, "cannot close exported pointers exist",
                     m.close)
        del c
        gc.collect()
        m.close()

    def test_buffer_of_closed(self, amap):
        m = amap()
        m.close()
        check_raises(ValueError, CLOSED, memoryview, m)

    def test_re_search(self, amap):
        m = amap(len(DATA), DATA)
        match = re.search(rb"line (\w+)", m)
        assert match.group(1) == b"two" and match.start() == 21
        del match
        gc.collect()
        m.close()

    def test_bytes_and_buffer_consumers(self, amap):
        import hashlib
        import zlib
        m = amap(len(DATA), DATA)
        assert bytes(m) == DATA
        assert bytearray(m) == DATA
        assert hashlib.sha256(m).digest() == hashlib.sha256(DATA).digest()
        assert zlib.crc32(m) == zlib.crc32(DATA)
        assert DATA.find(m) == 0
        m.close()      # every consumer released its view

    def test_pep688_dunders(self, impl):
        if PY < (3, 12):
            pytest.skip("PEP 688 __buffer__ is Python 3.12+")
        assert hasattr(impl.mmap, "__buffer__")
        assert hasattr(impl.mmap, "__release_buffer__")
        m = impl.mmap(-1, 4)
        v = m.__buffer__(0)
        assert isinstance(v, memoryview) and len(v) == 4
        check_raises(BufferError, None, m.close)
        v.release()
        m.close()


# --------------------------------------------------------------------------
# 7. Pickling, copying, subclassing

class TestPickleSubclass:
    def test_pickle_refused(self, amap):
        m = amap()
        for proto in range(pickle.HIGHEST_PROTOCOL + 1):
            # protocols 0 and 1 go through copyreg, which uses __name__
            check_raises(TypeError, "cannot pickle '%s' object"
                         % ("mmap" if proto < 2 else "mmap.mmap"),
                         pickle.dumps, m, proto)
        check_raises(TypeError, "cannot pickle 'mmap.mmap' object",
                     copy.copy, m)
        check_raises(TypeError, "cannot pickle 'mmap.mmap' object",
                     copy.deepcopy, m)

    def test_subclass(self, impl):
        class S(impl.mmap):
            extra = 5

            def double(self):
                return self[:] * 2

        m = S(-1, 3)
        assert isinstance(m, impl.mmap) and type(m) is S
        m[:] = b"abc"
        assert m.double() == b"abcabc"
        m.note = "subclass instances have a __dict__"
        assert m.note.startswith("subclass")
        assert repr(m) == ("<S closed=False, access=ACCESS_DEFAULT, "
                           "length=3, pos=0, offset=0>")
        m.close()
        assert repr(m) == "<S closed=True>"
        assert weakref.ref(m)() is m

    def test_subclass_new(self, impl):
        class Anon(impl.mmap):
            def __new__(cls, *args, **kwargs):
                return impl.mmap.__new__(cls, -1, *args, **kwargs)

        m = Anon(5000)
        assert len(m) == 5000 and type(m) is Anon
        m.close()

    def test_subclass_init_raises(self, impl):
        class Bad(impl.mmap):
            def __init__(self, *args, **kwargs):
                raise RuntimeError("boom")

        before = fd_count()
        with pytest.raises(RuntimeError, match="boom"):
            Bad(-1, 100)
        gc.collect()
        assert fd_count() == before

    def test_new_with_other_type(self, impl):
        check_raises(TypeError, None, impl.mmap.__new__, int)
        check_raises(TypeError, None, impl.mmap.__new__)

    def test_subclass_pickle_refused(self, impl):
        class S(impl.mmap):
            pass
        m = S(-1, 3)
        check_raises(TypeError, None, pickle.dumps, m)
        m.close()


# --------------------------------------------------------------------------
# 8. Positional-only arguments

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


# --------------------------------------------------------------------------
# 9. Project decisions (docs/behaviour.md, deliberate differences)

def test_prot_none_read_raises(impl):
    mmf_only(impl, "reading a PROT_NONE or exec-only map raises instead of "
             "SIGSEGV (docs/behaviour.md)")
    run_child("""
        for prot in (0, M.PROT_EXEC):
            m = M.mmap(-1, PAGESIZE, flags=M.MAP_PRIVATE | M.MAP_ANONYMOUS,
                       prot=prot)
            ops = [lambda: m[0], lambda: m[0:10], lambda: m[::2], m.read,
                   m.read_byte, m.readline, lambda: m.find(b"a"),
                   lambda: m.rfind(b"a")]
            for op in ops:
                try:
                    op()
                except BaseException as e:
                    assert type(e) is PermissionError, (prot, repr(e))
                else:
                    raise AssertionError("no PermissionError, prot=%d" % prot)
                # The clause must catch it too: on Python <= 3.10 "except"
                # matches the type stored with the error, not type(e).
                try:
                    op()
                except PermissionError:
                    pass
                except BaseException as e:
                    raise AssertionError("%r escaped 'except PermissionError'"
                                         " (raised with the type OSError?)"
                                         % (e,))
                assert m.tell() == 0
            m.close()
        print("ok")
    """, impl)
