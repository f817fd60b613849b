"""Hostile cases (docs/hazards.md) H-15 to H-21: resize; exports and
overlapping copies.

How they run (``hchild``, a child interpreter each): hostile_util.py.
"""

import pytest

from conftest import PAGESIZE, PY, UNDER_ASAN, is_mmf, stdlib_overlap_ub

import hostile_util

hchild = hostile_util.hchild  # the fixture, shared


# --------------------------------------------------------------------------
# H-15 .. H-19: resize

def test_h15_resize_zero(mmf_mod, hchild):
    hchild(r'''
    path = file_of(b"0123456789")
    m = map_file(path)
    m.seek(4)
    # 3.15's error, OSError(EINVAL), but the file is never truncated
    expect(OSError, m.resize, 0, err=errno.EINVAL)
    assert read_file(path) == b"0123456789"
    assert len(m) == 10 and m[:] == b"0123456789" and m.tell() == 4
    for flags in (M.MAP_PRIVATE | M.MAP_ANONYMOUS, M.MAP_SHARED):
        a = M.mmap(-1, PAGESIZE, flags=flags)
        a[:3] = b"abc"
        expect(OSError, a.resize, 0, err=errno.EINVAL)
        assert len(a) == PAGESIZE and a[:3] == b"abc"
    def loop():
        expect(OSError, m.resize, 0, err=errno.EINVAL)
    flat(loop)
    print("ok")
    ''', mmf_mod)


def test_h16_resize_fails_after_file_changed_rollback(mmf_mod, hchild):
    if UNDER_ASAN:
        pytest.skip("RLIMIT_AS cannot be used under ASan (shadow memory)")
    hchild(r'''
    import resource
    path = file_of(b"r" * PAGESIZE)
    m = map_file(path)
    a = M.mmap(-1, PAGESIZE, flags=M.MAP_PRIVATE | M.MAP_ANONYMOUS)
    a[:2] = b"ok"
    m.seek(3)
    with open("/proc/self/status") as f:
        vm = [int(l.split()[1]) for l in f if l.startswith("VmSize:")][0]
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (vm * 1024 + (64 << 20), hard))
    try:
        case("file map: mremap fails with ENOMEM after ftruncate")
        e = expect(OSError, m.resize, 1 << 33, err=errno.ENOMEM)
        size_after = os.stat(path).st_size
        case("anonymous map")
        expect(OSError, a.resize, 1 << 33, err=errno.ENOMEM)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert size_after == PAGESIZE, ("file size not rolled back", size_after)
    assert len(m) == PAGESIZE and m[:] == b"r" * PAGESIZE and m.tell() == 3
    assert len(a) == PAGESIZE and a[:2] == b"ok"
    m.resize(2 * PAGESIZE)          # still usable
    assert os.stat(path).st_size == 2 * PAGESIZE
    print("ok")
    ''', mmf_mod)


H17 = r'''
import resource
path = file_of(b"f" * PAGESIZE)
m = map_file(path)
m.seek(2)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (4 * PAGESIZE, hard))
signal.signal(signal.SIGXFSZ, DISPOSITION)
case("resize beyond RLIMIT_FSIZE")
e = expect(OSError, m.resize, 16 * PAGESIZE, err=errno.EFBIG)
assert os.stat(path).st_size == PAGESIZE
assert len(m) == PAGESIZE and m[:] == b"f" * PAGESIZE and m.tell() == 2
m.resize(2 * PAGESIZE)            # within the limit: fine
assert os.stat(path).st_size == 2 * PAGESIZE
print("ok")
'''


def test_h17_rlimit_fsize_sigxfsz_ignored(impl, hchild):
    hchild("DISPOSITION = signal.SIG_IGN\n" + H17, impl)


def test_h17_rlimit_fsize_sigxfsz_default(mmf_mod, hchild):
    # The stdlib dies of SIGXFSZ here; mmf must report EFBIG and live.
    hchild("DISPOSITION = signal.SIG_DFL\n" + H17, mmf_mod)


def test_h18_resize_errors(impl, hchild):
    hchild(r'''
    path = file_of(b"s" * 100)
    m = map_file(path)
    m.seek(5)
    def unchanged():
        assert read_file(path) == b"s" * 100
        assert len(m) == 100 and m.tell() == 5 and m[:] == b"s" * 100
    case("resize(-1)")
    expect(ValueError, m.resize, -1, msg="new size out of range")
    unchanged()
    case("resize(sys.maxsize)")
    expect(OSError, m.resize, sys.maxsize)
    unchanged()
    case("resize(2**62)")
    expect(OSError, m.resize, 2**62)
    unchanged()
    case("resize(2**64)")
    expect(OverflowError, m.resize, 2**64)
    unchanged()
    for access in (M.ACCESS_READ, M.ACCESS_COPY):
        r = map_file(path, access=access)
        expect(TypeError, r.resize, 200)
        r.close()
        unchanged()
    v = memoryview(m)
    expect(BufferError, m.resize, 200)
    v.release()
    unchanged()
    a = M.mmap(-1, PAGESIZE, flags=M.MAP_PRIVATE | M.MAP_ANONYMOUS)
    for size in (sys.maxsize, 2**62):
        expect(OSError, a.resize, size)
        assert len(a) == PAGESIZE
    def loop():
        for n in (-1, sys.maxsize, 2**62):
            try:
                m.resize(n)
            except (ValueError, OSError):
                pass
    flat(loop)
    unchanged()
    print("ok")
    ''', impl)


def test_h19_pos_past_end_after_shrink(impl, hchild):
    find_past_end = -1 if (is_mmf(impl) or PY >= (3, 15)) else PAGESIZE
    hchild(r'''
    for kind in ("anon", "file"):
        if kind == "anon":
            m = M.mmap(-1, 2 * PAGESIZE)
        else:
            m = map_file(file_of(b"p" * 2 * PAGESIZE))
        m.seek(PAGESIZE + 100)
        m.resize(PAGESIZE)
        pos = PAGESIZE + 100
        assert m.tell() == pos
        assert m.read() == b"" and m.tell() == pos
        assert m.read(5) == b"" and m.tell() == pos
        assert m.readline() == b"" and m.tell() == pos
        expect(ValueError, m.read_byte, msg="read byte out of range")
        expect(ValueError, m.write, b"x", msg="data out of range")
        expect(ValueError, m.write_byte, 1, msg="write byte out of range")
        assert m.find(b"") == %d
        assert m.find(b"p") == -1 and m.rfind(b"p") == -1
        expect(ValueError, m.seek, 0, 1, msg="seek out of range")
        assert m.tell() == pos
        m.seek(0)
        assert m.tell() == 0
    print("ok")
    ''' % find_past_end, impl)


# --------------------------------------------------------------------------
# H-20 / H-21: exports and overlapping copies

def test_h20_exports_block_close_and_resize(impl, hchild):
    hchild(r'''
    import ctypes
    def once():
        for kind in ("anon", "file"):
            if kind == "anon":
                m = M.mmap(-1, PAGESIZE, flags=M.MAP_PRIVATE | M.MAP_ANONYMOUS)
            else:
                m = map_file(file_of(b"e" * PAGESIZE))
            for make in (lambda: memoryview(m),
                         lambda: (ctypes.c_char * 10).from_buffer(m),
                         lambda: memoryview(m)[5:9]):
                v = make()
                expect(BufferError, m.close)
                expect(BufferError, m.resize, 100)
                try:
                    with m:
                        pass
                except BufferError:
                    pass
                else:
                    raise AssertionError("__exit__ closed an exported map")
                assert not m.closed and len(m) == PAGESIZE
                m[0] = 1              # still usable
                if isinstance(v, memoryview):
                    v.release()
                del v
                gc.collect()
            m.resize(200)
            assert len(m) == 200
            m.close()
    once()
    file_of.n = 0
    flat(once)
    print("ok")
    ''', impl)


def test_h21_overlapping_copies(impl, hchild):
    stdlib_overlap_ub(impl)
    hchild(r'''
    base = bytes(range(256)) * 4
    m = M.mmap(-1, len(base))
    model = bytearray(base)
    def same():
        assert m[:] == bytes(model)
    m[:] = base
    m[1:] = memoryview(m)[:-1]; model[1:] = bytes(model[:-1]); same()
    m[:-1] = memoryview(m)[1:]; model[:-1] = bytes(model[1:]); same()
    m[:] = m; same()
    for a, b, at in ((0, 100, 50), (50, 150, 0), (0, 1024, 0), (7, 9, 8)):
        m.seek(at)
        n = m.write(memoryview(m)[a:b])
        model[at:at + b - a] = bytes(model[a:b])
        assert n == b - a and m.tell() == at + n
        same()
    m.move(3, 0, 1000); model[3:1003] = bytes(model[0:1000]); same()
    m.move(0, 3, 1000); model[0:1000] = bytes(model[3:1003]); same()
    if IMPL == "mmf":
        for key in (slice(None, None, -1), slice(0, None, 2),
                    slice(1, None, 2), slice(None, None, -3)):
            n = len(model[key])
            src = memoryview(m)[:n]
            srcbytes = bytes(model[:n])
            m[key] = src
            src.release()
            model[key] = srcbytes
            same()
    m.close()
    print("ok")
    ''', impl)
