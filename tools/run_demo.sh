#!/usr/bin/env bash
# The main job: generate the demo data, train UNet++ on it on CPU, test the
# checkpoint (val mIoU per level) and save prediction overlays.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-${VIRTUAL_ENV:-$ROOT/.venv}/bin/python}
CONFIG=configs/unetpp/unetpp-l4-w16_ds_1xb4-450_camvid-demo-80x112.py
WORK=${WORK_DIR:-work_dirs/unetpp-l4-w16_ds_1xb4-450_camvid-demo-80x112}
cd "$ROOT"
start=$SECONDS
"$PYTHON" tools/make_demo_data.py data/camvid_demo
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$WORK"
ckpt=$(cat "$WORK/last_checkpoint")
"$PYTHON" tools/test.py "$CONFIG" "$ckpt" --work-dir "$WORK" \
  --show-dir "$WORK/overlays"
# The overlay of the val frame with the most classes: the one to open.
overlay=$("$PYTHON" - "$WORK/overlays" data/camvid_demo/valannot <<'PY'
import glob, os, sys
import numpy as np
from PIL import Image
overlays, labels = sys.argv[1:]
richest = max(sorted(glob.glob(os.path.join(labels, '*.png'))),
              key=lambda p: len(np.unique(np.asarray(Image.open(p)))))
stem = os.path.splitext(os.path.basename(richest))[0]
found = glob.glob(os.path.join(overlays, '**', f'*{stem}*.png'),
                  recursive=True)
print(os.path.abspath(found[0]) if found else overlays)
PY
)
echo
echo "demo finished in $((SECONDS - start)) s"
echo "checkpoint: $ckpt"
echo "overlays:   $ROOT/$WORK/overlays (ground truth left, prediction right)"
echo "logs:       $ROOT/$WORK"
echo "open:       $overlay"
