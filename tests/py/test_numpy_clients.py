"""numpy as a real client of mmf: numpy's own memmap tests with mmf in
place of the stdlib mmap, and arrays over mmf maps under each access mode
(numpy.frombuffer over an mmf.mmap, numpy.memmap creating an mmf.mmap),
with writes checked from both sides.

numpy comes from tests/requirements.txt, pinned for every interpreter that
has a wheel of it; where it is missing, every test here is skipped with
that reason.
"""

import os
import subprocess
import sys

import pytest

from conftest import BUILD_DIR, PAGESIZE, mmf

try:
    import numpy as np
except ImportError as exc:  # pragma: no cover - depends on the interpreter
    pytest.skip("numpy is not installed for this interpreter (%s); "
                "tests/requirements.txt pins it where a wheel exists" % exc,
                allow_module_level=True)

if mmf is None:
    pytest.skip("mmf not built", allow_module_level=True)

def numpy_memmap_tests():
    """Path of test_memmap.py in the installed numpy."""
    root = os.path.dirname(np.__file__)
    for sub in ("_core", "core"):
        path = os.path.join(root, sub, "tests", "test_memmap.py")
        if os.path.exists(path):
            return path
    pytest.fail("numpy %s ships no test_memmap.py under %s"
                % (np.__version__, root))


NUMPY_SUITE = """\
import sys, tempfile
sys.path.insert(0, {build_dir!r})
if {use_mmf!r}:
    import mmf
    sys.modules["mmap"] = mmf
import numpy
import pytest
# numpy.memmap imports mmap when it makes a map: check which one it gets.
with tempfile.NamedTemporaryFile() as f:
    a = numpy.memmap(f.name, mode="w+", shape=(1,))
    if {use_mmf!r}:
        assert isinstance(a._mmap, mmf.mmap), type(a._mmap)
        print("numpy.memmap uses mmf")
    del a
sys.exit(pytest.main([{path!r}, "-q", "-p", "no:cacheprovider",
                      "-p", "no:randomly", "-o", "addopts="]))
"""


def run_numpy_suite(use_mmf, tmp_path):
    code = NUMPY_SUITE.format(build_dir=BUILD_DIR, use_mmf=use_mmf,
                              path=numpy_memmap_tests())
    proc = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=600)
    out = proc.stdout.decode(errors="replace")
    summary = out.strip().splitlines()[-1] if out.strip() else ""
    return proc.returncode, summary, out


def test_numpy_memmap_suite_passes_with_mmf_as_mmap(tmp_path):
    """numpy's own test_memmap.py, with sys.modules['mmap'] = mmf before
    numpy is imported, ends as it does with the stdlib."""
    (tmp_path / "std").mkdir()
    (tmp_path / "mmf").mkdir()
    std_rc, std_summary, std_out = run_numpy_suite(False, tmp_path / "std")
    assert std_rc == 0, "the baseline (stdlib mmap) fails:\n" + std_out
    rc, summary, out = run_numpy_suite(True, tmp_path / "mmf")
    assert "numpy.memmap uses mmf" in out, out
    assert rc == 0, out
    # Same tests passed, skipped and xfailed (durations differ).
    assert summary.split(" in ")[0] == std_summary.split(" in ")[0], (
        summary, std_summary)


# --------------------------------------------------------------------------
# Arrays over maps, each access mode, writes seen from both sides

SIZE = 2 * PAGESIZE


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * (SIZE // 256))
    return str(path)


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


ACCESS = {
    "ACCESS_DEFAULT": "shared",
    "ACCESS_WRITE": "shared",
    "ACCESS_READ": "read-only",
    "ACCESS_COPY": "private",
}


@pytest.mark.parametrize("access", sorted(ACCESS))
def test_frombuffer_over_an_mmf_map(data_file, access):
    kind = ACCESS[access]
    with open(data_file, "r+b") as f:
        m = mmf.mmap(f.fileno(), 0, access=getattr(mmf, access))
    try:
        a = np.frombuffer(m, dtype=np.uint8)
        assert a.shape == (SIZE,) and a[255] == 255
        assert a.flags.writeable == (kind != "read-only")
        if kind == "read-only":
            with pytest.raises(ValueError):
                a[0] = 1
        else:
            a[0] = 200                  # the array writes, the map sees it
            assert m[0] == 200
            m[1] = 201                  # the map writes, the array sees it
            assert a[1] == 201
            m.seek(2)
            m.write(b"\xca")
            assert a[2] == 0xCA
            m.flush()
            on_disk = file_bytes(data_file)[:3]
            if kind == "shared":
                assert on_disk == b"\xc8\xc9\xca"
            else:
                assert on_disk == b"\x00\x01\x02"
        # The array pins the map: it cannot close under the array.
        with pytest.raises(BufferError):
            m.close()
        del a
    finally:
        m.close()


@pytest.fixture
def numpy_uses_mmf(monkeypatch):
    """numpy.memmap with mmf in place of mmap: it imports mmap each time it
    makes a map, so sys.modules['mmap'] = mmf before that is enough."""
    monkeypatch.setitem(sys.modules, "mmap", mmf)


@pytest.mark.parametrize("mode", ["r", "r+", "w+", "c"])
def test_numpy_memmap_over_mmf(numpy_uses_mmf, data_file, mode):
    a = np.memmap(data_file, dtype=np.uint8, mode=mode,
                  shape=(SIZE,) if mode == "w+" else None)
    assert isinstance(a._mmap, mmf.mmap)
    assert a[0] == 0 and a.shape == (SIZE,)
    # A second, shared map of the same file (from mmf) is the other side.
    with open(data_file, "r+b") as f:
        other = mmf.mmap(f.fileno(), 0)
    try:
        if mode == "r":
            assert not a.flags.writeable
            other[5] = 77               # the file changes under the array
            assert a[5] == 77
        else:
            a[3] = 99
            a.flush()
            if mode == "c":             # copy on write: the file keeps its byte
                assert other[3] == 3 and file_bytes(data_file)[3] == 3
            else:                       # shared: the other map and the file see it
                assert other[3] == 99 and file_bytes(data_file)[3] == 99
                other[4] = 98
                assert a[4] == 98
        del a
    finally:
        other.close()


@pytest.mark.parametrize("mode", ["r", "r+", "c"])
def test_frombuffer_over_mmf_open(data_file, mode):
    """mmf.open() takes numpy.memmap's modes; an array over it."""
    m = mmf.open(data_file, mode)
    try:
        a = np.frombuffer(m, dtype=np.uint8)
        assert a[7] == 7
        if mode != "r":
            a[7] = 0xEE
            m.flush()
            assert file_bytes(data_file)[7] == (0xEE if mode == "r+" else 7)
        del a
    finally:
        m.close()

