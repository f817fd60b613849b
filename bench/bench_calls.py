#!/usr/bin/env python3
"""bench_calls.py - the per-call rows of bench_mmap.py, measured with pyperf.

A pyperf script (https://pyperf.readthedocs.io): pyperf calibrates the
number of loops, runs every benchmark in several fresh worker processes
(one warm-up value and several timed values each) and stores every value,
so bench_mmap.py can report the mean and the standard deviation per call.

Each row is two benchmarks, `ROW/std/ROUND` (the stdlib mmap) and
`ROW/mmf/ROUND`. With --rounds R (default 2) the worker processes of a row
are split into R rounds, and the stdlib and mmf alternate round by round
(the order flips every round), so that a slow spell of this shared machine
lands on both; bench_mmap.py merges the rounds.

Usually run by bench_mmap.py (`--only call`), which generates the data
files and reads the JSON back:

    python bench/bench_calls.py --calls-file F --lines-file L --p4k P \\
        --needle 6e6f -o out.json [--fast | -p 16 ...]

Every pyperf option works (-p PROCESSES, -n VALUES, --min-time, --fast,
--rigorous, -o FILE, --inherit-environ, ...). --impl std makes the stdlib
stand in for mmf (a self-test: every ratio should be about 1.00).
--rows seek,tell,... runs a subset; --list prints the rows.

The timed statement runs `loops` times in a plain `for` loop over
itertools.repeat, as in timeit, with its names bound as locals. A row
that moves the position (read, readline, write_byte) re-runs its reset
statement every BLOCK calls, outside the inner loop, so the cursor never
reaches the end of the map; one seek per 10,000 or more calls is below the
resolution. The loop overhead is included (as in `python -m timeit`), the
same for both sides.
"""

import itertools
import mmap as std_mmap
import os
import sys

# (key, label, stmt for the stdlib, stmt for mmf (None: the same), reset,
#  block, target ratio stdlib/mmf, inner loops: None, or "lines" for the
#  number of lines of the lines file)
ROWS = [
    ("seek", "`m.seek(i)`", "mm.seek(i)", None, None, 0, 2.8, None),
    ("tell", "`m.tell()`", "mm.tell()", None, None, 0, 1.0, None),
    ("len", "`len(m)`", "len(mm)", None, None, 0, 1.0, None),
    ("getitem", "`m[i]`", "mm[i]", None, None, 0, 1.0, None),
    ("slice8", "`m[i:i+8]`", "mm[i:i + 8]", None, None, 0, 1.25, None),
    ("read8", "`m.read(8)`", "mm.read(8)", None, "mm.seek(0)", 100000, 1.7, None),
    ("read_byte", "`m.read_byte()`", "mm.read_byte()", None, "mm.seek(0)", 1000000, 1.0, None),
    ("write_byte", "`m.write_byte(65)` (anonymous map)", "wm.write_byte(65)", None,
     "wm.seek(0)", 1000000, 2.0, None),
    ("find_short", "short `m.find(needle, i, i + 64)` (absent 4-byte needle)",
     "mm.find(nd, i, j)", None, None, 0, 1.9, None),
    ("find_next", "`m.find(b'\\n', pos)`, no end (the next-line idiom)",
     "mm.find(b'\\n', pos)", None, None, 0, 1.9, None),
    # readline() alone: the 1.3x row is seek(0) + readline() (below);
    # alone, the call is mostly the interpreter's and the allocator's work,
    # the same on both sides (bench/callcost.py), so it is held to parity.
    ("readline", "`m.readline()` (lines of 60-100 bytes)", "mm.readline()", None, "mm.seek(0)", 10000,
     1.0, None),
    ("seek0_readline", "`m.seek(0); m.readline()`", "mm.seek(0); mm.readline()", None,
     None, 0, 1.3, None),
    ("lines", "`for line in m.lines()` (mmf) vs `while line := m.readline()` (stdlib), "
     "per line, lines of 20-200 bytes",
     "lm.seek(0)\nwhile line := lm.readline(): pass",
     "lm.seek(0)\nfor line in lm.lines(): pass", None, 0, 2.0, "lines"),
    ("lines_readline", "`while line := m.readline()` on both, per line, lines of 20-200 bytes",
     "lm.seek(0)\nwhile line := lm.readline(): pass", None, None, 0, 1.0, "lines"),
    ("open_close", "open a 4 KiB file, map, close (`os.open`, `mmap`, `close`, `os.close`)",
     "fd = os_open(p4k, O_RDWR); m = M(fd, 0); m.close(); os_close(fd)", None, None, 0, 1.0,
     None),
]
ROW_KEYS = [r[0] for r in ROWS]


def parse_extra(argv):
    """Our own options, picked out of argv before pyperf sees it."""
    import argparse
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--calls-file")
    p.add_argument("--lines-file")
    p.add_argument("--p4k")
    p.add_argument("--needle", default="")
    p.add_argument("--impl", choices=("mmf", "std"), default="mmf")
    p.add_argument("--rows", default="")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--list", action="store_true")
    return p.parse_known_args(argv)


def fault_in(m):
    m.find(b"\x00\x01\x02~", 0, len(m))


def line_count(path):
    with open(path, "rb") as f:
        data = f.read()
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def make_env(mod, ex):
    """The maps and names one side's statements use."""
    with open(ex.calls_file, "rb") as f:
        mm = mod.mmap(f.fileno(), 0, access=mod.ACCESS_READ)
    with open(ex.lines_file, "rb") as f:
        lm = mod.mmap(f.fileno(), 0, access=mod.ACCESS_READ)
    wm = mod.mmap(-1, 2 << 20)
    wm.write(b"\0" * len(wm))
    wm.seek(0)
    for m in (mm, lm, wm):
        fault_in(m)
    # i: the start of a line in the first 64 KiB; pos: just after a newline,
    # so find(b'\n', pos) finds the end of a whole line.
    nl = mm.find(b"\n", 4096)
    i = nl + 1
    return {"mm": mm, "lm": lm, "wm": wm, "M": mod.mmap, "os_open": os.open,
            "os_close": os.close, "O_RDWR": os.O_RDWR, "p4k": ex.p4k,
            "nd": bytes.fromhex(ex.needle) if ex.needle else b"qzqz",
            "i": i, "j": i + 64, "pos": i}


def compile_loop(stmt, reset, block, names):
    """A function (loops, timer) -> seconds running stmt `loops` times with
    `names` as locals, re-running reset every `block` calls."""
    bind = "".join("    %s = _env[%r]\n" % (k, k) for k in names)
    body = "\n".join("            " + ln for ln in stmt.split("\n"))
    if reset and block:
        src = ("def _make(_env, _repeat):\n" + bind +
               "    def _inner(_loops, _timer):\n"
               "        _nb, _rest = divmod(_loops, %d)\n"
               "        %s\n"
               "        _t0 = _timer()\n"
               "        for _b in _repeat(None, _nb):\n"
               "          %s\n"
               "          for _ in _repeat(None, %d):\n"
               "%s\n"
               "        %s\n"
               "        for _ in _repeat(None, _rest):\n"
               "%s\n"
               "        return _timer() - _t0\n"
               "    return _inner\n") % (block, reset, reset, block, body, reset, body)
    else:
        src = ("def _make(_env, _repeat):\n" + bind +
               "    def _inner(_loops, _timer):\n"
               "        _t0 = _timer()\n"
               "        for _ in _repeat(None, _loops):\n"
               "%s\n"
               "        return _timer() - _t0\n"
               "    return _inner\n") % body
    ns = {}
    exec(compile(src, "<bench_calls>", "exec"), ns)
    return ns["_make"]


def main():
    ex, rest = parse_extra(sys.argv[1:])
    if ex.list:
        for r in ROWS:
            print("%-16s %s" % (r[0], r[1]))
        return 0
    import time
    import pyperf

    def add_cmdline_args(cmd, args):
        for opt in ("calls_file", "lines_file", "p4k", "needle", "impl", "rows"):
            v = getattr(ex, opt)
            if v:
                cmd.extend(("--" + opt.replace("_", "-"), str(v)))
        cmd.extend(("--rounds", str(ex.rounds)))

    sys.argv[1:] = rest
    runner = pyperf.Runner(add_cmdline_args=add_cmdline_args)
    runner.metadata["mmf_impl"] = ex.impl
    mods = {"std": std_mmap}
    if ex.impl == "std":
        mods["mmf"] = std_mmap
    else:
        import mmf
        mods["mmf"] = mmf
        runner.metadata["mmf_file"] = mmf.__file__
    keys = ex.rows.split(",") if ex.rows else ROW_KEYS
    for k in keys:
        if k not in ROW_KEYS:
            sys.exit("bench_calls: unknown row %r (rows: %s)" % (k, ",".join(ROW_KEYS)))
    envs = {}
    nlines = None
    timer = time.perf_counter
    for key, label, s_std, s_mmf, reset, block, target, inner in ROWS:
        if key not in keys:
            continue
        if inner == "lines" and nlines is None:
            nlines = line_count(ex.lines_file)
        for rnd in range(ex.rounds):
            for side in (("std", "mmf") if rnd % 2 == 0 else ("mmf", "std")):
                if side not in envs:
                    envs[side] = make_env(mods[side], ex)
                stmt = s_mmf if (side == "mmf" and s_mmf and ex.impl == "mmf") else s_std
                fn = compile_loop(stmt, reset, block, sorted(envs[side]))(
                    envs[side], itertools.repeat)
                runner.bench_time_func(
                    "%s/%s/%d" % (key, side, rnd), fn, timer,
                    inner_loops=nlines if inner == "lines" else None,
                    metadata={"row": key, "side": side, "stmt": stmt.replace("\n", "; ")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
