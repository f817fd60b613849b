"""bench_rows_mem.py - the rows of bench_mmap.py on threads and memory:
two threads searching (section threads), peak RSS in child processes
(section rss) and the first write to anonymous memory (section anon).
"""

import json
import subprocess
import sys
import threading
import time
import mmap as std_mmap

from bench_common import (DRIVER, MiB, GB, ABSENT_BYTE, log, open_map,
                          fault_in, order, med, err_text, child_module, NOTES,
                          add_row, f_gbs, f_size, f_x)
from bench_rows_search import line_method


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
            cmd = [sys.executable, DRIVER, "--child", "rss", "--child-impl", ctx.child_impl[k],
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
