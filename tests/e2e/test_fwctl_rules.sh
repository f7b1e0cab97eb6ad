#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fwctl's rule commands against a loaded firewall (the agent, no interfaces):
# add/insert/replace/del/flush/policy, -e, -c, handles, list-rules text and
# JSON, rejected input changes nothing, status and stats JSON shapes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fwctl_lib.sh"
xw_init "$@"
[ -x "$FWCTL" ] || xw_fail "$FWCTL not built (make build/fwctl)"
fw_agent

# A fresh firewall: policy accept, no rules.
fw_expect 0 -j list-rules
json_assert 'd["policy"] == "accept" and d["rules"] == [] and isinstance(d["generation"], int)'
json_assert 'sorted(d) == ["generation", "policy", "rules"]'
gen0=$(json_get 'd["generation"]')

# add-rule; -e prints the handle, text and JSON.
fw_expect 0 -e add-rule proto tcp dport 22 drop
[ "$FW_OUT" = "handle 1" ] || xw_fail "-e add-rule printed '$FW_OUT'"
fw_expect 0 add-rule saddr 10.0.0.0/8 accept
[ -z "$FW_OUT" ] || xw_fail "add-rule without -e printed '$FW_OUT'"
fw_expect 0 -j -e add-rule proto udp dport 53,5353 accept comment dns
json_assert 'd["handle"] == 3 and d["generation"] == '"$gen0"' + 3'
fw_expect 0 -j add-rule ip6 saddr 2001:db8::/32 drop
json_assert '"handle" not in d and d["generation"] == '"$gen0"' + 4'

# list-rules JSON: exact shape, order, canonical text.
fw_expect 0 -j list-rules
json_assert '[r["handle"] for r in d["rules"]] == [1, 2, 3, 4]'
json_assert 'all(sorted(r) == ["bytes", "handle", "packets", "rule"] for r in d["rules"])'
json_assert 'all(r["packets"] == 0 and r["bytes"] == 0 for r in d["rules"])'
json_assert 'd["rules"][0]["rule"] == "proto tcp dport 22 drop"'
json_assert 'd["rules"][2]["rule"].endswith("comment \"dns\"")'
json_assert 'd["rules"][3]["rule"] == "saddr 2001:db8::/32 drop"' "nft spelling printed canonically"
json_assert 'd["generation"] == '"$gen0"' + 4'
# -p: the same document, indented.
list_compact=$FW_OUT
fw_expect 0 -p list-rules
[ "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]) == json.loads(sys.argv[2]))' "$FW_OUT" "$list_compact")" = True ] ||
	xw_fail "-p and -j differ"
[ "$(wc -l <<<"$FW_OUT")" -gt 10 ] || xw_fail "-p is not indented"

# list-rules text: header, aligned columns, every rule with its handle.
fw_expect 0 list-rules
grep -q '^policy accept, generation [0-9]*, 4 rules$' <<<"$FW_OUT" || xw_fail "text header: $FW_OUT"
grep -Eq '^ *handle +packets +bytes +rule$' <<<"$FW_OUT" || xw_fail "column header: $FW_OUT"
grep -Eq '^ +1 +0 +0 +proto tcp dport 22 drop$' <<<"$FW_OUT" || xw_fail "rule line: $FW_OUT"
[ "$(awk 'NR > 2 { print index($0, "  0  ") }' <<<"$FW_OUT" | sort -u | wc -l)" -eq 1 ] ||
	xw_fail "columns not aligned: $FW_OUT"

# insert-rule: at the top, and before a handle.
fw_expect 0 -e insert-rule proto icmp drop
[ "$FW_OUT" = "handle 5" ] || xw_fail "insert-rule -e: $FW_OUT"
fw_expect 0 -e insert-rule before 3 proto tcp dport 443 accept
[ "$FW_OUT" = "handle 6" ] || xw_fail "insert-rule before -e: $FW_OUT"
fw_expect 0 -j list-rules
json_assert '[r["handle"] for r in d["rules"]] == [5, 1, 2, 6, 3, 4]'
fw_expect 1 insert-rule before 99 drop
err_has 99

# replace-rule keeps the handle and the position.
fw_expect 0 -e replace-rule 2 saddr 192.168.0.0/16 accept
[ "$FW_OUT" = "handle 2" ] || xw_fail "replace-rule -e: $FW_OUT"
fw_expect 0 -j list-rules
json_assert '[r["handle"] for r in d["rules"]] == [5, 1, 2, 6, 3, 4]'
json_assert 'd["rules"][2]["rule"] == "saddr 192.168.0.0/16 accept"'
fw_expect 1 replace-rule 99 drop
err_has 99

# del-rule by handle and by exact rule text; handles are never reused.
fw_expect 0 -e del-rule 6
[ "$FW_OUT" = "handle 6" ] || xw_fail "del-rule -e: $FW_OUT"
fw_expect 0 -e del-rule proto icmp drop
[ "$FW_OUT" = "handle 5" ] || xw_fail "del-rule by text -e: $FW_OUT"
fw_expect 1 del-rule 6
fw_expect 1 del-rule proto icmp drop
fw_expect 0 -e add-rule proto icmp drop
[ "$FW_OUT" = "handle 7" ] || xw_fail "handle after deletes: $FW_OUT (must not reuse 5 or 6)"
fw_expect 0 -j list-rules
json_assert '[r["handle"] for r in d["rules"]] == [1, 2, 3, 4, 7]'

# -c: validates against the live ruleset, prints ok, changes nothing.
fw_snapshot before_check
fw_expect 0 -c add-rule proto tcp dport 80 accept
[ "$FW_OUT" = "ok" ] || xw_fail "-c printed '$FW_OUT'"
fw_expect 0 -c -e add-rule proto tcp dport 80 accept
[ "$FW_OUT" = $'ok\nhandle 8' ] || xw_fail "-c -e printed '$FW_OUT'"
fw_expect 0 -j -c insert-rule before 3 drop
json_assert 'd["check"] is True'
fw_expect 0 -c del-rule 1
fw_expect 0 -c replace-rule 2 drop
fw_expect 0 -c flush-rules
fw_expect 0 -c policy drop
printf 'policy drop\nadd-rule drop\n' >"$XW_TMP/c.rules"
fw_expect 0 -c apply -f "$XW_TMP/c.rules"
fw_expect 1 -c del-rule 99
fw_expect 1 -c replace-rule 99 drop
fw_snapshot after_check
fw_same_snapshot before_check after_check

# Rejected input against a live firewall: exit 1, nothing changes.
fw_expect 1 add-rule proto tcp dport 65536 drop
err_has 65536
fw_expect 1 add-rule saddr 010.0.0.1 drop
err_has 010.0.0.1
fw_expect 1 add-rule saddr 10.0.0.1/8 drop
err_has 10.0.0.0/8
fw_expect 1 add-rule proto tcp dport 22 dport 23 drop
fw_expect 1 add-rule proto foo drop
err_has foo
fw_expect 1 -j del-rule 12345
json_assert 'd["status"] == 1 and "12345" in d["error"]'
fw_snapshot after_rejects
fw_same_snapshot before_check after_rejects

# policy
fw_expect 0 policy drop
fw_expect 0 -j list-rules
json_assert 'd["policy"] == "drop"'
fw_expect 0 policy accept
fw_expect 0 -j list-rules
json_assert 'd["policy"] == "accept"'

# status and stats: the JSON shapes of design.md.
fw_expect 0 -j status
json_assert 'sorted(d) == ["agent", "generation", "interfaces", "policy", "rules"]'
json_assert 'd["agent"]["running"] is True and d["agent"]["pid"] == '"$AGENT_PID"
json_assert 'd["policy"] == "accept" and d["rules"] == 5 and isinstance(d["interfaces"], list)'
fw_expect 0 status
grep -q "$AGENT_PID" <<<"$FW_OUT" || xw_fail "status text lacks the agent pid: $FW_OUT"
fw_expect 0 -j stats
json_assert 'all(k in d["counters"] for k in ("rule_accept", "rule_drop", "policy_accept", "policy_drop", "l2_pass", "malformed"))'
json_assert 'all(sorted(v) == ["bytes", "packets"] for v in d["counters"].values())'
json_assert 'sorted(d["total"]) == ["bytes", "packets"] and d["memlock"] > 0'
fw_expect 0 stats
grep -q '^total ' <<<"$FW_OUT" || xw_fail "stats text: $FW_OUT"
grep -q '^map memory [0-9]* bytes' <<<"$FW_OUT" || xw_fail "stats text: $FW_OUT"

# flush-rules: empty, handles still not reused.
fw_expect 0 -j flush-rules
fw_expect 0 -j list-rules
json_assert 'd["rules"] == [] and d["policy"] == "accept"'
fw_expect 0 -e add-rule drop
[ "$FW_OUT" = "handle 8" ] || xw_fail "handle after flush: $FW_OUT"

# A failed write of the output is a failure, not a silent truncation.
"$FWCTL" list-rules >/dev/full 2>/dev/null && xw_fail "list-rules >/dev/full succeeded"
"$FWCTL" save >/dev/full 2>/dev/null && xw_fail "save >/dev/full succeeded"

# The edit lock is free again and the agent is still alive.
kill -0 "$AGENT_PID" || xw_fail "agent died"
xw_pass
