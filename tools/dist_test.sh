#!/usr/bin/env bash
# Distributed testing through torchrun (NCCL on GPUs, gloo on CPU):
#   tools/dist_test.sh CONFIG CHECKPOINT NPROC [test.py options]
# The rendezvous is set as for dist_train.sh.
TOOL=test.py exec bash "$(dirname "$0")/dist_train.sh" "$1" "$3" "$2" \
  "${@:4}"
