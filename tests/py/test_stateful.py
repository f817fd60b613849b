"""Differential state machine (Hypothesis) over the whole mmap API.

Three things run side by side on identical data:

* the subject: mmf (``TestMmf``), on its own temporary file;
* the stdlib mmap of the running interpreter, on an identical file, for every
  operation where that stdlib has the 3.15 behaviour and does not crash;
* ``Model`` (stateful_model.py): a pure-Python model of the 3.15 rules
  (docs/behaviour.md), a bytearray plus position, access mode, exports and
  closed flag.

After every step: the return values (or exception TYPES) must agree, and so
must position, length, contents and the backing file's contents.

``TestStdlibAgainstModel`` runs the same machine with the stdlib as the
subject, restricted to operations where that stdlib already has the 3.15
behaviour.  It checks the model itself, so that a difference found by
``TestMmf`` is a difference of mmf.

Settings: the "ci" Hypothesis profile of conftest.py (derandomized, no
example database); MMF_QUICK=1 lowers the number of examples.
"""

import mmap as std
import os
import random
import tempfile

import unittest

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import settings, strategies as st  # noqa: E402
from hypothesis.stateful import (Bundle, RuleBasedStateMachine,  # noqa: E402
                                 consumes, initialize, invariant,
                                 precondition, rule)

from conftest import (BUILD_DIR, MMF_IMPORT_ERROR, PAGESIZE, PY,  # noqa: E402
                      QUICK, REQUIRE, mmf)
from stateful_model import (ALPHABET, COPY, DEFAULT, MAXS,  # noqa: E402
                            MINS, READ, STD_FIND_OK, WRITE, Model,
                            describe, outcome)


class MapMachine(RuleBasedStateMachine):
    """Subject vs stdlib vs model.  SUBJECT is filled in by the subclasses;
    SELF_CHECK is True when the subject is the stdlib itself."""

    SUBJECT = None
    SELF_CHECK = False
    views = Bundle("views")

    def __init__(self):
        super().__init__()
        self.tmp = tempfile.mkdtemp(prefix="mmf_stateful_")
        self.sub = self.std = self.model = None
        self.paths = []
        self.live_views = []
        self.kind = None

    # ---------------------------------------------------------------- setup
    def _file(self, name, content):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(content)
        self.paths.append(path)
        return path

    def _map_file(self, mod, path, kw):
        with open(path, "r+b" if kw.get("access") != READ else "rb") as f:
            return mod.mmap(f.fileno(), 0, **kw)

    @initialize(kind=st.sampled_from(["file DEFAULT", "file READ",
                                      "file WRITE", "file COPY",
                                      "file DEFAULT notrack",
                                      "anon shared", "anon private"]),
                size=st.one_of(st.integers(1, 64),
                               st.integers(PAGESIZE - 2, PAGESIZE + 2),
                               st.integers(1, 3 * PAGESIZE),
                               st.sampled_from([PAGESIZE, 2 * PAGESIZE]))
                ,
                seed=st.integers(0, 2**32 - 1))
    def setup(self, kind, size, seed):
        if "notrack" in kind and self.SUBJECT is std and PY < (3, 13):
            kind = "file DEFAULT"        # no trackfd before 3.13
        rnd = random.Random(seed)
        content = bytes(ALPHABET[rnd.getrandbits(2)] for _ in range(size))
        self.kind = kind
        trackfd = "notrack" not in kind
        anonymous = kind.startswith("anon")
        shared = kind != "anon private"
        if anonymous:
            size = -(-size // PAGESIZE) * PAGESIZE if not shared else size
            content = b"\0" * size
            access = DEFAULT
        else:
            access = {"DEFAULT": DEFAULT, "READ": READ, "WRITE": WRITE,
                      "COPY": COPY}[kind.split()[1]]
        self.model = Model(content, access, anonymous, shared, trackfd)
        self.size0 = size

        def make(mod, tag):
            kw = {}
            if not trackfd:
                if mod is std and PY < (3, 13):
                    return None
                kw["trackfd"] = False
            if anonymous:
                if not shared:
                    kw["flags"] = mod.MAP_PRIVATE | mod.MAP_ANONYMOUS
                return mod.mmap(-1, size, **kw)
            if access != DEFAULT:
                kw["access"] = access
            return self._map_file(mod, self._file(tag, content), kw)

        self.sub = make(self.SUBJECT, "subject")
        self.sub_path = None if anonymous else self.paths[-1]
        self.std = None if self.SELF_CHECK else make(std, "stdlib")
        self.std_path = None if (anonymous or self.std is None) \
            else self.paths[-1]

    def teardown(self):
        for v in self.live_views:
            for x in v:
                if x is not None:
                    try:
                        x.release()
                    except Exception:
                        pass
        for m in (self.sub, self.std):
            if m is not None:
                try:
                    m.close()
                except Exception:
                    pass
        for p in self.paths:
            os.unlink(p)
        os.rmdir(self.tmp)

    # ------------------------------------------------------------- checking
    def check(self, what, fsub, fmodel, fstd=None, std_ok=True,
              std_result=True):
        """Run the operation on the model and the subject (and the stdlib
        when std_ok); compare outcomes.  std_result=False compares only the
        stdlib's exception type (e.g. seek() returned None before 3.13)."""
        if self.SELF_CHECK and not std_ok:
            return None
        expected = outcome(fmodel)
        got = outcome(fsub)
        if self.SELF_CHECK and not std_result and expected[0] == "ok":
            assert got[0] == "ok", "%s: model %s, stdlib %s" % (
                what, describe(expected), describe(got))
            return got
        assert got == expected, "%s: model %s, %s %s" % (
            what, describe(expected), self.SUBJECT.__name__, describe(got))
        if fstd is not None and std_ok and self.std is not None:
            s = outcome(fstd)
            if std_result or expected[0] == "exc":
                assert s == expected, "%s: model %s, stdlib %s (the model " \
                    "is wrong)" % (what, describe(expected), describe(s))
            else:
                assert s[0] == "ok", "%s: stdlib %s" % (what, describe(s))
        return got

    def both(self, name, *args, **kwargs):
        """(subject call, stdlib call) of method `name`."""
        return (lambda: getattr(self.sub, name)(*args, **kwargs),
                lambda: getattr(self.std, name)(*args, **kwargs))

    def n(self):
        return len(self.model.data)

    @property
    def is_open(self):
        return not self.model.closed

    # --------------------------------------------------------------- rules
    @rule(data=st.data())
    def getitem(self, data):
        n = self.n()
        i = data.draw(st.one_of(st.integers(-n - 3, n + 3),
                                st.sampled_from([MAXS, MINS, 2**70])))
        self.check("m[%d]" % i, lambda: self.sub[i],
                   lambda: self.model.getitem(i), lambda: self.std[i])

    @rule(data=st.data())
    def getslice(self, data):
        n = self.n()
        b = st.one_of(st.none(), st.integers(-n - 3, n + 3),
                      st.sampled_from([MAXS, MINS]))
        key = slice(data.draw(b), data.draw(b),
                    data.draw(st.one_of(st.none(), st.integers(-5, 5),
                                        st.sampled_from([MAXS, MINS]))))
        self.check("m[%r]" % key, lambda: self.sub[key],
                   lambda: self.model.getitem(key), lambda: self.std[key])

    @rule(data=st.data())
    def setitem(self, data):
        n = self.n()
        i = data.draw(st.integers(-n - 2, n + 2))
        v = data.draw(st.integers(-2, 258))

        def do(m):
            m[i] = v
        # before 3.14 the stdlib checked "closed" first and the index's
        # range before the value
        m = self.model
        std_ok = PY >= (3, 14) or (not m.closed and m.access != READ and (
            -n <= i < n or 0 <= v <= 255))
        self.check("m[%d] = %d" % (i, v), lambda: do(self.sub),
                   lambda: self.model.setitem(i, v), lambda: do(self.std),
                   std_ok=std_ok)

    @rule(data=st.data())
    def setslice(self, data):
        n = self.n()
        b = st.one_of(st.none(), st.integers(-n - 3, n + 3))
        key = slice(data.draw(b), data.draw(b),
                    data.draw(st.one_of(st.none(), st.integers(-4, 4))))
        length = len(range(*key.indices(n))) if key.step != 0 else 0
        if data.draw(st.booleans()):
            length = data.draw(st.integers(0, length + 2))
        payload = data.draw(st.binary(min_size=length, max_size=length))
        how = data.draw(st.sampled_from(["bytes", "bytearray", "memoryview"]))
        value = {"bytes": payload, "bytearray": bytearray(payload),
                 "memoryview": memoryview(payload)}[how]

        def do(m):
            m[key] = value
        std_ok = PY >= (3, 14) or not self.model.closed
        self.check("m[%r] = %s(%d bytes)" % (key, how, len(payload)),
                   lambda: do(self.sub),
                   lambda: self.model.setitem(key, payload),
                   lambda: do(self.std), std_ok=std_ok)

    @rule(data=st.data(), reverse=st.booleans())
    def find(self, data, reverse):
        n = self.n()
        if n and data.draw(st.booleans()) and self.is_open:
            a = data.draw(st.integers(0, n - 1))
            needle = bytes(self.model.data[a:a + data.draw(
                st.integers(0, 4))])
        else:
            needle = data.draw(st.binary(max_size=3).map(
                lambda b: bytes(ALPHABET[x & 3] for x in b)))
        bound = st.one_of(st.none(), st.integers(-n - 2, n + 2),
                          st.sampled_from([MAXS, MINS]))
        start = data.draw(bound)
        end = data.draw(bound)
        nargs = data.draw(st.integers(0, 2))
        args = (needle, start, end)[:nargs + 1]
        if nargs < 2:
            end = None
        if nargs < 1:
            start = None
        name = "rfind" if reverse else "find"
        # the stdlib < 3.15 rejects None, clamps a start past the end for an
        # empty needle, and ignores end after a None start
        eff_start = self.model.pos if start is None else start
        std_ok = (STD_FIND_OK and None not in args[1:]
                  and not (needle == b"" and eff_start > n))
        fs, fd = self.both(name, *args)
        self.check("%s%r" % (name, args), fs,
                   lambda: self.model.find(needle, start, end, reverse), fd,
                   std_ok=std_ok)

    @rule(data=st.data())
    def seek(self, data):
        n = self.n()
        off = data.draw(st.one_of(st.integers(-n - 3, n + 3),
                                  st.sampled_from([MAXS, MINS])))
        whence = data.draw(st.sampled_from([0, 0, 1, 1, 2, 2, 3, -1]))
        fs, fd = self.both("seek", off, whence)
        self.check("seek(%d, %d)" % (off, whence), fs,
                   lambda: self.model.seek(off, whence), fd,
                   std_result=PY >= (3, 13))

    @rule()
    def tell(self):
        fs, fd = self.both("tell")
        self.check("tell()", fs, self.model.tell, fd)

    @rule(data=st.data())
    def read(self, data):
        n = self.n()
        k = data.draw(st.one_of(st.none(), st.integers(-2, n + 2),
                                st.sampled_from([MAXS, MINS])))
        args = () if (k is None and data.draw(st.booleans())) else (k,)
        fs, fd = self.both("read", *args)
        self.check("read%r" % (args,), fs, lambda: self.model.read(k), fd)

    @rule()
    def readline(self):
        fs, fd = self.both("readline")
        self.check("readline()", fs, self.model.readline, fd)

    @rule()
    def read_byte(self):
        fs, fd = self.both("read_byte")
        self.check("read_byte()", fs, self.model.read_byte, fd)

    @rule(data=st.data())
    def write(self, data):
        n = self.n()
        payload = data.draw(st.binary(max_size=min(n + 2, 40)))
        fs, fd = self.both("write", payload)
        self.check("write(%d bytes)" % len(payload), fs,
                   lambda: self.model.write(payload), fd)

    @rule(v=st.integers(-1, 256))
    def write_byte(self, v):
        fs, fd = self.both("write_byte", v)
        # before 3.15 the closed check came before the conversion
        std_ok = PY >= (3, 15) or 0 <= v <= 255 or self.is_open
        self.check("write_byte(%d)" % v, fs,
                   lambda: self.model.write_byte(v), fd, std_ok=std_ok)

    @rule(data=st.data())
    def move(self, data):
        n = self.n()
        a = st.one_of(st.integers(-1, n + 1), st.sampled_from([MAXS]))
        dest, src, count = data.draw(a), data.draw(a), data.draw(
            st.one_of(st.integers(-1, n + 1), st.just(MAXS)))
        fs, fd = self.both("move", dest, src, count)
        self.check("move(%d, %d, %d)" % (dest, src, count), fs,
                   lambda: self.model.move(dest, src, count), fd)

    @rule(data=st.data())
    def flush(self, data):
        n = self.n()
        form = data.draw(st.sampled_from(["none", "two", "one", "minus1"]))
        off = data.draw(st.one_of(st.sampled_from([0, PAGESIZE]),
                                  st.integers(-1, n + 1)))
        size = data.draw(st.integers(-2, n + 1))
        if form == "none":
            args, off, size = (), 0, -1
        elif form == "two":
            args = (off, size)
        elif form == "one":
            args, size = (off,), -1
        else:
            args, size = (off, -1), -1
        # flush(offset) and flush(offset, -1) flush to the end only in 3.15
        std_ok = PY >= (3, 15) or form in ("none", "two") and size != -1 \
            or form == "none"
        fs, fd = self.both("flush", *args)
        self.check("flush%r" % (args,), fs,
                   lambda: self.model.flush(off, size), fd, std_ok=std_ok)

    @rule(data=st.data())
    def madvise(self, data):
        n = self.n()
        option = data.draw(st.sampled_from([std.MADV_NORMAL, std.MADV_RANDOM,
                                            std.MADV_SEQUENTIAL,
                                            std.MADV_WILLNEED]))
        start = data.draw(st.one_of(st.sampled_from([0, PAGESIZE]),
                                    st.integers(-1, n + 1)))
        length = data.draw(st.one_of(st.none(), st.integers(-1, n + 1),
                                     st.just(MAXS)))
        nargs = data.draw(st.integers(1, 3))
        args = (option, start, length)[:nargs]
        if nargs < 3:
            length = None
        if nargs < 2:
            start = 0
        std_ok = PY >= (3, 15) or None not in args
        fs, fd = self.both("madvise", *args)
        self.check("madvise%r" % (args,), fs,
                   lambda: self.model.madvise(option, start, length), fd,
                   std_ok=std_ok)

    @rule()
    def size(self):
        # 3.15: anonymous maps give their length, trackfd=False ValueError
        std_ok = PY >= (3, 15) or (not self.model.anonymous
                                   and self.model.trackfd)
        fs, fd = self.both("size")
        self.check("size()", fs, self.model.size, fd, std_ok=std_ok)

    @rule(data=st.data())
    def resize(self, data):
        n = self.n()
        m = self.model
        if m.anonymous and not m.shared:
            # whole pages: a private anonymous map regrown inside its last
            # page shows the old bytes again (kernel behaviour), not zeros
            newsize = data.draw(st.integers(-1, 3)) * PAGESIZE
        else:
            newsize = data.draw(st.one_of(
                st.integers(-1, 2 * PAGESIZE + 10),
                st.integers(max(n - 3, 0), n + 3)))
        # the stdlib truncates the file on resize(0) and crashes later, and
        # before 3.13.x grows shared anonymous maps (SIGBUS on access)
        blocked_in_std = (m.closed or m.exports or not m.trackfd
                          or m.access in (READ, COPY) or newsize < 0)
        grow_shared_anon = m.anonymous and m.shared and newsize > n
        std_ok = (blocked_in_std or (newsize == 0 and m.anonymous)
                  or (newsize > 0 and not grow_shared_anon)
                  or (grow_shared_anon and PY >= (3, 15)))
        fs, fd = self.both("resize", newsize)
        self.check("resize(%d)" % newsize, fs,
                   lambda: self.model.resize(newsize), fd, std_ok=std_ok)

    @rule(data=st.data())
    def contains(self, data):
        item = data.draw(st.sampled_from([b"a", b"\n", b"z", b"ab", 97]))
        std_ok = self.n() > 0 or not self.is_open

        def model():
            self.model._valid()
            if isinstance(item, bytes) and len(item) == 1:
                return item[0] in self.model.data
            return False
        self.check("%r in m" % (item,), lambda: item in self.sub, model,
                   lambda: item in self.std, std_ok=std_ok)

    @rule(target=views)
    def export(self):
        subv = outcome(lambda: memoryview(self.sub))
        expected = outcome(self.model.export)
        assert (subv[0], subv[1:] if subv[0] == "exc" else None) == \
            (expected[0], expected[1:] if expected[0] == "exc" else None), \
            "memoryview(m): model %s, subject %s" % (describe(expected),
                                                     describe(subv))
        if subv[0] == "exc":
            return hypothesis.stateful.multiple()
        v = subv[1]
        assert v.readonly == (self.model.access == READ)
        assert v.nbytes == self.n() and v.format == "B"
        sv = memoryview(self.std) if self.std is not None else None
        pair = (v, sv)
        self.live_views.append(pair)
        return pair

    @rule(pair=views, data=st.data())
    def write_through_view(self, pair, data):
        v, sv = pair
        if self.model.access == READ or not len(v):
            return
        i = data.draw(st.integers(0, len(v) - 1))
        b = data.draw(st.integers(0, 255))
        v[i] = b
        if sv is not None:
            sv[i] = b
        self.model.data[i] = b
        self.model._sync_file()

    @rule(pair=consumes(views))
    def release(self, pair):
        for x in pair:
            if x is not None:
                x.release()
        self.live_views.remove(pair)
        self.model.release()

    @rule(dice=st.integers(0, 4))
    def close(self, dice):
        if dice and not self.model.closed:
            return          # close rarely, so that most steps see an open map
        fs, fd = self.both("close")
        self.check("close()", fs, self.model.close, fd)

    @rule(data=st.data())
    def hostile_index_closes(self, data):
        # H-01 inside the machine (mmf only: the stdlib of some versions
        # crashes): an __index__ that closes the map.
        if self.SELF_CHECK or self.model.exports or self.model.closed \
                or data.draw(st.integers(0, 4)):
            return
        sub = self.sub

        class X:
            def __index__(self):
                sub.close()
                return 0
        op = data.draw(st.sampled_from(["getitem", "read", "find", "seek",
                                        "madvise", "flush"]))
        call = {"getitem": lambda: sub[X()], "read": lambda: sub.read(X()),
                "find": lambda: sub.find(b"a", X()),
                "seek": lambda: sub.seek(X()),
                "madvise": lambda: sub.madvise(X()),
                "flush": lambda: sub.flush(X())}[op]
        got = outcome(call)
        assert got[:2] == ("exc", ValueError), "%s with a closing __index__: " \
            "%s" % (op, describe(got))
        self.model.closed = True
        if self.std is not None:
            self.std.close()

    # ----------------------------------------------------------- invariants
    @invariant()
    def same_state(self):
        if self.model is None:
            return
        maps = [("subject", self.sub, self.sub_path)]
        if self.std is not None:
            maps.append(("stdlib", self.std, self.std_path))
        for name, m, path in maps:
            assert m.closed == self.model.closed, name
            assert repr(m) == self.model.repr(), (name, repr(m))
            if not self.model.closed:
                assert len(m) == self.n(), name
                assert m.tell() == self.model.pos, name
                assert m[:] == bytes(self.model.data), name
            if path is not None:
                with open(path, "rb") as f:
                    assert f.read() == bytes(self.model.file), \
                        "%s: file contents" % name


settings_kw = dict(max_examples=30 if QUICK else 100,
                   stateful_step_count=50, deadline=None)


class MmfMachine(MapMachine):
    SUBJECT = mmf


class StdlibMachine(MapMachine):
    SUBJECT = std
    SELF_CHECK = True


class TestMmf(MmfMachine.TestCase):
    """mmf against the stdlib and the model."""

    settings = settings(**settings_kw)

    def setUp(self):
        if mmf is None:
            if REQUIRE:
                raise RuntimeError("MMF_REQUIRE is set but mmf cannot be "
                                   "imported from %s: %s"
                                   % (BUILD_DIR, MMF_IMPORT_ERROR))
            raise unittest.SkipTest("mmf not built")
        super().setUp()


class TestStdlibAgainstModel(StdlibMachine.TestCase):
    """The stdlib against the model, where the stdlib has the 3.15
    behaviour: checks the model."""

    settings = settings(**dict(settings_kw,
                               max_examples=30 if QUICK else 60))

