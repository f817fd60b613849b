"""The hostile cases of docs/hazards.md (H-01 .. H-45) that can be checked
from Python, test_hostile_closed.py, test_hostile_truncate.py,
test_hostile_resize.py, test_hostile_args.py and test_hostile_process.py:
the helpers they share (the child-side HELPERS and the fixture ``hchild``;
each file binds it with ``hchild = hostile_util.hchild``).

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

from textwrap import dedent as D

import pytest

from conftest import run_child

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
