#!/bin/sh
# external-task.sh: a shell script's job shown as a task in Tasker, through
# `taskerctl report` (docs/external-tasks.md). Tasker shows its progress,
# message and log, and its Cancel button (or `taskerctl cancel ID`) stops
# the script between two steps.
#
# Usage: external-task.sh [STEPS [NAME]]   (default: 20 steps of 0.2 s)
# Exit status: 0 completed, 2 cancelled, 1 failed.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# shellcheck disable=SC1010  # "done" after "report" is a word, not the keyword

steps=${1:-20}
name=${2:-Example job}

# The task belongs to this shell: should the script die before `report
# done`, the task fails ("the program that reported this task exited").
id=$(taskerctl report create "$name" --total "$steps" --message "Starting") || exit 1
echo "task $id"

i=0
while [ "$i" -lt "$steps" ]; do
  # Cancelled in Tasker: stop between two steps.
  if taskerctl report should-exit "$id"; then
    break
  fi
  i=$((i + 1))

  # One step of the work; a step that fails fails the task, saying why.
  if ! sleep 0.2; then
    taskerctl report done "$id" --failed "step $i of $steps failed"
    exit 1
  fi

  # With --total, a progress of $i means $i of $steps.
  taskerctl report progress "$id" "$i"
  taskerctl report message "$id" "Step $i of $steps"
  taskerctl report log "$id" "finished step $i"
done

# Completed; or cancelled when a cancel was requested (then exit status 2).
taskerctl report done "$id"
