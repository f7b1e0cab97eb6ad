#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reboot simulation with a 10k-rule ruleset: the agent stops, the program is
# detached and the bpffs is gone (a fresh one mounted); the agent starts on
# no pins, loads the program, restores the persisted ruleset (same handles,
# same policy) BEFORE it attaches anything, and the rules are enforced the
# moment it says "ready", IPv4 and IPv6, TCP and UDP. A corrupt persisted
# ruleset makes it attach nothing rather than an empty ruleset.
# FIGURE agent_start_to_enforcing_10k_ms: agent start to "ready" (enforcing).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fwctl_lib.sh"
xw_init "$@"
[ -x "$FWCTL" ] || xw_fail "$FWCTL not built (make build/fwctl)"
xw_netns_pair
xw_tcp_listen "$NS_A" 8080
xw_tcp_listen "$NS_A" 8081
xw_udp_sink "$NS_A" 9000 "$XW_TMP/udp9000"
xw_udp_sink "$NS_A" 9001 "$XW_TMP/udp9001"

# 10 000 rules that do not match the test's traffic, around the ones that do.
python3 - "$IP4_B" "$IP6_B" >"$XW_TMP/rules" <<'PY'
import sys
b4, b6 = sys.argv[1], sys.argv[2]
print("policy accept")
for i in range(5000):
    print("add-rule saddr 172.%d.%d.%d proto tcp dport %d drop" % (16 + i // 65536, i // 256 % 256, i % 256, 1000 + i % 5000))
print("add-rule saddr %s proto tcp dport 8081 drop comment \"v4 block\"" % b4)
print("add-rule saddr %s proto tcp dport 8081 drop comment \"v6 block\"" % b6)
print("add-rule proto udp dport 9001 drop")
for i in range(4997):
    print("add-rule saddr fd00:%x::/32 proto udp dport %d drop" % (i + 1, 1 + i % 60000))
PY
[ "$(grep -c '^add-rule' "$XW_TMP/rules")" -eq 10000 ] || xw_fail "rule file"

# digest: rule count, policy and a hash of every (handle, rule) of $FW_OUT.
digest() {
	printf '%s' "$FW_OUT" | python3 -c 'import hashlib, json, sys
d = json.load(sys.stdin)
h = hashlib.sha256(json.dumps([(r["handle"], r["rule"]) for r in d["rules"]]).encode()).hexdigest()
print(len(d["rules"]), d["policy"], h[:16])'
}

xw_agent_start "$NS_A" -i "$VETH_A" || xw_fail "agent did not start"
fw_expect 0 apply -f "$XW_TMP/rules"
fw_expect 0 -j list-rules
before=$(digest)
"$FWCTL" save >"$XW_TMP/saved"

n_udp=0
enforced() {
	local what=$1
	xw_tcp "$NS_B" "$IP4_A" 8080 || xw_fail "$what: TCP/IPv4 8080 (allowed) blocked"
	xw_tcp "$NS_B" "$IP6_A" 8080 || xw_fail "$what: TCP/IPv6 8080 (allowed) blocked"
	xw_tcp "$NS_B" "$IP4_A" 8081 && xw_fail "$what: TCP/IPv4 8081 (dropped) got through"
	xw_tcp "$NS_B" "$IP6_A" 8081 && xw_fail "$what: TCP/IPv6 8081 (dropped) got through"
	n_udp=$((n_udp + 1))
	xw_udp_send "$NS_B" "$IP6_A" 9000 "ok6 $n_udp"
	xw_udp_send "$NS_B" "$IP4_A" 9001 "bad4 $n_udp"
	xw_udp_send "$NS_B" "$IP6_A" 9001 "bad6 $n_udp"
	xw_wait 2 grep -q "ok6 $n_udp" "$XW_TMP/udp9000" || xw_fail "$what: UDP 9000 (allowed) lost"
	[ -s "$XW_TMP/udp9001" ] && xw_fail "$what: UDP 9001 (dropped) got through"
	return 0
}
enforced "before the reboot"

# ---- the reboot: no agent, no program, no pins --------------------------------
xw_agent_stop TERM
xw_in "$NS_A" "$XDPWALLD" --detach 2>/dev/null || xw_fail "--detach"
umount "$XW_TMP/bpffs" || xw_fail "umount bpffs"
mount -t bpf bpf "$XW_TMP/bpffs" || xw_fail "mount a fresh bpffs"
[ -z "$(xw_xdp_id "$NS_A" "$VETH_A")" ] || xw_fail "still attached after the reboot"
xw_tcp "$NS_B" "$IP4_A" 8081 || xw_fail "8081 blocked with no firewall: the test proves nothing"

t0=$(date +%s%N)
xw_agent_start "$NS_A" -i "$VETH_A" || xw_fail "agent did not start on a fresh bpffs"
t1=$(date +%s%N)
enforced "right after ready"
xw_figure agent_start_to_enforcing_10k_ms $(((t1 - t0) / 1000000))
for w in "loaded program id [0-9]*, pinned under .* in \([0-9.]*\) ms" "restored ruleset .* in \([0-9.]*\) ms"; do
	v=$(sed -n "s/.*$w.*/\1/p" "$AGENT_LOG")
	[ -n "$v" ] || xw_fail "no '$w' in the agent's log"
done
xw_figure agent_load_pin_ms "$(sed -n 's/.*loaded program id [0-9]*, pinned under .* in \([0-9.]*\) ms.*/\1/p' "$AGENT_LOG")"
xw_figure agent_restore_10k_ms "$(sed -n 's/.*restored ruleset .* in \([0-9.]*\) ms.*/\1/p' "$AGENT_LOG")"
grep -q "restored ruleset generation [0-9]* (10000 rules, policy accept)" "$AGENT_LOG" ||
	xw_fail "the log does not report 10000 restored rules"
# Restored before attached, attached before ready.
order=$(grep -n -e "restored ruleset" -e "$VETH_A: attached" -e "^ready$" "$AGENT_LOG" | cut -d: -f1 | tr '\n' ' ')
read -r l_restore l_attach l_ready <<<"$order"
[ -n "$l_ready" ] && [ "$l_restore" -lt "$l_attach" ] && [ "$l_attach" -lt "$l_ready" ] ||
	xw_fail "order of restore/attach/ready wrong (lines $order): $(cat "$AGENT_LOG")"
fw_expect 0 -j list-rules
after=$(digest)
[ "$after" = "$before" ] || xw_fail "rules or handles differ after the reboot ($before -> $after)"
"$FWCTL" save | diff -q "$XW_TMP/saved" - >/dev/null || xw_fail "save differs after the reboot"

# ---- a reboot with a corrupt persisted ruleset: attach nothing (fail closed to
# the old state, never open with an empty ruleset), on fresh pins and on adopt.
xw_agent_stop TERM
xw_in "$NS_A" "$XDPWALLD" --detach 2>/dev/null || xw_fail "--detach"
umount "$XW_TMP/bpffs" && mount -t bpf bpf "$XW_TMP/bpffs" || xw_fail "fresh bpffs"
for f in "$XDPWALL_STATE_DIR"/*; do
	[ "$(basename "$f")" = lock ] || dd if=/dev/urandom of="$f" bs=64 count=1 conv=notrunc 2>/dev/null
done
for start in fresh adopt; do
	xw_in "$NS_A" "$XDPWALLD" --foreground -i "$VETH_A" </dev/null >/dev/null 2>"$XW_TMP/corrupt.log"
	rc=$?
	[ $rc -eq 1 ] || xw_fail "$start start on a corrupt state: exit $rc, expected 1"
	grep -q "not attaching anything without the persisted ruleset" "$XW_TMP/corrupt.log" ||
		xw_fail "$start start on a corrupt state: $(cat "$XW_TMP/corrupt.log")"
	grep -qx ready "$XW_TMP/corrupt.log" && xw_fail "$start start on a corrupt state reported ready"
	[ -z "$(xw_xdp_id "$NS_A" "$VETH_A")" ] || xw_fail "$start start on a corrupt state attached"
done
# fwctl on the same damaged state: says so (not "another layout"), exit 1
[ -e "$XDPWALL_PIN_ROOT/prog" ] || xw_fail "the adopt start left no pins to run fwctl against"
out=$("$FWCTL" list-rules 2>&1)
rc=$?
[ $rc -eq 1 ] || xw_fail "fwctl on a corrupt state: exit $rc, expected 1: $out"
echo "$out" | grep -q "persisted ruleset in .* is unreadable" || xw_fail "fwctl on a corrupt state: $out"
xw_pass
