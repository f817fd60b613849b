"""Hostile cases of docs/hazards.md (H-01 .. H-45) that can be checked from
Python.

Every case that could crash runs in a child interpreter (conftest.run_child),
so a crash is a test failure that names the signal, not a dead pytest.  Each
case checks that the process is alive, that the position is unchanged after
a failed call, and that the file's size and contents are unchanged by a
failed call.  Some cases are repeated 100 times with fds, maps and
tracemalloc checked flat.

Cases where the stdlib crashes (or, by a project decision, behaves
differently) run against mmf only (fixture ``mmf_mod``); the others run
against both (fixture ``impl``).
"""

import errno
import os
import signal
import sys
from textwrap import dedent as D

import pytest

from conftest import (FIND_BUG, PAGESIZE, PY, UNDER_ASAN, is_mmf, run_child,
                      stdlib_broken, stdlib_overlap_ub)

# Code shared by the child snippets (after conftest's prelude, which defines
# M, STD, errno, PAGESIZE).
HELPERS = r'''
import gc, signal, subprocess, threading, time, tracemalloc

def case(name):
    # Printed before each step: a crash report then says where it died.
    sys.stdout.write("case: %s\n" % name)
    sys.stdout.flush()

def expect(exc, fn, *args, err=None, msg=None, **kw):
    """fn(*args, **kw) must raise exc (exactly; OSError subclasses allowed
    for OSError) with errno err and message msg when given."""
    try:
        r = fn(*args, **kw)
    except BaseException as e:
        ok = isinstance(e, exc) if exc is OSError else type(e) is exc
        if not ok:
            raise AssertionError("expected %s, got %s: %s"
                                 % (exc.__name__, type(e).__name__, e))
        if err is not None and getattr(e, "errno", None) != err:
            raise AssertionError("expected errno %s, got %r"
                                 % (errno.errorcode[err], e))
        if msg is not None and str(e) != msg:
            raise AssertionError("expected message %r, got %r" % (msg, str(e)))
        return e
    raise AssertionError("expected %s, got a result: %r"
                         % (exc.__name__, r if not isinstance(r, bytes)
                            else r[:40]))

def fds_of(path):
    """The open fds of this process that refer to path."""
    real = os.path.realpath(path)
    out = set()
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + name) == real:
                out.add(int(name))
        except OSError:
            pass
    return out

def fd_count():
    return len(os.listdir("/proc/self/fd"))

def map_count():
    with open("/proc/self/maps") as f:
        return sum(1 for _ in f)

def file_of(content):
    path = os.path.join(TMP, "f%d" % file_of.n)
    file_of.n += 1
    with open(path, "wb") as f:
        f.write(content)
    return path
file_of.n = 0

def map_file(path, length=0, **kw):
    with open(path, "r+b") as f:
        return M.mmap(f.fileno(), length, **kw)

def read_file(path):
    with open(path, "rb") as f:
        return f.read()

def flat(fn, n=100, warm=5, slack=64 * 1024):
    """Run fn() n times: fds, maps and traced memory must stay flat."""
    for _ in range(warm):
        fn()
    gc.collect()
    tracemalloc.start()
    fds, maps = fd_count(), map_count()
    mem0 = tracemalloc.get_traced_memory()[0]
    for _ in range(n):
        fn()
    gc.collect()
    mem1 = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert fd_count() == fds, ("fds", fds, fd_count())
    assert map_count() <= maps + MAP_SLACK, ("maps", maps, map_count())
    assert mem1 - mem0 < slack, ("tracemalloc grew", mem1 - mem0)

TMP = sys.argv[1]
MAP_SLACK = 32 if "asan" in os.environ.get("LD_PRELOAD", "") else 4
'''


@pytest.fixture
def hchild(tmp_path):
    """hchild(code, mod, **kw): run_child with HELPERS and a temp folder.

    With check=True (the default) the snippet must end by printing "ok":
    a snippet that silently did nothing is a failure too."""
    def run(code, mod, check=True, **kw):
        r = run_child(HELPERS + D(code), mod, args=[str(tmp_path)],
                      check=check, **kw)
        if check:
            lines = r.stdout.decode(errors="replace").split()
            assert lines and lines[-1] == "ok", \
                "the child did not finish (no final 'ok'):\n" + \
                r.stdout.decode(errors="replace")
        return r
    return run


# --------------------------------------------------------------------------
# H-01: an argument's __index__ closes the map -> ValueError for every method

H01 = r'''
CLOSED = "mmap closed or invalid"

def maps():
    yield "anon shared", lambda: M.mmap(-1, 4 * PAGESIZE), True
    yield "anon private", lambda: M.mmap(
        -1, 4 * PAGESIZE, flags=M.MAP_PRIVATE | M.MAP_ANONYMOUS), True
    for access, name, writable in ((M.ACCESS_DEFAULT, "DEFAULT", True),
                                   (M.ACCESS_WRITE, "WRITE", True),
                                   (M.ACCESS_COPY, "COPY", True),
                                   (M.ACCESS_READ, "READ", False)):
        yield "file " + name, (lambda a=access: map_file(
            file_of(b"ab\ncd" * PAGESIZE), access=a)), writable

def ops(m, X, B):
    yield "getitem", lambda: m[X()]
    yield "getslice start", lambda: m[X():5]
    yield "getslice stop", lambda: m[0:X()]
    yield "getslice step", lambda: m[::X(2)]
    yield "find start", lambda: m.find(b"cd", X())
    yield "find end", lambda: m.find(b"cd", 0, X())
    yield "rfind start", lambda: m.rfind(b"cd", X())
    yield "rfind end", lambda: m.rfind(b"cd", 0, X())
    yield "read n", lambda: m.read(X())
    yield "seek pos", lambda: m.seek(X())
    yield "seek whence", lambda: m.seek(0, X(0))
    yield "madvise option", lambda: m.madvise(X(0))
    yield "madvise start", lambda: m.madvise(0, X(0))
    yield "madvise length", lambda: m.madvise(0, 0, X())
    yield "flush offset", lambda: m.flush(X(0))
    yield "flush size", lambda: m.flush(0, X())
    yield "find needle buffer", lambda: m.find(B())

def write_ops(m, X, B):
    yield "setitem index", lambda: m.__setitem__(X(), 1)
    yield "setitem value", lambda: m.__setitem__(1, X(7))
    yield "setslice start", lambda: m.__setitem__(slice(X(), 12), b"xx")
    yield "setslice stop", lambda: m.__setitem__(slice(8, X()), b"xx")
    yield "setslice step", lambda: m.__setitem__(slice(0, 4, X(2)), b"xx")
    yield "write_byte", lambda: m.write_byte(X(7))
    yield "move dest", lambda: m.move(X(), 0, 1)
    yield "move src", lambda: m.move(0, X(), 1)
    yield "move count", lambda: m.move(0, 1, X(1))
    yield "resize", lambda: m.resize(X(PAGESIZE))
    yield "write buffer", lambda: m.write(B())
    yield "setslice buffer", lambda: m.__setitem__(slice(0, 2), B())

HAVE_BUFFER = sys.version_info >= (3, 12)

def run_all():
    for mname, make, writable in maps():
        groups = [ops] + ([write_ops] if writable else [])
        for group in groups:
            probe = make()
            names = [n for n, _ in group(probe, None, None)]
            probe.close()
            for i, name in enumerate(names):
                if "buffer" in name and not HAVE_BUFFER:
                    continue
                if name == "resize" and mname in ("file COPY", "file READ"):
                    continue
                m = make()
                m.seek(3)
                class X:
                    def __init__(self, v=10):
                        self.v = v
                    def __index__(self):
                        m.close()
                        return self.v
                class B:
                    def __buffer__(self, flags):
                        m.close()
                        return memoryview(b"xx")
                op = [f for n, f in group(m, X, B)][i]
                case("%s: %s" % (mname, name))
                expect(ValueError, op, msg=CLOSED)
                assert m.closed
                assert repr(m).endswith("closed=True>")
                m.close()
run_all()
flat(run_all, n=3, warm=1, slack=256 * 1024)
print("ok")
'''


def test_h01_index_closes_map(mmf_mod, hchild):
    hchild(H01, mmf_mod)


def test_h01_file_unchanged(mmf_mod, hchild):
    hchild(r'''
    path = file_of(b"0123456789" * PAGESIZE)
    before = read_file(path)
    for op in ("setitem", "setslice", "write_byte", "move", "resize"):
        m = map_file(path)
        m.seek(3)
        class X:
            def __index__(self):
                m.close()
                return 1
        case(op)
        fn = {"setitem": lambda: m.__setitem__(0, X()),
              "setslice": lambda: m.__setitem__(slice(0, X()), b"x"),
              "write_byte": lambda: m.write_byte(X()),
              "move": lambda: m.move(0, X(), 5),
              "resize": lambda: m.resize(X())}[op]
        expect(ValueError, fn)
        assert read_file(path) == before, op
        assert os.stat(path).st_size == len(before)
    print("ok")
    ''', mmf_mod)


# --------------------------------------------------------------------------
# H-02 / H-03: conversions that shrink the map (gh-157335)

def test_h02_value_index_shrinks_map(mmf_mod, hchild):
    hchild(r'''
    def makers():
        yield "anon private", lambda: M.mmap(
            -1, 100000, flags=M.MAP_PRIVATE | M.MAP_ANONYMOUS), None
        yield "anon shared", lambda: M.mmap(-1, 100000), None
        yield "file", None, True
    for name, make, path in makers():
        for i in (90000, 8, -1, -50000):
            if make is None:
                path = file_of(b"z" * 100000)
                m = map_file(path)
            else:
                m = make()
            m.seek(11)
            class V:
                def __index__(self):
                    m.resize(8)
                    return 65
            case("%s: m[%d] = V() shrinking to 8" % (name, i))
            if i in (8, 90000, -50000):
                expect(IndexError, m.__setitem__, i, V())
            else:
                # -1 is resolved against the new size (7) or refused: it
                # must never write at the old index 99999.
                try:
                    m[i] = V()
                except IndexError:
                    pass
            assert len(m) == 8 and m.tell() == 11
            if path:
                assert os.stat(path).st_size == 8
                data = read_file(path)
                assert data in (b"z" * 8, b"z" * 7 + b"A"), data
            m.close()
    # the index itself shrinks the map
    m = M.mmap(-1, 100000, flags=M.MAP_PRIVATE | M.MAP_ANONYMOUS)
    class I:
        def __index__(self):
            m.resize(8)
            return 90000
    case("index shrinks")
    expect(IndexError, m.__setitem__, I(), 1)
    expect(IndexError, m.__getitem__, I())
    print("ok")
    ''', mmf_mod)


def test_h03_slice_bounds_shrink_map(mmf_mod, hchild):
    hchild(r'''
    for kind in ("anon", "file"):
        for sl in ("stop", "start", "step"):
            if kind == "anon":
                m = M.mmap(-1, 100000, flags=M.MAP_PRIVATE | M.MAP_ANONYMOUS)
                path = None
            else:
                path = file_of(b"q" * 100000)
                m = map_file(path)
            class S:
                def __init__(self, v):
                    self.v = v
                def __index__(self):
                    m.resize(8)
                    return self.v
            key = {"stop": slice(0, S(100000)),
                   "start": slice(S(0), 100000),
                   "step": slice(0, 100000, S(1))}[sl]
            case("%s: slice %s shrinks, assign 100000 bytes" % (kind, sl))
            expect(IndexError, m.__setitem__, key, b"x" * 100000,
                   msg="mmap slice assignment is wrong size")
            assert len(m) == 8
            if path:
                assert read_file(path) == b"q" * 8
            # reading a slice whose bound shrank: clipped to the new size
            key = {"stop": slice(0, S(100000)), "start": slice(S(0), 100000),
                   "step": slice(0, 100000, S(1))}[sl]
            r = m[key]
            assert len(r) <= 8, len(r)
            m.close()
    if sys.version_info >= (3, 12):
        for what in ("close", "shrink"):
            m = M.mmap(-1, 100000, flags=M.MAP_PRIVATE | M.MAP_ANONYMOUS)
            class B:
                def __buffer__(self, flags):
                    if what == "close":
                        m.close()
                    else:
                        m.resize(8)
                    return memoryview(b"y" * 50000)
            case("value __buffer__ %s" % what)
            if what == "close":
                expect(ValueError, m.__setitem__, slice(0, 50000), B(),
                       msg="mmap closed or invalid")
            else:
                expect(IndexError, m.__setitem__, slice(0, 50000), B())
                assert len(m) == 8 and m[:] == b"\0" * 8
                m.seek(0)
                case("write: value __buffer__ shrinks")
                expect(ValueError, m.write, B(), msg="data out of range")
                assert m.tell() == 0
            m.close()
    print("ok")
    ''', mmf_mod)


# --------------------------------------------------------------------------
# H-04: every operation on a closed map

H04_OPS = r'''
CLOSED = "mmap closed or invalid"
def closed_ops(m):
    return [
        ("len", lambda: len(m)), ("bool", lambda: bool(m)),
        ("getitem", lambda: m[0]), ("getslice", lambda: m[0:2]),
        ("extslice", lambda: m[::2]),
        ("setitem", lambda: m.__setitem__(0, 1)),
        ("setslice", lambda: m.__setitem__(slice(0, 1), b"x")),
        ("read", lambda: m.read(1)), ("read all", m.read),
        ("read_byte", m.read_byte), ("readline", m.readline),
        ("write", lambda: m.write(b"x")),
        ("write_byte", lambda: m.write_byte(1)),
        ("find", lambda: m.find(b"x")), ("rfind", lambda: m.rfind(b"x")),
        ("seek", lambda: m.seek(0)), ("tell", m.tell), ("size", m.size),
        ("flush", m.flush), ("move", lambda: m.move(0, 1, 1)),
        ("madvise", lambda: m.madvise(0)), ("resize", lambda: m.resize(5)),
        ("enter", m.__enter__), ("memoryview", lambda: memoryview(m)),
        ("iter", lambda: list(m)), ("contains", lambda: b"a" in m),
        ("bytes", lambda: bytes(m)), ("reversed", lambda: list(reversed(m))),
    ]
'''


def test_h04_closed_map(impl, hchild):
    hchild(H04_OPS + D(r'''
    def once():
        for make in (lambda: M.mmap(-1, 10),
                     lambda: map_file(file_of(b"abcdefghij"))):
            m = make()
            m.close()
            for name, op in closed_ops(m):
                case(name)
                expect(ValueError, op, msg=CLOSED)
            assert repr(m).endswith("closed=True>")
            assert m.closed is True
            assert m.close() is None
            if hasattr(m, "seekable"):
                assert m.seekable() is True
    once()
    file_of.n = 0
    flat(once, n=100)
    print("ok")
    '''), impl)


# --------------------------------------------------------------------------
# H-05 .. H-11: the file shrinks under the map

TRUNC_OPS = r'''
def trunc_ops(m, far):
    # far: an offset in the map that lies beyond the end of the file
    return [
        ("getitem", lambda: m[far]),
        ("getslice", lambda: m[far:far + 10]),
        ("extslice", lambda: m[far::7]),
        ("find", lambda: m.find(b"zz", far)),
        ("rfind", lambda: m.rfind(b"zz", far)),
        ("find 1 byte", lambda: m.find(b"z", far)),
        ("find, short window", lambda: m.find(b"zz", far, far + 100)),
        ("rfind, short window", lambda: m.rfind(b"zz", far, far + 100)),
        ("read", lambda: m.read(10)),
        ("read all", lambda: m.read()),
        ("readline", m.readline),
        ("read_byte", m.read_byte),
        ("setitem", lambda: m.__setitem__(far, 1)),
        ("setslice", lambda: m.__setitem__(slice(far, far + 3), b"xyz")),
        ("ext setslice", lambda: m.__setitem__(slice(far, far + 9, 3),
                                               b"xyz")),
        ("write", lambda: m.write(b"abc")),
        ("write_byte", lambda: m.write_byte(7)),
        ("move from", lambda: m.move(0, far, 10)),
        ("move to", lambda: m.move(far, 0, 10)),
    ] + ([("lines", lambda: next(m.lines()))] if hasattr(m, "lines") else [])

def check_truncated(m, path, far, pos, file_size, rounds=1):
    for _ in range(rounds):
        for name, op in trunc_ops(m, far):
            case(name)
            e = expect(OSError, op, err=errno.EIO)
            assert m.tell() == pos, (name, m.tell(), pos)
            assert os.stat(path).st_size == file_size, name
            assert len(m) == 3 * PAGESIZE
'''


def test_h05_truncated_in_process(mmf_mod, hchild):
    hchild(TRUNC_OPS + D(r'''
    path = file_of(b"a" * 3 * PAGESIZE)
    m = map_file(path)
    m.seek(PAGESIZE + 5)
    os.truncate(path, 0)
    check_truncated(m, path, PAGESIZE + 1, PAGESIZE + 5, 0)
    assert read_file(path) == b""
    # H-11: length vs size, flush
    assert len(m) == 3 * PAGESIZE and m.size() == 0
    try:
        m.flush()
    except OSError:
        pass
    # 100 more rounds: every fault is handled, nothing leaks
    flat(lambda: check_truncated(m, path, PAGESIZE + 1, PAGESIZE + 5, 0),
         n=100)
    m.close()
    assert m.closed
    print("ok")
    '''), mmf_mod)


def test_h05_truncated_anonymous_ops_still_work(mmf_mod, hchild):
    # After guarded faults, ordinary maps keep working in the same process.
    hchild(r'''
    path = file_of(b"a" * 2 * PAGESIZE)
    m = map_file(path)
    os.truncate(path, 0)
    expect(OSError, m.__getitem__, 0, err=errno.EIO)
    a = M.mmap(-1, 100)
    a[:5] = b"hello"
    assert a.find(b"llo") == 2 and a.read(5) == b"hello"
    print("ok")
    ''', mmf_mod)


def test_h06_truncated_by_other_process(mmf_mod, hchild):
    hchild(TRUNC_OPS + D(r'''
    path = file_of(b"a" * 3 * PAGESIZE)
    m = map_file(path)
    m.seek(7)
    subprocess.run([sys.executable, "-c",
                    "import os, sys; os.truncate(sys.argv[1], 0)", path],
                   check=True)
    check_truncated(m, path, PAGESIZE + 1, 7, 0)
    print("ok")
    '''), mmf_mod)


def test_h07_file_replaced_by_open_wb(mmf_mod, hchild):
    hchild(TRUNC_OPS + D(r'''
    path = file_of(b"a" * 3 * PAGESIZE)
    m = map_file(path)
    m.seek(9)
    open(path, "wb").close()
    check_truncated(m, path, 2 * PAGESIZE, 9, 0)
    print("ok")
    '''), mmf_mod)


def test_h08_partial_truncation(mmf_mod, hchild):
    hchild(TRUNC_OPS + D(r'''
    path = file_of(b"a" * 3 * PAGESIZE)
    m = map_file(path)
    os.truncate(path, PAGESIZE + 10)
    # the rest of the last page of the file reads as zeros
    assert m[PAGESIZE + 5] == ord("a")
    assert m[PAGESIZE + 100] == 0
    assert m[PAGESIZE + 8:PAGESIZE + 12] == b"aa\0\0"
    m.seek(2 * PAGESIZE)
    # the next page is beyond the file
    expect(OSError, m.__getitem__, 2 * PAGESIZE, err=errno.EIO)
    check_truncated(m, path, 2 * PAGESIZE + 1, 2 * PAGESIZE, PAGESIZE + 10)
    # a copy that starts in the file and runs past it fails as a whole
    expect(OSError, m.__getitem__, slice(PAGESIZE, 3 * PAGESIZE),
           err=errno.EIO)
    m.seek(PAGESIZE)
    expect(OSError, m.read, 2 * PAGESIZE, err=errno.EIO)
    assert m.tell() == PAGESIZE
    assert m.find(b"b", 0, PAGESIZE + 10) == -1
    print("ok")
    '''), mmf_mod)


def test_h09_copy_map_dirty_page_truncated(mmf_mod, hchild):
    hchild(r'''
    path = file_of(b"a" * 2 * PAGESIZE)
    m = map_file(path, access=M.ACCESS_COPY)
    m[PAGESIZE] = ord("x")                 # private, dirty page
    os.truncate(path, 0)
    # Linux drops even private copies of truncated pages: reading fails
    # cleanly (the private edit is lost), or returns the private copy.
    try:
        v = m[PAGESIZE]
    except OSError as e:
        assert e.errno == errno.EIO, e
    else:
        assert v == ord("x"), v
    assert read_file(path) == b""
    print("ok")
    ''', mmf_mod)


def test_h10_truncation_race(mmf_mod, hchild):
    hchild(r'''
    path = file_of(b"a" * 64 * PAGESIZE)
    m = map_file(path)
    child = subprocess.Popen([sys.executable, "-c",
        "import os, sys, time; time.sleep(0.2); os.truncate(sys.argv[1], 0)",
        path])
    deadline = time.time() + 20
    got = None
    while time.time() < deadline and got is None:
        try:
            m.find(b"b")
            m.seek(0)
            m.read(64 * PAGESIZE)
        except OSError as e:
            got = e
    child.wait()
    assert got is not None and got.errno == errno.EIO, got
    print("ok")
    ''', mmf_mod)


def test_h11_len_size_flush_after_truncation(impl, hchild):
    # No memory is touched: safe for the stdlib too.
    hchild(r'''
    path = file_of(b"a" * 2 * PAGESIZE)
    m = map_file(path)
    os.truncate(path, 10)
    assert len(m) == 2 * PAGESIZE
    assert m.size() == 10
    try:
        m.flush()
    except OSError:
        pass
    m.seek(PAGESIZE)
    assert m.tell() == PAGESIZE
    m.close()
    assert os.stat(path).st_size == 10
    print("ok")
    ''', impl)


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


# --------------------------------------------------------------------------
# H-33 .. H-36: fork and fd hygiene

def test_h33_fork_with_live_map(impl, hchild):
    hchild(r'''
    path = file_of(b"\0" * PAGESIZE)
    for m in (M.mmap(-1, PAGESIZE), map_file(path)):
        pid = os.fork()
        if pid == 0:
            try:
                m[0:5] = b"child"
                m.close()
                os._exit(0)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
        assert m[0:5] == b"child"
        m[5] = 33
        assert m[:6] == b"child!"
        m.close()
    assert read_file(path)[:5] == b"child"
    print("ok")
    ''', impl)


def test_h34_private_fd_cloexec(impl, hchild):
    hchild(r'''
    path = file_of(b"h" * 100)
    f = open(path, "r+b")
    m = M.mmap(f.fileno(), 0)
    new = fds_of(path) - {f.fileno()}
    assert len(new) == 1, new
    priv = new.pop()
    assert os.get_inheritable(priv) is False
    r = subprocess.run([sys.executable, "-c",
                        "import os, sys; os.fstat(int(sys.argv[1]))",
                        str(priv)], close_fds=False,
                       stderr=subprocess.DEVNULL)
    assert r.returncode != 0, "the private fd leaked into a child"
    f.close()
    assert m[:3] == b"hhh" and m.size() == 100
    m[0] = ord("H")
    m.flush()
    m.close()
    assert read_file(path)[:2] == b"Hh"
    print("ok")
    ''', impl)


def test_h35_user_closes_private_fd(impl, hchild):
    hchild(r'''
    path = file_of(b"k" * 100)
    with open(path, "r+b") as f:
        m = M.mmap(f.fileno(), 0)
        (priv,) = fds_of(path) - {f.fileno()}
    os.close(priv)
    m.seek(3)
    expect(OSError, m.size, err=errno.EBADF)
    expect(OSError, m.resize, 200, err=errno.EBADF)
    assert os.stat(path).st_size == 100
    assert len(m) == 100 and m.tell() == 3 and m[:] == b"k" * 100
    m[0] = 1
    assert m.close() is None and m.closed
    print("ok")
    ''', impl)


def test_h36_private_fd_number_reused(mmf_mod, hchild):
    hchild(r'''
    path = file_of(b"m" * PAGESIZE)
    other = file_of(b"OTHER" * 10)
    with open(path, "r+b") as f:
        m = M.mmap(f.fileno(), 0)
        (priv,) = fds_of(path) - {f.fileno()}
    os.close(priv)
    tmp = os.open(other, os.O_RDWR)
    fd = os.dup2(tmp, priv)                  # same number, another file
    os.close(tmp)
    assert fd == priv, (fd, priv)
    case("resize must not touch the other file")
    try:
        m.resize(2 * PAGESIZE)
    except OSError as e:
        assert e.errno == errno.EBADF, e
    else:
        raise AssertionError("resize used a reused fd number")
    assert read_file(other) == b"OTHER" * 10
    assert os.stat(path).st_size == PAGESIZE
    case("size must not report the other file")
    expect(OSError, m.size, err=errno.EBADF)
    case("close must not close the other file")
    m.close()
    os.fstat(fd)                              # still open
    os.lseek(fd, 0, 0)
    assert os.read(fd, 5) == b"OTHER"
    os.close(fd)
    print("ok")
    ''', mmf_mod)


# --------------------------------------------------------------------------
# H-38, H-41: leak loops

def test_h38_failing_constructions_and_exports(impl, hchild):
    hchild(r'''
    path = file_of(b"l" * 100)
    empty = file_of(b"")
    f = open(path, "r+b")
    e = open(empty, "r+b")
    def once():
        for args, kw in (((-1, -1), {}), ((f.fileno(), 101), {}),
                         ((e.fileno(), 0), {}), ((-1, 10), {"access": 9})):
            try:
                M.mmap(*args, **kw)
            except (OverflowError, ValueError, OSError):
                pass
            else:
                raise AssertionError(args)
        m = M.mmap(f.fileno(), 0)
        v = memoryview(m)
        v[0] = 1
        v.release()
        m.close()
    flat(once, n=3000)
    print("ok")
    ''', impl)


def test_h41_subclass_lifecycle(impl, hchild):
    hchild(r'''
    import pickle, copy, weakref
    path = file_of(b"s" * 100)
    f = open(path, "r+b")
    class Bad(M.mmap):
        def __init__(self, *a, **k):
            raise RuntimeError("init failed")
    class New(M.mmap):
        def __new__(cls, n):
            return M.mmap.__new__(cls, -1, n)
    def once():
        for args in ((-1, 100), (f.fileno(), 0)):
            try:
                Bad(*args)
            except RuntimeError as e:
                assert str(e) == "init failed"
            else:
                raise AssertionError("no RuntimeError")
        n = New(50)
        assert len(n) == 50 and type(n) is New
        r = weakref.ref(n)
        assert r() is n
        for fn in (pickle.dumps, copy.copy, copy.deepcopy):
            expect(TypeError, fn, n)
        assert hash(n) == hash(n)
        n.close()
        del n
        gc.collect()
        assert r() is None
    expect(TypeError, M.mmap.__new__, int)
    once()
    flat(once)
    print("ok")
    ''', impl)


# --------------------------------------------------------------------------
# H-42, H-43: the fault guard and other signal handlers

GUARD_REINSTALL_NAMES = ("reinstall_fault_guard", "install_fault_guard",
                         "guard_install", "reinstall_guard")


def reinstall_name(mod):
    for name in GUARD_REINSTALL_NAMES:
        if callable(getattr(mod, name, None)):
            return name
    return None


FAULT = r'''
def fault_once():
    path = file_of(b"a" * 2 * PAGESIZE)
    m = map_file(path)
    os.truncate(path, 0)
    try:
        m[PAGESIZE]
    except OSError as e:
        assert e.errno == errno.EIO, e
        return "OSError"
    finally:
        m.close()
    raise AssertionError("no fault")
'''


def test_h42_faulthandler_before_import(mmf_mod, hchild):
    # conftest's prelude enables faulthandler before importing mmf
    hchild(FAULT + D(r'''
    assert faulthandler.is_enabled()
    assert fault_once() == "OSError"
    print("ok")
    '''), mmf_mod)


def test_h42_x_faulthandler_option(mmf_mod, tmp_path):
    import subprocess
    code = ("import sys, os, errno; sys.path.insert(0, %r); import mmf\n"
            "p = os.path.join(%r, 'x'); open(p, 'wb').write(b'a' * 8192)\n"
            "f = open(p, 'r+b'); m = mmf.mmap(f.fileno(), 0)\n"
            "os.truncate(p, 0)\n"
            "try:\n    m[5000]\nexcept OSError as e:\n"
            "    assert e.errno == errno.EIO\nelse:\n    raise SystemExit(3)\n"
            % (os.path.dirname(mmf_mod.__file__), str(tmp_path)))
    r = subprocess.run([sys.executable, "-X", "faulthandler", "-c", code],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace")


def test_h42_faulthandler_after_import_then_reinstall(mmf_mod, hchild):
    name = reinstall_name(mmf_mod)
    if name is None:
        pytest.skip("mmf has no function to reinstall the fault guard (tried "
                    "%s)" % ", ".join(GUARD_REINSTALL_NAMES))
    hchild(FAULT + D(r'''
    faulthandler.disable()
    faulthandler.enable()          # now in front of mmf's guard
    getattr(M, %r)()               # puts the guard back in front
    getattr(M, %r)()               # idempotent
    assert fault_once() == "OSError"
    assert fault_once() == "OSError"
    print("ok")
    ''') % (name, name), mmf_mod)


def test_h42_faulthandler_after_import_no_hang(mmf_mod, hchild):
    # Documented limitation: faulthandler enabled after the import may cut
    # the guard out.  Then the process must die of SIGBUS (with faulthandler's
    # report), never hang; or the guard still wins and it is an OSError.
    r = hchild(FAULT + D(r'''
    faulthandler.disable()
    faulthandler.enable()
    print(fault_once())
    '''), mmf_mod, check=False, timeout=60)
    out = r.stdout.decode()
    assert (r.returncode == 0 and "OSError" in out) or \
        r.returncode == -signal.SIGBUS, (r.returncode, r.stderr.decode())


def test_h42_foreign_segv_still_crashes(mmf_mod, hchild):
    r = hchild(r'''
    import ctypes
    m = M.mmap(-1, PAGESIZE)
    m[0] = 1
    m.find(b"x")
    ctypes.c_char.from_address(16).value   # a genuine SIGSEGV
    print("survived")
    ''', mmf_mod, check=False, timeout=60)
    assert r.returncode == -signal.SIGSEGV, (r.returncode, r.stderr.decode())
    assert b"Fatal Python error: Segmentation fault" in r.stderr
    assert b"survived" not in r.stdout


def test_h42_foreign_segv_without_faulthandler(mmf_mod, hchild):
    r = hchild(r'''
    import ctypes
    faulthandler.disable()
    m = M.mmap(-1, PAGESIZE)
    m.find(b"x")
    ctypes.c_char.from_address(16).value
    print("survived")
    ''', mmf_mod, check=False, timeout=60)
    assert r.returncode == -signal.SIGSEGV, (r.returncode, r.stderr.decode())


def test_h42_user_sigbus_keeps_default(mmf_mod, hchild):
    for disable in (False, True):
        r = hchild(r'''
        if %r:
            faulthandler.disable()
        m = M.mmap(-1, PAGESIZE)
        m[0] = 1
        os.kill(os.getpid(), signal.SIGBUS)
        time.sleep(2)
        print("survived")
        ''' % disable, mmf_mod, check=False, timeout=60)
        assert r.returncode == -signal.SIGBUS, (disable, r.returncode,
                                                r.stderr.decode())
        assert b"survived" not in r.stdout


def test_h42_exported_buffer_read_is_not_guarded(mmf_mod, hchild):
    # H-44, documented: a foreign consumer of an export is not guarded.  It
    # must die of SIGBUS (or get zeros if pages are patched), never hang.
    r = hchild(r'''
    import hashlib
    path = file_of(b"a" * 2 * PAGESIZE)
    m = map_file(path)
    os.truncate(path, 0)
    hashlib.sha256(m).hexdigest()
    print("survived")
    ''', mmf_mod, check=False, timeout=60)
    assert r.returncode in (0, -signal.SIGBUS), (r.returncode,
                                                 r.stderr.decode())


def test_h43_repeated_and_concurrent_faults(mmf_mod, hchild):
    hchild(r'''
    path = file_of(b"a" * 8 * PAGESIZE)
    m = map_file(path)
    os.truncate(path, 0)
    for i in range(2000):
        expect(OSError, m.__getitem__, (i * 97) % (8 * PAGESIZE),
               err=errno.EIO)
    errors = []
    counts = []
    def worker(k):
        n = 0
        try:
            for i in range(500):
                try:
                    m[(k * 1000 + i) % (8 * PAGESIZE)]
                except OSError as e:
                    if e.errno != errno.EIO:
                        errors.append(e)
                    n += 1
                try:
                    m.find(b"b", i)
                except OSError as e:
                    n += 1
        except BaseException as e:
            errors.append(e)
        counts.append(n)
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert counts == [1000] * 4, counts
    a = M.mmap(-1, 10)
    a[:] = b"0123456789"
    assert a.find(b"5") == 5        # the process is healthy afterwards
    print("ok")
    ''', mmf_mod)
