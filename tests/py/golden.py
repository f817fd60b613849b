"""Golden-trace differential: random operation sequences on a map, their
outcomes recorded under one implementation and replayed under another.

    python golden.py record --module mmap --count 4000 --out trace.jsonl
    python golden.py replay --module mmf trace.jsonl

`record` runs under the reference (the released CPython 3.15 stdlib, in
the Debian 13 chroot of tools/chroot.sh); `replay` runs the same
sequences (regenerated from their seeds) under mmf on any interpreter and
reports every outcome that differs. An outcome is the operation's result
or its exception (type and message), followed by the map's state: closed,
len, tell, a digest of its bytes, and the size and digest of the file.

A sequence builds one map (file-backed or anonymous, with constructor
arguments that are valid or not), then runs 12 to 40 operations drawn
from the whole stdlib API: every method with valid and hostile arguments,
items and slices, exported views, close, resize, and __index__ hooks that
close or shrink the map while an argument is being converted.

Deliberate differences (docs/behaviour.md, "Deliberate differences")
are listed in DELIBERATE below with their reason; nothing else may differ.

Recording runs the sequences in child processes: a sequence that kills
the reference interpreter (the stdlib crashes where mmf must not) is
recorded as a crash and replayed as "must not crash".
"""

import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile

PAGE = os.sysconf("SC_PAGESIZE")

# (operation, outcome of the reference, outcome of mmf) patterns that may
# differ, with the reason. An entry matches when the operation's text
# starts with its first element.
DELIBERATE = [
    # resize(0) of a file map: 3.15 truncates the file to the offset, then
    # mremap() fails with EINVAL and the map keeps its old length over a
    # file that no longer has those bytes (the next access is a SIGBUS).
    # mmf raises the same OSError(EINVAL) before touching the file.
    (re.compile(r"resize \[\('int', 0\)\]: OSError: \[Errno 22\] "),
     "resize(0): 3.15 truncates the file before failing; mmf keeps it"),
    # find/rfind(sub, None, end): 3.15 ignores end (and does not convert
    # it) when start is None, by accident; mmf searches up to end.
    (re.compile(r"r?find \[\('[a-z]+', b?'[^']*'\), \('[a-z]+', None\), "
                r"\('(?!none)"),
     "find(sub, None, end): mmf honours end"),
]


# ---- generation ------------------------------------------------------------

def _int(r, n):
    """An integer argument around a length n: valid, negative, huge."""
    return r.choice([0, 1, 2, n - 1, n, n + 1, -1, -2, -n, -n - 1,
                     r.randrange(-n - 3, n + 4), 2 ** 63, -2 ** 63 - 1,
                     2 ** 70, PAGE])


def _bad(r):
    return r.choice(["a", 1.5, None, b"a", [1]])


def _bytes(r):
    k = r.choice([0, 1, 1, 2, 3, 5, 8])
    return bytes(r.choice(b"ab\n\0") for _ in range(k))


def _value(r, n):
    """An argument that is an int of some kind, or not."""
    kind = r.random()
    if kind < 0.70:
        return ("int", _int(r, n))
    if kind < 0.80:
        return ("hook", r.choice(["close", "shrink", "raise", "plain"]),
                _int(r, n))
    if kind < 0.85:
        return ("bool", r.choice([True, False]))
    return ("bad", _bad(r))


def _buf(r):
    kind = r.random()
    if kind < 0.75:
        return ("bytes", _bytes(r))
    if kind < 0.85:
        return ("bytearray", _bytes(r))
    if kind < 0.90:
        return ("memoryview", _bytes(r))
    return ("bad", r.choice(["ab", 5, None]))


def gen_constructor(r):
    anon = r.random() < 0.35
    size = r.choice([0, 1, 10, 100, PAGE - 1, PAGE, PAGE + 10, 3 * PAGE])
    c = {"anon": anon, "size": size,
         "content": [r.randrange(256) for _ in range(min(size, 64))],
         "mode": r.choice(["r+b", "r+b", "rb"])}
    args = {}
    n = size if not anon else max(size, 1)
    pick = r.random()
    args["length"] = (r.choice([0, n, n // 2, n + 1, -1, PAGE])
                      if not anon else r.choice([n, n, PAGE, 0, -1]))
    if r.random() < 0.5:
        args["access"] = r.choice([0, 1, 2, 3, 3, 1, 7])
    if r.random() < 0.25:
        args["flags"] = r.choice(["MAP_SHARED", "MAP_PRIVATE"])
    if r.random() < 0.2:
        args["prot"] = r.choice(["PROT_READ", "PROT_READ|PROT_WRITE",
                                 "PROT_WRITE"])
    if not anon and r.random() < 0.25:
        args["offset"] = r.choice([0, PAGE, 1, -1, 2 * PAGE, 4 * PAGE])
    if not anon and r.random() < 0.15:
        args["trackfd"] = False
    if pick < 0.03:
        args["fileno"] = -2
    c["args"] = args
    return c


OPS = ["read", "read_byte", "readline", "write", "write_byte", "seek",
       "tell", "find", "rfind", "move", "flush", "madvise", "resize",
       "size", "close", "getitem", "setitem", "delitem", "getslice",
       "setslice", "delslice", "len", "repr", "view", "release", "set_name",
       "enter_exit", "contains", "iter", "closed", "seekable", "pickle"]
WEIGHTS = [5, 3, 4, 5, 3, 6, 2, 5, 4, 3, 2, 2, 2, 1, 1, 5, 5, 1, 4, 4, 1,
           1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]


def gen_op(r, n):
    op = r.choices(OPS, WEIGHTS)[0]
    if op == "read":
        a = [r.choice([("none", None), ("int", r.choice([0, 1, 5, 100, -1])),
                       _value(r, n)])] if r.random() < 0.9 else []
    elif op in ("write",):
        a = [_buf(r)]
    elif op == "write_byte":
        a = [r.choice([("int", r.choice([0, 65, 255, 256, -1])),
                       _value(r, n)])]
    elif op == "seek":
        a = [_value(r, n)]
        if r.random() < 0.6:
            a.append(r.choice([("int", 0), ("int", 1), ("int", 2),
                               ("int", 3), ("bad", "a"), ("int", -1)]))
    elif op in ("find", "rfind"):
        a = [_buf(r)]
        for _ in range(r.choice([0, 0, 1, 2])):
            a.append(r.choice([_value(r, n), ("none", None)]))
    elif op == "move":
        a = [_value(r, n) for _ in range(3)]
        if r.random() < 0.3:
            a = a[:r.randrange(3)]
    elif op == "flush":
        a = [_value(r, n) for _ in range(r.choice([0, 0, 1, 2]))]
    elif op == "madvise":
        a = [r.choice([("const", "MADV_NORMAL"), ("const", "MADV_RANDOM"),
                       ("const", "MADV_WILLNEED"), ("const", "MADV_DONTNEED"),
                       ("int", 9999), _value(r, n)])]
        a += [_value(r, n) for _ in range(r.choice([0, 1, 2]))]
    elif op == "resize":
        a = [r.choice([("int", r.choice([1, n, n + 7, 2 * PAGE, 0, -1])),
                       _value(r, n)])]
    elif op in ("getitem", "delitem"):
        a = [_value(r, n)]
    elif op == "setitem":
        a = [_value(r, n),
             r.choice([("int", r.choice([0, 97, 255, 256, -1])), _value(r, n),
                       ("bytes", b"a")])]
    elif op in ("getslice", "setslice", "delslice"):
        a = [r.choice([("none", None), _value(r, n)]) for _ in range(3)]
        if r.random() < 0.6:
            a[2] = r.choice([("none", None), ("int", 1), ("int", 1),
                             ("int", 2), ("int", -1), ("int", 0)])
        if op == "setslice":
            a.append(_buf(r))
    elif op == "set_name":
        a = [r.choice([("str", "x"), ("str", "name-1"), ("str", "a" * 80),
                       ("str", "a\0b"), ("str", "é"), ("str", "$"),
                       ("bad", 5)])]
    elif op == "contains":
        a = [_buf(r)]
    else:
        a = []
    return [op, a]


def generate(seed):
    r = random.Random(seed)
    c = gen_constructor(r)
    n = max(c["size"], 1)
    ops = [gen_op(r, n) for _ in range(r.randrange(12, 41))]
    return c, ops


# ---- execution ---------------------------------------------------------------

class Hook:
    """An __index__ that does something to the map first."""

    def __init__(self, ctx, what, value):
        self.ctx, self.what, self.value = ctx, what, value

    def __index__(self):
        m = self.ctx.get("m")
        if self.what == "close" and m is not None:
            self.ctx["release"]()
            m.close()
        elif self.what == "shrink" and m is not None:
            try:
                m.resize(1)
            except Exception:
                pass
        elif self.what == "raise":
            raise RuntimeError("hook")
        return self.value


def make_arg(mod, ctx, a):
    kind = a[0]
    if kind == "hook":
        return Hook(ctx, a[1], a[2])
    if kind == "bytearray":
        return bytearray(a[1])
    if kind == "memoryview":
        return memoryview(a[1])
    if kind == "const":
        return getattr(mod, a[1], 0)
    return a[1]


def fmt_result(v):
    if isinstance(v, (bytes, int, bool, type(None), str)):
        return repr(v)
    if isinstance(v, list):
        return "list:" + hashlib.sha1(repr(v).encode()).hexdigest()[:12]
    if isinstance(v, memoryview):
        return "memoryview(%d)" % v.nbytes
    return type(v).__name__


def fmt_exc(e):
    msg = str(e)
    return "%s: %s" % (type(e).__name__, msg)


def state(m, path):
    out = []
    try:
        closed = m.closed
    except Exception as e:  # pragma: no cover
        closed = fmt_exc(e)
    out.append("closed=%s" % closed)
    if closed is False:
        try:
            out.append("len=%d tell=%d" % (len(m), m.tell()))
            out.append("sha=" + hashlib.sha1(m[:]).hexdigest()[:12])
        except Exception as e:
            out.append(fmt_exc(e))
    if path is not None:
        with open(path, "rb") as f:
            data = f.read()
        out.append("file=%d:%s" % (len(data),
                                   hashlib.sha1(data).hexdigest()[:12]))
    return " ".join(out)


def construct(mod, c, tmp):
    path = None
    args = dict(c["args"])
    if c["anon"]:
        fileno = -1
        f = None
    else:
        path = os.path.join(tmp, "data")
        body = bytes(c["content"]) * (c["size"] // max(len(c["content"]), 1)
                                      + 1)
        with open(path, "wb") as f:
            f.write(body[:c["size"]])
        f = open(path, c["mode"])
        fileno = f.fileno()
    fileno = args.pop("fileno", fileno)
    for k in ("flags", "prot"):
        if k in args:
            v = 0
            for name in args[k].split("|"):
                v |= getattr(mod, name)
            args[k] = v
    length = args.pop("length")
    try:
        m = mod.mmap(fileno, length, **args)
        res = "ok"
    except Exception as e:
        m = None
        res = fmt_exc(e)
    return m, f, path, res


def call(mod, m, ctx, op, a):
    args = [make_arg(mod, ctx, x) for x in a]
    if op in ("getitem", "delitem"):
        return m.__getitem__(*args) if op == "getitem" else \
            m.__delitem__(*args)
    if op == "setitem":
        return m.__setitem__(*args)
    if op in ("getslice", "delslice"):
        s = slice(*args[:3])
        return m.__getitem__(s) if op == "getslice" else m.__delitem__(s)
    if op == "setslice":
        return m.__setitem__(slice(*args[:3]), args[3])
    if op == "len":
        return len(m)
    if op == "repr":
        return repr(m)
    if op == "view":
        v = memoryview(m)
        ctx["views"].append(v)
        return v
    if op == "release":
        ctx["release"]()
        return None
    if op == "enter_exit":
        with m as inner:
            return inner is m
    if op == "contains":
        return args[0] in m
    if op == "iter":
        return list(m)[:8]
    if op == "closed":
        return m.closed
    if op == "pickle":
        import pickle
        return pickle.dumps(m)
    return getattr(m, op)(*args)


def run_sequence(mod, seed):
    c, ops = generate(seed)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        m, f, path, res = construct(mod, c, tmp)
        out.append("new: " + res)
        if m is None:
            if f is not None:
                f.close()
            return out
        ctx = {"m": m, "views": []}

        def release():
            for v in ctx["views"]:
                v.release()
            ctx["views"].clear()
        ctx["release"] = release
        try:
            for op, a in ops:
                try:
                    res = fmt_result(call(mod, m, ctx, op, a))
                except Exception as e:
                    res = fmt_exc(e)
                out.append("%s %s: %s | %s" % (op, a, res, state(m, path)))
        finally:
            release()
            m.close()
            if f is not None:
                f.close()
    return out


# ---- record and replay -------------------------------------------------------------

def worker(module, first, count):
    mod = __import__(module)
    for seed in range(first, first + count):
        sys.stdout.write(json.dumps({"seed": seed,
                                     "out": run_sequence(mod, seed)}) + "\n")
        sys.stdout.flush()


def record(module, first, count, out_path):
    """Runs the seeds in a child; a seed that kills it is recorded as a
    crash and the child restarted after it."""
    done = {}
    seed = first
    end = first + count
    while seed < end:
        p = subprocess.run([sys.executable, os.path.abspath(__file__),
                            "worker", "--module", module, "--first",
                            str(seed), "--count", str(end - seed)],
                           stdout=subprocess.PIPE)
        for line in p.stdout.decode().splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                break
            done[rec["seed"]] = rec["out"]
            seed = rec["seed"] + 1
        if p.returncode != 0 and seed < end:
            done[seed] = ["crash %d" % p.returncode]
            seed += 1
    with open(out_path, "w") as f:
        for s in sorted(done):
            f.write(json.dumps({"seed": s, "out": done[s]}) + "\n")
    crashes = sum(1 for v in done.values() if v[0].startswith("crash"))
    print("golden: recorded %d sequences with %s %s (%d crashed it)"
          % (len(done), module, sys.version.split()[0], crashes))


def deliberate(line_ref, line_got):
    """The reason when the operation of line_ref is a deliberate difference
    (then the rest of the sequence may diverge), else None."""
    for pattern, reason in DELIBERATE:
        if pattern.match(line_ref) and pattern.match(line_got):
            return reason
    return None


def replay(module, path, show):
    mod = __import__(module)
    n = diffs = allowed = 0
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            n += 1
            want = rec["out"]
            if want[0].startswith("crash"):
                run_sequence(mod, rec["seed"])   # must not crash
                continue
            got = run_sequence(mod, rec["seed"])
            for i, (w, g) in enumerate(zip(want, got)):
                if w == g:
                    continue
                if deliberate(w, g):
                    allowed += 1
                    break
                diffs += 1
                if diffs <= show:
                    print("seed %d op %d:\n  ref: %s\n  got: %s"
                          % (rec["seed"], i, w, g))
                break
            else:
                if len(want) != len(got):
                    diffs += 1
    print("golden: %d sequences replayed with %s on %s: %d differ"
          ", %d deliberate" % (n, module, sys.version.split()[0], diffs,
                               allowed))
    return diffs == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["record", "replay", "worker"])
    ap.add_argument("trace", nargs="?")
    ap.add_argument("--module", default="mmap")
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, default=4000)
    ap.add_argument("--out")
    ap.add_argument("--show", type=int, default=10)
    a = ap.parse_intermixed_args()
    if a.cmd == "worker":
        worker(a.module, a.first, a.count)
    elif a.cmd == "record":
        record(a.module, a.first, a.count, a.out)
    else:
        sys.exit(0 if replay(a.module, a.trace, a.show) else 1)


if __name__ == "__main__":
    main()
