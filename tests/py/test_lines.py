"""mmap.lines(), the line iterator mmf adds: each step returns what
readline() would and moves the position, so it mixes with readline(),
seek() and tell(); iterating over the map itself still yields 1-byte bytes.
"""

import gc
import os
import sys

import pytest

from conftest import PAGESIZE

try:
    from hypothesis import HealthCheck, given, settings, strategies as st
except ImportError:  # pragma: no cover - Debian's python3-hypothesis is a dep
    given = None


def anon(mmf_mod, data):
    m = mmf_mod.mmap(-1, max(len(data), 1))
    m.write(data)
    m.seek(0)
    if not data:
        m.resize(1)  # an anonymous map cannot be empty; keep one zero byte
    return m


def readline_loop(m):
    out = []
    while True:
        line = m.readline()
        if not line:
            return out
        out.append(line)


def test_lines_match_readline(mmf_mod):
    data = b"ab\ncd\n\nlong line without newline at the end"
    m = anon(mmf_mod, data)
    got = list(m.lines())
    assert got == data.splitlines(keepends=True)
    assert m.tell() == len(data)
    m.seek(0)
    assert readline_loop(m) == got


def test_lines_mix_with_readline_seek_tell(mmf_mod):
    m = anon(mmf_mod, b"one\ntwo\nthree\nfour\n")
    it = m.lines()
    assert iter(it) is it
    assert next(it) == b"one\n"
    assert m.tell() == 4
    assert m.readline() == b"two\n"
    assert next(it) == b"three\n"
    m.seek(0)
    assert next(it) == b"one\n"
    m.seek(-5, 2)
    assert list(it) == [b"four\n"]
    # at the end the iteration stops, and starts again after a seek back
    assert list(it) == []
    m.seek(4)
    assert next(it) == b"two\n"
    assert m.read(3) == b"thr"
    assert next(it) == b"ee\n"


def test_iterating_the_map_still_yields_bytes(mmf_mod):
    m = anon(mmf_mod, b"a\nb")
    assert list(m) == [b"a", b"\n", b"b"]


def test_lines_position_past_end_after_shrink(mmf_mod, tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"x\n" * 100)
    with open(p, "r+b") as f:
        m = mmf_mod.mmap(f.fileno(), 0)
        m.seek(150)
        m.resize(100)
        assert list(m.lines()) == []
        assert m.tell() == 150
        m.close()


def test_lines_closed_map(mmf_mod):
    m = anon(mmf_mod, b"a\nb\n")
    it = m.lines()
    m.close()
    with pytest.raises(ValueError, match="mmap closed or invalid"):
        next(it)
    with pytest.raises(ValueError, match="mmap closed or invalid"):
        m.lines()


def test_lines_keeps_the_map_alive(mmf_mod):
    it = anon(mmf_mod, b"a\nb\n").lines()
    assert list(it) == [b"a\n", b"b\n"]


def test_lines_unreadable_map(mmf_mod, tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"a\n" * 10)
    fd = os.open(p, os.O_RDWR)
    try:
        m = mmf_mod.mmap(fd, 0, prot=0)
    finally:
        os.close(fd)
    with pytest.raises(PermissionError):
        next(m.lines())
    m.close()


def test_lines_across_the_fast_scan_limit(mmf_mod):
    # lines of every length around the 256-byte fast scan, at odd offsets
    data = b"".join(b"x" * n + b"\n" for n in range(240, 280)) + b"tail"
    m = anon(mmf_mod, b"." * 3 + data)
    m.seek(3)
    assert list(m.lines()) == data.splitlines(keepends=True)


def test_lines_page_sized_file(mmf_mod, tmp_path):
    p = tmp_path / "f"
    data = (b"0123456789abcde\n" * (PAGESIZE // 16))[:-1] + b"!"
    p.write_bytes(data)
    with open(p, "rb") as f:
        m = mmf_mod.mmap(f.fileno(), 0, access=mmf_mod.ACCESS_READ)
    assert list(m.lines()) == data.splitlines(keepends=True)
    m.close()


def test_type_is_exported(mmf_mod):
    it = anon(mmf_mod, b"a").lines()
    assert type(it) is mmf_mod.LineIterator
    with pytest.raises(TypeError):
        mmf_mod.LineIterator()


if given is not None:
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.binary(max_size=600), start=st.integers(0, 600),
           nl=st.sampled_from([b"\n", b"a", b"\x00"]))
    def test_lines_property(mmf_mod, data, start, nl):
        data = data.replace(nl, b"\n")
        m = anon(mmf_mod, data)
        m.seek(min(start, len(m)))
        pos = m.tell()
        got = list(m.lines())
        m.seek(pos)
        assert got == readline_loop(m)
        assert b"".join(got) == bytes(m[pos:])
        m.close()


# --------------------------------------------------------------------------
# Recycled lines (python/spare.c): a line the program has let go of becomes
# a later line of the same size class. The program can never tell: what it
# holds never changes, and every line is a proper bytes object (its length,
# hash, size and terminating NUL those of a new one).

def lines_of(lengths):
    return [b"%c" % (97 + i % 26) * (n - 1) + b"\n" for i, n in
            enumerate(lengths)]


def test_dropped_lines_are_whole_bytes_objects(mmf_mod):
    want = lines_of([84] * 50 + [20, 200, 21, 199, 64, 65, 128, 129, 1] * 20)
    m = anon(mmf_mod, b"".join(want))
    for i, line in enumerate(m.lines()):
        assert line == want[i]
        assert len(line) == len(want[i])
        assert hash(line) == hash(want[i])  # not a stale cached hash
        assert line in {want[i]}
        assert sys.getsizeof(line) == sys.getsizeof(want[i])
        assert line.decode() == want[i].decode()  # stops at the length
    m.seek(0)
    i = 0
    while line := m.readline():
        assert line == want[i] and hash(line) == hash(want[i])
        i += 1
    assert i == len(want)
    m.close()


def test_held_lines_never_change(mmf_mod):
    want = lines_of([84, 84, 30, 84, 84, 200, 84] * 30)
    m = anon(mmf_mod, b"".join(want))
    held, views = [], []
    for i, line in enumerate(m.lines()):
        if i % 3 == 0:
            held.append((i, line))
        elif i % 3 == 1:
            views.append((i, memoryview(line)))  # a view holds the line too
    assert all(line == want[i] for i, line in held)
    assert all(v.tobytes() == want[i] for i, v in views)
    m.seek(0)
    kept = [m.readline() for _ in range(len(want))]
    assert kept == want
    m.close()


def test_lines_outlive_the_map(mmf_mod):
    want = lines_of([10, 84, 84, 84])
    m = anon(mmf_mod, b"".join(want))
    first = m.readline()
    rest = list(m.lines())
    m.close()  # drops the spares, not the lines
    del m
    gc.collect()
    assert [first] + rest == want


if given is not None:
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(lengths=st.lists(st.integers(1, 300), max_size=60),
           keep=st.lists(st.booleans(), min_size=60, max_size=60))
    def test_recycling_property(mmf_mod, lengths, keep):
        want = lines_of(lengths)
        m = anon(mmf_mod, b"".join(want) or b"\n")
        if not want:
            want = [b"\n"]
        held = []
        for i, line in enumerate(m.lines()):
            assert line == want[i] and hash(line) == hash(want[i])
            if keep[i % 60]:
                held.append((i, line))
        for i, line in held:
            assert line == want[i]
        m.close()
