"""Hostile cases (docs/hazards.md) H-22 to H-30: maps that cannot be read;
argument validation grids.

How they run (``hchild``, a child interpreter each): hostile_util.py.
"""

from conftest import FIND_BUG, PY, is_mmf, stdlib_broken

import hostile_util

hchild = hostile_util.hchild  # the fixture, shared


# --------------------------------------------------------------------------
# H-22: maps that cannot be read

def test_h22_unreadable_maps(mmf_mod, hchild):
    hchild(r'''
    anon = M.MAP_PRIVATE | M.MAP_ANONYMOUS
    for prot, name in ((0, "PROT_NONE"), (M.PROT_EXEC, "PROT_EXEC")):
        for kind in ("anon", "file"):
            try:
                if kind == "anon":
                    m = M.mmap(-1, PAGESIZE, flags=anon, prot=prot)
                else:
                    path = file_of(b"x" * PAGESIZE)
                    with open(path, "rb") as f:
                        m = M.mmap(f.fileno(), 0, flags=M.MAP_SHARED,
                                   prot=prot)
            except PermissionError:
                assert prot == M.PROT_EXEC     # a noexec mount
                continue
            m.seek(3)
            reads = [("getitem", lambda: m[0]), ("slice", lambda: m[0:10]),
                     ("extslice", lambda: m[::3]), ("read", m.read),
                     ("read_byte", m.read_byte), ("readline", m.readline),
                     ("find", lambda: m.find(b"x", 0)),
                     ("rfind", lambda: m.rfind(b"x", 0)),
                     ("iter", lambda: list(m)),
                     ("contains", lambda: b"x" in m)]
            for op, fn in reads:
                case("%s %s %s" % (name, kind, op))
                expect(PermissionError, fn)
                assert m.tell() == 3
            for op, fn in (("write", lambda: m.write(b"a")),
                           ("write_byte", lambda: m.write_byte(1)),
                           ("setitem", lambda: m.__setitem__(0, 1)),
                           ("move", lambda: m.move(0, 1, 1))):
                case("%s %s %s" % (name, kind, op))
                try:
                    fn()
                except (TypeError, PermissionError):
                    pass
                else:
                    raise AssertionError("%s on %s succeeded" % (op, name))
            assert m.tell() == 3
            m.close()
    # write-only: writes work; reads may work (x86) or raise PermissionError
    m = M.mmap(-1, PAGESIZE, flags=anon, prot=M.PROT_WRITE)
    m.write(b"abc")
    m[5] = 9
    try:
        assert m[0:3] == b"abc"
    except PermissionError:
        pass
    print("ok")
    ''', mmf_mod)


# --------------------------------------------------------------------------
# H-23 .. H-28, H-30: argument validation grids

def test_h23_constructor_grid(impl, hchild):
    hchild(r'''
    path = file_of(b"c" * 100)
    empty = file_of(b"")
    f = open(path, "r+b")
    e = open(empty, "r+b")
    fd = f.fileno()
    closed_fd = os.open(path, os.O_RDONLY)
    os.close(closed_fd)
    cases = [
        ("negative length", OverflowError, None, (-1, -1), {}),
        ("negative offset", OverflowError, None, (-1, 10), {"offset": -1}),
        ("unaligned offset", OSError, errno.EINVAL, (fd, 10), {"offset": 1}),
        ("length > file", ValueError, None, (fd, 101), {}),
        ("offset >= file, len 0", ValueError, None, (fd, 0),
         {"offset": PAGESIZE}),
        ("empty file", ValueError, None, (e.fileno(), 0), {}),
        ("mmap(-1, 0)", OSError, errno.EINVAL, (-1, 0), {}),
        ("mmap(-1, maxsize)", OSError, errno.ENOMEM, (-1, sys.maxsize), {}),
        ("length 2**63", OverflowError, None, (-1, 2**63), {}),
        ("bad fd", OSError, errno.EBADF, (-2, 10), {}),
        ("closed fd", OSError, errno.EBADF, (closed_fd, 10), {}),
        ("huge fd", OSError, errno.EBADF, (2**31 - 1, 10), {}),
        ("fd 2**31", OverflowError, None, (2**31, 10), {}),
        ("bad access", ValueError, None, (-1, 10), {"access": 9}),
        ("access with prot", ValueError, None, (-1, 10),
         {"access": M.ACCESS_READ, "prot": M.PROT_READ}),
    ]
    def once():
        for name, exc, err, args, kw in cases:
            case(name)
            expect(exc, M.mmap, *args, err=err, **kw)
    once()
    flat(once)
    assert read_file(path) == b"c" * 100
    assert os.stat(empty).st_size == 0
    print("ok")
    ''', impl)


def test_h24_odd_fds(impl, hchild):
    hchild(r'''
    path = file_of(b"o" * 100)
    r, w = os.pipe()
    case("pipe")
    expect(PermissionError, M.mmap, r, 10, err=errno.EACCES)
    expect(OSError, M.mmap, r, 0, err=errno.EINVAL)
    d = os.open(TMP, os.O_RDONLY)
    case("directory")
    expect(PermissionError, M.mmap, d, 10)
    expect(OSError, M.mmap, d, 0, err=errno.EINVAL)
    expect(OSError, M.mmap, d, 10, access=M.ACCESS_READ, err=errno.ENODEV)
    z = os.open("/dev/zero", os.O_RDWR)
    case("/dev/zero length 0")
    expect(OSError, M.mmap, z, 0, err=errno.EINVAL)
    p = os.open("/proc/self/status", os.O_RDONLY)
    case("/proc file")
    expect(ValueError, M.mmap, p, 0, access=M.ACCESS_READ,
           msg="cannot mmap an empty file")
    wo = os.open(path, os.O_WRONLY)
    case("O_WRONLY")
    expect(PermissionError, M.mmap, wo, 0, err=errno.EACCES)
    ro = os.open(path, os.O_RDONLY)
    case("read-only fd, write access")
    expect(PermissionError, M.mmap, ro, 0, access=M.ACCESS_WRITE)
    expect(PermissionError, M.mmap, ro, 0)
    case("read-only fd, copy access")
    m = M.mmap(ro, 0, access=M.ACCESS_COPY)
    m[0] = ord("X")
    assert m[:2] == b"Xo"
    m.close()
    assert read_file(path) == b"o" * 100
    for fd in (r, w, d, z, p, wo, ro):
        os.close(fd)
    print("ok")
    ''', impl)


def test_h25_h26_index_and_value_grid(impl, hchild):
    hchild(r'''
    L = 64
    m = M.mmap(-1, L)
    m[:] = bytes(range(L))
    before = m[:]
    expect(IndexError, m.__getitem__, L)
    expect(IndexError, m.__getitem__, -L - 1)
    expect(IndexError, m.__getitem__, 2**100)
    expect(IndexError, m.__getitem__, -2**100)
    assert m[2**100:] == b"" and m[-2**100:2**100] == before
    assert m[::sys.maxsize] == before[:1]
    assert m[::-sys.maxsize] == before[-1:]
    assert m[::-sys.maxsize - 1] == before[-1:]
    expect(ValueError, m.__getitem__, slice(None, None, 0))
    expect(TypeError, m.__getitem__, 1.0)
    expect(TypeError, m.__getitem__, "1")
    # H-26
    expect(ValueError, m.__setitem__, 0, 256)
    expect(ValueError, m.__setitem__, 0, -1)
    expect(TypeError, m.__setitem__, 0, b"a")
    expect(TypeError, m.__setitem__, slice(0, 1), "a")
    expect(TypeError, m.__setitem__, slice(0, 1), 1)
    expect(IndexError, m.__setitem__, slice(0, 3), b"ab")
    expect(IndexError, m.__setitem__, slice(0, 10, 3), b"ab")
    expect(IndexError, m.__setitem__, 2**100, 1)
    def d(k):
        del m[k]
    expect(TypeError, d, 0)
    expect(TypeError, d, slice(0, 2))
    assert m[:] == before
    print("ok")
    ''', impl)


def test_h27_overflow_grid(impl, hchild):
    hchild(r'''
    L = 2 * PAGESIZE
    m = M.mmap(-1, L)
    m[:] = b"g" * L
    m.seek(1)
    expect(ValueError, m.seek, sys.maxsize, 1)
    expect(ValueError, m.seek, -sys.maxsize - 1, 1)
    expect(ValueError, m.seek, sys.maxsize, 2)
    assert m.tell() == 1
    expect(ValueError, m.move, -1, 0, 1)
    expect(ValueError, m.move, 0, L - 1, 2)
    expect(ValueError, m.move, L - 1, 0, 2)
    expect(ValueError, m.move, 0, 0, sys.maxsize)
    expect(ValueError, m.move, sys.maxsize, sys.maxsize, sys.maxsize)
    expect(ValueError, m.flush, PAGESIZE, sys.maxsize)
    expect(ValueError, m.flush, sys.maxsize, 1)
    expect(OSError, m.flush, 1, 1, err=errno.EINVAL)
    expect(OverflowError, m.madvise, M.MADV_NORMAL, PAGESIZE, sys.maxsize)
    expect(OSError, m.madvise, 12345, err=errno.EINVAL)
    expect(ValueError, m.madvise, M.MADV_NORMAL, sys.maxsize)
    assert m.tell() == 1 and m[:] == b"g" * L
    print("ok")
    ''', impl)


def test_h28_find_grid(impl, hchild):
    empty_past_end = -1 if (is_mmf(impl) or PY >= (3, 15)) else 16
    hchild(r'''
    m = M.mmap(-1, 16)
    m[:] = b"abcdefghijklmnop"
    assert m.find(b"abcdefghijklmnopq") == -1
    assert m.rfind(b"abcdefghijklmnopq") == -1
    assert m.find(b"", 17) == %d and m.rfind(b"", 17) == %d
    assert m.find(b"a", sys.maxsize, -sys.maxsize - 1) == -1
    assert m.rfind(b"a", sys.maxsize, -sys.maxsize - 1) == -1
    expect(OverflowError, m.find, b"a", 2**100)
    expect(OverflowError, m.rfind, b"a", 0, -2**100)
    print("ok")
    ''' % (empty_past_end, empty_past_end), impl)


def test_h28_find_no_overread_before_guard_page(impl, hchild):
    stdlib_broken(impl, *FIND_BUG)
    hchild(r'''
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    N = 4
    anon = M.MAP_PRIVATE | M.MAP_ANONYMOUS
    m = M.mmap(-1, (N + 1) * PAGESIZE, flags=anon)
    end = N * PAGESIZE
    m[end - 2:end] = b"xy"
    m[10:13] = b"xyz"
    c = (ctypes.c_char * 1).from_buffer(m)
    addr = ctypes.addressof(c)
    del c
    assert libc.mprotect(addr + end, PAGESIZE, 0) == 0   # guard page
    for needle in (b"xyz", b"xyzw", b"yz", b"y\0", b"xy", b"y"):
        case("find %r" % needle)
        expected = bytes(m[:end]).find(needle)
        assert m.find(needle, 0, end) == expected, needle
        # a negative start counts from the end of the whole map
        assert m.find(needle, -PAGESIZE - 3, end) == \
            bytes(m[:end]).find(needle, end - 3), needle
        assert m.rfind(needle, 0, end) == bytes(m[:end]).rfind(needle)
    # the needle's prefix matches at the very last bytes before the guard
    assert m.find(b"xyq", end - 2, end) == -1
    assert m.find(b"xy", end - 2, end) == end - 2
    assert m.rfind(b"xy", 0, end) == end - 2
    print("ok")
    ''', impl)


def test_h30_read_write_grid(impl, hchild):
    hchild(r'''
    m = M.mmap(-1, 10)
    m[:] = b"0123456789"
    m.seek(4)
    assert m.read(-1) == b"456789"
    m.seek(4)
    expect(OverflowError, m.read, -2**100)
    assert m.tell() == 4
    assert m.read(sys.maxsize) == b"456789"
    expect(OverflowError, m.write_byte, 256)
    expect(OverflowError, m.write_byte, -1)
    assert m.readline() == b""
    expect(ValueError, m.write, b"x", msg="data out of range")
    assert m.tell() == 10 and m[:] == b"0123456789"
    print("ok")
    ''', impl)
