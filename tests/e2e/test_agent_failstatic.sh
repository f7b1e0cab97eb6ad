#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The agent fails static: kill -9 under traffic and SIGTERM leave the program
# attached (same id) and the rules enforced, IPv4 and IPv6, TCP, UDP and ping;
# a restarted agent adopts the program instead of reloading it; pins of another
# layout are refused while the old program keeps enforcing; only
# `xdpwalld --detach` takes the program off (and refuses while an agent runs).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fwctl_lib.sh"
xw_init "$@"
[ -x "$FWCTL" ] || xw_fail "$FWCTL not built (make build/fwctl)"
xw_netns_pair
xw_tcp_listen "$NS_A" 8080
xw_tcp_listen "$NS_A" 8081
xw_udp_sink "$NS_A" 9000 "$XW_TMP/udp9000"
xw_udp_sink "$NS_A" 9001 "$XW_TMP/udp9001"

xw_agent_start "$NS_A" -i "$VETH_A" || xw_fail "agent did not start"
grep -q "loaded program id" "$AGENT_LOG" || xw_fail "first start did not load the program"
prog=$(xw_prog_id)
[ -n "$prog" ] || xw_fail "no program pinned"
[ "$(xw_xdp_id "$NS_A" "$VETH_A")" = "$prog" ] || xw_fail "$VETH_A does not run program $prog"
[ "$(cat "$XDPWALL_RUN_DIR/xdpwalld.pid")" = "$AGENT_PID" ] || xw_fail "pid file"

fw_expect 0 add-rule proto tcp dport 8081 drop
fw_expect 0 add-rule proto udp dport 9001 drop
fw_expect 0 add-rule daddr "$IP6_A" proto icmpv6 icmp-type echo-request drop

n_udp=0
# enforced: the rules hold, in both families.
enforced() {
	local what=$1
	xw_tcp "$NS_B" "$IP4_A" 8080 || xw_fail "$what: TCP/IPv4 8080 (allowed) blocked"
	xw_tcp "$NS_B" "$IP6_A" 8080 || xw_fail "$what: TCP/IPv6 8080 (allowed) blocked"
	xw_tcp "$NS_B" "$IP4_A" 8081 && xw_fail "$what: TCP/IPv4 8081 (dropped) got through"
	xw_tcp "$NS_B" "$IP6_A" 8081 && xw_fail "$what: TCP/IPv6 8081 (dropped) got through"
	n_udp=$((n_udp + 1))
	xw_udp_send "$NS_B" "$IP4_A" 9000 "ok4 $n_udp"
	xw_udp_send "$NS_B" "$IP6_A" 9000 "ok6 $n_udp"
	xw_udp_send "$NS_B" "$IP4_A" 9001 "bad4 $n_udp"
	xw_udp_send "$NS_B" "$IP6_A" 9001 "bad6 $n_udp"
	xw_wait 2 grep -q "ok6 $n_udp" "$XW_TMP/udp9000" || xw_fail "$what: UDP 9000 (allowed) lost"
	grep -q "ok4 $n_udp" "$XW_TMP/udp9000" || xw_fail "$what: UDP/IPv4 9000 (allowed) lost"
	[ -s "$XW_TMP/udp9001" ] && xw_fail "$what: UDP 9001 (dropped) got through"
	xw_in "$NS_B" ping -c1 -W1 -q "$IP4_A" >/dev/null || xw_fail "$what: ping IPv4 (allowed) lost"
	xw_in "$NS_B" ping -6 -c1 -W1 -q "$IP6_A" >/dev/null &&
		xw_fail "$what: ping IPv6 (dropped) got through"
	return 0
}
enforced "with the agent running"

# ---- kill -9 under traffic ---------------------------------------------------
nsenter --net="/run/netns/$NS_B" ping -c 60 -i 0.05 -q "$IP4_A" </dev/null >"$XW_TMP/ping" 2>&1 &
ping_pid=$!
xw_track_pid $ping_pid
sleep 0.5
first_pid=$AGENT_PID
xw_agent_stop KILL
kill -0 "$first_pid" 2>/dev/null && xw_fail "agent survived kill -9"
[ "$(xw_xdp_id "$NS_A" "$VETH_A")" = "$prog" ] || xw_fail "kill -9: program $prog no longer attached"
enforced "after kill -9"
wait $ping_pid
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$XW_TMP/ping")
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$XW_TMP/ping")
xw_figure agent_kill9_ping_lost $((sent - recv))
[ "$recv" = "$sent" ] || xw_fail "pings lost across kill -9: $recv of $sent"
fw_expect 0 -j status
json_assert 'd["agent"]["running"] is False' "status after kill -9"
json_assert '[i["prog_id"] for i in d["interfaces"]] == []' "status outside the namespace"
FW_OUT=$(xw_in "$NS_A" "$FWCTL" -j status) || xw_fail "fwctl status in $NS_A"
json_assert '[(i["name"], i["prog_id"]) for i in d["interfaces"]] == [("'"$VETH_A"'", '"$prog"')]' \
	"status shows the interface though the agent is dead"

# ---- restart adopts ----------------------------------------------------------
xw_agent_start "$NS_A" -i "$VETH_A" || xw_fail "agent did not restart"
grep -q "adopting program id $prog" "$AGENT_LOG" || xw_fail "restart did not adopt the pins"
grep -q "$VETH_A: adopted" "$AGENT_LOG" || xw_fail "restart did not adopt $VETH_A"
grep -q "loaded program" "$AGENT_LOG" && xw_fail "restart reloaded the program"
[ "$(xw_prog_id)" = "$prog" ] || xw_fail "pinned program changed on restart"
[ "$(xw_xdp_id "$NS_A" "$VETH_A")" = "$prog" ] || xw_fail "restart changed the attached program"
FW_OUT=$(xw_in "$NS_A" "$FWCTL" -j status) || xw_fail "fwctl status in $NS_A"
json_assert 'd["agent"]["running"] and d["agent"]["pid"] == '"$AGENT_PID"
enforced "after the restart"

# ---- SIGTERM: exit 0, still attached, pid file gone --------------------------
xw_agent_stop TERM
[ "$AGENT_RC" -eq 0 ] || xw_fail "SIGTERM: exit status $AGENT_RC"
grep -q "stays attached" "$AGENT_LOG" || xw_fail "no exit message"
[ -e "$XDPWALL_RUN_DIR/xdpwalld.pid" ] && xw_fail "pid file left after SIGTERM"
[ "$(xw_xdp_id "$NS_A" "$VETH_A")" = "$prog" ] || xw_fail "SIGTERM detached the program"
enforced "after SIGTERM"

# ---- incompatible pins: refused, the old program keeps enforcing -------------
meta=$(bpftool -j map lookup pinned "$XDPWALL_PIN_ROOT/xw_meta" key 0 0 0 0 |
	python3 -c 'import json,sys; print(" ".join(str(int(b, 16)) for b in json.load(sys.stdin)["value"]))')
[ -n "$meta" ] || xw_fail "cannot read xw_meta"
bad=$(echo "$meta" | awk '{ $1 = 99; print }')
bpftool map update pinned "$XDPWALL_PIN_ROOT/xw_meta" key 0 0 0 0 value $bad || xw_fail "cannot fake a layout"
nsenter --net="/run/netns/$NS_A" "$XDPWALLD" --foreground -i "$VETH_A" </dev/null >/dev/null 2>"$XW_TMP/eproto.log" &
p=$!
xw_track_pid $p
wait $p
rc=$?
[ $rc -eq 1 ] || xw_fail "agent on pins of another layout: exit $rc, expected 1"
grep -q "another layout" "$XW_TMP/eproto.log" || xw_fail "no clear layout error: $(cat "$XW_TMP/eproto.log")"
[ "$(xw_xdp_id "$NS_A" "$VETH_A")" = "$prog" ] || xw_fail "refusing the pins touched the attachment"
enforced "after an incompatible start"
bpftool map update pinned "$XDPWALL_PIN_ROOT/xw_meta" key 0 0 0 0 value $meta || xw_fail "restore xw_meta"

# ---- --detach: refused while an agent runs, then detaches; pins stay ---------
xw_agent_start "$NS_A" -i "$VETH_A" || xw_fail "agent did not start again"
xw_in "$NS_A" "$XDPWALLD" --detach 2>"$XW_TMP/detach.log" && xw_fail "--detach ran beside an agent"
grep -q "pid $AGENT_PID" "$XW_TMP/detach.log" || xw_fail "--detach did not name the agent: $(cat "$XW_TMP/detach.log")"
[ "$(xw_xdp_id "$NS_A" "$VETH_A")" = "$prog" ] || xw_fail "a refused --detach detached"
xw_agent_stop TERM
xw_in "$NS_A" "$XDPWALLD" --detach 2>"$XW_TMP/detach.log" || xw_fail "--detach failed: $(cat "$XW_TMP/detach.log")"
grep -q "$VETH_A: detached program id $prog" "$XW_TMP/detach.log" || xw_fail "--detach did not say what it did"
[ -z "$(xw_xdp_id "$NS_A" "$VETH_A")" ] || xw_fail "--detach left the program attached"
[ "$(xw_prog_id)" = "$prog" ] || xw_fail "--detach removed the pins"
xw_tcp "$NS_B" "$IP4_A" 8081 || xw_fail "after --detach the firewall still filters"
xw_pass
