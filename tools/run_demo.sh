#!/usr/bin/env bash
# The main job: generate the demo data, train UNet++ on it on CPU, test the
# checkpoint (val mIoU per level) and save prediction overlays.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-${VIRTUAL_ENV:-$ROOT/.venv}/bin/python}
CONFIG=configs/unetpp/unetpp-l4-w16_ds_1xb4-cpu450_camvid-demo-80x112.py
WORK=${WORK_DIR:-work_dirs/unetpp-l4-w16_ds_1xb4-cpu450_camvid-demo-80x112}
cd "$ROOT"
start=$SECONDS
"$PYTHON" tools/make_demo_data.py data/camvid_demo
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$WORK"
ckpt=$(cat "$WORK/last_checkpoint")
"$PYTHON" tools/test.py "$CONFIG" "$ckpt" --work-dir "$WORK" \
  --show-dir "$WORK/overlays"
echo
echo "demo finished in $((SECONDS - start)) s"
echo "checkpoint: $ckpt"
echo "overlays:   $ROOT/$WORK/overlays"
echo "logs:       $ROOT/$WORK"
