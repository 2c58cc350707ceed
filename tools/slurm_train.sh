#!/usr/bin/env bash
# Training on a Slurm cluster:
#   tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py options]
# GPUS (default 4), GPUS_PER_NODE (default min(GPUS, 8)), CPUS_PER_TASK
# (default 5) and SRUN_ARGS (extra srun arguments) can also be set in the
# environment; TOOL runs another tool of this folder (slurm_test.sh does).
set -x
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
GPUS=${GPUS:-4}
GPUS_PER_NODE=${GPUS_PER_NODE:-$((GPUS < 8 ? GPUS : 8))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-}
PYTHON=${PYTHON:-python}
PY_ARGS=${@:4}
srun -p "$PARTITION" --job-name="$JOB_NAME" --gres=gpu:"$GPUS_PER_NODE" \
  --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" \
  --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 $SRUN_ARGS \
  "$PYTHON" -u "$(dirname "$0")/${TOOL:-train.py}" "$CONFIG" --launcher=slurm \
  $PY_ARGS
