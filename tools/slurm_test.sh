#!/usr/bin/env bash
# Testing on a Slurm cluster:
#   tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options]
# GPUS (default 4), GPUS_PER_NODE, CPUS_PER_TASK and SRUN_ARGS as in
# slurm_train.sh.
TOOL=test.py exec bash "$(dirname "$0")/slurm_train.sh" "$@"
