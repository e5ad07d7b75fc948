#!/bin/bash
# with-cpu-hogs.sh N COMMAND [ARGS...]: runs COMMAND while N busy loops
# keep N CPUs loaded (a machine under load, as CI shares its two CPUs),
# then stops them; exits with COMMAND's status.
set -euo pipefail
n=$1
shift
pids=()
for _ in $(seq 1 "$n"); do
	# (Bounded: a hog outlives no test.)
	timeout 600 sh -c 'while :; do :; done' &
	pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
echo "# $n CPU hogs running: ${pids[*]}"
set +e
"$@"
rc=$?
set -e
exit $rc
