"""Behaviour of mmf.mmap: subscripts (the sequence protocol), the buffer
protocol, pickling, copying and subclassing.

Written once and run against the stdlib mmap and mmf (fixture ``impl``);
the reference, the checks and the helpers (``check_raises``, ``fmap``,
``amap``, ...) are described in conftest.py, section "The API tests".
"""

import array
import copy
import ctypes
import gc
import io
import pickle
import re
import sys
import weakref

import pytest

from conftest import (CLOSED, DATA, PAGESIZE, PY, READONLY, Idx, check_raises,
                      fd_count, file_bytes, mmf_only, needs_315,
                      stdlib_overlap_ub)


# --------------------------------------------------------------------------
# Subscripts

class TestGetItem:
    def test_index(self, amap):
        m = amap(4, b"\x00\x01\xfe\xff")
        assert m[0] == 0 and m[3] == 255 and m[-1] == 255 and m[-4] == 0
        assert isinstance(m[0], int)
        assert m[Idx(2)] == 254
        assert m[True] == 1

    def test_index_errors(self, amap):
        m = amap(4)
        for i in (4, -5, 100, sys.maxsize, -sys.maxsize - 1):
            check_raises(IndexError, "mmap index out of range",
                         m.__getitem__, i)
        check_raises(IndexError, "cannot fit 'int' into an index-sized "
                     "integer", m.__getitem__, 10**30)
        for key in (1.5, "a", (1, 2), None, b"a"):
            check_raises(TypeError, "mmap indices must be integers",
                         m.__getitem__, key)

    def test_slices(self, amap):
        m = amap(10, b"0123456789")
        assert m[:] == b"0123456789"
        assert m[2:5] == b"234"
        assert m[-3:] == b"789"
        assert m[5:2] == b""
        assert m[::2] == b"02468"
        assert m[::-1] == b"9876543210"
        assert m[8:2:-3] == b"85"
        assert m[100:200] == b""
        assert m[-100:2] == b"01"
        assert m[::sys.maxsize] == b"0"
        assert m[::-sys.maxsize] == b"9"
        assert m[-sys.maxsize:sys.maxsize] == b"0123456789"
        assert m[10**30:] == b""
        assert m[Idx(1):Idx(3)] == b"12"
        assert isinstance(m[1:3], bytes)
        check_raises(ValueError, "slice step cannot be zero",
                     m.__getitem__, slice(None, None, 0))

    def test_extended_getslice(self, amap):
        s = bytes(reversed(range(256)))
        m = amap(len(s), s)
        indices = (0, None, 1, 3, 19, 300, sys.maxsize, -1, -2, -31, -300)
        for start in indices:
            for stop in indices:
                for step in indices[1:]:
                    assert m[start:stop:step] == s[start:stop:step], \
                        (start, stop, step)


class TestSetItem:
    def test_index(self, amap):
        m = amap(4)
        m[0] = 1
        m[-1] = 255
        m[Idx(1)] = Idx(2)
        m[2] = True
        assert m[:] == b"\x01\x02\x01\xff"

    def test_index_errors(self, impl, amap):
        needs_315(impl, (3, 14), "item assignment's order of checks")
        m = amap(4, b"abcd")
        for i in (4, -5, sys.maxsize):
            check_raises(IndexError, "mmap index out of range",
                         m.__setitem__, i, 1)
        check_raises(IndexError, None, m.__setitem__, 10**30, 1)
        check_raises(ValueError, "mmap item value must be in range(0, 256)",
                     m.__setitem__, 0, 256)
        check_raises(ValueError, "mmap item value must be in range(0, 256)",
                     m.__setitem__, 0, -1)
        for v in (b"a", "a", 1.0, None):
            check_raises(TypeError, "mmap item value must be an int",
                         m.__setitem__, 0, v)
        # 3.14+: the value is checked before the index's range
        check_raises(ValueError, "mmap item value must be in range(0, 256)",
                     m.__setitem__, 4, 256)
        check_raises(TypeError, "mmap item value must be an int",
                     m.__setitem__, 4, b"a")
        # ... and the map's state last
        m.close()
        check_raises(ValueError, "mmap item value must be in range(0, 256)",
                     m.__setitem__, 1, 300)
        check_raises(TypeError, "mmap indices must be integer",
                     m.__setitem__, "a", 1)
        check_raises(ValueError, CLOSED, m.__setitem__, 100, 1)
        for key in (1.5, "a", (1, 2), None):
            check_raises(TypeError, "mmap indices must be integer",
                         m.__setitem__, key, 1)
        assert m.closed

    def test_deletion(self, impl, amap):
        needs_315(impl, (3, 14), "item assignment's order of checks")
        m = amap(4, b"abcd")

        def del_item(k):
            del m[k]
        check_raises(TypeError, "mmap doesn't support item deletion",
                     del_item, 0)
        check_raises(TypeError, "mmap doesn't support item deletion",
                     del_item, 4)
        check_raises(TypeError, "mmap object doesn't support slice deletion",
                     del_item, slice(0, 2))
        check_raises(TypeError, "mmap object doesn't support slice deletion",
                     del_item, slice(0, 4, 2))
        assert m[:] == b"abcd"

    def test_readonly_checked_before_key(self, impl, fmap):
        m, _ = fmap(access=impl.ACCESS_READ)
        for key, value in ((1.5, 1), ("a", 1), (10**9, 1), (0, 256),
                           (slice(0, 1), "x")):
            check_raises(TypeError, READONLY, m.__setitem__, key, value)

        def del_item():
            del m[0]
        check_raises(TypeError, READONLY, del_item)

    def test_slices(self, amap):
        m = amap(10, b"0123456789")
        m[2:5] = b"abc"
        assert m[:] == b"01abc56789"
        m[::3] = bytearray(b"WXYZ")
        assert m[:] == b"W1aXc5Y78Z"
        m[::-1] = memoryview(b"0123456789")
        assert m[:] == b"9876543210"
        m[5:5] = b""
        m[20:30] = b""
        m[:] = array.array("B", b"A" * 10)
        assert m[:] == b"A" * 10

    def test_slice_errors(self, amap):
        m = amap(10, b"0123456789")
        msg = "mmap slice assignment is wrong size"
        check_raises(IndexError, msg, m.__setitem__, slice(0, 2), b"abc")
        check_raises(IndexError, msg, m.__setitem__, slice(0, 2), b"a")
        check_raises(IndexError, msg, m.__setitem__, slice(None, None, 2),
                     b"abc")
        check_raises(IndexError, msg, m.__setitem__, slice(8, 20), b"abc")
        check_raises(TypeError, None, m.__setitem__, slice(0, 2), "ab")
        check_raises(TypeError, None, m.__setitem__, slice(0, 2), 5)
        check_raises(TypeError, None, m.__setitem__, slice(0, 2), [1, 2])
        check_raises(ValueError, "slice step cannot be zero",
                     m.__setitem__, slice(None, None, 0), b"")
        assert m[:] == b"0123456789"

    def test_extended_set_slice(self, amap):
        s = bytes(reversed(range(256)))
        m = amap(len(s))
        indices = (0, None, 1, 3, 19, 300, sys.maxsize, -1, -2, -31, -300)
        for start in indices:
            for stop in indices:
                for step in indices[1:]:
                    m[:] = s
                    expected = bytearray(s)
                    n = len(expected[start:stop:step])
                    data = bytes(reversed(range(n)))
                    expected[start:stop:step] = data
                    m[start:stop:step] = data
                    assert m[:] == bytes(expected), (start, stop, step)

    def test_overlapping_self_assignment(self, impl, amap):
        stdlib_overlap_ub(impl)
        m = amap(10, b"0123456789")
        m[1:] = memoryview(m)[:-1]
        assert m[:] == b"0012345678"
        m[:] = b"0123456789"
        m[:-1] = memoryview(m)[1:]
        assert m[:] == b"1234567899"
        m[:] = b"0123456789"
        m[:] = m
        assert m[:] == b"0123456789"
        m.close()       # the views above were released

    def test_overlapping_strided_self_assignment(self, impl, amap):
        mmf_only(impl, "a strided slice assignment from the map itself "
                 "reads the source before writing (docs/hazards.md H-21); "
                 "CPython copies in place and gives b'0123443210'")
        m = amap(10, b"0123456789")
        m[::-1] = m
        assert m[:] == b"9876543210"
        m[:] = b"0123456789"
        m[::2] = memoryview(m)[1:6]
        assert m[:] == b"1123354759"
        m[:] = b"0123456789"
        m[::-2] = memoryview(m)[2:7]
        assert m[:] == b"0625446382"
        m.close()


class TestSequenceQuirks:
    def test_iteration_yields_bytes(self, amap):
        m = amap(3, b"abc")
        assert list(m) == [b"a", b"b", b"c"]
        assert list(reversed(m)) == [b"c", b"b", b"a"]
        assert [x for x in m] == [b"a", b"b", b"c"]

    def test_contains(self, amap):
        m = amap(3, b"abc")
        assert b"a" in m
        assert b"d" not in m
        assert 97 not in m
        assert b"ab" not in m

    def test_sequence_api(self, amap):
        m = amap(3, b"abc")
        api = ctypes.pythonapi
        api.PySequence_GetItem.restype = ctypes.py_object
        api.PySequence_GetItem.argtypes = [ctypes.py_object, ctypes.c_ssize_t]
        api.PySequence_SetItem.restype = ctypes.c_int
        api.PySequence_SetItem.argtypes = [ctypes.py_object, ctypes.c_ssize_t,
                                           ctypes.py_object]
        api.PySequence_DelItem.restype = ctypes.c_int
        api.PySequence_DelItem.argtypes = [ctypes.py_object, ctypes.c_ssize_t]
        api.PySequence_Size.restype = ctypes.c_ssize_t
        api.PySequence_Size.argtypes = [ctypes.py_object]
        assert api.PySequence_GetItem(m, 1) == b"b"
        assert api.PySequence_GetItem(m, -1) == b"c"
        assert api.PySequence_Size(m) == 3
        api.PySequence_SetItem(m, 0, b"z")
        assert m[:] == b"zbc"
        check_raises(IndexError, "mmap assignment must be length-1 bytes()",
                     api.PySequence_SetItem, m, 0, b"xy")
        check_raises(IndexError, "mmap assignment must be length-1 bytes()",
                     api.PySequence_SetItem, m, 0, 5)
        check_raises(IndexError, "mmap index out of range",
                     api.PySequence_GetItem, m, 3)
        check_raises(TypeError, "mmap object doesn't support item deletion",
                     api.PySequence_DelItem, m, 0)
        assert m[:] == b"zbc"


# --------------------------------------------------------------------------
# Buffer protocol

class TestBuffer:
    def test_memoryview(self, amap):
        m = amap(10, b"0123456789")
        with memoryview(m) as v:
            assert v.format == "B" and v.itemsize == 1 and v.ndim == 1
            assert v.nbytes == 10 and not v.readonly
            assert v.contiguous
            v[0] = ord("x")
            assert m[0] == ord("x")
            m[1] = ord("y")
            assert v[1] == ord("y")
            # reads, writes, seeks and slices are not blocked
            m.seek(2)
            m.write(b"z")
            assert m[:3] == b"xyz"

    def test_readonly_buffer(self, impl, fmap):
        m, _ = fmap(access=impl.ACCESS_READ)
        with memoryview(m) as v:
            assert v.readonly
            check_raises(TypeError, None, v.__setitem__, 0, 1)
        check_raises(TypeError, None, io.BytesIO(b"ab").readinto, m)
        check_raises(TypeError, None, (ctypes.c_char * 2).from_buffer, m)

    def test_copy_buffer_writable(self, impl, fmap):
        m, path = fmap(access=impl.ACCESS_COPY)
        with memoryview(m) as v:
            assert not v.readonly
            v[0] = ord("Q")
        assert file_bytes(path) == DATA

    def test_exports_block_close_and_resize(self, amap, impl):
        m = amap(PAGESIZE, flags=impl.MAP_PRIVATE | impl.MAP_ANONYMOUS)
        v1 = memoryview(m)
        v2 = memoryview(m)[1:3]
        check_raises(BufferError, "mmap can't resize with extant buffers "
                     "exported.", m.resize, 100)
        v1.release()
        check_raises(BufferError, "cannot close exported pointers exist",
                     m.close)
        v2.release()
        m.resize(100)
        assert len(m) == 100

    def test_ctypes_from_buffer_blocks_close(self, amap):
        m = amap(16)
        c = (ctypes.c_char * 16).from_buffer(m)
        c[0] = b"q"
        assert m[0] == ord("q")
        check_raises(BufferError, "cannot close exported pointers exist",
                     m.close)
        del c
        gc.collect()
        m.close()

    def test_buffer_of_closed(self, amap):
        m = amap()
        m.close()
        check_raises(ValueError, CLOSED, memoryview, m)

    def test_re_search(self, amap):
        m = amap(len(DATA), DATA)
        match = re.search(rb"line (\w+)", m)
        assert match.group(1) == b"two" and match.start() == 21
        del match
        gc.collect()
        m.close()

    def test_bytes_and_buffer_consumers(self, amap):
        import hashlib
        import zlib
        m = amap(len(DATA), DATA)
        assert bytes(m) == DATA
        assert bytearray(m) == DATA
        assert hashlib.sha256(m).digest() == hashlib.sha256(DATA).digest()
        assert zlib.crc32(m) == zlib.crc32(DATA)
        assert DATA.find(m) == 0
        m.close()      # every consumer released its view

    def test_pep688_dunders(self, impl):
        if PY < (3, 12):
            pytest.skip("PEP 688 __buffer__ is Python 3.12+")
        assert hasattr(impl.mmap, "__buffer__")
        assert hasattr(impl.mmap, "__release_buffer__")
        m = impl.mmap(-1, 4)
        v = m.__buffer__(0)
        assert isinstance(v, memoryview) and len(v) == 4
        check_raises(BufferError, None, m.close)
        v.release()
        m.close()


# --------------------------------------------------------------------------
# Pickling, copying, subclassing

class TestPickleSubclass:
    def test_pickle_refused(self, amap):
        m = amap()
        for proto in range(pickle.HIGHEST_PROTOCOL + 1):
            # protocols 0 and 1 go through copyreg, which uses __name__
            check_raises(TypeError, "cannot pickle '%s' object"
                         % ("mmap" if proto < 2 else "mmap.mmap"),
                         pickle.dumps, m, proto)
        check_raises(TypeError, "cannot pickle 'mmap.mmap' object",
                     copy.copy, m)
        check_raises(TypeError, "cannot pickle 'mmap.mmap' object",
                     copy.deepcopy, m)

    def test_subclass(self, impl):
        class S(impl.mmap):
            extra = 5

            def double(self):
                return self[:] * 2

        m = S(-1, 3)
        assert isinstance(m, impl.mmap) and type(m) is S
        m[:] = b"abc"
        assert m.double() == b"abcabc"
        m.note = "subclass instances have a __dict__"
        assert m.note.startswith("subclass")
        assert repr(m) == ("<S closed=False, access=ACCESS_DEFAULT, "
                           "length=3, pos=0, offset=0>")
        m.close()
        assert repr(m) == "<S closed=True>"
        assert weakref.ref(m)() is m

    def test_subclass_new(self, impl):
        class Anon(impl.mmap):
            def __new__(cls, *args, **kwargs):
                return impl.mmap.__new__(cls, -1, *args, **kwargs)

        m = Anon(5000)
        assert len(m) == 5000 and type(m) is Anon
        m.close()

    def test_subclass_init_raises(self, impl):
        class Bad(impl.mmap):
            def __init__(self, *args, **kwargs):
                raise RuntimeError("boom")

        before = fd_count()
        with pytest.raises(RuntimeError, match="boom"):
            Bad(-1, 100)
        gc.collect()
        assert fd_count() == before

    def test_new_with_other_type(self, impl):
        check_raises(TypeError, None, impl.mmap.__new__, int)
        check_raises(TypeError, None, impl.mmap.__new__)

    def test_subclass_pickle_refused(self, impl):
        class S(impl.mmap):
            pass
        m = S(-1, 3)
        check_raises(TypeError, None, pickle.dumps, m)
        m.close()
