#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# apply -f and save: exact round trip, stdin, whole-file transactions (one bad
# line among 10k good ones, binary garbage, a 1 MB line, more rules than
# capacity: nothing changes), the empty file, and the timings of big sets.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fwctl_lib.sh"
xw_init "$@"
[ -x "$FWCTL" ] || xw_fail "$FWCTL not built (make build/fwctl)"
fw_agent

# ---- save -> apply -f -> save: identical ------------------------------------
fw_expect 0 policy drop
fw_expect 0 add-rule iif lo vlan 7 saddr 10.1.0.0/16 daddr 192.0.2.1 proto tcp sport 1024-65535 dport 22,80,8000-8080 tcp-flags syn,!ack drop comment 'ssh "and" web'
fw_expect 0 add-rule saddr 2001:db8::/48 daddr ::1 proto udp dport 53 accept
fw_expect 0 add-rule proto icmp icmp-type 8 code 0 accept
fw_expect 0 add-rule proto icmpv6 icmp-type 128 accept
fw_expect 0 add-rule proto 47 count
fw_expect 0 add-rule tcp dport 443 accept
fw_expect 0 add-rule drop
fw_expect 0 del-rule 3
"$FWCTL" save >"$XW_TMP/s1" || xw_fail "save"
head -n1 "$XW_TMP/s1" | grep -qx 'policy drop' || xw_fail "save does not start with the policy: $(head -n2 "$XW_TMP/s1")"
[ "$(grep -c '^add-rule ' "$XW_TMP/s1")" -eq 6 ] || xw_fail "save: $(cat "$XW_TMP/s1")"
fw_expect 0 -j list-rules
rules1=$(json_get '[r["rule"] for r in d["rules"]]')
gen1=$(json_get 'd["generation"]')
fw_expect 0 policy accept
fw_expect 0 flush-rules
fw_expect 0 -j apply -f "$XW_TMP/s1"
json_assert 'd["rules"] == 6 and d["generation"] > '"$gen1"
"$FWCTL" save >"$XW_TMP/s2" || xw_fail "save"
diff -u "$XW_TMP/s1" "$XW_TMP/s2" || xw_fail "save -> apply -f -> save differs"
fw_expect 0 -j list-rules
[ "$(json_get '[r["rule"] for r in d["rules"]]')" = "$rules1" ] || xw_fail "rules differ after the round trip"
json_assert '[r["handle"] for r in d["rules"]] == list(range(8, 14))' "apply -f assigns new handles"
json_assert 'd["policy"] == "drop"'

# apply -f - reads stdin; save FILE writes the same text as save.
fw_expect 0 flush-rules
fw_in 0 "$XW_TMP/s1" apply -f -
"$FWCTL" save "$XW_TMP/s3" || xw_fail "save FILE"
diff -u "$XW_TMP/s1" "$XW_TMP/s3" || xw_fail "apply -f - then save FILE differs"
fw_expect 0 -j save
python3 -c 'import json,sys; sys.stdout.write("".join(l + "\n" for l in json.loads(sys.argv[1])["lines"]))' \
	"$FW_OUT" >"$XW_TMP/s4" || xw_fail "save -j: $FW_OUT"
diff -u "$XW_TMP/s1" "$XW_TMP/s4" || xw_fail "save -j lines differ from save"
cat "$XW_TMP/s1" | "$FWCTL" apply -f - || xw_fail "apply -f - from a pipe"

# ---- rejected files change nothing ------------------------------------------
gen_rules 10000 >"$XW_TMP/good10k"
fw_expect 0 apply -f "$XW_TMP/good10k"
fw_snapshot base

# One bad line among 10k good ones: the line is named, nothing applied.
{
	gen_rules 5000
	echo "add-rule proto tcp dport 99999 drop"
	gen_rules 5000 5000
} >"$XW_TMP/bad10k"
fw_expect 1 apply -f "$XW_TMP/bad10k"
err_has "line 5001"
err_has 99999
fw_expect 1 -j apply -f "$XW_TMP/bad10k"
json_assert 'd["status"] == 1 and "line 5001" in d["error"]'
{ gen_rules 10000; echo "add-rule saddr 10.0.0.1/8 drop"; } >"$XW_TMP/badlast"
fw_expect 1 apply -f "$XW_TMP/badlast"
err_has "line 10001"
fw_snapshot after_bad
fw_same_snapshot base after_bad

# Binary garbage, NUL bytes, a 1 MB line, a directory: rejected, nothing changes.
head -c 65536 /dev/urandom >"$XW_TMP/garbage"
fw_expect 1 apply -f "$XW_TMP/garbage"
printf 'add-rule drop\nadd-rule proto tcp\0dport 22 drop\n' >"$XW_TMP/nul"
fw_expect 1 apply -f "$XW_TMP/nul"
printf 'add-rule drop\0 trailing bytes after a NUL\n' >"$XW_TMP/nul2"
fw_expect 1 apply -f "$XW_TMP/nul2"
{ printf 'add-rule drop comment '; head -c 1048576 /dev/zero | tr '\0' a; echo; } >"$XW_TMP/longline"
fw_expect 1 apply -f "$XW_TMP/longline"
{ printf 'add-rule proto tcp dport '; head -c 1048576 /dev/zero | tr '\0' 1; } >"$XW_TMP/longnum"
fw_expect 1 apply -f "$XW_TMP/longnum"
fw_expect 1 apply -f "$XW_TMP"
fw_expect 1 add-rule comment "$(head -c 100000 /dev/zero | tr '\0' b)" drop
fw_snapshot after_garbage
fw_same_snapshot base after_garbage

# ---- the empty file: an empty ruleset, the policy kept (documented) ---------
fw_expect 0 policy drop
: >"$XW_TMP/empty"
fw_expect 0 -j apply -f "$XW_TMP/empty"
json_assert 'd["rules"] == 0'
fw_expect 0 -j list-rules
json_assert 'd["rules"] == [] and d["policy"] == "drop"'
printf '# only comments\n\n   \n# and blanks\n' >"$XW_TMP/comments"
fw_expect 0 apply -f "$XW_TMP/comments"
fw_expect 0 apply -f /dev/null
fw_expect 0 policy accept

# ---- big sets: timings, list-rules and save stay fast -----------------------
gen_rules 100000 >"$XW_TMP/good100k"
fw_expect 0 -j list-rules
json_assert 'd["rules"] == []'
fw_time t "$FWCTL" apply -f "$XW_TMP/good100k" || xw_fail "apply 100k into an empty set"
xw_figure fwctl_apply_100k_into_empty_s "$t"
fw_time t "$FWCTL" apply -f "$XW_TMP/good10k" || xw_fail "apply 10k"
xw_figure fwctl_apply_10k_s "$t"
fw_time t "$FWCTL" apply -f "$XW_TMP/good100k" || xw_fail "apply 100k"
xw_figure fwctl_apply_100k_s "$t"
fw_time t "$FWCTL" add-rule proto udp dport 9 drop || xw_fail "add-rule into 100k"
xw_figure fwctl_add_rule_into_100k_s "$t"
fw_time t "$FWCTL" insert-rule proto udp dport 7 drop || xw_fail "insert-rule into 100k"
xw_figure fwctl_insert_rule_into_100k_s "$t"
fw_expect 0 -j list-rules
mid=$(json_get 'd["rules"][50000]["handle"]')
fw_time t "$FWCTL" del-rule "$mid" || xw_fail "del-rule in 100k"
xw_figure fwctl_del_rule_in_100k_s "$t"
fw_time t "$FWCTL" list-rules >"$XW_TMP/list100k" || xw_fail "list-rules 100k"
xw_figure fwctl_list_rules_100k_s "$t"
[ "$(wc -l <"$XW_TMP/list100k")" -eq 100003 ] || xw_fail "list-rules 100k: $(wc -l <"$XW_TMP/list100k") lines"
fw_time t "$FWCTL" -j list-rules >"$XW_TMP/list100k.json" || xw_fail "-j list-rules 100k"
xw_figure fwctl_list_rules_json_100k_s "$t"
python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); assert len(d["rules"]) == 100001' \
	"$XW_TMP/list100k.json" || xw_fail "-j list-rules 100k is not 100001 rules"
fw_time t "$FWCTL" save >"$XW_TMP/save100k" || xw_fail "save 100k"
xw_figure fwctl_save_100k_s "$t"
fw_expect 0 apply -f "$XW_TMP/save100k"
"$FWCTL" save | cmp -s - "$XW_TMP/save100k" || xw_fail "100k round trip differs"

# ---- capacity: one rule more than XW_MAX_RULES is refused whole -------------
max=$(sed -n 's/^#define XW_MAX_RULES *\([0-9]*\)u.*/\1/p' "$XW_ROOT/include/xdpwall/xdpwall.h")
[ -n "$max" ] || xw_fail "cannot read XW_MAX_RULES"
fw_snapshot before_cap
gen_rules $((max + 1)) >"$XW_TMP/over"
fw_expect 1 apply -f "$XW_TMP/over"
fw_snapshot after_cap
fw_same_snapshot before_cap after_cap
gen_rules "$max" >"$XW_TMP/full"
fw_time t "$FWCTL" apply -f "$XW_TMP/full" || xw_fail "apply of exactly $max rules"
xw_figure fwctl_apply_max_s "$t"
fw_snapshot full
fw_expect 1 add-rule proto udp dport 1 drop
fw_expect 1 insert-rule proto udp dport 1 drop
fw_snapshot full_after
fw_same_snapshot full full_after
fw_expect 0 -j list-rules
h1=$(json_get 'd["rules"][0]["handle"]')
h2=$(json_get 'd["rules"][1]["handle"]')
# A full set still takes edits that do not grow it.
fw_expect 0 del-rule "$h2"
fw_expect 0 add-rule proto udp dport 2 drop
fw_expect 1 add-rule proto udp dport 3 drop
fw_expect 0 -e replace-rule "$h1" proto udp dport 1 drop
[ "$FW_OUT" = "handle $h1" ] || xw_fail "replace-rule in a full set: $FW_OUT"

kill -0 "$AGENT_PID" || xw_fail "agent died"
xw_pass
