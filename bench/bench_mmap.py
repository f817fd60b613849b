#!/usr/bin/env python3
"""bench_mmap.py - the stdlib mmap against mmf, on the same data, in one process.

Prints one Markdown table with a row for every target of docs/performance.md:
the stdlib median, the mmf median, their ratio, the target and PASS/MISS;
then a second table with the peer, StringZilla (PyPI `stringzilla`), beside
the stdlib and mmf on every find / rfind / count row (target: mmf at least
as fast as the peer on every row).

    python3 bench/bench_mmap.py                 full run: 1 GiB of data, 5 repeats (~5-10 min)
    python3 bench/bench_mmap.py --quick         64 MiB, 3 repeats, fewer iterations (< 1 min)
    python3 bench/bench_mmap.py --json out.json save every raw sample as well
    python3 bench/bench_mmap.py --markdown build/bench.md   the tables to a file too
    python3 bench/bench_mmap.py --only call     the per-call rows alone (pyperf)

Other options: --size-mib N, --repeats N, --data-dir DIR (default build/bench-data),
--stat min (the best repeat instead of the median: for a machine others are using),
--only SECTIONS (comma list of: text,rep,lines,call,sys,threads,rss,anon),
--require-mmf (a missing mmf is an error; tools/bench.sh passes it),
--no-peer (no StringZilla columns), --call-rows seek,tell,... (a subset of
the per-call rows: `bench/bench_calls.py --list`), --pyperf-args "..."
(options of the per-call pyperf runs, replacing the defaults PYPERF_QUICK /
PYPERF_FULL below),
--self-test (the stdlib stands in for mmf even when mmf is importable: every
ratio should then be about 1.00, which checks the harness itself).
QUICK=1 in the environment means --quick.

mmf is imported as `mmf` from sys.path: `make bench` (tools/bench.sh) runs
this with the python of build/bench-venv, where the wheel pip built from an
sdist of the checkout is installed (the build users get). When mmf cannot be
imported and --require-mmf is not given, the stdlib stands in for it with a
loud warning, and the header of the table says so. StringZilla and pyperf
come from the same venv (pinned in tests/requirements.txt, or at the top of
tools/bench.sh until they are); without StringZilla the peer table is left
out, without pyperf the per-call rows say n/a.

Method
------
* Data is generated once and cached in the data directory, keyed by size and
  generator version: English-like text (words drawn with Zipf-like weights
  from a list of common English words, capitalised sentences, punctuation,
  lines of 60 to 100 characters), a second file of the same kind for the
  two-thread test, and a repetitive file `aaaa...`.
* The text is a few MiB of distinct text tiled with rotations that start at
  line boundaries, so every substring of the file that does not cross a tile
  boundary is a substring of the (cyclic) chunk: absent needles are verified
  against the chunk and the tile boundaries, not by scanning the whole file.
* Every map is faulted in (a full scan) before warm measurements, and the
  range about to be scanned is touched again (untimed) right before every
  timed scan (see fault_in()).
* Each row is measured `repeats` times, the stdlib and mmf alternating (the
  order flips every repeat), and the medians are compared. GB/s is 1e9 bytes
  per second, computed on the bytes actually searched.
* Per-call rows (section `call`) are measured by bench/bench_calls.py with
  pyperf: loops calibrated by pyperf, several fresh worker processes per
  side (one warm-up and a few values each), the stdlib and mmf alternating
  in rounds; a cell is the mean ± standard deviation of one call, the ratio
  is stdlib mean / mmf mean (with --stat min: of the best values). The loop
  overhead (a `for` over itertools.repeat) is included on both sides. The
  data: 1.7 MB of text in lines of 60 to 100 bytes, and 2 MB of lines of 20
  to 200 bytes for the line iterator (generated, cached in the data dir).
* The system-call rows (section `sys`) use timeit-style loops in this
  process (best of a few loops, median of the repeats).
* The peer (StringZilla) maps the same files with its own `File` and
  searches a `Str` over it; it takes its turn in the alternation of every
  find / rfind / count row, and on repetitive data gets the stdlib's time
  budget (it can be slow on some shapes).
* The stdlib's reverse search is quadratic on some repetitive shapes: each
  implementation searches a prefix whose size is chosen so that one call
  takes about a time budget (calibrated on 1 MiB); the size searched is shown
  in brackets when it is smaller than the file.
* Peak RSS (VmHWM) and system-call counts (strace) are measured in child
  processes, one per implementation and operation.
"""

import argparse
import io
import itertools
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
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

# About 500 common English words, most frequent first (the order gives the
# Zipf rank).
WORDS = """
the of and to a in is it you that he was for on are with as I his they be at
one have this from or had by word but what some we can out other were all
there when up use your how said an each she which do their time if will way
about many then them write would like so these her long make thing see him
two has look more day could go come did number sound no most people my over
know water than call first who may down side been now find any new work part
take get place made live where after back little only round man year came
show every good me give our under name very through just form sentence great
think say help low line differ turn cause much mean before move right boy old
too same tell does set three want air well also play small end put home read
hand port large spell add even land here must big high such follow act why
ask men change went light kind off need house picture try us again animal
point mother world near build self earth father head stand own page should
country found answer school grow study still learn plant cover food sun four
between state keep eye never last let thought city tree cross farm hard start
might story saw far sea draw left late run don't while press close night real
life few north open seem together next white children begin got walk example
ease paper group always music those both mark often letter until mile river
car feet care second book carry took science eat room friend began idea fish
mountain stop once base hear horse cut sure watch color face wood main enough
plain girl usual young ready above ever red list though feel talk bird soon
body dog family direct pose leave song measure door product black short
numeral class wind question happen complete ship area half rock order fire
south problem piece told knew pass since top whole king space heard best hour
better true during hundred five remember step early hold west ground interest
reach fast verb sing listen six table travel less morning ten simple several
vowel toward war lay against pattern slow center love person money serve
appear road map rain rule govern pull cold notice voice unit power town fine
certain fly fall lead cry dark machine note wait plan figure star box noun
field rest correct able pound done beauty drive stood contain front teach
week final gave green oh quick develop ocean warm free minute strong special
mind behind clear tail produce fact street inch multiply nothing course stay
wheel full force blue object decide surface deep moon island foot system busy
test record boat common gold possible plane stead dry wonder laugh thousand
ago ran check game shape equate hot miss brought heat snow tire bring yes
distant fill east paint language among it's can't won't I'm government
company important business information development different however national
""".split()

# Separators after a word: (text, weight). "\n" never appears here: lines are
# made by the wrapper.
SEPARATORS = ((" ", 880), (", ", 60), (". ", 45), ("; ", 4), (": ", 3),
              ("? ", 4), ("! ", 2), (" - ", 2))


def log(msg):
    t = time.perf_counter() - T_START
    print("[%6.1fs] %s" % (t, msg), file=sys.stderr, flush=True)


T_START = time.perf_counter()


# ---------------------------------------------------------------------------
# Data generation
# ---------------------------------------------------------------------------

def gen_text_chunk(rng, nbytes):
    """English-like text of about nbytes (ASCII, ends with a newline)."""
    vocab = list(dict.fromkeys(WORDS))
    cw = list(itertools.accumulate(1.0 / (r + 2.7) for r in range(1, len(vocab) + 1)))
    seps = [s for s, _ in SEPARATORS]
    scw = list(itertools.accumulate(w for _, w in SEPARATORS))
    out = []
    total = 0
    line = []
    line_len = 0
    width = rng.randint(60, 100)
    cap = True
    while total < nbytes:
        k = 100000
        words = rng.choices(vocab, cum_weights=cw, k=k)
        punct = rng.choices(seps, cum_weights=scw, k=k)
        widths = rng.choices(range(60, 101), k=k // 8)
        wi = 0
        for w, p in zip(words, punct):
            if cap:
                w = w[0].upper() + w[1:]
            tok = w + p.rstrip(" ")
            cap = p[0] in ".?!"
            if line_len and line_len + 1 + len(tok) > width:
                s = " ".join(line) + "\n"
                out.append(s)
                total += len(s)
                line = [tok]
                line_len = len(tok)
                width = widths[wi]
                wi = (wi + 1) % len(widths)
            else:
                line.append(tok)
                line_len += len(tok) + (1 if line_len else 0)
            if total >= nbytes:
                break
    return "".join(out).encode("ascii")


def line_starts_after(chunk, pos):
    """The start of the first line at or after pos (cyclic)."""
    j = chunk.find(b"\n", pos)
    return 0 if j < 0 or j + 1 >= len(chunk) else j + 1


class TextLayout:
    """A file made of tiles; tile k is the chunk rotated at rots[k]."""

    def __init__(self, chunk, size, rng):
        self.chunk = chunk
        self.size = size
        ntiles = -(-size // len(chunk))
        self.rots = [line_starts_after(chunk, rng.randrange(len(chunk)))
                     for _ in range(ntiles)]

    def tile(self, k):
        r = self.rots[k]
        return self.chunk[r:] + self.chunk[:r]

    def cyclic(self, start, n):
        """n bytes of the chunk read cyclically from start."""
        c = self.chunk
        i = start % len(c)
        out = c[i:i + n]
        return out + c[:n - len(out)]

    def boundary_windows(self, L):
        """The bytes around each tile boundary that a match of length L
        crossing it could use."""
        c = len(self.chunk)
        w = []
        for k in range(len(self.rots) - 1):
            if (k + 1) * c >= self.size:
                break
            w.append(self.cyclic(self.rots[k] + c - (L - 1), L - 1)
                     + self.cyclic(self.rots[k + 1], L - 1))
        return w

    def write(self, path):
        tmp = path + ".tmp%d" % os.getpid()
        written = 0
        lines = 0
        with open(tmp, "wb", buffering=0) as f:
            for k in range(len(self.rots)):
                t = self.tile(k)
                if written + len(t) > self.size:
                    t = t[:self.size - written]
                f.write(t)
                lines += t.count(b"\n")
                written += len(t)
                last = t[-1:]
        if last != b"\n":
            lines += 1
        os.replace(tmp, path)
        return lines


def absent(needle, cyc, windows):
    """needle occurs neither in cyc (the chunk followed by its first 255
    bytes) nor in any boundary window."""
    if cyc.find(needle) >= 0:
        return False
    return all(w.find(needle) < 0 for w in windows)


def pick_needles(rng, chunk, layouts):
    """Absent needles of TEXT_LENGTHS made of text: for 2 bytes the absent
    pair of letters with the highest product of frequencies; longer ones are
    substrings of the text starting at a word, with two inner letters
    swapped (a typo), checked absent everywhere in the files."""
    needles = {}
    wins = {}
    for L in TEXT_LENGTHS:
        wins[L] = [w for lay in layouts for w in lay.boundary_windows(L)]
    cyc = chunk + chunk[:max(TEXT_LENGTHS)]
    freq = [0] * 256
    sample = chunk[:4 * MiB]
    for b in set(sample):
        freq[b] = sample.count(bytes([b]))
    letters = [c for c in range(ord("a"), ord("z") + 1) if freq[c]]
    pairs = sorted(((freq[a] * freq[b], bytes([a, b])) for a in letters for b in letters),
                   reverse=True)
    for _, p in pairs:
        if absent(p, cyc, wins[2]):
            needles[2] = p
            break
    for L in TEXT_LENGTHS:
        if L == 2:
            continue
        for _ in range(10000):
            pos = chunk.find(b" ", rng.randrange(len(chunk) - 2 * L)) + 1
            s = bytearray(chunk[pos:pos + L])
            mid = [i for i in range(1, L - 1)
                   if chr(s[i]).isalpha() and chr(s[i + 1]).isalpha() and s[i] != s[i + 1]]
            if len(s) != L or not mid:
                continue
            i = mid[len(mid) // 2]
            s[i], s[i + 1] = s[i + 1], s[i]
            s = bytes(s)
            if absent(s, cyc, wins[L]):
                needles[L] = s
                break
        else:
            raise RuntimeError("no absent needle of length %d" % L)
    return needles


def write_repetitive(path, size):
    tmp = path + ".tmp%d" % os.getpid()
    block = b"a" * (64 * MiB)
    with open(tmp, "wb", buffering=0) as f:
        left = size
        while left:
            n = min(left, len(block))
            f.write(block[:n])
            left -= n
    os.replace(tmp, path)


def prepare_data(data_dir, size_mib):
    """Generate (or reuse) the data files; return the metadata dict."""
    os.makedirs(data_dir, exist_ok=True)
    key = "%dM-v%d" % (size_mib, GEN_VERSION)
    meta_path = os.path.join(data_dir, "meta-%s.json" % key)
    paths = {
        "text": os.path.join(data_dir, "text-%s.txt" % key),
        "text2": os.path.join(data_dir, "text2-%s.txt" % key),
        "rep": os.path.join(data_dir, "rep-%dM.txt" % size_mib),
    }
    size = size_mib * MiB
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        if all(os.path.exists(p) and os.path.getsize(p) == size for p in paths.values()):
            meta["needles"] = {int(k): v.encode("latin-1") for k, v in meta["needles"].items()}
            meta["paths"] = paths
            log("data: reusing %s" % data_dir)
            return meta
    log("data: generating %d MiB of text (x2) and repetitive data in %s" % (size_mib, data_dir))
    rng = random.Random(20240611 + size_mib)
    chunk = gen_text_chunk(rng, min(8 * MiB, size))
    log("data: %d bytes of distinct text" % len(chunk))
    lay1 = TextLayout(chunk, size, rng)
    lay2 = TextLayout(chunk, size, rng)
    needles = pick_needles(rng, chunk, [lay1, lay2])
    lines = lay1.write(paths["text"])
    lay2.write(paths["text2"])
    if not (os.path.exists(paths["rep"]) and os.path.getsize(paths["rep"]) == size):
        write_repetitive(paths["rep"], size)
    meta = {"size": size, "lines": lines, "chunk": len(chunk),
            "needles": {str(k): v.decode("latin-1") for k, v in needles.items()}}
    with open(meta_path + ".tmp", "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(meta_path + ".tmp", meta_path)
    meta["needles"] = needles
    meta["paths"] = paths
    log("data: done")
    return meta


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


# ---------------------------------------------------------------------------
# Searches
# ---------------------------------------------------------------------------

def run_search(m, meth, needle, end):
    f = getattr(m, meth)
    t0 = time.perf_counter()
    res = f(needle, 0, end)
    return time.perf_counter() - t0, res


def measure_search(ctx, maps, meth, needle, ends, expect=-1, repeats=None, impls=None):
    """ctx.repeats (or repeats) alternating timed calls of each of impls
    (default: the stdlib, mmf and, when loaded, the peer); returns
    ({impl: [seconds]}, {impl: error text or None})."""
    impls = impls or ctx.impls
    times = {k: [] for k in impls}
    errs = {k: None for k in impls}
    for r in range(repeats or ctx.repeats):
        for k in order(r, impls):
            if errs[k]:
                continue
            try:
                fault_in(maps[k], ends[k])
                dt, res = run_search(maps[k], meth, needle, ends[k])
            except Exception as e:  # an unfinished mmf must not stop the run
                errs[k] = err_text(e)
                continue
            if res != expect:
                errs[k] = "WRONG: returned %r, expected %r" % (res, expect)
            times[k].append(dt)
    return times, errs


def rate_of(times, errs, k, nbytes):
    """GB/s from the statistic of the samples, NaN when k failed or is absent."""
    if not times.get(k) or errs.get(k):
        return float("nan")
    return nbytes / med(times[k]) / GB


def add_peer_row(ctx, name, gs, gz, gm, errs, raw, sizes=None):
    """A row of the peer table: the stdlib (or a dash when it has no such
    call), StringZilla and mmf; met when mmf is at least as fast as the
    peer."""
    sizes = sizes or {}
    full = ctx.size
    cell = lambda k, g: errs.get(k) or f_gbs(g, sizes.get(k), full)
    std = "—" if gs is None else cell("std", gs)
    ok = gm == gm and gz == gz
    raw = dict(raw, ratio=gm / gz if ok else None)
    PEER_ROWS.append({"name": name, "std": std, "sz": cell("sz", gz), "mmf": cell("mmf", gm),
                      "ratio": f_x(gm / gz) if ok else "n/a",
                      "met": (gm >= gz) if ok else None, "raw": raw})


def bench_text(ctx):
    size = ctx.size
    maps = ctx.text
    sec = "Search, English-like text (absent needles)"
    whole = {k: size for k in ctx.impls}
    for meth, target_gm in (("find", 4.4), ("rfind", 6.0)):
        rates = {"std": [], "mmf": []}
        ok_all = True
        for L in TEXT_LENGTHS:
            nd = ctx.meta["needles"][L]
            log("text %s n=%d" % (meth, L))
            times, errs = measure_search(ctx, maps, meth, nd, whole)
            gs = rate_of(times, errs, "std", size)
            gm = rate_of(times, errs, "mmf", size)
            rates["std"].append(gs)
            rates["mmf"].append(gm)
            met = None if gm != gm else gm >= 10.0
            ok_all = ok_all and gm == gm
            raw = {k + "_s": v for k, v in times.items()}
            raw.update(needle=nd.decode("latin-1"), bytes=size)
            add_row(sec, "`%s`, needle of %d bytes" % (meth, L),
                    errs["std"] or f_gbs(gs), errs["mmf"] or f_gbs(gm), f_x(gm / gs),
                    "≥ 10 GB/s", met, raw)
            if ctx.peer:
                add_peer_row(ctx, "text `%s`, needle of %d bytes" % (meth, L), gs,
                             rate_of(times, errs, "sz", size), gm, errs, raw)
        if ok_all:
            g_s, g_m = geomean(rates["std"]), geomean(rates["mmf"])
            ratio = g_m / g_s
            add_row(sec, "`%s`, geometric mean of 2..256" % meth, f_gbs(g_s), f_gbs(g_m),
                    f_x(ratio), "≥ %.1f× stdlib" % target_gm, ratio >= target_gm)
        else:
            add_row(sec, "`%s`, geometric mean of 2..256" % meth, "", "n/a (a length failed)",
                    "n/a", "≥ %.1f× stdlib" % target_gm, None)
    for meth in ("find", "rfind"):
        log("text %s 1 byte" % meth)
        # memchr against memchr: a parity row with a 5 % margin, and calls
        # of a few ms, so three times the repeats.
        times, errs = measure_search(ctx, maps, meth, ABSENT_BYTE, whole,
                                     repeats=3 * ctx.repeats)
        gs = rate_of(times, errs, "std", size)
        gm = rate_of(times, errs, "mmf", size)
        raw = {k + "_s": v for k, v in times.items()}
        add_row(sec, "`%s`, 1-byte needle (memchr)" % meth, errs["std"] or f_gbs(gs),
                errs["mmf"] or f_gbs(gm), f_x(gm / gs), "≥ 0.95× stdlib",
                None if gm != gm else gm / gs >= 0.95, raw)
        if ctx.peer:
            add_peer_row(ctx, "text `%s`, 1-byte needle" % meth, gs,
                         rate_of(times, errs, "sz", size), gm, errs, raw)
    if ctx.peer:
        # count(): the stdlib mmap has none; mmf against the peer alone.
        for L in TEXT_LENGTHS + (1,):
            nd = ABSENT_BYTE if L == 1 else ctx.meta["needles"][L]
            log("text count n=%d (peer)" % L)
            times, errs = measure_search(ctx, maps, "count", nd, whole, expect=0,
                                         impls=("mmf", "sz"))
            add_peer_row(ctx, "text `count`, needle of %d byte%s" % (L, "s" if L > 1 else ""),
                         None, rate_of(times, errs, "sz", size),
                         rate_of(times, errs, "mmf", size), errs,
                         {k + "_s": v for k, v in times.items()})


def calibrate(m, meth, needle, full, budget):
    """Bytes to search so that one call takes about `budget` seconds:
    a power-of-two number of MiB between 1 MiB and the whole map."""
    probe = min(MiB, full)
    best = min(run_search(m, meth, needle, probe)[0] for _ in range(2))
    rate = probe / max(best, 1e-7)
    n = MiB
    while n * 2 <= full and n * 2 <= rate * budget:
        n *= 2
    if rate * budget >= full:
        n = full
    return n


def bench_rep(ctx):
    full = ctx.size
    maps = ctx.rep
    sec = "Search, repetitive data (`aaaa…`, absent needles)"
    # The stdlib and the peer get the short time budget (either can be
    # quadratic or slow on a shape), mmf the long one.
    budgets = {"std": ctx.budget_std, "mmf": ctx.budget_mmf, "sz": ctx.budget_std}
    for label, build, lengths in REP_SHAPES:
        for meth in ("find", "rfind", "count"):
            if meth == "count" and not ctx.peer:
                continue
            impls = ("mmf", "sz") if meth == "count" else ctx.impls
            for L in lengths:
                nd = build(L)
                log("rep %s %s n=%d" % (meth, label, L))
                ends = {}
                errs0 = {}
                for k in impls:
                    try:
                        ends[k] = calibrate(maps[k], meth, nd, full, budgets[k])
                    except Exception as e:
                        errs0[k] = err_text(e)
                        ends[k] = MiB
                times, errs = measure_search(ctx, maps, meth, nd, ends,
                                             expect=0 if meth == "count" else -1, impls=impls)
                errs.update({k: v for k, v in errs0.items()})
                gm = rate_of(times, errs, "mmf", ends["mmf"])
                raw = {k + "_s": v for k, v in times.items()}
                raw.update({k + "_bytes": v for k, v in ends.items()})
                if meth != "count":
                    gs = rate_of(times, errs, "std", ends["std"])
                    met = None if gm != gm else (gm >= 1.0 and gm >= gs)
                    add_row(sec, "`%s` `%s`, %d bytes" % (meth, label, L),
                            errs["std"] or f_gbs(gs, ends["std"], full),
                            errs["mmf"] or f_gbs(gm, ends["mmf"], full), f_x(gm / gs),
                            "≥ 1 GB/s and ≥ stdlib", met, raw)
                else:
                    gs = None
                if ctx.peer:
                    add_peer_row(ctx, "`aaaa…` `%s` `%s`, %d bytes" % (meth, label, L), gs,
                                 rate_of(times, errs, "sz", ends["sz"]), gm, errs, raw,
                                 sizes=ends)
    NOTES.append("Repetitive rows: a size in brackets is the prefix searched, chosen so that "
                 "one call takes about %.2f s (stdlib%s) or %.2f s (mmf); GB/s is computed on "
                 "that size. Without a bracket the whole %s was searched."
                 % (ctx.budget_std, ", StringZilla" if ctx.peer else "", ctx.budget_mmf,
                    f_size(full)))


# ---------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------

def line_method(m):
    for name in LINE_METHODS:
        if hasattr(m, name):
            return name
    return None


def loop_readline(mm):
    fault_in(mm)
    mm.seek(0)
    t0 = time.perf_counter()
    while mm.readline():
        pass
    return time.perf_counter() - t0


def loop_lines(mm, name):
    fault_in(mm)
    mm.seek(0)
    t0 = time.perf_counter()
    for _ in getattr(mm, name)():
        pass
    return time.perf_counter() - t0


def bench_lines(ctx):
    sec = "Lines"
    nlines = ctx.meta["lines"]
    mm_std, mm_mmf = ctx.text["std"], ctx.text["mmf"]
    name = None if ctx.self_test else line_method(mm_mmf)
    err = None
    if name:
        # Check once (untimed) that it yields the lines readline() gives.
        try:
            mm_mmf.seek(0)
            it = getattr(mm_mmf, name)()
            first = list(itertools.islice(it, 1000))
            mm_std.seek(0)
            ref = [mm_std.readline() for _ in range(1000)]
            if first != ref:
                NOTES.append("`%s()` does not yield what `readline()` returns (first lines: "
                             "%r vs %r)" % (name, first[:1], ref[:1]))
            mm_mmf.seek(0)
            n = sum(1 for _ in getattr(mm_mmf, name)())
            if n != nlines:
                NOTES.append("`%s()` yielded %d lines, readline() %d" % (name, n, nlines))
        except Exception as e:
            err = err_text(e)
    log("lines: iterator %s vs while readline()" % name)
    ts = {"std": [], "mmf": [], "mmf_rl": []}
    for r in range(ctx.repeats):
        for k in order(r):
            if k == "std":
                ts["std"].append(loop_readline(mm_std))
            else:
                ts["mmf_rl"].append(loop_readline(mm_mmf))
                if name and not err:
                    try:
                        ts["mmf"].append(loop_lines(mm_mmf, name))
                    except Exception as e:
                        err = err_text(e)
    rs = nlines / med(ts["std"]) / 1e6
    rrl = nlines / med(ts["mmf_rl"]) / 1e6
    if name and not err:
        rm = nlines / med(ts["mmf"]) / 1e6
        add_row(sec, "line iterator `for l in mm.%s()` vs `while mm.readline()`" % name,
                "%.2f M lines/s" % rs, "%.2f M lines/s" % rm, f_x(rm / rs), "≥ 2×",
                rm / rs >= 2.0, ts)
    else:
        why = err or ("n/a (not implemented: no %s() method)" % "/".join(LINE_METHODS))
        if ctx.self_test:
            why = "n/a (self-test: the stdlib has no line iterator)"
        add_row(sec, "line iterator (new method) vs `while mm.readline()`",
                "%.2f M lines/s" % rs, why, "n/a", "≥ 2×", None, ts)
    add_row(sec, "`while mm.readline()` on both (info)", "%.2f M lines/s" % rs,
            "%.2f M lines/s" % rrl, f_x(rrl / rs), "—", "info", ts)
    bench_count_lines(ctx, sec, nlines)


def count_whole(mm):
    t0 = time.perf_counter()
    n = mm[:].count(b"\n")
    return time.perf_counter() - t0, n


def count_chunked(mm):
    t0 = time.perf_counter()
    n, step = 0, 16 * MiB
    for off in range(0, len(mm), step):
        n += mm[off:off + step].count(b"\n")
    return time.perf_counter() - t0, n


def count_mmf(mm):
    t0 = time.perf_counter()
    n = mm.count(b"\n", 0)
    return time.perf_counter() - t0, n


def bench_count_lines(ctx, sec, nlines):
    """Counting the newlines of the text map: mmf's count() against the
    fastest stdlib way (the faster of a whole copy + bytes.count and 16 MiB
    slices + bytes.count, each median of the repeats)."""
    mm_std, mm_mmf = ctx.text["std"], ctx.text["mmf"]
    has = not ctx.self_test and callable(getattr(mm_mmf, "count", None))
    log("lines: count newlines (%s)" % ("mm.count" if has else "no count()"))
    ts = {"std_whole": [], "std_chunk": [], "mmf": []}
    for r in range(ctx.repeats):
        for k in order(r):
            if k == "std":
                for name, fn in (("std_whole", count_whole),
                                 ("std_chunk", count_chunked)):
                    fault_in(mm_std)  # warm, as for the find rows
                    dt, n = fn(mm_std)
                    assert n == nlines - 1 or n == nlines, (name, n, nlines)
                    ts[name].append(dt)
            elif has:
                fault_in(mm_mmf)
                dt, n = count_mmf(mm_mmf)
                assert n == nlines - 1 or n == nlines, ("mmf count", n, nlines)
                ts["mmf"].append(dt)
    best = min(("std_whole", "std_chunk"), key=lambda k: med(ts[k]))
    size = len(mm_std)
    s = size / med(ts[best]) / GB
    how = "`mm[:].count(b'\\n')`" if best == "std_whole" else \
        "`mm[i:i+16MiB].count(b'\\n')` summed"
    if has:
        m = size / med(ts["mmf"]) / GB
        add_row(sec, "count the newlines: `mm.count(b'\\n', 0)` vs the fastest stdlib "
                "way (%s)" % how, f_gbs(s), f_gbs(m), f_x(m / s), "≥ 5×", m / s >= 5,
                {"std": ts[best], "mmf": ts["mmf"]})
    else:
        add_row(sec, "count the newlines vs the fastest stdlib way (%s)" % how, f_gbs(s),
                "n/a (no count())", "n/a", "≥ 5×", None, {"std": ts[best]})


# ---------------------------------------------------------------------------
# Per-call costs
# ---------------------------------------------------------------------------

def timeit_ns(stmt, setup, g, n, runs):
    t = timeit.Timer(stmt, setup, globals=g)
    return min(t.timeit(n) for _ in range(runs)) / n * 1e9


def gen_line_files(data_dir):
    """The two small files of the per-call rows (bench/bench_calls.py):
    1.7 MB of English-like text in lines of 60 to 100 bytes (the issue's
    "1.7 MB map of 84-byte lines"), and about 2 MB of lines of 20 to 200
    bytes (uniform) for the line iterator. Cached in data_dir."""
    p1 = os.path.join(data_dir, "calls-1.7MB-v%d.txt" % GEN_VERSION)
    p2 = os.path.join(data_dir, "lines-20-200-v%d.txt" % GEN_VERSION)
    if not (os.path.exists(p1) and os.path.exists(p2)):
        rng = random.Random(84)
        text = gen_text_chunk(rng, 4 * MiB)
        calls = text[:text.rfind(b"\n", 0, 1700000) + 1]
        flat = text.replace(b"\n", b" ")
        out, pos = [], 0
        while pos < 2000000:
            n = rng.randint(20, 200) - 1
            out.append(flat[pos:pos + n] + b"\n")
            pos += n
        for path, data in ((p1, calls), (p2, b"".join(out))):
            with open(path + ".tmp", "wb") as f:
                f.write(data)
            os.replace(path + ".tmp", path)
    return p1, p2


def f_mean_sd(vals):
    """Mean ± standard deviation of per-call seconds, in ns or µs."""
    m = statistics.mean(vals) * 1e9
    sd = statistics.stdev(vals) * 1e9 if len(vals) > 1 else 0.0
    if m >= 1000:
        return "%.2f ± %.2f µs" % (m / 1000, sd / 1000)
    return "%.1f ± %.1f ns" % (m, sd)


def call_stat(vals):
    """The statistic of pyperf's values the ratio is taken on: the mean
    (pyperf's), or the best with --stat min."""
    return min(vals) if AGG["fn"] is min else statistics.mean(vals)


def bench_call(ctx):
    """The per-call rows, measured by bench/bench_calls.py with pyperf in
    worker processes; ratio = stdlib / mmf of the means."""
    sec = "Per call (pyperf: mean ± standard deviation of a call; ratio = stdlib / mmf)"
    here = os.path.dirname(os.path.abspath(__file__))
    script = os.path.join(here, "bench_calls.py")
    sys.path.insert(0, here)
    import bench_calls as calls_mod
    try:
        import pyperf
    except ImportError as e:
        for row in calls_mod.ROWS:
            add_row(sec, row[1], "n/a", "n/a (pyperf is not installed: %s)" % e, "n/a",
                    "≥ %g× stdlib" % row[6], None)
        NOTES.append("The per-call rows need pyperf (tools/bench.sh installs it in "
                     "build/bench-venv).")
        return
    calls, lines = gen_line_files(ctx.data_dir)
    out = os.path.join(ctx.scratch, "calls.json")
    cmd = [sys.executable, script, "--calls-file", calls, "--lines-file", lines,
           "--p4k", ctx.p4k, "--needle", ctx.meta["needles"][4].hex(),
           "--impl", "std" if ctx.self_test else "mmf", "--quiet", "-o", out]
    cmd += ctx.pyperf_args
    if ctx.call_rows:
        cmd += ["--rows", ctx.call_rows]
    if os.environ.get("PYTHONPATH"):
        cmd += ["--inherit-environ", "PYTHONPATH"]
    log("per call: %s" % " ".join(cmd[1:]))
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for ln in p.stdout.splitlines():
        if ln.strip():
            log("  pyperf: " + ln)
    if p.returncode != 0 or not os.path.exists(out):
        add_row(sec, "(all per-call rows)", "n/a", "error: bench_calls.py failed (exit %d)"
                % p.returncode, "n/a", "", None)
        return
    suite = pyperf.BenchmarkSuite.load(out)
    vals, nrun, nval = {}, {}, set()
    for bench in suite.get_benchmarks():
        key, side, _ = bench.get_name().split("/")
        vals.setdefault((key, side), []).extend(bench.get_values())
        for run in bench.get_runs():
            if run.values:  # the calibration run has none
                nval.add(len(run.values))
                nrun[(key, side)] = nrun.get((key, side), 0) + 1
    with open(out) as f:
        ctx.pyperf_json = json.load(f)
    for row in calls_mod.ROWS:
        key, label, target = row[0], row[1], row[6]
        if (key, "std") not in vals:
            continue
        vs, vm = vals[(key, "std")], vals.get((key, "mmf"))
        s = call_stat(vs)
        m = call_stat(vm) if vm else float("nan")
        ratio = s / m
        add_row(sec, label + " [%d+%d processes]" % (nrun[(key, "std")],
                                                   nrun.get((key, "mmf"), 0)),
                f_mean_sd(vs), f_mean_sd(vm) if vm else "n/a", f_x(ratio),
                "≥ %g× stdlib" % target, None if ratio != ratio else ratio >= target,
                {"std": vs, "mmf": vm})
    NOTES.append("Per-call rows: bench/bench_calls.py with pyperf %s (options `%s`): each "
                 "side of a row runs in the number of worker processes in brackets, the "
                 "stdlib and mmf alternating in rounds; "
                 "pyperf calibrates the loops (in one more process); %s timed values a "
                 "process after a warm-up. "
                 "Cells: mean ± standard deviation of one call, the loop overhead included "
                 "(the same on both sides); the ratio is that of the %s. %.0f s in all."
                 % (pyperf.__version__, " ".join(ctx.pyperf_args) or "defaults",
                    "/".join(str(n) for n in sorted(nval)) or "?",
                    "best values" if AGG["fn"] is min else "means",
                    time.perf_counter() - t0))


def sys_rows(ctx):
    n = ctx.n_sys
    return [
        ("size", "`mm.size()` (fstat)", "sm.size()", "", n, "parity", None),
        ("flush", "`mm.flush()` (msync), 1 MiB map", "sm.flush()", "", max(n // 50, 100),
         "parity", None),
        ("madvise", "`mm.madvise(MADV_NORMAL)`, 1 MiB map", "sm.madvise(MADV)", "", n,
         "parity", None),
    ]


def call_globals(ctx, k):
    mod = ctx.mods[k]
    return {"mm": ctx.text[k], "wm": ctx.anon[k], "sm": ctx.small[k], "M": mod.mmap,
            "MADV": mod.MADV_NORMAL, "os_open": os.open, "os_close": os.close,
            "O_RDWR": os.O_RDWR, "p4k": ctx.p4k, "nd": ctx.meta["needles"][4],
            "i": 4096, "j": 4096 + 64, "b": ctx.bytes_eq, "bio": ctx.bio}


def setup_code(extra):
    # Names become locals of timeit's inner function, as in a real loop.
    base = ("mm = _g['mm']; wm = _g['wm']; sm = _g['sm']; M = _g['M']; MADV = _g['MADV']; "
            "os_open = _g['os_open']; os_close = _g['os_close']; O_RDWR = _g['O_RDWR']; "
            "p4k = _g['p4k']; nd = _g['nd']; i = _g['i']; j = _g['j']; b = _g['b']; "
            "bio = _g['bio']")
    return base + ("\n" + extra if extra else "")


def autorange(stmt, setup, g, n, seconds):
    """Iterations (at most n, at least 100) for a loop of about `seconds`."""
    probe = 100
    t = timeit.Timer(stmt, setup, globals=g)
    per = min(t.timeit(probe) for _ in range(3)) / probe
    return int(max(100, min(n, seconds / max(per, 1e-9))))


def bench_calls(ctx, rows, sec, syscount=False, runs=None):
    runs = runs or ctx.runs
    for key, label, stmt, setup, n, kind, tv in rows:
        log("per call: %s" % key)
        g = {k: {"_g": call_globals(ctx, k)} for k in ("std", "mmf")}
        if syscount:
            # System calls cost what the kernel and the file system say:
            # keep each loop near a fixed time, the same n for both sides.
            n = autorange(stmt, setup_code(setup), g["std"], n, ctx.sys_loop_s)
        res = {"std": [], "mmf": [], "eq": []}
        err = None
        for r in range(ctx.repeats):
            for k in order(r):
                if k == "mmf" and err:
                    continue
                try:
                    res[k].append(timeit_ns(stmt, setup_code(setup), g[k], n, runs))
                except Exception as e:
                    if k == "std":
                        raise
                    err = err_text(e)
            if kind == "eq":
                eqs, eqsetup = tv
                res["eq"].append(timeit_ns(eqs, setup_code(eqsetup), g["std"], n, runs))
        s = med(res["std"])
        m = med(res["mmf"]) if not err else float("nan")
        ratio = s / m
        calls = ""
        if syscount:
            sc = ctx.syscalls.get(key)
            if sc:
                calls = " (syscalls/call: %s vs %s)" % (sc["std"], sc["mmf"])
            calls += "; %d calls a loop" % n
        mcell = err or f_ns(m)
        if kind == "x":
            met = None if err else ratio >= tv
            target = "≥ %g× stdlib" % tv + calls
        elif kind == "parity":
            met = None if err else ratio >= 0.9
            target = "parity (≥ 0.90×), no extra syscall" + calls
            if syscount and ctx.syscalls.get(key) and not err:
                sc = ctx.syscalls[key]
                try:
                    met = met and float(sc["mmf"]) <= float(sc["std"])
                except ValueError:
                    pass
        else:
            e = med(res["eq"])
            met = None if err else m <= 1.10 * e
            target = "≤ 1.10 × `%s` = %s" % (tv[0], f_ns(1.10 * e))
        add_row(sec, label, f_ns(s), mcell, f_x(ratio), target, met, res)


def bench_sys(ctx):
    ctx.syscalls = count_syscalls(ctx)
    bench_calls(ctx, sys_rows(ctx), "System-call-bound calls", syscount=True,
                runs=ctx.runs + 2)


# ---------------------------------------------------------------------------
# System calls counted with strace (child processes)
# ---------------------------------------------------------------------------

SYS_OPS = ("size", "flush", "madvise", "open")


def child_strace(args):
    """Run op once, then 100 times between two getppid() markers."""
    mod = child_module(args.child_impl)
    path, p4k = args.child_args
    sm = open_map(mod, path, write=True)
    op = args.child_op

    def call():
        if op == "size":
            sm.size()
        elif op == "flush":
            sm.flush()
        elif op == "madvise":
            sm.madvise(mod.MADV_NORMAL)
        elif op == "open":
            fd = os.open(p4k, os.O_RDWR)
            m = mod.mmap(fd, 0)
            m.close()
            os.close(fd)
    call()
    os.getppid()
    for _ in range(100):
        call()
    os.getppid()


def count_syscalls(ctx):
    out = {}
    try:
        subprocess.run(["strace", "-V"], capture_output=True, check=True)
    except Exception:
        NOTES.append("strace is not available: system calls were not counted.")
        return out
    for op in SYS_OPS:
        out[op] = {}
        names = {}
        for k in ("std", "mmf"):
            with tempfile.NamedTemporaryFile("r", suffix=".strace", dir=ctx.scratch) as tf:
                cmd = ["strace", "-f", "-qq", "-o", tf.name, sys.executable, __file__,
                       "--child", "strace", "--child-impl", ctx.child_impl[k],
                       "--child-op", op, "--child-args", ctx.psmall, ctx.p4k]
                try:
                    subprocess.run(cmd, env=ctx.child_env, check=True, capture_output=True,
                                   timeout=60)
                    lines = tf.read().splitlines()
                    marks = [i for i, ln in enumerate(lines) if "getppid(" in ln]
                    if len(marks) < 2:
                        raise RuntimeError("markers not found")
                    between = lines[marks[-2] + 1:marks[-1]]
                    between = [ln for ln in between if "resumed>" not in ln]
                    out[op][k] = "%g" % (len(between) / 100)
                    calls = [ln.split(None, 1)[1].split("(", 1)[0]
                             for ln in between if " " in ln]
                    names[k] = ["%s ×%g" % (c, calls.count(c) / 100)
                                for c in sorted(set(calls))]
                except Exception as e:
                    out[op][k] = "?"
                    NOTES.append("strace count failed for %s/%s: %s" % (k, op, e))
        if len(names) == 2 and (names["std"] != names["mmf"] or
                                out[op]["std"] != out[op]["mmf"]):
            NOTES.append("System calls of `%s`: stdlib %s a call (%s), mmf %s a call (%s)."
                         % (op, out[op]["std"], ", ".join(names["std"]),
                            out[op]["mmf"], ", ".join(names["mmf"])))
    return out


# ---------------------------------------------------------------------------
# Threads
# ---------------------------------------------------------------------------

def scan_concurrently(groups, needle):
    """One thread per group of maps, each thread searching its maps one
    after the other; the wall time from the common start to the last end."""
    barrier = threading.Barrier(len(groups) + 1)
    res = []
    errs = []

    def work(maps):
        barrier.wait()
        try:
            for m in maps:
                res.append(m.find(needle))
        except Exception as e:
            errs.append(e)
    ths = [threading.Thread(target=work, args=(g,)) for g in groups]
    for t in ths:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in ths:
        t.join()
    dt = time.perf_counter() - t0
    if errs:
        raise errs[0]
    if any(x != -1 for x in res):
        raise RuntimeError("WRONG: find returned %r" % res)
    return dt


def bench_threads(ctx):
    sec = "Threads (each thread scans its own %s map)" % f_size(ctx.size)
    second = {}
    for k in ("std", "mmf"):
        second[k] = open_map(ctx.mods[k], ctx.meta["paths"]["text2"])
        fault_in(second[k])
    for label, nd in (("1-byte needle (memchr-bound)", ABSENT_BYTE),
                      ("16-byte text needle", ctx.meta["needles"][16])):
        log("threads: %s" % label)
        t1 = {"std": [], "mmf": []}
        t2 = {"std": [], "mmf": []}
        err = None
        # The other vCPU is shared with other tenants: more repeats than
        # elsewhere, and the speed-up is the median of the ratios of runs
        # made back to back (one thread, then two), not a ratio of medians.
        for r in range(max(ctx.repeats, 9)):
            for k in order(r):
                if k == "mmf" and err:
                    continue
                try:
                    # The same two maps either way: one thread searches
                    # both, or two threads search one each.
                    fault_in(ctx.text[k])
                    fault_in(second[k])
                    t1[k].append(scan_concurrently([[ctx.text[k], second[k]]], nd))
                    fault_in(ctx.text[k])
                    fault_in(second[k])
                    t2[k].append(scan_concurrently([[ctx.text[k]], [second[k]]], nd))
                except Exception as e:
                    if k == "std":
                        raise
                    err = err_text(e)
        sc = {}
        agg = {}
        for k in ("std", "mmf"):
            if t1[k] and t2[k]:
                sc[k] = med([a / b for a, b in zip(t1[k], t2[k])])
                agg[k] = 2 * ctx.size / med(t2[k]) / GB
        cell = lambda k: "%.2f× one thread (%.1f GB/s total)" % (sc[k], agg[k])
        if err or "mmf" not in sc:
            add_row(sec, "two threads vs one, `find`, %s" % label, cell("std"),
                    err or "n/a", "n/a", "mmf ≥ 1.6× one thread", None, {"t1": t1, "t2": t2})
        else:
            add_row(sec, "two threads vs one, `find`, %s" % label, cell("std"), cell("mmf"),
                    f_x(agg["mmf"] / agg["std"]), "mmf ≥ 1.6× one thread",
                    sc["mmf"] >= 1.6, {"t1": t1, "t2": t2})
    for m in second.values():
        m.close()
    NOTES.append("Threads rows: one thread searches both maps one after the other, or two "
                 "threads search one map each, back to back, at least 9 times; the cells "
                 "give the median of the speed-ups of those pairs and the two-thread GB/s; "
                 "the ratio column compares the two-thread GB/s.")


# ---------------------------------------------------------------------------
# Peak RSS (child processes)
# ---------------------------------------------------------------------------

def vmhwm_kib():
    with open("/proc/self/status") as f:
        for ln in f:
            if ln.startswith("VmHWM:"):
                return int(ln.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_module(name):
    if name == "std":
        return std_mmap
    import mmf
    return mmf


def child_rss(args):
    mod = child_module(args.child_impl)
    path, needle = args.child_args
    needle = bytes.fromhex(needle)
    m = open_map(mod, path)
    base = vmhwm_kib()
    op = args.child_op
    if op == "find":
        m.find(needle)
    elif op == "rfind":
        m.rfind(needle)
    elif op == "readline":
        while m.readline():
            pass
    else:
        for _ in getattr(m, op)():
            pass
    print(json.dumps({"base": base, "peak": vmhwm_kib()}))


def bench_rss(ctx):
    sec = "Peak RSS (VmHWM of a child process, file pages included)"
    path = ctx.meta["paths"]["text"]
    nd = ctx.meta["needles"][8]
    lm = None if ctx.self_test else line_method(ctx.text["mmf"])
    for label, op_std, op_mmf in (("`find` over the text, 8-byte needle", "find", "find"),
                                  ("`rfind` over the text, 8-byte needle", "rfind", "rfind"),
                                  ("line iteration (stdlib `while readline()`, mmf %s)"
                                   % ("`%s()`" % lm if lm else "n/a"), "readline", lm)):
        log("rss: %s" % label)
        res = {}
        for k, op in (("std", op_std), ("mmf", op_mmf)):
            if op is None:
                res[k] = "n/a (not implemented)"
                continue
            cmd = [sys.executable, __file__, "--child", "rss", "--child-impl", ctx.child_impl[k],
                   "--child-op", op, "--child-args", path, nd.hex()]
            try:
                p = subprocess.run(cmd, env=ctx.child_env, capture_output=True, text=True,
                                   check=True, timeout=600)
                res[k] = json.loads(p.stdout.strip().splitlines()[-1])
            except Exception as e:
                res[k] = err_text(e)
        if isinstance(res["std"], dict) and isinstance(res["mmf"], dict):
            s, m = res["std"]["peak"] / 1024, res["mmf"]["peak"] / 1024
            add_row(sec, label, "%.0f MiB" % s, "%.0f MiB" % m, "%.2f× (memory)" % (m / s),
                    "≤ 1.10× stdlib", m <= 1.10 * s, res)
        else:
            c = lambda v: ("%.0f MiB" % (v["peak"] / 1024)) if isinstance(v, dict) else v
            add_row(sec, label, c(res["std"]), c(res["mmf"]), "n/a",
                    "≤ 1.10× stdlib", None, res)


# ---------------------------------------------------------------------------
# Anonymous memory: first write
# ---------------------------------------------------------------------------

def hugepage_factory(mod):
    """A function n -> map for mmf's opt-in private anonymous map with huge
    pages, or None. Looks for a keyword of mmap() or a module function."""
    for kw in ("hugepages", "huge_pages", "hugepage", "huge", "thp"):
        # the row is about a private map (shared anonymous memory gets huge
        # pages only where shmem_enabled allows)
        for extra, text in (({"flags": mod.MAP_PRIVATE}, "flags=MAP_PRIVATE, "), ({}, "")):
            try:
                m = mod.mmap(-1, 4 * MiB, **dict(extra, **{kw: True}))
            except Exception:
                continue
            m.close()
            return ((lambda n, kw=kw, extra=extra: mod.mmap(-1, n, **dict(extra, **{kw: True}))),
                    "mmf.mmap(-1, n, %s%s=True)" % (text, kw))
    for fn in ("anonymous", "anonymous_map", "private_anonymous", "hugepage_map"):
        f = getattr(mod, fn, None)
        if callable(f):
            for kwargs in ({"hugepages": True}, {"huge": True}, {}):
                try:
                    m = f(4 * MiB, **kwargs)
                    m.close()
                except Exception:
                    continue
                return ((lambda n, f=f, kw=kwargs: f(n, **kw)),
                        "mmf.%s(n%s)" % (fn, "".join(", %s=True" % a for a in kwargs)))
    return None, None


def first_write(make, n):
    src = b"\x5a" * (2 * MiB)
    t0 = time.perf_counter()
    m = make(n)
    for off in range(0, n, len(src)):
        m[off:off + len(src)] = src
    dt = time.perf_counter() - t0
    m.close()
    return dt


def bench_anon(ctx):
    sec = "Anonymous memory, first write of %s" % f_size(ctx.size)
    n = ctx.size
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            thp = f.read().strip()
    except OSError:
        thp = "unknown"
    std_shared = lambda n: std_mmap.mmap(-1, n)

    def std_thp(n):
        m = std_mmap.mmap(-1, n, flags=std_mmap.MAP_PRIVATE)
        m.madvise(std_mmap.MADV_HUGEPAGE)
        return m
    make_mmf, how = (None, None) if ctx.self_test else hugepage_factory(ctx.mods["mmf"])
    log("anon: first write (mmf opt-in: %s)" % how)
    ts = {"std": [], "mmf": [], "std_thp": []}
    err = None

    def timed(make):
        # Each timed write follows an untimed one of the same kind: whether
        # the kernel has free huge pages at hand (or must compact memory
        # first, which can cost seconds here) depends on what the previous
        # map freed, so every variant gets the same predecessor: itself.
        first_write(make, n)
        return first_write(make, n)
    for r in range(ctx.repeats):
        for k in order(r):
            if k == "std":
                ts["std"].append(timed(std_shared))
            elif make_mmf and not err:
                try:
                    ts["mmf"].append(timed(make_mmf))
                except Exception as e:
                    err = err_text(e)
        ts["std_thp"].append(timed(std_thp))
    s = n / med(ts["std"]) / GB
    if make_mmf and not err:
        m = n / med(ts["mmf"]) / GB
        add_row(sec, "private anonymous map with huge pages (`%s`) vs stdlib `mmap(-1, n)`" % how,
                f_gbs(s), f_gbs(m), f_x(m / s), "≥ 10× stdlib", m / s >= 10, ts)
    else:
        add_row(sec, "private anonymous map with huge pages (opt-in) vs stdlib `mmap(-1, n)`",
                f_gbs(s), err or "n/a (not implemented: no huge-page opt-in found on mmf)",
                "n/a", "≥ 10× stdlib", None, ts)
    t = n / med(ts["std_thp"]) / GB
    add_row(sec, "(info) what the stdlib itself reaches with `mmap(-1, n, flags=MAP_PRIVATE)` "
            "+ `madvise(MADV_HUGEPAGE)` (both columns: stdlib)", f_gbs(s), f_gbs(t),
            f_x(t / s), "—", "info", None)
    NOTES.append("Transparent huge pages on this machine: %s." % thp)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def machine_line():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    cpu = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d cores, %s %s (%s), Linux %s, %s" % (
        cpu, os.cpu_count() or 0, platform.python_implementation(),
        platform.python_version(), sys.executable, platform.release(),
        time.strftime("%Y-%m-%d %H:%M %Z"))


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    env_quick = os.environ.get("QUICK", "") not in ("", "0")
    p.add_argument("--quick", action="store_true", default=env_quick,
                   help="64 MiB, 3 repeats, fewer iterations (also QUICK=1)")
    p.add_argument("--size-mib", type=int, help="data size (default 1024, quick 64)")
    p.add_argument("--repeats", type=int, help="repeats per row (default 5, quick 3)")
    p.add_argument("--json", metavar="FILE", help="also save every raw sample there")
    p.add_argument("--stat", choices=("median", "min"), default="median",
                   help="statistic of the repeats (min: the best, for a busy machine)")
    p.add_argument("--data-dir", help="cache of generated data (default build/bench-data)")
    p.add_argument("--only", help="comma list of: " + ",".join(SECTIONS))
    p.add_argument("--require-mmf", action="store_true",
                   help="a missing mmf is an error (no stand-in)")
    p.add_argument("--self-test", action="store_true",
                   help="the stdlib stands in for mmf (checks the harness)")
    p.add_argument("--markdown", metavar="FILE",
                   help="also write the Markdown tables (and notes) to FILE")
    p.add_argument("--no-peer", action="store_true",
                   help="leave out the StringZilla columns (the peer)")
    p.add_argument("--call-rows", metavar="ROWS", default="",
                   help="a comma list of per-call rows (bench/bench_calls.py --list)")
    p.add_argument("--pyperf-args", metavar="ARGS",
                   help="options for the per-call pyperf runs (default quick: "
                   "'%s'; full: '%s')" % (" ".join(PYPERF_QUICK), " ".join(PYPERF_FULL)))
    p.add_argument("--child", choices=("rss", "strace"), help=argparse.SUPPRESS)
    p.add_argument("--child-impl", help=argparse.SUPPRESS)
    p.add_argument("--child-op", help=argparse.SUPPRESS)
    p.add_argument("--child-args", nargs="*", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.child == "rss":
        return child_rss(args)
    if args.child == "strace":
        return child_strace(args)

    ctx = Ctx()
    if args.stat == "min":
        AGG.update(fn=min, name="best of the repeats (--stat min)")
    ctx.quick = args.quick
    ctx.size = (args.size_mib or (64 if args.quick else 1024)) * MiB
    ctx.repeats = args.repeats or (3 if args.quick else 5)
    ctx.n_call = 100000 if args.quick else 1000000
    ctx.n_sys = 10000 if args.quick else 100000
    ctx.runs = 2 if args.quick else 3
    ctx.sys_loop_s = 0.02 if args.quick else 0.05
    ctx.budget_std = 0.03 if args.quick else 0.25
    ctx.budget_mmf = 0.1 if args.quick else 1.0
    sections = SECTIONS if not args.only else tuple(args.only.split(","))
    for s in sections:
        if s not in SECTIONS:
            sys.exit("bench_mmap: unknown section %r" % s)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    data_dir = args.data_dir or os.path.join(repo, "build", "bench-data")
    ctx.data_dir = data_dir

    mod, ctx.mmf_label, ctx.mmf_note = load_mmf(args.self_test, args.require_mmf)
    ctx.self_test = mod is std_mmap
    ctx.mods = {"std": std_mmap, "mmf": mod}
    ctx.child_impl = {"std": "std", "mmf": "std" if ctx.self_test else "mmf"}
    ctx.child_env = dict(os.environ)
    if not ctx.self_test:
        d = os.path.dirname(os.path.abspath(mod.__file__))
        pp = ctx.child_env.get("PYTHONPATH")
        ctx.child_env["PYTHONPATH"] = d + (os.pathsep + pp if pp else "")
    ctx.machine = machine_line()
    ctx.load_start = os.getloadavg()
    build = os.environ.get("MMF_BENCH_BUILD")
    if build and not ctx.self_test:
        ctx.mmf_note += " (%s)" % build
    sz, ctx.peer_note = (None, "self-test: no peer") if ctx.self_test else load_peer(args.no_peer)
    ctx.peer = sz is not None
    ctx.impls = ("std", "mmf", "sz") if ctx.peer else ("std", "mmf")
    ctx.call_rows = args.call_rows
    ctx.pyperf_args = (args.pyperf_args.split() if args.pyperf_args is not None else
                       list(PYPERF_QUICK if args.quick else PYPERF_FULL))
    log("%s; %s; %s" % (ctx.machine, ctx.mmf_note, ctx.peer_note))

    ctx.meta = prepare_data(data_dir, ctx.size // MiB)
    paths = ctx.meta["paths"]
    # Small scratch files (flush, madvise, size, open) live in tmpfs when
    # there is one, so that msync measures the call, not the disk.
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else data_dir
    ctx.scratch = tempfile.mkdtemp(prefix="bench-mmap-", dir=shm)
    NOTES.append("The 1 MiB and 4 KiB files of the system-call rows are in %s." % (
        "tmpfs (/dev/shm)" if shm == "/dev/shm" else data_dir))
    try:
        ctx.psmall = os.path.join(ctx.scratch, "small-1M.bin")
        ctx.p4k = os.path.join(ctx.scratch, "file-4K.bin")
        with open(ctx.psmall, "wb") as f:
            f.write(b"x" * MiB)
            os.fsync(f.fileno())
        with open(ctx.p4k, "wb") as f:
            f.write(b"y" * 4096)
            os.fsync(f.fileno())
        with open(paths["text"], "rb") as f:
            head = f.read(max(ctx.n_call + 64, 65536))
        ctx.bytes_eq = head[:65536]
        ctx.bio = io.BytesIO(head)

        log("mapping and faulting in")
        ctx.text, ctx.rep, ctx.anon, ctx.small = {}, {}, {}, {}
        for k in ("std", "mmf"):
            mod = ctx.mods[k]
            ctx.text[k] = open_map(mod, paths["text"])
            fault_in(ctx.text[k])
            if "rep" in sections:
                ctx.rep[k] = open_map(mod, paths["rep"])
                fault_in(ctx.rep[k])
        if ctx.peer:
            ctx.text["sz"] = open_peer(sz, paths["text"])
            fault_in(ctx.text["sz"])
            if "rep" in sections:
                ctx.rep["sz"] = open_peer(sz, paths["rep"])
                fault_in(ctx.rep["sz"])
        for k in ("std", "mmf"):
            mod = ctx.mods[k]
            ctx.anon[k] = mod.mmap(-1, max(ctx.n_call, ctx.n_sys) + MiB)
            ctx.anon[k].write(b"\0" * len(ctx.anon[k]))
            ctx.anon[k].seek(0)
            ctx.small[k] = open_map(mod, ctx.psmall, write=True)
            ctx.small[k].flush()

        runners = {"text": bench_text, "rep": bench_rep, "lines": bench_lines,
                   "call": bench_call, "sys": bench_sys, "threads": bench_threads,
                   "rss": bench_rss, "anon": bench_anon}
        for s in SECTIONS:
            if s in sections:
                runners[s](ctx)
        for d in (ctx.text, ctx.rep, ctx.anon, ctx.small):
            for k, m in d.items():
                if k != "sz":  # StringZilla's maps go with the objects
                    m.close()
    finally:
        for fn in os.listdir(ctx.scratch):
            os.unlink(os.path.join(ctx.scratch, fn))
        os.rmdir(ctx.scratch)

    ctx.load_end = os.getloadavg()
    table = render_table(ctx)
    print(table)
    if args.markdown:
        with open(args.markdown + ".tmp", "w") as f:
            f.write(table + "\n")
        os.replace(args.markdown + ".tmp", args.markdown)
        log("Markdown written to %s" % args.markdown)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": ctx.machine, "mmf": ctx.mmf_note, "size": ctx.size,
                       "repeats": ctx.repeats, "quick": ctx.quick, "rows": ROWS,
                       "peer": ctx.peer_note, "peer_rows": PEER_ROWS,
                       "pyperf": getattr(ctx, "pyperf_json", None),
                       "notes": NOTES}, f, indent=1, default=str)
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
