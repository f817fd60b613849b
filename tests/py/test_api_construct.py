"""Behaviour of mmf.mmap: the module surface, the constructor, the access
modes, and reading a PROT_NONE map (a project decision).

Written once and run against the stdlib mmap and mmf (fixture ``impl``);
the reference, the checks and the helpers (``check_raises``, ``fmap``,
``amap``, ...) are described in conftest.py, section "The API tests".
"""

import errno
import gc
import os
import weakref

import pytest

from conftest import (DATA, PAGESIZE, PY, READONLY, Idx, check_oserror,
                      check_raises, fd_count, fds_of, file_bytes, is_mmf,
                      mmf_only, needs_315, run_child)


# --------------------------------------------------------------------------
# Module surface

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
# Constructor

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
# Access modes

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
# Project decisions (docs/behaviour.md, deliberate differences)

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
