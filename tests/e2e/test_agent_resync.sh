#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lost link events: with a tiny netlink receive buffer (XDPWALLD_NETLINK_RCVBUF,
# a test knob) and the agent stopped (SIGSTOP) while interfaces come and go,
# the kernel drops events (ENOBUFS); the resumed agent notices, does a full
# resync, attaches the interfaces that appeared, forgets the ones that went,
# and keeps xw_ifnames exact.
. "$(dirname "$0")/lib.sh"
xw_init "$@"
NS=xw-$XW_TEST-$$-r
NS_P=xw-$XW_TEST-$$-p
xw_netns_add "$NS"
xw_netns_add "$NS_P"
ifnames() { bpftool -j map dump pinned "$XDPWALL_PIN_ROOT/xw_ifnames" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

XDPWALLD_NETLINK_RCVBUF=1 xw_agent_start "$NS" -i 'xwr*' || xw_fail "agent did not start"
prog=$(xw_prog_id)
for i in 0 1 2; do
	xw_in "$NS" ip link add "xwr$i$XW_ID" type veth peer name "xwq$i$XW_ID" netns "$NS_P" || xw_fail "create $i"
done
xw_wait 2 eval '[ "$(xw_xdp_id "$NS" "xwr2$XW_ID")" = "$prog" ]' || xw_fail "xwr2 not attached"

kill -STOP "$AGENT_PID"
xw_in "$NS" ip link del "xwr0$XW_ID"
for i in $(seq 3 40); do
	xw_in "$NS" ip link add "xwr$i$XW_ID" type veth peer name "xwq$i$XW_ID" netns "$NS_P" || xw_fail "create $i"
	xw_in "$NS" ip link set "xwr$i$XW_ID" up
done
for i in $(seq 3 2 40); do
	xw_in "$NS" ip link del "xwr$i$XW_ID"
done
kill -CONT "$AGENT_PID"

xw_wait 5 grep -q "full resync" "$AGENT_LOG" || xw_fail "no overflow noticed (no full resync)"
for i in 1 2 $(seq 4 2 40); do
	xw_wait 2 eval '[ "$(xw_xdp_id "$NS" "xwr$i$XW_ID")" = "$prog" ]' || xw_fail "xwr$i not attached after the resync"
done
xw_wait 2 eval '[ "$(ifnames)" -eq 21 ]' || xw_fail "xw_ifnames holds $(ifnames) entries, expected 21"
grep -q "error" "$AGENT_LOG" && xw_fail "errors logged: $(grep error "$AGENT_LOG" | head -3)"
xw_figure agent_resyncs "$(grep -c 'full resync' "$AGENT_LOG")"
xw_pass
