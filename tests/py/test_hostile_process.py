"""Hostile cases (docs/hazards.md) H-33 to H-43: fork and fd hygiene; leak
loops; the fault guard and other signal handlers.

How they run (``hchild``, a child interpreter each): hostile_util.py.
"""

import os
import signal
import sys
from textwrap import dedent as D

import pytest

import hostile_util

hchild = hostile_util.hchild  # the fixture, shared


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
