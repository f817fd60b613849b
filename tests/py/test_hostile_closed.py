"""Hostile cases (docs/hazards.md) H-01 to H-04: an argument's __index__ or
buffer closes or shrinks the map; every operation on a closed map.

How they run (``hchild``, a child interpreter each): hostile_util.py.
"""

from textwrap import dedent as D

import hostile_util

hchild = hostile_util.hchild  # the fixture, shared


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
