#!/bin/sh
# The Python package's tests as a user would run them (CTest `python_package`):
# a venv over Debian's Python packages, `pip install --no-build-isolation
# ./python` (which reuses the build named by PRECEPT_BUILD_DIR), then pytest
# from another folder, so that the installed package is what is imported.
# Usage (from the repository's root): python/tests/run_tests.sh VENV_DIR
set -eu
venv=$1
root=$(pwd)
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$venv"
"$venv/bin/pip" install --quiet --no-index --no-deps --no-build-isolation --force-reinstall "$root/python"
cd "$venv"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$root/python/tests"
