"""Never hang, never half-fail (docs/hazards.md H-46 to H-50): each test
is a reproducer of a hazard, run in a child interpreter with a
timeout (a hang is a failure that says so, not a stuck test run).

- H-46: a real segfault after faulthandler was enabled and disabled dies
  of SIGSEGV (the previous handler returns without fixing the fault).
- H-47: count() with a multi-byte needle, and the other long operations,
  are interrupted by a signal within about 100 ms.
- H-50: a failing resize leaves map, file and size as they were (memfd,
  protected maps).
- open() of a directory, FIFO or socket: the stdlib's error, at once;
  the error's filename from one __fspath__() call.
- madvise() with default arguments on a map at an unaligned offset.
"""

import os
import signal
import socket
import stat

import pytest

from conftest import UNDER_ASAN, run_child


@pytest.fixture
def mmf(mmf_mod):
    return mmf_mod


def test_h46_real_segv_after_faulthandler_disable_dies(mmf):
    r = run_child(r'''
        import ctypes, faulthandler, resource
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        faulthandler.disable()    # the prelude enabled it before the import
        M.reinstall_fault_guard()
        m = M.mmap(-1, 4096)
        m[0]                      # the guard in place before faulthandler
        M.reinstall_fault_guard()
        faulthandler.enable()
        M.reinstall_fault_guard()
        faulthandler.disable()
        ctypes.string_at(0)
        print("survived")
    ''', mmf, timeout=30, check=False)
    assert r.returncode == -signal.SIGSEGV, (r.returncode, r.stdout, r.stderr)


CHUNK = 16 << 20  # python/mmfmodule.h CHUNK_BYTES


@pytest.mark.parametrize("needle", [b"ab", b"aa", b"aba", b"xyz" * 7])
def test_h47_chunked_count_equals_bytes_count(mmf, needle):
    """count() of a multi-byte needle runs in chunks now: matches across
    every chunk boundary, overlapping candidates (b"aa" in b"aaa") and
    matches ending exactly at a boundary count as bytes.count() does."""
    size = 2 * CHUNK + 4099
    m = mmf.mmap(-1, size)
    n = len(needle)
    spots = []
    for b in (CHUNK, 2 * CHUNK):
        for d in (-2 * n - 1, -n - 1, -n, -n + 1, -1, 0, 1, n - 1):
            spots.append(b + d)
    for p in spots:
        m[p:p + n] = needle
    m[100:100 + 9] = b"a" * 9
    whole = bytes(m)
    try:
        for s, e in ((0, size), (1, size - 1), (CHUNK - 5, CHUNK + 5),
                     (CHUNK - n, size), (0, 2 * CHUNK + 1)):
            assert m.count(needle, s, e) == whole.count(needle, s, e), (s, e)
    finally:
        m.close()


LONG_OPS = {
    "count2": "m.count(b'needle', 0)",
    "count1": "m.count(b'n', 0)",
    "find": "m.find(b'needle', 0)",
    "rfind": "m.rfind(b'needle', 0)",
    "find_long_needle": "m.find(b'x' * (64 << 20), 0)",
    "read": "m.read()",
    "readinto": "m.readinto(buf)",
    "slice": "m[:]",
    "slice_step": "m[::3]",
    "lines": "next(iter(m.lines()))",
    "readline": "m.readline()",
    "populate": "m.populate()",
    "resident": "m.resident()",
}


@pytest.mark.parametrize("op", sorted(LONG_OPS))
def test_h47_every_long_operation_is_interruptible(mmf, op, tmp_path):
    """H-47: SIGINT during each long operation over a sparse 4 GiB
    read-only map (1 TiB for resident(), as mincore is fast):
    KeyboardInterrupt within about 100 ms (300 ms allowed on a shared
    machine, where a run over it is tried once more: only two in a row
    fail). lock() runs the same loop as populate() (mem_impl)."""
    # ASan (tools/check.sh's ASan step) makes each chunk of work several
    # times slower: there the bound only shows that the signal is handled.
    limit = 1000 if UNDER_ASAN else 300
    for attempt in (1, 2):
        latency = h47_latency(mmf, op, tmp_path)
        if latency < limit:
            return
    pytest.fail("%s: KeyboardInterrupt %.0f ms after SIGINT, twice"
                % (op, latency))


def h47_latency(mmf, op, tmp_path):
    r = run_child(r'''
        import os, signal, sys, threading, time
        path = sys.argv[1]
        size = (1 << 40) if "resident" in %r else (4 << 30)
        with open(path, "wb") as f:
            f.truncate(size)
        m = M.open(path, "r")
        os.unlink(path)
        buf = bytearray(size) if "readinto" in %r else None
        sent = []
        def fire():
            time.sleep(0.15)
            sent.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)
        threading.Thread(target=fire).start()
        try:
            %s
            print("not interrupted")
        except KeyboardInterrupt:
            print("latency_ms %%.1f" %% ((time.monotonic() - sent[0]) * 1e3))
        assert not m.closed
        m.close()
    ''' % (LONG_OPS[op], LONG_OPS[op], LONG_OPS[op]), mmf, args=[str(tmp_path / "sparse")],
        timeout=120)
    out = r.stdout.decode().split()
    if out[0] == "not":
        pytest.fail("%s finished before the signal" % op)
    return float(out[1])


# ---- H-50: failing resizes change nothing -------------------------------

@pytest.mark.parametrize("prot", ["PROT_READ", "0"])
def test_h50_resize_after_protect(mmf, prot):
    """resize() of a private anonymous map after protect(PROT_READ) or
    protect(0): it works (was OSError(EFAULT) with len() already 9000),
    keeps the protection, and the grown part reads as zeros."""
    m = mmf.mmap(-1, 5000, flags=mmf.MAP_PRIVATE)
    m[:] = b"x" * 5000
    m.protect(mmf.PROT_READ if prot == "PROT_READ" else 0)
    m.resize(9000)
    assert len(m) == 9000
    m.protect(mmf.PROT_READ | mmf.PROT_WRITE)
    assert m[:5000] == b"x" * 5000 and m[5000:] == bytes(4000)
    m.close()


def test_h50_memfd_resize_beyond_address_space_changes_nothing(mmf):
    m = mmf.mmap(-1, 8192, memfd=True)
    m[:4] = b"abcd"
    with pytest.raises(OSError):
        m.resize(2 ** 50)
    assert len(m) == 8192 and m.size() == 8192 and m[:4] == b"abcd"
    m.resize(3 * 4096)
    assert m.size() == 3 * 4096 and m[8192:] == bytes(4096)
    m.close()


# ---- open() of what cannot be mapped ------------------------------------

@pytest.mark.parametrize("mode", ["r", "r+", "c", "w+"])
def test_open_directory_is_isadirectoryerror(mmf, tmp_path, mode):
    with pytest.raises(IsADirectoryError) as e:
        mmf.open(tmp_path, mode, size=10 if mode == "w+" else 0)
    assert e.value.filename == str(tmp_path)


@pytest.mark.parametrize("mode", ["r", "r+", "c", "w+"])
def test_open_fifo_without_writer_refused_at_once(mmf, tmp_path, mode):
    """A FIFO with no writer: the stdlib's error (mmap's ENODEV) at once,
    not an open() that blocks forever (the child's timeout says hang)."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    r = run_child(r'''
        import errno, sys
        try:
            M.open(sys.argv[1], %r, size=%d)
        except OSError as e:
            print(errno.errorcode[e.errno])
    ''' % (mode, 10 if mode == "w+" else 0), mmf, args=[str(fifo)],
        timeout=30)
    assert r.stdout.split() == [b"ENODEV"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_open_socket_and_char_devices(mmf, tmp_path):
    path = str(tmp_path / "sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    try:
        with pytest.raises(OSError):  # ENXIO from open(), as for the stdlib
            mmf.open(path, "r")
    finally:
        s.close()
    with pytest.raises(OSError) as e:
        mmf.open("/dev/null", "r+", size=4096)
    assert e.value.errno == __import__("errno").ENODEV
    m = mmf.open("/dev/zero", "r+", size=4096)  # /dev/zero maps
    assert m[:4] == bytes(4)
    m.close()


def test_open_error_filename_from_one_fspath_call(mmf, tmp_path):
    calls = []

    class P:
        def __fspath__(self):
            calls.append(1)
            return str(tmp_path / ("missing%d" % len(calls)))

    with pytest.raises(FileNotFoundError) as e:
        mmf.open(P(), "r")
    assert len(calls) == 1
    assert e.value.filename == str(tmp_path / "missing1")


# ---- madvise() on a map at an unaligned offset --------------------------

def test_madvise_defaults_on_unaligned_offset(mmf, tmp_path):
    p = tmp_path / "f"
    p.write_bytes(bytes(range(256)) * 64)
    for off, size in ((123, 0), (123, 100), (4096 + 5, 0)):
        m = mmf.open(p, "r", size=size, offset=off)
        m.madvise(mmf.MADV_WILLNEED)
        m.madvise(mmf.MADV_NORMAL)
        assert m[:1] == bytes([off % 256])
        m.close()


# ---- H-49: fork during a GIL-free scan ----------------------------------

def test_h49_fork_during_a_scan_leaves_no_pin_in_the_child(mmf):
    """A thread scans (GIL released, map pinned) while the main thread
    forks: in the child, close() and resize() work (were BufferError
    forever); the parent's scan finishes normally."""
    r = run_child(r'''
        import os, threading, time, warnings
        warnings.simplefilter("ignore", DeprecationWarning)  # fork + threads
        m = M.mmap(-1, 256 << 20, flags=M.MAP_PRIVATE)
        m[-2:] = b"ab"
        stop = []
        def scan():
            while not stop:
                assert m.find(b"ab") == len(m) - 2
                assert m.count(b"ab") == 1
        t = threading.Thread(target=scan)
        t.start()
        time.sleep(0.05)
        bad = 0
        for _ in range(5):
            pid = os.fork()
            if pid == 0:
                try:
                    m.resize(4096)
                    m.close()
                    os._exit(0)
                except BufferError:
                    os._exit(3)
                except BaseException:
                    os._exit(4)
            _, status = os.waitpid(pid, 0)
            bad += os.WEXITSTATUS(status) != 0
            time.sleep(0.01)
        stop.append(1)
        t.join()
        m.close()
        print("bad", bad)
    ''', mmf, timeout=120)
    assert r.stdout.split() == [b"bad", b"0"], r.stdout
