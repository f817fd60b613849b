"""bench_rows_search.py - the search rows of bench_mmap.py (sections text
and rep: find / rfind / count on text and on repetitive data) and the line
rows (section lines).
"""

import itertools
import time

from bench_common import (MiB, GB, TEXT_LENGTHS, REP_SHAPES, ABSENT_BYTE,
                          LINE_METHODS, log, fault_in, order, med, geomean,
                          err_text, PEER_ROWS, NOTES, add_row, f_gbs, f_size,
                          f_x)


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
