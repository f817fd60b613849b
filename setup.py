"""Build the `mmf` extension: python/*.c compiled together with the
libmmf core sources (mmf.mk's lists: the core and the platform's) into one
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
import os
import re
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
STUB = os.path.join("python", "mmf.pyi")
STUB_TARGETS = ("mmf.pyi", os.path.join("mmf-stubs", "__init__.pyi"))


def build_vars():
    """mmf.mk, the one list of sources, headers and flags (the Makefile
    includes it, tools/vars.sh reads it): its `NAME = words` lines."""
    found = {}
    with open(os.path.join(HERE, "mmf.mk")) as mk:
        for line in mk:
            match = re.match(r"([A-Za-z_]+) *= *(.*)$", line)
            if match:
                found[match.group(1)] = match.group(2).split()
    return found


def platform():
    """mmf.mk's name for this system (its PLAT_*_<name> lines)."""
    if not sys.platform.startswith("linux"):
        raise SystemExit("mmf: %s is not supported yet (Linux only: a "
                         "macOS or BSD build adds src/<system>/ and its "
                         "lines in mmf.mk)" % sys.platform)
    return "linux"


def version():
    """MMF_VERSION_STRING from include/mmf.h: one version for C and Python."""
    with open(os.path.join(HERE, "include", "mmf.h")) as header:
        match = re.search(r'#define MMF_VERSION_STRING "([^"]+)"',
                          header.read())
    return match.group(1)


def compile_args():
    args = ["-fvisibility=hidden"] + VARS["WARN"]
    if os.environ.get("MMF_STRICT") == "1":
        args.append("-Werror")
    return args


def is_gcc(compiler):
    """Is the C compiler setuptools will run GCC (whatever it is called)?
    Only GCC's LTO is sure to link with the system's linker."""
    command = getattr(compiler, "compiler_so", None)
    if not command:
        return False
    try:
        out = subprocess.run(command[:1] + ["--version"], capture_output=True,
                             text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "Free Software Foundation" in out and "clang" not in out


class BuildExtWithStub(build_ext):
    """build_ext that also puts the stub files into the build tree, so that
    they are installed next to the extension (there is no pure-Python
    package for build_py to carry them)."""

    def build_extensions(self):
        lto = VARS["LTO_GCC"]
        if os.environ.get("MMF_LTO", "1") != "0" and is_gcc(self.compiler):
            for ext in self.extensions:
                ext.extra_compile_args = ext.extra_compile_args + lto
                ext.extra_link_args = ext.extra_link_args + lto
        super().build_extensions()

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


VARS = build_vars()
PLATFORM = platform()
mmf_extension = Extension(
    "mmf",
    sources=VARS["PY_SRC"] + VARS["CORE_SRC"] + VARS["PLAT_SRC_" + PLATFORM],
    include_dirs=["include", "src"] + VARS["PLAT_DIRS_" + PLATFORM],
    depends=VARS["PY_HDR"] + VARS["CORE_HDR"] + VARS["PLAT_HDR_" + PLATFORM],
    libraries=[lib[2:] for lib in VARS["PLAT_LIBS_" + PLATFORM]],
    define_macros=[tuple(d[2:].split("=", 1)) for d in VARS["PY_DEFS"]],
    extra_compile_args=compile_args(),
)

# Name, description, classifiers...: pyproject.toml's [project] table.
setup(
    version=version(),
    ext_modules=[mmf_extension],
    cmdclass={"build_ext": BuildExtWithStub},
    zip_safe=False,
)
