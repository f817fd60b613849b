"""bench_rows_call.py - the per-call rows of bench_mmap.py (section call,
measured by bench_calls.py with pyperf) and the system-call-bound rows
(section sys), with their system calls counted by strace.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import timeit

from bench_common import (DRIVER, GEN_VERSION, MiB, log, open_map, order, AGG,
                          med, err_text, child_module, NOTES, add_row, f_ns,
                          f_x)
from bench_data import gen_text_chunk


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
                cmd = ["strace", "-f", "-qq", "-o", tf.name, sys.executable, DRIVER,
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
