#!/usr/bin/env python3
"""callcost.py - where the instructions of one call go, stdlib mmap and mmf.

    python3 bench/callcost.py [--rows readline,slice8,...] [--markdown FILE]

For each row, a loop of N calls runs under `valgrind --tool=callgrind`
with each module, and once more with no call; the difference divided by N
is the cost of one call, the loop's own share included (the same on both
sides). Instruction counts, not seconds: the same on a busy machine as on
a quiet one, and the same from run to run for the same build. Each
function's own instructions (not those of the functions it calls) are put
in one of these groups, by the function's name and source file:

  interpreter   the bytecode loop, calls, method lookup, the loop's range
  arguments     turning arguments into C values (getargs, __index__,
                slices), in CPython or in the module
  objects       creating and freeing the result (bytes, int), malloc
  module        the module's own code: Modules/mmapmodule.c for the
                stdlib, python/*.c for mmf
  core          libmmf: src/*.c
  guard         libmmf's guarded primitives (the fast copy and memchr in
                assembly, setjmp)
  libc          memchr, memcpy and the rest of the C library

mmf is imported from sys.path (make bench runs this with the benchmark
venv's python, where the wheel is installed). Needs valgrind.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

N = 20000

# key: (label, set-up, statement)
ROWS = {
    "readline": ("`m.readline()` (84-byte lines)", "", "m.readline()"),
    "seek0_readline": ("`m.seek(0); m.readline()`", "",
                       "m.seek(0); m.readline()"),
    "slice8": ("`m[i:i+8]`", "", "m[i:i + 8]"),
    "getitem": ("`m[i]`", "", "m[i]"),
    "find_next": ("`m.find(b'\\n', i)`", "", "m.find(b'\\n', i)"),
    "read8": ("`m.read(8)`", "", "m.read(8)"),
    "read_byte": ("`m.read_byte()`", "", "m.read_byte()"),
    "seek": ("`m.seek(i)`", "", "m.seek(i)"),
    "len": ("`len(m)`", "", "len(m)"),
    # A loop over the lines of a map of N // 2 lines, run twice: the cost
    # of one line. The stdlib's idiom on the stdlib side, lines() on mmf's.
    "lines": ("`for line in m.lines()` (mmf) vs `while line := m.readline()` "
              "(stdlib), per line", "LOOP",
              ("while line := m.readline(): pass",
               "for line in m.lines(): pass")),
}
DEFAULT_ROWS = "readline,seek0_readline,lines,slice8,find_next,read_byte"

GROUPS = ("interpreter", "arguments", "objects", "module", "core", "guard",
          "libc")

# What runs under callgrind: a map of 84-byte lines, `count` calls.
CHILD = r'''
import sys
impl, count, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
mod = __import__(impl)
f = open(path, "rb")
m = mod.mmap(f.fileno(), 0, access=mod.ACCESS_READ)
i = 1000
def run(m, i, n):
    for _ in range(n):
        STMT
run(m, i, count // 2)   # warm: the first calls fill caches of the interpreter
m.seek(0)
run(m, i, count - count // 2)
'''

# A loop row: each run is one pass over a map of N // 2 lines (none when
# count is 0, the baseline).
LOOP_CHILD = r'''
import sys
impl, count, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
mod = __import__(impl)
f = open(path, "rb")
m = mod.mmap(f.fileno(), 0, access=mod.ACCESS_READ)
def run(m, n):
    if n:
        m.seek(0)
        STMT
run(m, count // 2)
run(m, count - count // 2)
'''

ARGUMENT_FUNCS = re.compile(
    r"^(PyNumber_|_PyNumber_|PyLong_As|_PyLong_As|PySlice_Unpack|"
    r"PySlice_AdjustIndices|PySlice_GetIndicesEx|_PyEval_SliceIndex|"
    r"slice_index|slice_unpack|_PyArg_|PyArg_|vgetargs|convertitem|"
    r"convertsimple|_Py_convert|as_ssize|as_int|index_of|small_int)")
OBJECT_FUNCS = re.compile(
    r"^(PyBytes_|_PyBytes_|bytes_dealloc|_PyObject_Malloc|_PyObject_Free|"
    r"PyObject_Malloc|PyObject_Free|_Py_NewReference|_Py_Dealloc|"
    r"object_dealloc|PyLong_FromLong|PyLong_FromSsize_t|PyLong_FromSize_t|"
    r"_PyLong_New|long_dealloc|_PyMem_|pymalloc|_PyTrash_|tupledealloc|"
    r"tuple_alloc|_PyTuple_FromArray|PyTuple_New|PyObject_GC_UnTrack)")


def group_of(path, func, obj):
    func = func.split("'")[0]
    base = os.path.basename(path)
    if func.startswith("mmf__fx_") or func.startswith("mmf__guard") \
            or func in ("__sigsetjmp", "_setjmp", "__longjmp", "sigsetjmp",
                        "mmf__guarded", "longjmp") \
            or base in ("extable.c", "guard.c"):
        return "guard"
    if ARGUMENT_FUNCS.match(func):
        return "arguments"
    if OBJECT_FUNCS.match(func):
        return "objects"
    if re.search(r"(^|/)python/[a-z]+\.c$", path):
        return "module"
    if base in ("mmapmodule.c",):
        return "module"
    if re.search(r"(^|/)src/([a-z]+/)?[a-z_]+\.[ch]$", path) and "Python-" not in path:
        return "core"
    if "libc.so" in obj or "sysdeps" in path:
        return "libc"
    return "interpreter"


LINE = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*?):(\S+)(?: \[(.*)\])?$")


def costs(python, impl, stmt, count, data, env, workdir, loop=False):
    """{group: instructions} of one run of count calls (lines, for a loop
    row)."""
    script = os.path.join(workdir, "child.py")
    with open(script, "w") as f:
        f.write((LOOP_CHILD if loop else CHILD).replace("STMT", stmt))
    out = os.path.join(workdir, "cg.out")
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                    python, script, impl, str(count), data],
                   env=env, check=True, capture_output=True)
    text = subprocess.run(["callgrind_annotate", "--auto=no", "--inclusive=no",
                           "--threshold=100", out], check=True,
                          capture_output=True, text=True).stdout
    sums = dict.fromkeys(GROUPS, 0)
    body = text.split("file:function", 1)[1]
    for line in body.splitlines():
        m = LINE.match(line)
        if m:
            group = group_of(m.group(2), m.group(3), m.group(4) or "")
            sums[group] += int(m.group(1).replace(",", ""))
    return sums


def per_call(python, impl, stmt, data, env, workdir, loop=False):
    full = costs(python, impl, stmt, N, data, env, workdir, loop)
    base = costs(python, impl, stmt, 0, data, env, workdir, loop)
    return {g: (full[g] - base[g]) / N for g in GROUPS}


def table(results, rows):
    head = ("| Call | Side | " + " | ".join(GROUPS) + " | total | stdlib / mmf |\n"
            "|---|---|" + "---|" * (len(GROUPS) + 2) + "\n")
    lines = []
    for key in rows:
        std, mmf = results[key]
        ts, tm = sum(std.values()), sum(mmf.values())
        for side, r in (("stdlib", std), ("mmf", mmf)):
            lines.append("| %s | %s | %s | %.0f | %s |" % (
                ROWS[key][0] if side == "stdlib" else "", side,
                " | ".join("%.0f" % max(r[g], 0) for g in GROUPS),
                sum(r.values()), "%.2f×" % (ts / tm) if side == "mmf" else ""))
    return head + "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default=DEFAULT_ROWS)
    ap.add_argument("--markdown", help="write the table to this file too")
    args = ap.parse_args()
    rows = args.rows.split(",")
    for key in rows:
        if key not in ROWS:
            sys.exit("callcost: no row %r (rows: %s)" % (key, ", ".join(ROWS)))
    env = dict(os.environ, PYTHONHASHSEED="0")
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        data = os.path.join(workdir, "lines.txt")
        with open(data, "wb") as f:
            f.write((b"x" * 83 + b"\n") * 50000)
        # the loop rows' map: N // 2 lines of 20 to 200 bytes (a fixed
        # sequence of lengths)
        loop_data = os.path.join(workdir, "loop.txt")
        with open(loop_data, "wb") as f:
            f.write(b"".join(b"y" * (20 + (k * 7919) % 181 - 1) + b"\n"
                             for k in range(N // 2)))
        for key in rows:
            if ROWS[key][1] == "LOOP":
                s_std, s_mmf = ROWS[key][2]
                results[key] = (
                    per_call(sys.executable, "mmap", s_std, loop_data, env, workdir, True),
                    per_call(sys.executable, "mmf", s_mmf, loop_data, env, workdir, True))
            else:
                stmt = ROWS[key][2]
                results[key] = (per_call(sys.executable, "mmap", stmt, data, env, workdir),
                                per_call(sys.executable, "mmf", stmt, data, env, workdir))
            print("callcost: %s done" % key, file=sys.stderr)
    import mmf
    text = ("Instructions per call (callgrind, %d calls minus none; CPython %s; "
            "mmf: %s). Groups: see bench/callcost.py.\n\n"
            % (N, sys.version.split()[0], mmf.__file__)) + table(results, rows)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
