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

Files (in bench/, imported from this folder): bench_mmap.py, the options and
main; bench_common.py, the constants, the implementations and the tables;
bench_data.py, the data; bench_rows_search.py (text, rep, lines),
bench_rows_call.py (call, sys) and bench_rows_mem.py (threads, rss, anon),
the rows; bench_calls.py, the pyperf worker of the per-call rows.
"""

import argparse
import io
import json
import os
import platform
import sys
import tempfile
import time
import mmap as std_mmap

# The modules beside this one (also when run as `python path/to/bench_mmap.py`
# from elsewhere, or with -P).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_common import (AGG, MiB, NOTES, PEER_ROWS, PYPERF_FULL,  # noqa: E402
                          PYPERF_QUICK, ROWS, SECTIONS, Ctx, fault_in,
                          load_mmf, load_peer, log, open_map, open_peer,
                          render_table)
from bench_data import prepare_data  # noqa: E402
from bench_rows_search import bench_lines, bench_rep, bench_text  # noqa: E402
from bench_rows_call import bench_call, bench_sys, child_strace  # noqa: E402
from bench_rows_mem import (bench_anon, bench_rss, bench_threads,  # noqa: E402
                            child_rss)


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
