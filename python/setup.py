"""Packaging of `precept` for pip, from Debian's packages only:

    /usr/bin/python3 -m venv --system-site-packages .venv
    .venv/bin/pip install --no-build-isolation ./python

The extension is not compiled here: CMake builds the `_precept` target in the
project's build folder (PRECEPT_BUILD_DIR, default: the repository's build/),
configuring it with -DPRECEPT_PYTHON=ON, so a build that exists is reused and
only what changed is compiled. The module and the two shared libraries it
needs (libprecept, libprecept_eval) are copied into the package; the module
finds them next to itself ($ORIGIN), so the installed package works from any
folder and after the build is gone.
"""
import glob
import os
import shutil
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("PRECEPT_SOURCE_DIR", os.path.dirname(HERE))
BUILD = os.path.abspath(os.environ.get("PRECEPT_BUILD_DIR", os.path.join(ROOT, "build")))


def version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("project(Precept VERSION "):
                return line.split("VERSION ")[1].split()[0]
    return "0.0.0"


class CMakeBuild(build_ext):
    """Builds the module with the project's CMake, into its build folder."""

    def build_extension(self, ext):
        cache = os.path.join(BUILD, "CMakeCache.txt")
        configured = False
        if os.path.exists(cache):
            with open(cache, encoding="utf-8", errors="replace") as f:
                configured = "PRECEPT_PYTHON:BOOL=ON" in f.read()
        # A build configured for the module is left as it is (reconfiguring
        # it under a running test suite would regenerate its build files).
        if not configured:
            configure = ["cmake", "-S", ROOT, "-B", BUILD, "-DPRECEPT_PYTHON=ON"]
            if not os.path.exists(cache):
                configure += ["-DCMAKE_BUILD_TYPE=Release"]
                if shutil.which("ninja"):
                    configure += ["-G", "Ninja"]
            subprocess.check_call(configure, stdout=subprocess.DEVNULL)
        jobs = os.environ.get("PRECEPT_BUILD_JOBS", str(os.cpu_count() or 2))
        subprocess.check_call(["cmake", "--build", BUILD, "--target", "_precept", "-j", jobs])
        built = glob.glob(os.path.join(BUILD, "python", "precept", "_precept*.so"))
        if not built:
            raise RuntimeError(f"CMake built no _precept module in {BUILD}/python/precept")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built[0], target)
        # The libraries under their SONAME, which is what the module asks for.
        for library in ("libprecept.so.*.*", "libprecept_eval.so.*.*"):
            for path in glob.glob(os.path.join(BUILD, library)):
                name = os.path.basename(path)
                if name.count(".") == 3:  # libprecept.so.0.1 (not .so.0.1.0)
                    shutil.copy2(os.path.realpath(path), os.path.join(os.path.dirname(target), name))


setup(
    name="precept",
    version=version(),
    description="Precept policies for Python: compile, evaluate, explain and compare poverty-alleviation rules",
    packages=["precept"],
    package_data={"precept": ["py.typed", "*.pyi"]},
    ext_modules=[Extension("precept._precept", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    zip_safe=False,
)
