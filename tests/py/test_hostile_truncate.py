"""Hostile cases (docs/hazards.md) H-05 to H-11: the file shrinks under the
map.

How they run (``hchild``, a child interpreter each): hostile_util.py.
"""

from textwrap import dedent as D

import hostile_util

hchild = hostile_util.hchild  # the fixture, shared


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
