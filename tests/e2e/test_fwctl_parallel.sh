#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two fwctl writers at once never lose an update: 2 x 200 add-rule in
# parallel (plus readers) leave exactly 400 rules with 400 distinct handles,
# in the maps and in the persisted file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fwctl_lib.sh"
xw_init "$@"
[ -x "$FWCTL" ] || xw_fail "$FWCTL not built (make build/fwctl)"
fw_agent

N=200
writer() {
	local w=$1 i
	for ((i = 0; i < N; i++)); do
		"$FWCTL" add-rule saddr "10.$w.$((i / 256)).$((i % 256))" proto tcp dport $((1000 + i)) drop ||
			{ echo "writer $w: add-rule $i failed" >&2; return 1; }
	done
}
reader() {
	local i
	for ((i = 0; i < N; i++)); do
		"$FWCTL" -j list-rules >/dev/null || { echo "reader: list-rules failed" >&2; return 1; }
	done
}

t0=$(date +%s%N)
writer 1 &
p1=$!
writer 2 &
p2=$!
reader &
p3=$!
wait $p1 || xw_fail "writer 1 failed"
wait $p2 || xw_fail "writer 2 failed"
wait $p3 || xw_fail "a reader failed while writers ran"
t1=$(date +%s%N)
xw_figure fwctl_parallel_400_add_rule_s "$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e9 }')"

fw_expect 0 -j list-rules
json_assert 'len(d["rules"]) == 2 * '"$N" "rule count after parallel writers"
json_assert 'len(set(r["handle"] for r in d["rules"])) == 2 * '"$N" "distinct handles"
json_assert 'sorted(r["handle"] for r in d["rules"]) == list(range(1, 2 * '"$N"' + 1))' "handles 1..2N"
for w in 1 2; do
	json_assert '[r["rule"] for r in d["rules"] if r["rule"].startswith("saddr 10.'"$w"'.")] == ["saddr 10.'"$w"'.%d.%d proto tcp dport %d drop" % (i // 256, i % 256, 1000 + i) for i in range('"$N"')]' \
		"writer $w's rules in its own order"
done
gen=$(json_get 'd["generation"]')

# Durable too: the persisted file holds all of them (a restart restores them).
"$FWCTL" save >"$XW_TMP/before"
xw_agent_stop KILL
fw_agent
fw_expect 0 -j list-rules
json_assert 'len(d["rules"]) == 2 * '"$N"' and d["generation"] >= '"$gen"
"$FWCTL" save | diff -u "$XW_TMP/before" - || xw_fail "rules differ after an agent restart"
xw_pass
