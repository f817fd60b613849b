"""Hostile cases H-12, H-13, H-14, H-37 and H-40 of docs/hazards.md: the
ones that need a system set-up (a full tmpfs, a loop device,
a full map count, huge pages).

As in test_hostile_*.py, each case runs in a child interpreter (a crash is a
failure that names the signal) and checks that the process lives, that pos
and the file are unchanged by a failed call, and that fds, maps and
tracemalloc stay flat over 100 repetitions.  They are mmf only: the stdlib
dies of SIGBUS on these set-ups (H-12, H-14, H-40; H-13 only past the end).
Each test also asserts that its set-up really faulted, so that a set-up that
stopped being hostile does not pass unnoticed.

Nothing global is changed for good: the tmpfs lives in the child's private
mount namespace, the loop device is detached in a finally, and H-37 fills
the child's own map count instead of lowering vm.max_map_count.  Skips say
why (no CAP_SYS_ADMIN, no losetup or loop device, max_map_count too large to
fill, ASan, MAP_HUGETLB refused).  The three library bugs these tests
found (block devices mapped past their end, a failing spanning write that
changed the first pages, huge-page maps leaked by close) are fixed; their
tests stay as regressions.
"""

import os
import shutil
import subprocess
from textwrap import dedent as D

import pytest

from conftest import UNDER_ASAN, run_child

HELPERS = r'''
import ctypes, gc, tracemalloc
TMP = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                      ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
MAP_FAILED = (None, 2**64 - 1)
HUGETLB = getattr(M, "MAP_HUGETLB", getattr(STD, "MAP_HUGETLB", 0x40000))
NORESERVE = getattr(M, "MAP_NORESERVE", getattr(STD, "MAP_NORESERVE", 0x4000))
PRIVATE = M.MAP_PRIVATE | M.MAP_ANONYMOUS
MEMINFO = dict((l.split(":")[0], l.split()[1]) for l in open("/proc/meminfo"))
HUGEPAGE = int(MEMINFO.get("Hugepagesize", 2048)) * 1024

def case(name):
    sys.stdout.write("case: %s\n" % name)
    sys.stdout.flush()

def expect(exc, fn, *args, err=None, **kw):
    """fn() must raise exc (for OSError: a subclass too), errno in err."""
    try:
        r = fn(*args, **kw)
    except BaseException as e:
        ok = isinstance(e, exc) if exc is OSError else type(e) is exc
        assert ok, "expected %s, got %r" % (exc.__name__, e)
        errs = err if isinstance(err, tuple) else (err,)
        assert err is None or e.errno in errs, "%r, errno not %r" % (e, err)
        return e
    raise AssertionError("expected %s, got %r" % (exc.__name__, r))

def fd_count():
    return len(os.listdir("/proc/self/fd"))

def map_count():
    with open("/proc/self/maps") as f:
        return sum(1 for _ in f)

def flat(fn, n=100, warm=3, slack=64 * 1024):
    """Run fn() n times: fds, maps and traced memory must stay flat."""
    for _ in range(warm):
        fn()
    gc.collect()
    tracemalloc.start()
    before = fd_count(), map_count(), tracemalloc.get_traced_memory()[0]
    for _ in range(n):
        fn()
    gc.collect()
    after = fd_count(), map_count(), tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert after[0] == before[0] and after[1] <= before[1] + 4 and \
        after[2] - before[2] < slack, ("fds, maps, memory", before, after)

def skip(what, err):
    hint = " (no CAP_SYS_ADMIN)" if err == errno.EPERM else ""
    print("SKIP: %s: %s%s" % (what, errno.errorcode.get(err, err), hint))
    sys.exit(0)

def private_tmpfs(size):
    """Mount a tmpfs of `size` bytes that only this process sees."""
    if libc.unshare(0x00020000) != 0:                          # CLONE_NEWNS
        skip("unshare(CLONE_NEWNS)", ctypes.get_errno())
    if libc.mount(b"none", b"/", None, 0x4000 | 0x40000, None) != 0:
        skip("mount --make-rprivate /", ctypes.get_errno())    # MS_REC|PRIVATE
    mnt = os.path.join(TMP, "tmpfs")
    os.mkdir(mnt)
    if libc.mount(b"tmpfs", mnt.encode(), b"tmpfs", 0, b"size=%d" % size):
        skip("mount -t tmpfs -o size=%d" % size, ctypes.get_errno())
    return mnt
'''


@pytest.fixture
def hchild(tmp_path):
    """hchild(code, mod, **kw): run_child with HELPERS; the child must end
    by printing "ok", or print "SKIP: reason" to skip the test."""
    def run(code, mod, **kw):
        r = run_child(HELPERS + D(code), mod, args=[str(tmp_path)], **kw)
        out = r.stdout.decode(errors="replace")
        for line in out.splitlines():
            if line.startswith("SKIP: "):
                pytest.skip(line[6:])
        assert out.split()[-1:] == ["ok"], \
            "the child did not finish (no final 'ok'):\n" + out
    return run


# --------------------------------------------------------------------------
# H-12: a sparse MAP_SHARED file on a full tmpfs: ENOSPC at fault time

H12_SETUP = r'''
mnt = private_tmpfs(16 * PAGESIZE)
filler = os.path.join(mnt, "filler")            # 4 of the 16 pages
with open(filler, "wb") as f:
    f.write(b"F" * 4 * PAGESIZE)
NP = 64                                         # 4 times the file system
fd = os.open(os.path.join(mnt, "sparse"), os.O_RDWR | os.O_CREAT, 0o600)
os.ftruncate(fd, NP * PAGESIZE)
m = M.mmap(fd, 0)
PUT = {"slice": lambda o, mk: m.__setitem__(slice(o, o + 4), mk),
       "write": lambda o, mk: m.write(mk),           # at pos == o
       "write_byte": lambda o, mk: [m.write_byte(b) for b in mk],
       "setitem": lambda o, mk: [m.__setitem__(o + k, b)
                                 for k, b in enumerate(mk)]}
HOWS = sorted(PUT)

def put(how, i):
    PUT[how](i * PAGESIZE, b"%04d" % i)       # page i's mark at its start

full = None
for i in range(NP):
    case("page %d via %s" % (i, HOWS[i % 4]))
    m.seek(i * PAGESIZE)
    try:
        put(HOWS[i % 4], i)
    except OSError as e:
        assert e.errno in (errno.EIO, errno.ENOSPC), e
        assert m.tell() == i * PAGESIZE
        full = i
        break
assert full is not None and 0 < full < NP, ("no ENOSPC fault", full)
o = full * PAGESIZE
'''


def test_h12_enospc_at_fault(mmf_mod, hchild):
    hchild(H12_SETUP + r'''
def intact():
    for j in range(full):
        assert os.pread(fd, 4, j * PAGESIZE) == b"%04d" % j, j
    assert os.pread(fd, 4, o) == b"\0" * 4
    assert os.fstat(fd).st_size == NP * PAGESIZE

def fail_all():
    for how in HOWS:
        case("full page via " + how)
        m.seek(o)
        expect(OSError, put, how, full, err=(errno.EIO, errno.ENOSPC))
        assert m.tell() == o
intact()
fail_all()
try:                    # reading a hole allocates a page too: 0 or OSError
    assert m[o] == 0
except OSError as e:
    assert e.errno in (errno.EIO, errno.ENOSPC), e
flat(fail_all)
intact()
m[0:4] = b"zero"                                # still usable
assert os.pread(fd, 4, 0) == b"zero" and m[:4] == b"zero"
os.unlink(filler)                               # space again: works
m.seek(o)
put("write", full)
assert os.pread(fd, 4, o) == b"%04d" % full and m.tell() == o + 4
m.flush()
m.close()
print("ok")
''', mmf_mod)


def test_h12_failed_spanning_write_changes_nothing(mmf_mod, hchild):
    hchild(H12_SETUP + r'''
o -= 50                                         # 50 bytes before the fault
m[0:100] = b"p" * 100                           # a source for move()
before = os.pread(fd, 100, o)
V = b"v" * 100
for how, fn in (("write", lambda: m.write(V)),
                ("slice", lambda: m.__setitem__(slice(o, o + 100), V)),
                ("extended slice", lambda: m.__setitem__(slice(o, o + 200, 2),
                                                         V)),
                ("move", lambda: m.move(o, 0, 100))):
    case(how)
    m.seek(o)
    expect(OSError, fn, err=(errno.EIO, errno.ENOSPC))
    assert m.tell() == o
    assert os.pread(fd, 100, o) == before, (how, os.pread(fd, 100, o))
print("ok")
''', mmf_mod)


# --------------------------------------------------------------------------
# H-13: a block device (a loop device over a 64 KiB file) mapped past its end

DEV_SIZE = 64 * 1024


@pytest.fixture
def loopdev(tmp_path):
    """A loop device over a DEV_SIZE file; detached afterwards."""
    losetup = shutil.which("losetup")
    if os.geteuid() != 0 or losetup is None:
        pytest.skip("losetup needs root and util-linux (euid %d, losetup %s)"
                    % (os.geteuid(), losetup))
    img = tmp_path / "dev.img"
    img.write_bytes(bytes(range(256)) * (DEV_SIZE // 256))
    r = subprocess.run([losetup, "--find", "--show", str(img)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        pytest.skip("losetup --find --show: " + r.stderr.decode().strip())
    dev = r.stdout.decode().strip()
    try:
        yield "DEV = %r\n" % dev + H13_OPEN
    finally:
        subprocess.run([losetup, "-d", dev])


H13_OPEN = r'''
import fcntl, struct
fd = os.open(DEV, os.O_RDWR)
size = struct.unpack("Q", fcntl.ioctl(fd, 0x80081272, b"\0" * 8))[0]
assert size == %d, size                         # BLKGETSIZE64
assert os.fstat(fd).st_size == 0                # why fstat cannot tell
''' % DEV_SIZE


def test_h13_length_past_device_end_refused(mmf_mod, hchild, loopdev):
    hchild(loopdev + r'''
def once():
    for length, offset in ((size + 1, 0), (size + PAGESIZE, 0),
                           (2 * PAGESIZE, size - PAGESIZE), (PAGESIZE, size)):
        case("length %d offset %d" % (length, offset))
        expect(ValueError, M.mmap, fd, length, offset=offset)
once()
flat(once)
print("ok")
''', mmf_mod)


def test_h13_write_at_device_end(mmf_mod, hchild, loopdev):
    # Passes before and after that fix: either the long map is refused up
    # front, or a touch past the device's end is a guarded OSError(EIO).
    hchild(loopdev + r'''
m = M.mmap(fd, size)
m.seek(size - 2)
m.write(b"ZZ")                                  # the last two bytes
assert m.tell() == size
m.flush()
assert os.pread(fd, 2, size - 2) == b"ZZ"
m.seek(size - 1)
expect(ValueError, m.write, b"ab")
assert m.tell() == size - 1
m.close()
image = os.pread(fd, size, 0)
try:
    big = M.mmap(fd, size + 2 * PAGESIZE)
except ValueError:
    big = None                                  # what H-13 expects

def past_end():
    for name, fn in (("getitem", lambda: big[size]), ("read", big.read),
                     ("slice", lambda: big[size - 4:size + 4]),
                     ("find", lambda: big.find(b"\xfe\xfd", size - 4)),
                     ("setitem", lambda: big.__setitem__(size, 1)),
                     ("write", lambda: big.write(b"abcd")),
                     ("write_byte", lambda: big.write_byte(1))):
        case("past the end: " + name)
        big.seek(size + 8)
        expect(OSError, fn, err=errno.EIO)
        assert big.tell() == size + 8
if big is not None:
    assert big[size - 2:size] == b"ZZ"
    past_end()
    flat(past_end)
    big.close()
assert os.pread(fd, size, 0) == image
print("ok")
''', mmf_mod)


# --------------------------------------------------------------------------
# H-14: growing a shared anonymous map (gh-110243, gh-138204)

def test_h14_grow_shared_anonymous(mmf_mod, hchild):
    hchild(r'''
def grow(length, flags, new):
    """ValueError up front, or the grown part is usable and reads 0."""
    m = M.mmap(-1, length, flags=flags)
    m[:3] = b"abc"
    m.seek(2)
    try:
        m.resize(new)
    except ValueError:
        assert len(m) == length and m.tell() == 2 and m[:3] == b"abc"
        m.write(b"Z")                           # still usable
        assert m[:3] == b"abZ"
        return m, False
    assert len(m) == new and m[:3] == b"abc" and m.tell() == 2
    assert m[length:new] == bytes(new - length)
    m[new - 1] = 7
    assert m[new - 1] == 7
    return m, True

for flags in (M.MAP_SHARED, M.MAP_SHARED | NORESERVE):
    for length, new in ((PAGESIZE, 3 * PAGESIZE), (100, 200),
                        (PAGESIZE, PAGESIZE + 1)):
        case("shared %#x: %d -> %d" % (flags, length, new))
        m, grew = grow(length, flags, new)
        m.resize(length // 2)                   # shrinking is fine
        assert len(m) == length // 2 and m[:2] == b"ab"
        m.close()
case("private: grows")
m, grew = grow(PAGESIZE, PRIVATE, 3 * PAGESIZE)
assert grew
m.close()
flat(lambda: grow(PAGESIZE, M.MAP_SHARED, 3 * PAGESIZE)[0].close())
print("ok")
''', mmf_mod)


# --------------------------------------------------------------------------
# H-37: vm.max_map_count exhausted (in the child only)

def test_h37_map_count_exhausted(mmf_mod, hchild):
    if UNDER_ASAN:
        pytest.skip("ASan maps allocator regions of its own at any time")
    with open("/proc/sys/vm/max_map_count") as f:
        limit = int(f.read())
    if limit > 300000:
        pytest.skip("vm.max_map_count = %d: too large to fill" % limit)
    # Past the limit brk() fails too, so no allocation may need more memory
    # from the kernel: Python allocates with malloc (PYTHONMALLOC), which
    # gets a 64 MiB heap now and neither mmaps nor trims it later (glibc).
    hchild(r'''
if hasattr(libc, "mallopt"):    # M_MMAP_MAX, M_TRIM_THRESHOLD, M_TOP_PAD
    for param, value in ((-4, 0), (-1, 1 << 30), (-2, 64 << 20)):
        libc.mallopt(param, value)
    libc.free(libc.malloc(1 << 20))
fds_start = fd_count()
path = os.path.join(TMP, "f")
with open(path, "wb") as f:
    f.write(b"f" * 2 * PAGESIZE)
f = open(path, "r+b")
a = M.mmap(-1, 3 * PAGESIZE, flags=PRIVATE)
fm = M.mmap(f.fileno(), 0)
a[:2] = b"ok"
a.seek(1)
fm.seek(1)
plugs = []
for m in (a, fm):       # a page right after each map: no growing in place
    c = ctypes.c_char.from_buffer(m)
    end = ctypes.addressof(c) + len(m)
    del c
    r = libc.mmap(end, PAGESIZE, 0, 0x22 | 0x100000, -1, 0)  # FIXED_NOREPLACE
    if r not in MAP_FAILED:                     # else EEXIST: taken already
        assert r == end, "MAP_FIXED_NOREPLACE ignored"
        plugs.append(r)
fds0 = fd_count()
limit = int(open("/proc/sys/vm/max_map_count").read())
npages = 2 * limit + 16                         # PROT_READ, NORESERVE
R = libc.mmap(None, npages * PAGESIZE, 1, 0x22 | 0x4000, -1, 0)
assert R not in MAP_FAILED
i = 0                   # PROT_NONE on every other page: +2 areas each time
while libc.mprotect(R + (2 * i + 1) * PAGESIZE, PAGESIZE, 0) == 0:
    i += 1
assert ctypes.get_errno() == errno.ENOMEM, ctypes.get_errno()
extra = []              # top up; alternating protections cannot merge
for j in range(64):
    r = libc.mmap(None, PAGESIZE, j % 2, 0x22, -1, 0)
    if r in MAP_FAILED:
        break
    extra.append(r)
assert r in MAP_FAILED and ctypes.get_errno() == errno.ENOMEM
print("filled: %d maps, limit %d" % (map_count(), limit))

def at_limit():
    case("construction")
    expect(OSError, M.mmap, -1, PAGESIZE, err=errno.ENOMEM)
    expect(OSError, M.mmap, -1, PAGESIZE, flags=PRIVATE, err=errno.ENOMEM)
    expect(OSError, M.mmap, f.fileno(), 0, err=errno.ENOMEM)
    assert fd_count() == fds0                   # the private dup is closed
    case("anonymous grow")
    expect(OSError, a.resize, 64 * PAGESIZE, err=errno.ENOMEM)
    assert len(a) == 3 * PAGESIZE and a.tell() == 1 and a[:2] == b"ok"
    case("file grow")
    expect(OSError, fm.resize, 64 * PAGESIZE, err=errno.ENOMEM)
    assert os.stat(path).st_size == 2 * PAGESIZE   # rolled back
    assert len(fm) == 2 * PAGESIZE and fm.tell() == 1 and fm[:2] == b"ff"
    case("split: madvise of the middle page")   # the kernel says EAGAIN
    expect(OSError, a.madvise, M.MADV_DONTFORK, PAGESIZE, PAGESIZE,
           err=(errno.ENOMEM, errno.EAGAIN))
at_limit()
flat(at_limit, warm=1)
case("released")
for r in extra + plugs:
    libc.munmap(r, PAGESIZE)
libc.munmap(R, npages * PAGESIZE)
M.mmap(-1, PAGESIZE).close()
a.resize(64 * PAGESIZE)
assert a[:2] == b"ok" and a[3 * PAGESIZE:] == bytes(61 * PAGESIZE)
a.madvise(M.MADV_DONTFORK, PAGESIZE, PAGESIZE)
fm.resize(4 * PAGESIZE)
assert os.stat(path).st_size == 4 * PAGESIZE and fm[:2] == b"ff"
for m in (a, fm, f):
    m.close()
assert fd_count() == fds_start
print("ok")
''', mmf_mod, env={"PYTHONMALLOC": "malloc"})


# --------------------------------------------------------------------------
# H-40: MAP_HUGETLB|MAP_NORESERVE passed through flags, then touched

def test_h40_hugetlb_noreserve(mmf_mod, hchild):
    hchild(r'''
none = MEMINFO.get("HugePages_Free") == "0" and \
    open("/proc/sys/vm/nr_overcommit_hugepages").read().strip() == "0"

def touch(flags):
    """Refused at construction, or each touch works or is OSError."""
    try:
        m = M.mmap(-1, HUGEPAGE, flags=flags)
    except OSError:
        return
    ops = (("getitem", lambda: m[0]), ("slice", lambda: m[:10]),
           ("read", lambda: m.read(3)), ("read_byte", m.read_byte),
           ("readline", m.readline), ("find", lambda: m.find(b"x")),
           ("rfind", lambda: m.rfind(b"x")),
           ("setitem", lambda: m.__setitem__(0, 1)),
           ("setslice", lambda: m.__setitem__(slice(0, 2), b"ab")),
           ("write", lambda: m.write(b"ab")),
           ("write_byte", lambda: m.write_byte(1)),
           ("move", lambda: m.move(0, 100, 10)))
    failed = 0
    for name, fn in ops:
        case("%#x: %s" % (flags, name))
        m.seek(5)
        try:
            fn()
        except OSError as e:
            assert e.errno in (errno.EIO, errno.EFAULT), e
            assert m.tell() == 5
            failed += 1
    assert failed == len(ops) or not none, "no huge page, yet no fault"
    m.flush()
    m.close()

def once():
    for base in (M.MAP_SHARED, PRIVATE):
        touch(base | HUGETLB | NORESERVE)
        if none:
            case("%#x without MAP_NORESERVE" % base)
            expect(OSError, M.mmap, -1, HUGEPAGE, flags=base | HUGETLB,
                   err=errno.ENOMEM)
once()
flat(once)
path = os.path.join(TMP, "f")
with open(path, "wb") as f:
    f.write(b"h" * PAGESIZE)
fds = fd_count()
with open(path, "r+b") as f:
    case("regular file with MAP_HUGETLB")
    expect(OSError, M.mmap, f.fileno(), 0, flags=M.MAP_SHARED | HUGETLB,
           err=errno.EINVAL)
assert fd_count() == fds and open(path, "rb").read() == b"h" * PAGESIZE
print("ok")
''', mmf_mod)


def test_h40_hugetlb_unaligned_length_no_leak(mmf_mod, hchild):
    hchild(r'''
flags = PRIVATE | HUGETLB | NORESERVE
try:
    M.mmap(-1, PAGESIZE, flags=flags).close()
except OSError as e:
    skip("mmap(MAP_HUGETLB)", e.errno)

def once():
    M.mmap(-1, PAGESIZE, flags=flags).close()
    m = M.mmap(-1, HUGEPAGE, flags=flags)
    try:
        m.resize(PAGESIZE)
    except OSError:
        pass
    m.close()
flat(once)
print("ok")
''', mmf_mod)


def test_open_w_plus_full_disk_fails_at_open(mmf_mod, hchild):
    """mmf.open(path, 'w+', size) allocates the disk space (posix_fallocate),
    so a full disk is OSError(ENOSPC) at open instead of a SIGBUS later;
    nothing leaks over 100 failing opens."""
    hchild(r'''
mnt = private_tmpfs(64 * 1024)
path = os.path.join(mnt, "big")
def fail():
    e = expect(OSError, M.open, path, "w+", size=1 << 20, err=errno.ENOSPC)
fail()
flat(fail)
m = M.open(path, "w+", size=16 * 1024)   # what fits works
m[:] = b"f" * len(m)
m.flush()
assert os.path.getsize(path) == 16 * 1024
m.close()
print("ok")
''', mmf_mod)
