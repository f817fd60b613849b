"""Every code block of README.md runs as given.

The fenced blocks tagged ```python, ```c and ```sh are extracted and run
verbatim, each in a fresh temporary folder:

* python: with this interpreter, mmf importable (the installed wheel or
  the folder the suite uses);
* c: a complete program, compiled with -Wall -Wextra -Werror against
  include/ and the core sources, then run;
* sh: with `sh -eu`, in a copy of the checkout (they build and install),
  HOME pointing into the temporary folder. These take a minute, so they
  run only with MMF_README_ALL=1 (tools/check.sh sets it, once, for
  Debian's python3); otherwise they are skipped with that reason.

A block can be marked illustrative-only by the line
``<!-- readme-test: skip REASON -->`` right before it; the reason is
required and is the skip reason here. Use it sparingly.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import BUILD_DIR, ROOT

README = os.path.join(ROOT, "README.md")
LANGS = ("python", "c", "sh")
SKIP_MARK = re.compile(r"<!--\s*readme-test:\s*skip\s+(.+?)\s*-->")


def readme_blocks():
    """[(lang, first line number, text, skip reason or None)]."""
    with open(README, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(1), i
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        mark = SKIP_MARK.search(lines[k]) if k >= 0 else None
        if lang in LANGS:
            blocks.append((lang, start + 1, "\n".join(lines[i + 1:j]) + "\n",
                           mark.group(1) if mark else None))
        i = j + 1
    return blocks


BLOCKS = readme_blocks()


def params(lang):
    return [pytest.param(text, reason, id="line%d" % line)
            for kind, line, text, reason in BLOCKS if kind == lang]


def test_the_readme_has_snippets_of_each_kind():
    kinds = {kind for kind, _, _, _ in BLOCKS}
    assert kinds == set(LANGS), kinds


def run(cmd, cwd, env=None, timeout=900):
    proc = subprocess.run(cmd, cwd=str(cwd), env=env, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.decode(errors="replace")
    assert proc.returncode == 0, "%s: exit %d\n%s" % (cmd[0], proc.returncode,
                                                      out)
    return out


@pytest.mark.parametrize("text,reason", params("python"))
def test_python_snippet(text, reason, tmp_path):
    if reason:
        pytest.skip(reason)
    env = dict(os.environ)
    env["PYTHONPATH"] = BUILD_DIR + os.pathsep + env.get("PYTHONPATH", "")
    (tmp_path / "snippet.py").write_text(text)
    run([sys.executable, "snippet.py"], tmp_path, env)


@pytest.mark.parametrize("text,reason", params("c"))
def test_c_snippet(text, reason, tmp_path):
    if reason:
        pytest.skip(reason)
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler (cc) on PATH")
    # the build's file lists and -I flags: mmf.mk, through tools/vars.sh
    out = subprocess.run(
        ["sh", "-c", '. tools/vars.sh; echo "$mmf_inc"; echo "$mmf_core_src"'],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    inc, core = (line.split() for line in out.splitlines())
    inc = [("-I" + os.path.join(ROOT, flag[2:])) for flag in inc]
    core = [os.path.join(ROOT, path) for path in core]
    (tmp_path / "prog.c").write_text(text)
    run([cc, "-Wall", "-Wextra", "-Werror"] + inc
        + ["prog.c"] + core + ["-lpthread", "-o", "prog"], tmp_path)
    run(["./prog"], tmp_path)


def copy_checkout(dst):
    """The checkout without its build products, as a clone would have it."""
    skip = {".git", "build", "dist", ".hypothesis", "__pycache__"}

    def ignore(folder, names):
        return [n for n in names
                if n in skip or n.endswith(".egg-info")
                or (folder == ROOT and n.endswith(".so"))]
    shutil.copytree(ROOT, str(dst), ignore=ignore)


@pytest.mark.parametrize("text,reason", params("sh"))
def test_sh_snippet(text, reason, tmp_path):
    if reason:
        pytest.skip(reason)
    if not os.environ.get("MMF_README_ALL"):
        pytest.skip("sh snippets build and install (about a minute each): "
                    "tools/check.sh runs them once, with MMF_README_ALL=1")
    checkout = tmp_path / "mmf"
    copy_checkout(checkout)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "MMF_README_ALL")}
    env["HOME"] = str(home)
    # Not the venv's interpreter this suite runs in: the one a user has.
    venv_bin = os.path.dirname(sys.executable)
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", os.defpath).split(os.pathsep)
        if os.path.abspath(p) != venv_bin)
    run(["sh", "-eu", "-c", text], checkout, env)
