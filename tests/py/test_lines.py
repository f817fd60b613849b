"""mmap.lines(), the line iterator mmf adds: each step returns what
readline() would and moves the position, so it mixes with readline(),
seek() and tell(); iterating over the map itself still yields 1-byte bytes.
"""

import os

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
