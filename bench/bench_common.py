"""bench_common.py - what the modules of bench_mmap.py share: the constants,
the log, the implementations (mmf or its stand-in, the peer, the maps),
the statistic of the repeats, and the rows with their Markdown tables.
"""

import math
import os
import statistics
import sys
import time
import mmap as std_mmap


GEN_VERSION = 1
MiB = 1 << 20
GB = 1e9
TEXT_LENGTHS = (2, 4, 8, 16, 64, 256)
REP_SHAPES = (
    # (label, needle builder, lengths)
    ("a…ab", lambda n: b"a" * (n - 1) + b"b", (2, 4, 8, 16, 64, 256)),
    ("baa…a", lambda n: b"b" + b"a" * (n - 1), (2, 4, 8, 16, 64, 256)),
    # at length 2 this shape is `ab`, the first shape again: start at 3
    ("abaa…a", lambda n: b"ab" + b"a" * (n - 2), (3, 4, 8, 16, 64, 256)),
)
ABSENT_BYTE = b"~"  # the generator never writes it
SECTIONS = ("text", "rep", "lines", "call", "sys", "threads", "rss", "anon")
# pyperf options of the per-call rows (bench/bench_calls.py): worker
# processes per side and round, values per process, rounds.
PYPERF_QUICK = ("--rounds", "2", "-p", "1", "-n", "3", "--min-time", "0.05")
PYPERF_FULL = ("--rounds", "2", "-p", "5", "-n", "3", "--min-time", "0.1")
LINE_METHODS = ("lines", "iterlines", "iter_lines")


def log(msg):
    t = time.perf_counter() - T_START
    print("[%6.1fs] %s" % (t, msg), file=sys.stderr, flush=True)


T_START = time.perf_counter()

# The child processes of the rss and strace rows run the driver.
DRIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_mmap.py")


# ---------------------------------------------------------------------------
# Implementations
# ---------------------------------------------------------------------------

def load_mmf(self_test, require):
    """(module, label, note). The stdlib stands in when mmf is missing."""
    if self_test:
        return std_mmap, "stdlib (stand-in)", "SELF-TEST: the stdlib mmap stands in for mmf"
    try:
        import mmf
    except ImportError as e:
        if require:
            sys.exit("bench_mmap: cannot import mmf (%s); `make bench` installs it "
                     "into build/bench-venv (or: `make python PYTHON=%s` and "
                     "PYTHONPATH=build/<cache_tag>)" % (e, sys.executable))
        bar = "!" * 78
        print("%s\n!! WARNING: mmf is not importable (%s).\n!! The stdlib mmap "
              "stands in for mmf: every ratio below is stdlib vs stdlib.\n%s"
              % (bar, e, bar), file=sys.stderr, flush=True)
        return std_mmap, "stdlib (stand-in)", ("WARNING: mmf not importable (%s); "
                                              "the stdlib stands in for mmf" % e)
    return mmf, "mmf", "mmf: %s" % getattr(mmf, "__file__", "?")


def load_peer(disabled):
    """(stringzilla module or None, note)."""
    if disabled:
        return None, "the StringZilla peer is off (--no-peer)"
    try:
        import stringzilla
    except ImportError as e:
        return None, "StringZilla is not importable (%s): no peer columns" % e
    return stringzilla, "StringZilla %s (%s)" % (
        getattr(stringzilla, "__version__", "?"), stringzilla.__file__)


def open_peer(sz, path):
    """StringZilla's own map of the file (read-only), searched as a Str."""
    return sz.Str(sz.File(path))


class Ctx:
    pass


def open_map(mod, path, write=False):
    with open(path, "r+b" if write else "rb") as f:
        if write:
            return mod.mmap(f.fileno(), 0)
        return mod.mmap(f.fileno(), 0, access=mod.ACCESS_READ)


def fault_in(m, end=None):
    """Touch every page of m[:end] with memchr passes (untimed) until a pass
    is no slower than the one before (at most 4). Done once per map, and
    again right before every timed scan: on this kind of virtual machine the
    kernel (DAMON ages pages) and the hypervisor (shadow page tables) make
    the first pass over pages that were idle for a while pay a fault per
    page; a warm measurement should not include that."""
    end = len(m) if end is None else end
    prev = None
    for _ in range(4):
        t0 = time.perf_counter()
        m.find(ABSENT_BYTE, 0, end)
        dt = time.perf_counter() - t0
        if prev is not None and dt >= 0.8 * prev:
            break
        prev = dt


def order(r, impls=("std", "mmf")):
    """The order of the implementations in repeat r: rotated every repeat."""
    impls = tuple(impls)
    k = r % len(impls)
    return impls[k:] + impls[:k]


AGG = {"fn": statistics.median, "name": "medians"}


def med(xs):
    """The statistic of a row's samples: the median (default) or, with
    --stat min, the best."""
    return AGG["fn"](xs) if xs else float("nan")


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def err_text(e):
    s = "%s: %s" % (type(e).__name__, e)
    return "error: " + (s[:60] + "…" if len(s) > 60 else s).replace("|", "/")


def child_module(name):
    if name == "std":
        return std_mmap
    import mmf
    return mmf


# ---------------------------------------------------------------------------
# Rows and formatting
# ---------------------------------------------------------------------------

ROWS = []
PEER_ROWS = []
NOTES = []


def add_row(section, name, std, mmf, ratio, target, met, raw=None):
    ROWS.append({"section": section, "name": name, "std": std, "mmf": mmf,
                 "ratio": ratio, "target": target, "met": met, "raw": raw or {}})


def f_gbs(x, size=None, full=None):
    if x != x:
        return "n/a"
    s = ("%.3f" if x < 0.1 else "%.2f") % x + " GB/s"
    if size is not None and full is not None and size < full:
        s += " [%s]" % f_size(size)
    return s


def f_size(n):
    return "%d MiB" % (n // MiB) if n >= MiB else "%d KiB" % (n // 1024)


def f_ns(x):
    return "%.1f ns" % x if x < 1000 else "%.2f µs" % (x / 1000)


def f_x(x):
    return "%.2f×" % x if x == x else "n/a"


def met_text(m):
    return {True: "PASS", False: "MISS", None: "n/a", "info": "—"}[m]


def render_table(ctx):
    out = []
    out.append("Machine: %s; load average %.2f at the start, %.2f at the end" % (
        ctx.machine, ctx.load_start[0], ctx.load_end[0]))
    out.append("")
    out.append("Data: %s of English-like text (%d lines, mean %.0f bytes) and %s of `a`; "
               "%d repeats, %s, stdlib and mmf alternating; GB/s = 1e9 bytes/s. "
               "%s." % (f_size(ctx.size), ctx.meta["lines"], ctx.size / ctx.meta["lines"],
                        f_size(ctx.size), ctx.repeats, AGG["name"], ctx.mmf_note))
    out.append("")
    out.append("| Operation | stdlib `mmap` | %s | mmf vs stdlib | Target | Met |" % ctx.mmf_label)
    out.append("|---|---|---|---|---|---|")
    section = None
    for r in ROWS:
        if r["section"] != section:
            section = r["section"]
            out.append("| **%s** | | | | | |" % section)
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            r["name"], r["std"], r["mmf"], r["ratio"], r["target"], met_text(r["met"])))
    counts = {}
    for r in ROWS:
        counts[met_text(r["met"])] = counts.get(met_text(r["met"]), 0) + 1
    out.append("")
    out.append("Summary: %d PASS, %d MISS, %d n/a (of %d rows with a target)." % (
        counts.get("PASS", 0), counts.get("MISS", 0), counts.get("n/a", 0),
        sum(v for k, v in counts.items() if k != "—")))
    if PEER_ROWS:
        out.append("")
        out.append("Peer: %s, on its own map of the same files (`Str(File(path))`); "
                   "`find` / `rfind` / `count` with the same needles and (start, end); "
                   "the stdlib mmap has no `count`. Target: mmf at least as fast as "
                   "StringZilla on every row (Met), and linear where it is not."
                   % ctx.peer_note)
        out.append("")
        out.append("| Operation | stdlib `mmap` | StringZilla | %s | mmf vs StringZilla | Met |"
                   % ctx.mmf_label)
        out.append("|---|---|---|---|---|---|")
        for r in PEER_ROWS:
            out.append("| %s | %s | %s | %s | %s | %s |" % (
                r["name"], r["std"], r["sz"], r["mmf"], r["ratio"], met_text(r["met"])))
        pc = [met_text(r["met"]) for r in PEER_ROWS]
        far = [r["name"] for r in PEER_ROWS if r["met"] is False
               and r["raw"].get("ratio", 1) < 0.95]
        out.append("")
        out.append("Peer summary: mmf at least as fast as StringZilla on %d of %d rows%s%s." % (
            pc.count("PASS"), len(pc),
            "" if pc.count("MISS") == 0 else "; slower on: " + ", ".join(
                r["name"] for r in PEER_ROWS if r["met"] is False),
            "" if pc.count("MISS") == 0 else "; of those, more than 5 %% slower "
            "(beyond this machine's usual noise): %s" % (", ".join(far) or "none")))
    for n in NOTES:
        out.append("")
        out.append("- " + n)
    return "\n".join(out)
