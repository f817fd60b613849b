"""Additions beyond the stdlib API: count(), readinto().  Each is
checked for its results against the bytes equivalent, and for bad input: a
clear exception, nothing changed.
"""

import array

import pytest

from conftest import UNDER_ASAN

try:
    from hypothesis import HealthCheck, given, settings, strategies as st
except ImportError:  # pragma: no cover - Debian's python3-hypothesis is a dep
    given = None


def filled(mmf_mod, data):
    m = mmf_mod.mmap(-1, max(len(data), 1))
    m[:len(data)] = data
    return m


# ---- count ----------------------------------------------------------------

def test_count_matches_bytes_count(mmf_mod):
    data = b"ab\nab\nabab\naaaa\n"
    m = filled(mmf_mod, data)
    for sub in (b"\n", b"ab", b"aa", b"aaa", b"abab", b"zz", b"", data,
                data + b"!"):
        assert m.count(sub, 0) == data.count(sub), sub
        for s in range(-3, len(data) + 3, 4):
            for e in (None, 3, len(data) - 1, -2):
                assert m.count(sub, s, e) == data.count(sub, s, e), (sub, s, e)


def test_count_starts_at_the_position_like_find(mmf_mod):
    m = filled(mmf_mod, b"x\nx\nx\n")
    m.seek(2)
    assert m.count(b"\n") == 2
    assert m.count(b"\n", None, None) == 2
    assert m.find(b"\n") == 3
    assert m.tell() == 2  # count does not move


def test_count_long_one_byte_in_chunks(mmf_mod):
    # more than two of the 16 MiB chunks of a GIL-released count
    n = (40 << 20) + 123
    m = mmf_mod.mmap(-1, n)
    step = 4099
    for i in range(0, n, step):
        m[i] = 10
    assert m.count(b"\n", 0) == len(range(0, n, step))
    assert m.count(b"\n", 1) == len(range(0, n, step)) - 1
    assert m.count(b"\n", 0, 16 << 20) == len(range(0, 16 << 20, step))
    assert m.count(b"\0\n", 0) == len(range(step, n, step))


def test_count_accepts_buffers_and_refuses_the_rest(mmf_mod):
    m = filled(mmf_mod, b"abcabc")
    assert m.count(bytearray(b"bc"), 0) == 2
    assert m.count(memoryview(b"xabcx")[1:4], 0) == 2
    assert m.count(array.array("B", b"c"), 0) == 2
    with pytest.raises(TypeError):
        m.count("bc")
    with pytest.raises(TypeError):
        m.count()
    with pytest.raises(TypeError):
        m.count(b"a", 0, 1, 2)
    with pytest.raises(TypeError):
        m.count(b"a", 1.5)
    with pytest.raises(OverflowError):
        m.count(b"a", 2 ** 100)
    m.close()
    with pytest.raises(ValueError, match="mmap closed or invalid"):
        m.count(b"a")


def test_count_unreadable_map(mmf_mod, tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"a\n" * 10)
    with open(p, "r+b") as f:
        m = mmf_mod.mmap(f.fileno(), 0, prot=0)
    with pytest.raises(PermissionError):
        m.count(b"\n", 0)
    m.close()


# ---- readinto ---------------------------------------------------------------

def test_readinto_reads_and_advances(mmf_mod):
    m = filled(mmf_mod, b"0123456789")
    buf = bytearray(4)
    assert m.readinto(buf) == 4 and buf == b"0123" and m.tell() == 4
    mv = memoryview(bytearray(10))
    assert m.readinto(mv[2:]) == 6 and mv.tobytes() == b"\x00\x00456789\x00\x00"
    assert m.tell() == 10
    assert m.readinto(buf) == 0 and buf == b"0123"  # at the end
    m.seek(8)
    a = array.array("B", bytes(5))
    assert m.readinto(a) == 2 and a.tobytes() == b"89\0\0\0"
    assert m.readinto(bytearray()) == 0


def test_readinto_long(mmf_mod):
    n = (20 << 20) + 7
    m = mmf_mod.mmap(-1, n)
    m[n - 3:] = b"end"
    m.seek(5)
    buf = bytearray(n)
    assert m.readinto(buf) == n - 5
    assert buf[n - 8:n - 5] == b"end" and m.tell() == n


def test_readinto_bad_buffers(mmf_mod):
    m = filled(mmf_mod, b"0123456789")
    m.seek(3)
    for bad in (b"read-only", memoryview(b"x"), "str", 5, None,
                memoryview(bytearray(8))[::2]):  # the last: not contiguous
        with pytest.raises(TypeError, match="read-write bytes-like object"):
            m.readinto(bad)
    assert m.tell() == 3
    m.close()
    with pytest.raises(ValueError, match="mmap closed or invalid"):
        m.readinto(bytearray(1))


if given is not None:
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.binary(max_size=300),
           sub=st.binary(max_size=4) | st.sampled_from([b"a", b"aa", b"ab"]),
           start=st.integers(-400, 400), end=st.integers(-400, 400) | st.none())
    def test_count_property(mmf_mod, data, sub, start, end):
        data = data.replace(b"\x01", b"a").replace(b"\x02", b"b")
        m = filled(mmf_mod, data)
        if len(data) < len(m):
            data += bytes(len(m) - len(data))
        assert m.count(sub, start, end) == data.count(sub, start, end)
        m.close()


# ---- memory control: lock, unlock, populate, resident ------------------------

PAGE = 4096


def test_populate_then_resident(mmf_mod):
    import mmap as std
    ps = std.PAGESIZE
    m = mmf_mod.mmap(-1, 64 * ps, flags=mmf_mod.MAP_PRIVATE)
    assert m.resident() == 0
    m.populate(8 * ps, 4 * ps)
    assert m.resident() == 4 * ps
    assert m.resident(8 * ps + 10, 100) == 100  # clipped to the range
    m.populate(0, None, True)  # for writing, all of it
    assert m.resident() == 64 * ps
    assert m.resident(len(m)) == 0  # an empty range at the end
    assert m[:] == bytes(len(m))  # nothing written


def test_populate_file_map_and_write(mmf_mod, tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"abc" * 5000)
    with open(p, "r+b") as f:
        m = mmf_mod.mmap(f.fileno(), 0)
    m.populate()
    m.populate(100, 1, True)
    assert m.resident(0, 3) == 3
    assert p.read_bytes() == b"abc" * 5000  # populate writes nothing
    m.close()


def test_lock_unlock(mmf_mod):
    m = mmf_mod.mmap(-1, 16 * PAGE)
    m.lock()
    if not UNDER_ASAN:  # ASan's mlock interceptor does nothing at all
        assert m.resident() == len(m)  # mlock faults the pages in
    m.unlock()
    m.lock(PAGE + 1, 10)
    m.unlock(PAGE + 1, 10)
    m.lock(len(m))  # empty range: nothing to do


def test_memory_control_bad_input(mmf_mod):
    m = mmf_mod.mmap(-1, 4 * PAGE)
    for name in ("lock", "unlock", "populate", "resident"):
        f = getattr(m, name)
        with pytest.raises(ValueError, match="past the end"):
            f(len(m) + 1)
        with pytest.raises(ValueError, match="must not be negative"):
            f(-1)
        with pytest.raises(ValueError, match="must not be negative"):
            f(0, -5)
        with pytest.raises(TypeError):
            f(0.5)
        with pytest.raises(OverflowError):
            f(2 ** 100)
        with pytest.raises(TypeError):
            f(0, 1, 0, 0)
    ro = mmf_mod.mmap(-1, PAGE, access=mmf_mod.ACCESS_READ)
    with pytest.raises(TypeError, match="readonly"):
        ro.populate(0, None, True)
    ro.populate()
    none = mmf_mod.mmap(-1, PAGE, prot=0)
    with pytest.raises(PermissionError):
        none.populate()
    m.close()
    for name in ("lock", "unlock", "populate", "resident"):
        with pytest.raises(ValueError, match="mmap closed or invalid"):
            getattr(m, name)()


def test_populate_past_end_of_file_fails_cleanly(mmf_mod, tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"x" * (3 * PAGE))
    with open(p, "r+b") as f:
        m = mmf_mod.mmap(f.fileno(), 0)
        f.truncate(PAGE)
    with pytest.raises(OSError):
        m.populate()
    m.populate(0, PAGE)  # the part still there
    assert m[:4] == b"xxxx"
    m.close()


# ---- protect -------------------------------------------------------------------

def test_protect_read_only_and_back(mmf_mod):
    m = mmf_mod.mmap(-1, PAGE)
    m[:3] = b"abc"
    m.protect(mmf_mod.PROT_READ)
    for write in (lambda: m.__setitem__(0, 1), lambda: m.write(b"x"),
                  lambda: m.write_byte(1), lambda: m.move(0, 1, 1),
                  lambda: m.__setitem__(slice(0, 1), b"z")):
        with pytest.raises(TypeError, match="readonly"):
            write()
    assert m[:3] == b"abc" and m.tell() == 0
    assert memoryview(m).readonly
    m.protect(mmf_mod.PROT_READ | mmf_mod.PROT_WRITE)
    m[0] = 65
    assert m[:3] == b"Abc"
    assert not memoryview(m).readonly
    m.protect(0)
    with pytest.raises(PermissionError):
        m[0]
    with pytest.raises(PermissionError):
        m.find(b"A", 0)
    m.protect(mmf_mod.PROT_READ)
    assert m[:3] == b"Abc"


def test_protect_refusals(mmf_mod):
    ro = mmf_mod.mmap(-1, PAGE, access=mmf_mod.ACCESS_READ)
    with pytest.raises(TypeError, match="readonly"):
        ro.protect(mmf_mod.PROT_READ | mmf_mod.PROT_WRITE)
    m = mmf_mod.mmap(-1, PAGE)
    v = memoryview(m)
    with pytest.raises(BufferError):
        m.protect(mmf_mod.PROT_READ)
    v.release()
    with pytest.raises(OSError):
        m.protect(0x7fffffff)  # bits the kernel refuses (EINVAL)
    m[0] = 1  # unchanged: still writable
    with pytest.raises(TypeError):
        m.protect("r")
    m.close()
    with pytest.raises(ValueError, match="mmap closed or invalid"):
        m.protect(mmf_mod.PROT_READ)


# ---- hugepages, memfd, page_size, fileno ----------------------------------------

MiB = 1 << 20


def thp_mode():
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            return f.read().split("[")[1].split("]")[0]
    except (OSError, IndexError):
        return "absent"


def test_hugepages_private_map(mmf_mod):
    import mmap as std
    m = mmf_mod.mmap(-1, 8 * MiB, flags=mmf_mod.MAP_PRIVATE, hugepages=True)
    if thp_mode() in ("always", "madvise"):
        assert m.page_size() == 2 * MiB
    else:
        assert m.page_size() == std.PAGESIZE
    m[:] = b"h" * len(m)
    assert m[-3:] == b"hhh" and m.count(b"h", 0) == len(m)
    m.resize(9 * MiB)  # a private anonymous map grows
    assert m[8 * MiB:8 * MiB + 4] == bytes(4)
    m.close()
    small = mmf_mod.mmap(-1, 4096, hugepages=True)  # too small: plain pages
    assert small.page_size() == std.PAGESIZE
    assert mmf_mod.mmap(-1, 4096).page_size() == std.PAGESIZE


def test_memfd_map_grows_and_is_shared(mmf_mod):
    # in a child interpreter: fork() from pytest's process, which may run
    # threads by now, is deprecated (and unsafe) on 3.12+
    from conftest import run_child
    r = run_child(r'''
        import os
        m = M.mmap(-1, 4096, memfd=True)
        fd = m.fd()
        assert fd >= 0 and not os.get_inheritable(fd)
        m[:5] = b"hello"
        m.resize(3 * 4096)  # a plain shared anonymous map cannot do this
        assert len(m) == 3 * 4096 == m.size()
        m[-1] = 9
        pid = os.fork()
        if pid == 0:
            m[5:8] = b"!!!"
            os._exit(0)
        os.waitpid(pid, 0)
        assert m[:8] == b"hello!!!"
        other = M.mmap(fd, 0)  # another map of the same memory
        assert other[:8] == b"hello!!!" and other[-1] == 9
        other.close()
        m.resize(4096)  # shrinks the map, not the sealed memfd
        assert len(m) == 4096 and m.size() == 3 * 4096
        try:
            os.ftruncate(fd, 0)  # F_SEAL_SHRINK: never truncated under it
        except OSError:
            pass
        else:
            raise AssertionError("the memfd shrank")
        assert m[:5] == b"hello"
        m.close()
        assert m.closed
        print("ok")
    ''', mmf_mod)
    assert r.stdout.split()[-1:] == [b"ok"]


def test_memfd_handed_to_another_process(mmf_mod, tmp_path):
    import subprocess
    import sys
    from conftest import BUILD_DIR
    m = mmf_mod.mmap(-1, 4096, memfd=True)
    code = ("import sys; sys.path.insert(0, %r); import mmf; "
            "m = mmf.mmap(int(sys.argv[1]), 0); m[:4] = b'from'; "
            "print(len(m))" % BUILD_DIR)
    r = subprocess.run([sys.executable, "-c", code, str(m.fd())],
                       pass_fds=[m.fd()], stdout=subprocess.PIPE,
                       check=True)
    assert r.stdout.strip() == b"4096"
    assert m[:4] == b"from"
    m.close()


def test_fd(mmf_mod, tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"x" * 10)
    with open(p, "rb") as f:
        m = mmf_mod.mmap(f.fileno(), 0, access=mmf_mod.ACCESS_READ)
        assert m.fd() not in (-1, f.fileno())  # its own duplicate
    assert mmf_mod.mmap(-1, 10).fd() == -1
    with open(p, "rb") as f:
        assert mmf_mod.mmap(f.fileno(), 0, access=mmf_mod.ACCESS_READ,
                            trackfd=False).fd() == -1
    m.close()
    with pytest.raises(ValueError, match="mmap closed or invalid"):
        m.fd()
    with pytest.raises(ValueError, match="mmap closed or invalid"):
        m.page_size()


def test_options_bad_input(mmf_mod, tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"x" * 4096)
    with open(p, "r+b") as f:
        for kw in ({"hugepages": True}, {"memfd": True}):
            with pytest.raises(ValueError, match="anonymous"):
                mmf_mod.mmap(f.fileno(), 0, **kw)
    with pytest.raises(ValueError, match="do not combine"):
        mmf_mod.mmap(-1, 4096, hugepages=True, memfd=True)
    with pytest.raises(ValueError, match="MAP_HUGETLB"):  # 0x40000 on Linux
        mmf_mod.mmap(-1, 4 << 20, flags=mmf_mod.MAP_PRIVATE | 0x40000,
                     hugepages=True)
    with pytest.raises(ValueError, match="shared"):
        mmf_mod.mmap(-1, 4096, memfd=True, flags=mmf_mod.MAP_PRIVATE)
    with pytest.raises(ValueError, match="shared"):
        mmf_mod.mmap(-1, 4096, memfd=True, access=mmf_mod.ACCESS_COPY)
    with pytest.raises(TypeError):
        mmf_mod.mmap(-1, 4096, True, hugepages=True, memfd=True, bogus=1)
    # False is the default: plain maps
    assert mmf_mod.mmap(-1, 4096, hugepages=False, memfd=False).fd() == -1


# ---- mmf.open(path, mode, size, offset) ------------------------------------------

def test_open_modes(mmf_mod, tmp_path):
    import os
    p = tmp_path / "f.bin"
    m = mmf_mod.open(p, "w+", size=10000)
    assert len(m) == 10000 and os.path.getsize(p) == 10000
    m[:5] = b"hello"
    m.close()
    r = mmf_mod.open(str(p))  # 'r' by default, str or PathLike
    assert r[:5] == b"hello" and len(r) == 10000
    with pytest.raises(TypeError, match="readonly"):
        r[0] = 1
    r.close()
    c = mmf_mod.open(p, "c")
    c[:5] = b"HELLO"  # private: the file keeps its bytes
    assert c[:5] == b"HELLO" and p.read_bytes()[:5] == b"hello"
    c.close()
    w = mmf_mod.open(p, "r+", size=100)
    w[:5] = b"howdy"
    w.flush()
    w.close()
    assert p.read_bytes()[:5] == b"howdy"
    w = mmf_mod.open(os.fsencode(str(p)), "r+")  # bytes path
    w.resize(20000)
    assert os.path.getsize(p) == 20000
    w.close()


def test_open_any_offset(mmf_mod, tmp_path):
    import os
    p = tmp_path / "f.bin"
    data = bytes(range(256)) * 64  # 16 KiB
    p.write_bytes(data)
    for off in (0, 1, 4095, 4096, 4097, 10000, len(data) - 1):
        m = mmf_mod.open(p, "r+", offset=off)
        assert len(m) == len(data) - off and m[:] == data[off:]
        assert m.find(data[off + 1:off + 9], 0) in (0, 1) or len(m) < 9
        m[0] = (data[off] + 1) % 256
        m.flush(0, len(m))
        if off % mmf_mod.PAGESIZE == 0:
            m.madvise(mmf_mod.MADV_NORMAL, 0, len(m))
        else:  # madvise() wants a page-aligned start, and never widens
            with pytest.raises(OSError):
                m.madvise(mmf_mod.MADV_NORMAL, 0, len(m))
            aligned = mmf_mod.PAGESIZE - off % mmf_mod.PAGESIZE
            if aligned < len(m):
                m.madvise(mmf_mod.MADV_NORMAL, aligned)
        m.populate()
        assert m.resident() == len(m)
        m.lock()
        m.unlock()
        m.protect(mmf_mod.PROT_READ)
        m.protect(mmf_mod.PROT_READ | mmf_mod.PROT_WRITE)
        m.resize(len(m) + 3)
        assert os.path.getsize(p) == len(data) + 3
        m.resize(len(data) - off)
        m[0] = data[off]
        m.close()
        assert p.read_bytes() == data
    m = mmf_mod.open(p, "r", size=10, offset=4100)
    assert m[:] == data[4100:4110]
    m.close()


def test_open_empty_file(mmf_mod, tmp_path):
    p = tmp_path / "empty"
    p.write_bytes(b"")
    for mode in ("r", "r+", "c"):
        m = mmf_mod.open(p, mode)
        assert len(m) == 0 and m[:] == b"" and m.read() == b""
        assert m.find(b"x") == -1 and m.readline() == b"" and list(m) == []
        with pytest.raises(IndexError):
            m[0]
        m.close()
    m = mmf_mod.open(p, "r+")
    m.resize(4)  # an empty map grows like any other
    m[:] = b"grew"
    m.close()
    assert p.read_bytes() == b"grew"
    m = mmf_mod.open(p, "r", offset=4)  # at the end: empty too
    assert len(m) == 0
    m.close()


def test_open_bad_input(mmf_mod, tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"x" * 100)
    with pytest.raises(FileNotFoundError) as e:
        mmf_mod.open(tmp_path / "missing")
    assert e.value.filename == str(tmp_path / "missing")
    with pytest.raises(ValueError, match="mode must be"):
        mmf_mod.open(p, "rw")
    with pytest.raises(ValueError, match="needs a size"):
        mmf_mod.open(p, "w+")
    with pytest.raises(ValueError, match="negative"):
        mmf_mod.open(p, "r", -1)
    with pytest.raises(ValueError, match="negative"):
        mmf_mod.open(p, "r", None, -1)
    with pytest.raises(ValueError, match="offset is greater"):
        mmf_mod.open(p, "r", None, 101)
    with pytest.raises(ValueError, match="length is greater"):
        mmf_mod.open(p, "r", 101)
    with pytest.raises(ValueError, match="length is greater"):
        mmf_mod.open(p, "r", 2, 99)
    with pytest.raises(TypeError):
        mmf_mod.open(p, "r", "10")
    with pytest.raises(TypeError):
        mmf_mod.open(5)
    with pytest.raises(OSError):
        mmf_mod.open(tmp_path, "r")  # a directory
    assert p.read_bytes() == b"x" * 100  # nothing changed



# ---- regressions from the review of this session's code -------------------------

def test_unreadable_map_is_not_exported(mmf_mod):
    m = mmf_mod.mmap(-1, 4096)
    m.protect(0)
    with pytest.raises(PermissionError):
        memoryview(m)  # a read of the view would die of SIGSEGV
    m.protect(mmf_mod.PROT_READ)
    assert memoryview(m)[0] == 0


def test_readinto_a_view_of_the_map_itself(mmf_mod):
    n = (40 << 20) + 3  # more than two 16 MiB chunks
    m = mmf_mod.mmap(-1, n)
    pat = bytes(range(251)) * (n // 251 + 1)
    m[:] = pat[:n]
    m.seek(0)
    assert m.readinto(memoryview(m)[1:]) == n - 1
    assert m[1:] == pat[:n - 1]  # memmove semantics
    m.seek(5)
    assert m.readinto(memoryview(m)[:10]) == 10
    assert m[:10] == pat[4:14]


def test_madvise_with_an_unaligned_offset_never_widens(mmf_mod, tmp_path):
    import errno
    p = tmp_path / "f"
    p.write_bytes(b"k" * 16384)
    m = mmf_mod.open(p, "r+", offset=100)
    with pytest.raises(OSError) as e:  # data + 4096 is not page-aligned
        m.madvise(mmf_mod.MADV_REMOVE, 4096, 4096)
    assert e.value.errno == errno.EINVAL
    m.close()
    assert p.read_bytes() == b"k" * 16384  # no byte punched out
