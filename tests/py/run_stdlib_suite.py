#!/usr/bin/env python3
"""Run the interpreter's own CPython test suite for mmap (test.test_mmap)
against mmf, the drop-in replacement.

    python tests/py/run_stdlib_suite.py [BUILD_DIR | --build-dir BUILD_DIR]
                                        [--module mmf|mmap] [-v] [-k PATTERN]

BUILD_DIR (or the environment variable MMF_BUILD_DIR) is the folder that
holds the mmf extension; without it, mmf is imported from sys.path (the
installed package, as tools/check.sh runs it from a venv, or PYTHONPATH),
then from build/<sys.implementation.cache_tag> at the top of this
repository.  With MMF_INSTALLED=1 an mmf from outside sys.prefix (the venv)
is an error.  A missing mmf is always an error here (exit status 2).  With
--module mmap the stdlib module itself is tested (the baseline).

The test file is the one shipped with the running interpreter; it is never
copied into this repository.  It imports mmap through
test.support.import_helper.import_module('mmap'), which honours sys.modules,
so setting sys.modules['mmap'] = mmf before the import swaps the module.

mmf implements the CPython 3.15 behaviour on every interpreter
(docs/behaviour.md).  Tests of older interpreters that assert a behaviour replaced by
3.15 are listed in EXPECTED_FAILURES with their reason; they are run wrapped
like unittest.expectedFailure, and must fail (and fail for the listed reason:
the failure text must match the entry's pattern).  If one of them passes, or
fails for another reason, that is reported as a failure.

The last line printed is exactly:
    conformance: N passed, N failed, N skipped
where "skipped" counts skipped tests (Windows-only, resources) and expected
failures.  The exit status is 0 only when nothing failed unexpectedly.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


# Tests that assert a pre-3.15 behaviour.  Key: "Class.test_name".  Value: a
# list of (predicate on sys.version_info, reason, regex that the failure's
# formatted traceback must match).  The regex makes sure the test fails for
# the reason given and not for an unrelated bug.
EXPECTED_FAILURES = {
    "MmapTests.test_basic": [
        (lambda v: v[:2] < (3, 14),
         "m[len(m)] = b'\\0' raised IndexError before 3.14; 3.14 and 3.15 "
         "check the value before the index's range (TypeError)",
         r"TypeError: mmap item value must be an int"),
    ],
    "MmapTests.test_trackfd_parameter": [
        (lambda v: v[:2] in ((3, 13), (3, 14)),
         "size() with trackfd=False raised OSError(EBADF) before 3.15; "
         "3.15 raises ValueError (gh-87595)",
         r"ValueError: can't get size with trackfd=False"),
    ],
    "MmapTests.test_trackfd_neg1": [
        (lambda v: v[:2] in ((3, 13), (3, 14)),
         "size() of an anonymous map with trackfd=False raised OSError "
         "before 3.15; 3.15 raises ValueError (gh-87595)",
         r"ValueError: can't get size with trackfd=False"),
    ],
    # Other behaviours that 3.15 replaced (seek() returning None before 3.13,
    # size() of an anonymous map raising OSError before 3.15, find(b'',
    # len+1) returning len, find(..., None) raising TypeError, growing a
    # shared anonymous map succeeding before 3.13.x) are not asserted by any
    # test file of 3.9.18, 3.10.13, 3.11.2, 3.11.7, 3.12.1 or 3.13.0 (checked
    # by reading them and by running this runner with mmf): add an entry here
    # when a newer interpreter's file does.
}


def expected_failure_for(test_key):
    """The (reason, pattern) for test_key on this interpreter, or None."""
    for pred, reason, pattern in EXPECTED_FAILURES.get(test_key, ()):
        if pred(sys.version_info):
            return reason, pattern
    return None


# Small test.support helpers that newer test files use and older
# interpreters lack.  Only those missing are added.
def _names_imported_from_support(path):
    """Names that the test file imports from test.support (any depth)."""
    import ast
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "test.support":
            names.update(alias.name for alias in node.names)
    return names


def _add_support_helpers(needed):
    import contextlib
    import platform
    import test.support as support

    def _subTests(arg_names, arg_values, _do_cartesian=False):
        # Minimal version of test.support.subTests (3.14).
        import functools
        import itertools
        single = isinstance(arg_names, str)
        if single:
            arg_names = arg_names.replace(",", " ").split()
        if _do_cartesian:
            arg_values = itertools.product(*arg_values)

        def decorator(func):
            @functools.wraps(func)
            def wrapper(self, *args, **kwargs):
                for values in arg_values:
                    if len(arg_names) == 1 and not isinstance(values, tuple):
                        values = (values,)
                    params = dict(zip(arg_names, values))
                    with self.subTest(**params):
                        func(self, *args, **params, **kwargs)
            return wrapper
        return decorator

    defaults = {
        "is_apple": sys.platform == "darwin",
        "is_apple_mobile": False,
        "is_emscripten": sys.platform == "emscripten",
        "is_wasi": sys.platform == "wasi",
        "is_android": False,
        "linked_to_musl": lambda: "musl" in (platform.libc_ver()[0] or ""),
        "subTests": _subTests,
        "skip_emscripten_stack_overflow": lambda *a, **k: (lambda f: f),
        "skip_wasi_stack_overflow": lambda *a, **k: (lambda f: f),
        "catch_unraisable_exception": contextlib.nullcontext,
    }
    added = []
    for name, value in defaults.items():
        if name in needed and not hasattr(support, name):
            setattr(support, name, value)
            added.append(name)
    return added


class ConformanceResult(unittest.TextTestResult):
    """Checks that an expected failure fails for the listed reason."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed = 0
        self.wrong_reason = []   # (test, reason, text)
        self.xfail_notes = []

    def _key(self, test):
        return "%s.%s" % (type(test).__name__, test._testMethodName)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        info = expected_failure_for(self._key(test))
        text = "".join(traceback.format_exception(*err))
        if info is None:
            return
        reason, pattern = info
        if not re.search(pattern, text):
            self.wrong_reason.append((test, reason, text))
        else:
            self.xfail_notes.append("expected failure: %s: %s"
                                    % (self._key(test), reason))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build_dir", nargs="?", default=None,
                    help="folder holding the mmf extension")
    ap.add_argument("--build-dir", dest="build_dir_opt", default=None,
                    help="same as the positional BUILD_DIR")
    ap.add_argument("--module", choices=("mmf", "mmap"), default="mmf",
                    help="module to test (mmap = the stdlib baseline)")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-k", dest="patterns", action="append", default=None,
                    help="only run tests matching this substring")
    args = ap.parse_args(argv)

    if args.module == "mmf":
        # An explicit folder wins; otherwise mmf may already be importable
        # (PYTHONPATH); the default folder build/<cache_tag> comes last.
        build_dir = (args.build_dir_opt or args.build_dir
                     or os.environ.get("MMF_BUILD_DIR"))
        default = os.path.join(ROOT, "build", sys.implementation.cache_tag)
        if build_dir:
            sys.path.insert(0, os.path.abspath(build_dir))
        else:
            sys.path.append(default)
        try:
            import mmf
        except ImportError as e:
            print("run_stdlib_suite: cannot import mmf from %s: %s"
                  % (build_dir or default, e), file=sys.stderr)
            print("conformance: 0 passed, 1 failed, 0 skipped")
            return 2
        where = os.path.abspath(mmf.__file__)
        if (os.environ.get("MMF_INSTALLED")
                and not where.startswith(os.path.abspath(sys.prefix) + os.sep)):
            print("run_stdlib_suite: MMF_INSTALLED is set but mmf comes from "
                  "%s, outside %s" % (where, sys.prefix), file=sys.stderr)
            print("conformance: 0 passed, 1 failed, 0 skipped")
            return 2
        module = mmf
        sys.modules["mmap"] = mmf
    else:
        import mmap
        module = mmap

    import importlib.util
    spec = importlib.util.find_spec("test.test_mmap")
    if spec is None or not spec.origin:
        print("run_stdlib_suite: this interpreter has no test.test_mmap "
              "(install its test suite)", file=sys.stderr)
        print("conformance: 0 passed, 1 failed, 0 skipped")
        return 2
    added = _add_support_helpers(_names_imported_from_support(spec.origin))
    if added:
        print("run_stdlib_suite: added test.support helpers: %s"
              % ", ".join(added))

    import test.test_mmap as tm
    assert tm.mmap is module, (tm.mmap, module)
    print("run_stdlib_suite: %s from %s on Python %s; suite %s"
          % (module.__name__, getattr(module, "__file__", "?"),
             sys.version.split()[0], tm.__file__))

    # Wrap the listed tests like unittest.expectedFailure.
    wrapped = []
    if args.module == "mmf":
        for key in EXPECTED_FAILURES:
            cls_name, meth = key.split(".")
            cls = getattr(tm, cls_name, None)
            if cls is None or not hasattr(cls, meth):
                continue
            if expected_failure_for(key) is None:
                continue
            func = getattr(cls, meth)
            setattr(cls, meth, unittest.expectedFailure(func))
            wrapped.append(key)

    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = ["*%s*" % p for p in args.patterns]
    suite = loader.loadTestsFromModule(tm)

    # The suite writes TESTFN into the current directory: use a fresh one.
    old_cwd = os.getcwd()
    work = tempfile.mkdtemp(prefix="mmf_conformance_")
    os.chdir(work)
    try:
        runner = unittest.TextTestRunner(
            stream=sys.stdout, verbosity=2 if args.verbose else 1,
            resultclass=ConformanceResult)
        result = runner.run(suite)
    finally:
        os.chdir(old_cwd)
        shutil.rmtree(work, ignore_errors=True)

    for note in result.xfail_notes:
        print(note)
    for test, reason, text in result.wrong_reason:
        print("UNEXPECTED: %s was listed as an expected failure (%s) but "
              "failed for another reason:\n%s" % (test.id(), reason, text))
    for test in result.unexpectedSuccesses:
        print("UNEXPECTED SUCCESS: %s is listed as an expected failure; "
              "remove it from EXPECTED_FAILURES" % test.id())
    for test, reason in result.skipped:
        print("skipped: %s: %s" % (test.id(), reason))

    failed = (len(result.failures) + len(result.errors)
              + len(result.unexpectedSuccesses) + len(result.wrong_reason))
    skipped = len(result.skipped) + len(result.expectedFailures) \
        - len(result.wrong_reason)
    print("conformance: %d passed, %d failed, %d skipped"
          % (result.passed, failed, skipped))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
