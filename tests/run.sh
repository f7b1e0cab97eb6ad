#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the test programs: tests/run.sh UNIT... -- BPF... -- E2E...
# Unit tests run as anyone; BPF and end-to-end tests need root. Prints one
# line per program and a closing "N passed, N failed" line; exits 1 on any failure.
set -u
passed=0
failed=0
failed_names=()
stage=unit
run_one() {
	local t=$1 log rc start end
	log=$(mktemp)
	start=$(date +%s.%N)
	if [[ $t == *.sh ]]; then
		timeout 900 bash "$t" >"$log" 2>&1
	else
		timeout 900 "$t" >"$log" 2>&1
	fi
	rc=$?
	end=$(date +%s.%N)
	grep -E '^FIGURE ' "$log" || true
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		printf 'PASS %-40s (%ss)\n' "$(basename "$t")" "$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')"
	else
		failed=$((failed + 1))
		failed_names+=("$t")
		printf 'FAIL %-40s rc=%d\n' "$(basename "$t")" "$rc"
		sed 's/^/    | /' "$log" | tail -n 60
	fi
	rm -f "$log"
}
for t in "$@"; do
	if [ "$t" = "--" ]; then
		stage=root
		continue
	fi
	if [ "$stage" = root ] && [ "$(id -u)" -ne 0 ]; then
		echo "SKIP $(basename "$t") (needs root)"
		continue
	fi
	run_one "$t"
done
if [ $failed -ne 0 ]; then
	printf 'failed: %s\n' "${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
