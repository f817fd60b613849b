"""H-31: threads.  Three reader threads (index, slices, find, read) run
against one thread that closes and re-creates the map and one that resizes
it, for 3 seconds (1 second with MMF_QUICK=1).  The only exceptions allowed
are ValueError (closed), IndexError (shrunk) and BufferError (exported); the
process must not crash.  Runs in a child process.
"""

import pytest

from conftest import FIND_BUG, QUICK, run_child, stdlib_broken

SECONDS = 1.0 if QUICK else 3.0

CODE = r'''
import random, threading, time, traceback
SECONDS = %r
KIND = %r
ALLOWED = (ValueError, IndexError, BufferError)
path = os.path.join(sys.argv[1], "threads.bin")

def new_map():
    if KIND == "anon private":
        return M.mmap(-1, 4 * PAGESIZE, flags=M.MAP_PRIVATE | M.MAP_ANONYMOUS)
    if KIND == "anon shared":
        return M.mmap(-1, 4 * PAGESIZE)
    with open(path, "wb") as f:
        f.write(b"xyz\n" * PAGESIZE)
    with open(path, "r+b") as f:
        return M.mmap(f.fileno(), 0)

box = [new_map()]
stop = time.monotonic() + SECONDS
bad = []
counts = {}

def run(name, body):
    rnd = random.Random(name)
    n = 0
    try:
        while time.monotonic() < stop:
            m = box[0]
            try:
                body(m, rnd)
            except ALLOWED:
                pass
            n += 1
    except BaseException:
        bad.append((name, traceback.format_exc()))
    counts[name] = n

def reader_slices(m, rnd):
    i = rnd.randrange(0, 5 * PAGESIZE)
    m[i]
    m[i:i + rnd.randrange(0, 3 * PAGESIZE)]
    m[::rnd.choice((1, 7, -3))]
    len(m)

def reader_find(m, rnd):
    m.find(b"z\nx", rnd.randrange(0, 4 * PAGESIZE))
    m.rfind(b"yz", 0, rnd.randrange(0, 5 * PAGESIZE))
    b"q" in m if rnd.random() < 0.01 else None

def reader_read(m, rnd):
    m.seek(rnd.randrange(0, 2 * PAGESIZE))
    m.read(rnd.randrange(0, 3 * PAGESIZE))
    m.readline()
    m.read_byte()
    if rnd.random() < 0.1:
        with memoryview(m) as v:
            bytes(v[:16])

def closer(m, rnd):
    m.close()
    box[0] = new_map()
    time.sleep(0.001)

def resizer(m, rnd):
    m.resize(rnd.randrange(1, 5) * PAGESIZE - rnd.randrange(0, 2))
    time.sleep(0.0005)

threads = [threading.Thread(target=run, args=(n, b)) for n, b in (
    ("slices", reader_slices), ("find", reader_find), ("read", reader_read),
    ("closer", closer), ("resizer", resizer))]
for t in threads:
    t.start()
for t in threads:
    t.join()
for name, tb in bad:
    print("thread %%s raised:\n%%s" %% (name, tb))
assert not bad
assert all(counts[n] > 0 for n in counts), counts
print("ok", counts)
'''


@pytest.mark.parametrize("kind", ["anon private", "anon shared", "file"])
def test_h31_readers_vs_close_and_resize(impl, kind, tmp_path):
    stdlib_broken(impl, *FIND_BUG)
    r = run_child(CODE % (SECONDS, kind), impl, args=[str(tmp_path)],
                  timeout=SECONDS * 20 + 60)
    assert b"ok" in r.stdout


SUBINTERP = r'''
try:
    import _testcapi
except ImportError:
    print("no _testcapi")
    raise SystemExit(0)
code = """if 1:
    import sys
    sys.path.insert(0, %r)
    if %r == "mmf":
        import mmf as M
    else:
        import mmap as M
    m = M.mmap(-1, 100)
    m[0:5] = b"hello"
    assert m.find(b"llo") == 2 and m[:5] == b"hello"
    m.close()
""" % (sys.path[0], IMPL)
for _ in range(3):
    assert _testcapi.run_in_subinterp(code) == 0
m = M.mmap(-1, 10)          # the main interpreter's module still works
m[0] = 1
print("ok")
'''


def test_sub_interpreters(impl):
    # The module supports multi-phase init, hence sub-interpreters.
    r = run_child(SUBINTERP, impl)
    if b"no _testcapi" in r.stdout:
        pytest.skip("this interpreter has no _testcapi")
    assert r.stdout.split()[-1] == b"ok", r.stdout
