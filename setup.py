"""Build the `mmf` extension: python/*.c compiled together with the
libmmf core sources (src/*.c and the platform's src/<platform>/*.c) into one
module, as the Makefile's `python` target does; no libmmf.so is needed at
run time.

    pip install .

The build backend (setuptools) and the metadata are declared in
pyproject.toml; this file adds the extension and the version. The type
stub python/mmf.pyi is installed twice: as mmf.pyi beside the extension
(found by pyright, jedi, PyCharm and by mypy on a source path), and as
the PEP 561 stub-only package mmf-stubs/__init__.pyi (found by mypy in
site-packages, which does not read a top-level .pyi there).

Set MMF_STRICT=1 to build with -Werror (as `make python STRICT=1`).
"""
import glob
import os
import re
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
STUB = os.path.join("python", "mmf.pyi")
STUB_TARGETS = ("mmf.pyi", os.path.join("mmf-stubs", "__init__.pyi"))


def platform_dirs():
    """The system's directory under src/, then the POSIX one it completes
    (headers in that order too: src/linux/fast.h first)."""
    if not sys.platform.startswith("linux"):
        raise SystemExit("mmf: %s is not supported yet (Linux only: a "
                         "macOS or BSD build adds src/<system>/)"
                         % sys.platform)
    return ["linux", "posix"]


def core_sources():
    """src/*.c and src/<dir>/*.c for the platform's directories, relative
    to the project root."""
    found = sorted(glob.glob(os.path.join(HERE, "src", "*.c")))
    for d in platform_dirs():
        found += sorted(glob.glob(os.path.join(HERE, "src", d, "*.c")))
    return [os.path.relpath(path, HERE) for path in found]


def version():
    """MMF_VERSION_STRING from include/mmf.h: one version for C and Python."""
    with open(os.path.join(HERE, "include", "mmf.h")) as header:
        match = re.search(r'#define MMF_VERSION_STRING "([^"]+)"',
                          header.read())
    return match.group(1)


def compile_args():
    args = ["-fvisibility=hidden", "-Wall", "-Wextra", "-Wshadow",
            "-Wstrict-prototypes"]
    if os.environ.get("MMF_STRICT") == "1":
        args.append("-Werror")
    return args


class BuildExtWithStub(build_ext):
    """build_ext that also puts the stub files into the build tree, so that
    they are installed next to the extension (there is no pure-Python
    package for build_py to carry them)."""

    def run(self):
        super().run()
        if self.inplace:
            return
        for target in STUB_TARGETS:
            dst = os.path.join(self.build_lib, target)
            self.mkpath(os.path.dirname(dst))
            self.copy_file(os.path.join(HERE, STUB), dst)

    def get_outputs(self):
        outputs = super().get_outputs()
        if not self.inplace:
            outputs += [os.path.join(self.build_lib, target)
                        for target in STUB_TARGETS]
        return outputs


mmf_extension = Extension(
    "mmf",
    sources=sorted(glob.glob(os.path.join("python", "*.c"))) + core_sources(),
    include_dirs=["include", "src"]
    + [os.path.join("src", d) for d in platform_dirs()],
    depends=[os.path.join("include", "mmf.h")]
    + sorted(glob.glob(os.path.join("include", "mmf", "*.h")))
    + sorted(glob.glob(os.path.join("python", "*.h")))
    + sorted(glob.glob(os.path.join("src", "*.h")))
    + sorted(h for d in platform_dirs()
             for h in glob.glob(os.path.join("src", d, "*.h"))),
    libraries=["pthread"],
    define_macros=[("MMF_EMBED", "1")],
    extra_compile_args=compile_args(),
)

# Name, description, classifiers...: pyproject.toml's [project] table.
setup(
    version=version(),
    ext_modules=[mmf_extension],
    cmdclass={"build_ext": BuildExtWithStub},
    zip_safe=False,
)
