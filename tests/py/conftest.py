"""Shared fixtures for the mmf Python test suites.

* ``impl``: the module under test, parametrized over the stdlib ``mmap`` and
  ``mmf``.  The ``mmf`` parameter is skipped ("mmf not built") when the
  extension cannot be imported, unless the environment variable MMF_REQUIRE
  is set (CI), in which case a missing mmf is an error.
* ``mmf_mod``: mmf only (same skip/error rule).
* ``mkfile``: temporary files with given contents.
* ``fd_count()`` / ``map_count()``: open fds (/proc/self/fd) and mappings
  (/proc/self/maps) of this process.
* ``run_child()``: run a snippet in a child interpreter, with the module under
  test imported as ``M``, so that a crash (signal death) is a test failure
  instead of a dead pytest.
* The helpers of the API tests (test_api_*.py): ``check_raises``,
  ``check_oserror``, ``Idx``, and the fixtures ``fmap`` (a file-backed map)
  and ``amap`` (an anonymous map).

The extension is looked up in MMF_BUILD_DIR, then on sys.path (the installed
wheel: tools/check.sh sets MMF_INSTALLED=1 to require it), then in
build/<cache_tag> at the top of the repository (``make python
PYTHON=<interp>`` builds it there).
"""

import errno
import os
import signal
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_BUILD_DIR = os.path.join(ROOT, "build", sys.implementation.cache_tag)
REQUIRE = bool(os.environ.get("MMF_REQUIRE"))
QUICK = bool(os.environ.get("MMF_QUICK"))
# Under AddressSanitizer (tools/check.sh preloads libasan) the allocator maps
# new regions as it grows and reserves terabytes of shadow memory.
UNDER_ASAN = "asan" in os.environ.get("LD_PRELOAD", "")
# Mappings that may appear during a loop without being a leak: pymalloc
# arenas (256 KiB anonymous maps) come and go; ASan maps allocator regions.
# A leak of one map per cycle shows up as hundreds.
MAP_SLACK = 32 if UNDER_ASAN else 4

import mmap as stdlib_mmap  # noqa: E402  (the real stdlib module)


def _import_mmf():
    """Import mmf: from MMF_BUILD_DIR if set (it wins), else from sys.path
    (PYTHONPATH, as tools/check.sh sets it), else from the default build
    folder build/<cache_tag>."""
    if os.environ.get("MMF_BUILD_DIR"):
        sys.path.insert(0, os.path.abspath(os.environ["MMF_BUILD_DIR"]))
    try:
        import mmf as mod
        return mod, None
    except ImportError as exc:
        if os.environ.get("MMF_BUILD_DIR"):
            return None, exc
    sys.path.append(DEFAULT_BUILD_DIR)
    try:
        import mmf as mod
        return mod, None
    except ImportError as exc:
        return None, exc


mmf, MMF_IMPORT_ERROR = _import_mmf()
# tools/check.sh tests the wheel installed in a venv: MMF_INSTALLED=1 makes
# sure that is what was imported, not a build folder of the checkout.
if os.environ.get("MMF_INSTALLED") and mmf is not None:
    _where = os.path.abspath(mmf.__file__)
    if not _where.startswith(os.path.abspath(sys.prefix) + os.sep):
        raise ImportError("MMF_INSTALLED is set but mmf comes from %s, "
                          "outside %s" % (_where, sys.prefix))
# The folder the children import mmf from: the one this process uses.
BUILD_DIR = (os.path.dirname(os.path.abspath(mmf.__file__)) if mmf
             else os.environ.get("MMF_BUILD_DIR") or DEFAULT_BUILD_DIR)

PAGESIZE = stdlib_mmap.PAGESIZE
PY = sys.version_info


# --------------------------------------------------------------------------
# Hypothesis profiles (test_stateful.py).  "ci" is the default: derandomized,
# no example database written into the tree, reproducible run.
try:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "ci", max_examples=100, stateful_step_count=50, deadline=None,
        derandomize=True, database=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow,
                               HealthCheck.filter_too_much])
    settings.register_profile(
        "dev", max_examples=300, stateful_step_count=100, deadline=None,
        database=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow,
                               HealthCheck.filter_too_much])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
except ImportError:  # pragma: no cover
    pass


# --------------------------------------------------------------------------
# Implementations

def get_mmf():
    """Return mmf, or skip/fail as the MMF_REQUIRE rule says."""
    if mmf is not None:
        return mmf
    if REQUIRE:
        pytest.fail("MMF_REQUIRE is set but mmf cannot be imported from %s: %s"
                    % (BUILD_DIR, MMF_IMPORT_ERROR), pytrace=False)
    pytest.skip("mmf not built")


@pytest.fixture(params=["mmap", "mmf"])
def impl(request):
    """The module under test: stdlib mmap or mmf."""
    if request.param == "mmap":
        return stdlib_mmap
    return get_mmf()


@pytest.fixture
def mmf_mod():
    """mmf only (behaviour that the running stdlib lacks or crashes on)."""
    return get_mmf()


def is_mmf(mod):
    return mod is not stdlib_mmap


def needs_315(mod, since, what):
    """Skip for the stdlib when this interpreter predates `what`.

    `since` is the CPython version that introduced the behaviour (a tuple);
    mmf offers the 3.15 behaviour on every interpreter, so it always runs.
    """
    if not is_mmf(mod) and PY < since:
        pytest.skip("stdlib mmap of Python %d.%d predates %s (CPython %s); "
                    "mmf only" % (PY[0], PY[1], what,
                                  ".".join(map(str, since))))


def stdlib_broken(mod, lo, hi, why):
    """Skip for the stdlib of CPython versions lo <= version < hi, which
    have a known bug (crash or wrong result) fixed in hi."""
    if not is_mmf(mod) and lo <= PY[:3] < hi:
        pytest.skip("stdlib mmap of Python %s has %s (fixed in %s)"
                    % (".".join(map(str, PY[:3])), why,
                       ".".join(map(str, hi))))


# 3.11.0 .. 3.11.4: the new fast find read one byte past `end` (gh-105235,
# a crash next to an unmapped page) and mishandled end < start.
FIND_BUG = ((3, 11, 0), (3, 11, 5), "the find/rfind over-read and "
            "end < start bugs of gh-105235")


def stdlib_overlap_ub(mod):
    """Skip the stdlib under ASan where it copies overlapping buffers with
    memcpy() (undefined behaviour; ASan aborts with memcpy-param-overlap).
    Without ASan the stdlib is still run: glibc gives the memmove result."""
    if UNDER_ASAN and not is_mmf(mod):
        pytest.skip("stdlib mmap copies overlapping buffers with memcpy() "
                    "(UB, memcpy-param-overlap under ASan)")


def mmf_only(mod, why):
    """Skip for the stdlib: behaviour where the stdlib crashes or differs
    by a project decision (docs/behaviour.md)."""
    if not is_mmf(mod):
        pytest.skip("mmf only: " + why)


# --------------------------------------------------------------------------
# Files

@pytest.fixture
def mkfile(tmp_path):
    """mkfile(content=b'', name=None) -> path of a new file with content."""
    counter = [0]

    def make(content=b"", name=None):
        counter[0] += 1
        path = tmp_path / (name or "f%d.bin" % counter[0])
        with open(path, "wb") as f:
            f.write(content)
        return str(path)
    return make


@pytest.fixture
def openfile(mkfile):
    """openfile(content, mode='r+b') -> open file object; closed afterwards."""
    files = []

    def make(content=b"", mode="r+b"):
        f = open(mkfile(content), mode)
        files.append(f)
        return f
    yield make
    for f in files:
        f.close()


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


# --------------------------------------------------------------------------
# Resource counters

def fd_count():
    """Number of open file descriptors of this process."""
    return len(os.listdir("/proc/self/fd"))


def map_count():
    """Number of mappings of this process."""
    with open("/proc/self/maps") as f:
        return sum(1 for _ in f)


def fds_of(path):
    """The set of this process's open fds that refer to the file `path`."""
    real = os.path.realpath(path)
    out = set()
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + name) == real:
                out.add(int(name))
        except OSError:
            pass
    return out


def maps_of(path):
    """Number of this process's mappings of the file `path`."""
    real = os.path.realpath(path)
    with open("/proc/self/maps") as f:
        return sum(1 for line in f if line.rstrip("\n").endswith(" " + real))


@pytest.fixture
def counters():
    """The (fd_count, map_count) functions, as a fixture."""
    return fd_count, map_count


# --------------------------------------------------------------------------
# Child processes

CHILD_PRELUDE = """\
import faulthandler, os, signal, sys
faulthandler.enable()
# A parent that ignores SIGINT (a job started with `&`, a CI runner) passes
# SIG_IGN on, and Python then installs no handler of its own: put Python's
# default back, as an interactive session has it (H-29, H-47 send SIGINT).
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path.insert(0, {build_dir!r})
IMPL = {impl!r}
if IMPL == "mmf":
    import mmf as M
else:
    import mmap as M
import mmap as STD
import errno
PAGESIZE = STD.PAGESIZE
"""


def impl_name(mod):
    return "mmf" if is_mmf(mod) else "mmap"


def signame(rc):
    if rc >= 0:
        return "exit status %d" % rc
    try:
        return "killed by %s" % signal.Signals(-rc).name
    except ValueError:
        return "killed by signal %d" % -rc


def run_child(code, mod, timeout=120, env=None, args=(), prelude=True,
              preexec_fn=None, check=True):
    """Run `code` in a child interpreter with the module under test as M.

    With check=True, a non-zero exit (exception or signal death) fails the
    test with the child's output.  Returns the CompletedProcess.
    """
    src = textwrap.dedent(code)
    if prelude:
        src = CHILD_PRELUDE.format(build_dir=BUILD_DIR,
                                   impl=impl_name(mod)) + src
    full_env = dict(os.environ)
    full_env.pop("PYTHONFAULTHANDLER", None)
    if env:
        full_env.update(env)
    try:
        proc = subprocess.run(
            [sys.executable, "-c", src] + list(args), env=full_env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
            preexec_fn=preexec_fn)
    except subprocess.TimeoutExpired as e:
        pytest.fail("child timed out after %ss (hang)\nstdout:\n%s\nstderr:\n%s"
                    % (timeout, (e.stdout or b"").decode(errors="replace"),
                       (e.stderr or b"").decode(errors="replace")),
                    pytrace=False)
    if check and proc.returncode != 0:
        pytest.fail("child %s\n--- stdout:\n%s\n--- stderr:\n%s"
                    % (signame(proc.returncode),
                       proc.stdout.decode(errors="replace"),
                       proc.stderr.decode(errors="replace")), pytrace=False)
    return proc


@pytest.fixture
def child(impl):
    """child(code, **kw): run_child with the parametrized impl."""
    def run(code, **kw):
        return run_child(code, impl, **kw)
    return run


# --------------------------------------------------------------------------
# The API tests (test_api_*.py): the whole mmap API, written once and run
# against the stdlib mmap and mmf.
#
# Reference: docs/behaviour.md (CPython 3.15 behaviour on Linux).  Exception
# types are part of the contract and are checked exactly (``type(e) is X``,
# or an OSError subclass with the given errno).  Messages that the mmap
# module itself produces are checked word for word.  Messages produced by the
# interpreter's argument parsing differ between Python versions and are not
# checked.
#
# Where the running interpreter's stdlib predates a 3.15 behaviour, the test
# runs against mmf only: see ``needs_315(impl, since, what)``, which skips
# the stdlib parameter with the reason.  ``mmf_only()`` marks the deliberate
# differences of docs/behaviour.md (behaviour that differs from CPython on
# purpose).

CLOSED = "mmap closed or invalid"
READONLY = "mmap can't modify a readonly memory map."


def check_raises(exc, msg, func, *args, **kwargs):
    """func(*args, **kwargs) must raise exactly `exc`.

    msg: None (not checked), a str (exact match) or a compiled regex
    (searched).  Returns the exception.
    """
    try:
        func(*args, **kwargs)
    except BaseException as e:  # noqa: B902
        assert type(e) is exc, "expected %s(%r), got %s(%r)" % (
            exc.__name__, msg, type(e).__name__, str(e))
        if isinstance(msg, str):
            assert str(e) == msg, "%s message: expected %r, got %r" % (
                exc.__name__, msg, str(e))
        elif msg is not None:
            assert msg.search(str(e)), "%s message %r does not match %r" % (
                exc.__name__, str(e), msg.pattern)
        return e
    raise AssertionError("expected %s(%r), nothing raised" % (exc.__name__,
                                                              msg))


def check_oserror(err, func, *args, **kwargs):
    """func must raise OSError (or a subclass) with errno == err."""
    try:
        func(*args, **kwargs)
    except OSError as e:
        assert e.errno == err, "expected errno %s, got %r" % (
            errno.errorcode[err], e)
        return e
    raise AssertionError("expected OSError(%s), nothing raised"
                         % errno.errorcode[err])


class Idx:
    """An object with __index__ (and nothing else)."""

    def __init__(self, value, action=None):
        self.value = value
        self.action = action

    def __index__(self):
        if self.action:
            self.action()
        return self.value


DATA = b"0123456789abcdefghij\nline two\nthree"


def close_maps(maps):
    """Close every map of a fixture (one still exported stays open)."""
    for m in maps:
        try:
            m.close()
        except BufferError:
            pass


@pytest.fixture
def fmap(impl, mkfile):
    """fmap(content=DATA, **kw) -> (map, path): a file-backed shared map."""
    maps = []

    def make(content=DATA, length=0, **kw):
        path = mkfile(content)
        with open(path, "r+b") as f:
            m = impl.mmap(f.fileno(), length, **kw)
        maps.append(m)
        return m, path
    yield make
    close_maps(maps)


@pytest.fixture
def amap(impl):
    """amap(size=16, content=None, **kw) -> anonymous map."""
    maps = []

    def make(size=16, content=None, **kw):
        m = impl.mmap(-1, size, **kw)
        if content is not None:
            m[:len(content)] = content
        maps.append(m)
        return m
    yield make
    close_maps(maps)
