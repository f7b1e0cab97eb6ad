#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Live traffic through a veth pair: per-rule counters count, and keep their
# values for rules that survive later commits; status shows the interface;
# rules survive kill -9 of the agent (still enforced, fwctl still edits),
# an agent restart and a reboot (fresh bpffs), with the same handles.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fwctl_lib.sh"
xw_init "$@"
[ -x "$FWCTL" ] || xw_fail "$FWCTL not built (make build/fwctl)"
xw_netns_pair
xw_agent_start "$NS_A" -i "$VETH_A" || xw_fail "agent did not start: $(tail -n 20 "$AGENT_LOG")"

# counter HANDLE FIELD: packets or bytes of a rule, from -j list-rules.
counter() {
	fw_expect 0 -j list-rules
	json_get '[r["'"$2"'"] for r in d["rules"] if r["handle"] == '"$1"'][0]'
}
# send N PORT: N UDP datagrams from B to A's PORT.
send() {
	local i
	for ((i = 0; i < $1; i++)); do
		xw_udp_send "$NS_B" "$IP4_A" "$2" "datagram $i"
	done
}
# wait_count HANDLE N: the rule's packet counter reaches N.
wait_count() {
	local got
	for _ in $(seq 40); do
		got=$(counter "$1" packets)
		[ "$got" -ge "$2" ] && break
		sleep 0.05
	done
	[ "$got" -eq "$2" ] || xw_fail "handle $1 counted $got packets, expected $2"
}

# status in the agent's namespace shows the interface (design.md's shape).
FW_OUT=$(xw_in "$NS_A" "$FWCTL" -j status) || xw_fail "status in $NS_A"
json_assert 'd["agent"]["running"] and d["agent"]["pid"] == '"$AGENT_PID"
json_assert '[i["name"] for i in d["interfaces"]] == ["'"$VETH_A"'"]'
json_assert 'all(sorted(i) == ["dispatcher", "ifindex", "mode", "name", "prog_id"] for i in d["interfaces"])'
json_assert 'd["interfaces"][0]["mode"] in ("native", "generic") and d["interfaces"][0]["prog_id"] > 0'
json_assert 'isinstance(d["interfaces"][0]["dispatcher"], bool)'

# ---- counters ---------------------------------------------------------------
xw_udp_sink "$NS_A" 9998 "$XW_TMP/sink"
fw_expect 0 -e add-rule saddr "$IP4_B" proto udp dport 9999 drop
h_drop=${FW_OUT#handle }
fw_expect 0 -e add-rule proto udp dport 9998 accept
h_acc=${FW_OUT#handle }
send 5 9999
wait_count "$h_drop" 5
bytes=$(counter "$h_drop" bytes)
[ "$bytes" -ge $((5 * 42)) ] || xw_fail "5 datagrams counted $bytes bytes"
send 2 9998
wait_count "$h_acc" 2
xw_wait 2 grep -q "datagram 1" "$XW_TMP/sink" || xw_fail "accepted datagrams did not arrive"
fw_expect 0 -j stats
json_assert 'd["counters"]["rule_drop"]["packets"] >= 5 and d["counters"]["rule_accept"]["packets"] >= 2'
json_assert 'd["total"]["packets"] >= 7'

# Commits of every kind: the surviving rules keep their counters.
fw_expect 0 -e insert-rule proto tcp dport 1 drop
h_top=${FW_OUT#handle }
fw_expect 0 add-rule proto tcp dport 2 drop
fw_expect 0 del-rule "$h_top"
fw_expect 0 policy accept
fw_expect 0 insert-rule before "$h_acc" proto tcp dport 3 drop
# More single-rule commits than the side slot holds (XW_SIDE_MAX): the tree
# is rebuilt at least once on the way, and the counters must survive that too.
for ((i = 0; i < 80; i++)); do
	"$FWCTL" add-rule proto tcp dport $((10000 + i)) drop || xw_fail "add-rule $i"
done
[ "$(counter "$h_drop" packets)" -eq 5 ] || xw_fail "counter of $h_drop lost by commits: $(counter "$h_drop" packets)"
[ "$(counter "$h_drop" bytes)" -eq "$bytes" ] || xw_fail "byte counter of $h_drop changed by commits"
[ "$(counter "$h_acc" packets)" -eq 2 ] || xw_fail "counter of $h_acc lost by commits"
send 1 9999
wait_count "$h_drop" 6

# ---- kill -9: still enforced, fwctl still edits, restart restores ----------
"$FWCTL" save >"$XW_TMP/before_kill"
xw_agent_stop KILL
[ -n "$(xw_xdp_id "$NS_A" "$VETH_A")" ] || xw_fail "program detached by kill -9 (must fail static)"
send 1 9999
wait_count "$h_drop" 7
fw_expect 0 -j status
json_assert 'd["agent"]["running"] is False'
fw_expect 0 -e add-rule proto udp dport 9997 drop
h_noagent=${FW_OUT#handle }
"$FWCTL" save >"$XW_TMP/before_restart"
fw_expect 0 -j list-rules
list_before=$(json_get '[(r["handle"], r["rule"]) for r in d["rules"]]')
gen_before=$(json_get 'd["generation"]')
xw_agent_start "$NS_A" -i "$VETH_A" || xw_fail "agent did not restart: $(tail -n 20 "$AGENT_LOG")"
"$FWCTL" save | diff -u "$XW_TMP/before_restart" - || xw_fail "rules differ after kill -9 and restart"
fw_expect 0 -j list-rules
[ "$(json_get '[(r["handle"], r["rule"]) for r in d["rules"]]')" = "$list_before" ] ||
	xw_fail "handles differ after restart"
json_assert 'd["generation"] >= '"$gen_before"
[ "$(counter "$h_drop" packets)" -eq 7 ] || xw_fail "counter lost by the restart (pins adopted)"
send 1 9999
wait_count "$h_drop" 8
grep -q . <<<"$h_noagent" || xw_fail "no handle from the add-rule without agent"

# ---- reboot: a fresh bpffs, the agent restores the persisted ruleset --------
xw_agent_stop KILL
umount "$XW_TMP/bpffs" || xw_fail "umount bpffs"
mount -t bpf bpf "$XW_TMP/bpffs" || xw_fail "mount bpffs"
fw_expect 3 list-rules
xw_agent_start - || xw_fail "agent did not start on a fresh bpffs: $(tail -n 20 "$AGENT_LOG")"
"$FWCTL" save | diff -u "$XW_TMP/before_restart" - || xw_fail "rules differ after a reboot"
fw_expect 0 -j list-rules
[ "$(json_get '[(r["handle"], r["rule"]) for r in d["rules"]]')" = "$list_before" ] ||
	xw_fail "handles differ after a reboot"
json_assert 'd["generation"] >= '"$gen_before"
fw_expect 0 -e add-rule drop
[ "${FW_OUT#handle }" -gt "$h_noagent" ] || xw_fail "a handle was reused after the reboot: $FW_OUT"
xw_pass
