#!/usr/bin/env bash
# Distributed training through torchrun (NCCL on GPUs, gloo on CPU):
#   tools/dist_train.sh CONFIG NPROC [train.py options]
# NNODES, NODE_RANK, MASTER_ADDR, PORT set the rendezvous; TOOL runs
# another tool of this folder the same way (dist_test.sh does).
CONFIG=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
PYTHON=${PYTHON:-python}
exec "$PYTHON" -m torch.distributed.run \
  --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
  --nproc_per_node="$NPROC" --master_port="$PORT" \
  "$(dirname "$0")/${TOOL:-train.py}" "$CONFIG" --launcher pytorch "${@:3}"
