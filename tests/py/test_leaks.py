"""Resource leaks: 10,000 create/use/close cycles must leave the number of
open fds, the number of mappings and the traced Python memory flat.

Runs against the stdlib mmap and mmf.  MMF_QUICK=1 runs 2,000 cycles.
"""

import gc
import os
import tracemalloc

import pytest

from conftest import (MAP_SLACK, PAGESIZE, QUICK, fd_count, map_count,
                      maps_of)

CYCLES = 2000 if QUICK else 10000
WARMUP = 50
# Traced memory may move a little (free lists, interned objects, the
# tracemalloc tables themselves); a leak of even one small object per cycle
# would be > 300 KB over 10,000 cycles.
SLACK = 64 * 1024


def assert_flat(fn, cycles=CYCLES, path=None):
    """fn() `cycles` times: fds, maps (exactly, for the maps of `path`) and
    traced memory must stay flat."""
    for _ in range(WARMUP):
        fn()
    gc.collect()
    fds, maps = fd_count(), map_count()
    file_maps = maps_of(path) if path else 0
    tracemalloc.start()
    try:
        mem0 = tracemalloc.get_traced_memory()[0]
        for _ in range(cycles):
            fn()
        gc.collect()
        mem1 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert fd_count() == fds, "fds: %d before, %d after" % (fds, fd_count())
    assert map_count() <= maps + MAP_SLACK, "maps: %d before, %d after" % (
        maps, map_count())
    if path:
        assert maps_of(path) == file_maps, "maps of the file: %d before, " \
            "%d after" % (file_maps, maps_of(path))
    assert mem1 - mem0 < SLACK, "traced memory grew by %d bytes over %d " \
        "cycles" % (mem1 - mem0, cycles)


@pytest.fixture
def datafile(tmp_path):
    """A data file, on tmpfs when there is one: msync() of a dirty page on
    a disk file is a disk write, and 10,000 of them take a minute."""
    import shutil
    import tempfile
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else str(tmp_path)
    folder = tempfile.mkdtemp(prefix="mmf_leaks_", dir=base)
    path = os.path.join(folder, "data.bin")
    with open(path, "wb") as f:
        f.write(bytes(range(256)) * (2 * PAGESIZE // 256) + b"end\n")
    yield path
    shutil.rmtree(folder, ignore_errors=True)


def use(m):
    """Touch every kind of operation once."""
    m[0]
    m[1:10]
    m[::PAGESIZE // 2]
    m.find(b"end")
    m.rfind(b"\x01")
    m.seek(0)
    m.read(5)
    m.readline()
    m.read_byte()
    m.tell()
    len(m)
    repr(m)


def test_file_map_cycles(impl, datafile):
    f = open(datafile, "r+b")
    fd = f.fileno()

    def cycle():
        m = impl.mmap(fd, 0)
        use(m)
        m[0] = m[0]
        m.seek(0)
        m.write(b"\0")
        m.flush()
        m.close()
    try:
        assert_flat(cycle, path=datafile)
    finally:
        f.close()


def test_file_map_access_modes_cycles(impl, datafile):
    f = open(datafile, "r+b")
    fd = f.fileno()
    modes = (impl.ACCESS_READ, impl.ACCESS_WRITE, impl.ACCESS_COPY)
    state = [0]

    def cycle():
        state[0] += 1
        with impl.mmap(fd, 0, access=modes[state[0] % 3]) as m:
            use(m)
    try:
        assert_flat(cycle, path=datafile)
    finally:
        f.close()


def test_anonymous_map_cycles(impl):
    def cycle():
        m = impl.mmap(-1, 2 * PAGESIZE)
        m[PAGESIZE:PAGESIZE + 4] = b"end\n"
        use(m)
        m.move(0, 1, 100)
        m.close()
    assert_flat(cycle)


def test_anonymous_private_resize_cycles(impl):
    def cycle():
        m = impl.mmap(-1, PAGESIZE, flags=impl.MAP_PRIVATE | impl.MAP_ANONYMOUS)
        m.resize(3 * PAGESIZE)
        m[-1] = 1
        m.resize(PAGESIZE)
        m.close()
    assert_flat(cycle)


def test_export_cycles(impl):
    def cycle():
        m = impl.mmap(-1, PAGESIZE)
        v = memoryview(m)
        v[0] = 1
        try:
            m.close()
        except BufferError:
            pass
        v.release()
        m.close()
    assert_flat(cycle)


def test_dealloc_without_close(impl, datafile):
    # dealloc closes the private fd and unmaps
    f = open(datafile, "r+b")
    fd = f.fileno()

    def cycle():
        m = impl.mmap(fd, 0)
        m[0]
        a = impl.mmap(-1, 100)
        a[0] = 1
        del m, a
    try:
        assert_flat(cycle, path=datafile)
    finally:
        f.close()


def test_error_path_cycles(impl, datafile, mkfile):
    empty = open(mkfile(b""), "r+b")
    f = open(datafile, "r+b")
    m = impl.mmap(-1, 100)

    def cycle():
        for fn in (lambda: impl.mmap(-1, -1),
                   lambda: impl.mmap(empty.fileno(), 0),
                   lambda: impl.mmap(f.fileno(), 10 * PAGESIZE),
                   lambda: impl.mmap(-2, 10),
                   lambda: impl.mmap(f.fileno(), 10, offset=1),
                   lambda: m[100], lambda: m.__setitem__(0, 256),
                   lambda: m.__setitem__(slice(0, 2), b"abc"),
                   lambda: m.seek(101), lambda: m.move(0, 99, 2),
                   lambda: m.find("str"), lambda: m.read(1.5),
                   lambda: m.flush(1, 1), lambda: m.write(b"x" * 101)):
            try:
                fn()
            except (ValueError, TypeError, IndexError, OverflowError,
                    OSError):
                pass
            else:
                raise AssertionError("no exception")
    try:
        assert_flat(cycle, cycles=CYCLES // 10)
    finally:
        m.close()
        f.close()
        empty.close()
