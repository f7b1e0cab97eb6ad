#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Attach modes on an interface without native XDP (a bridge): auto tries
# native, is refused, falls back to generic and says so; --mode native logs
# one clear error naming the interface, keeps running, retries quietly, and
# attaches nothing else in its place; the interface going away ends the retries.
# Someone else's XDP program is never replaced.
. "$(dirname "$0")/lib.sh"
xw_init "$@"
NS=xw-$XW_TEST-$$
xw_netns_add "$NS"
BR=xwb$XW_ID
xw_in "$NS" ip link add "$BR" type bridge || xw_fail "cannot create a bridge"

xw_agent_start "$NS" -i "$BR" || xw_fail "agent (auto) did not start"
prog=$(xw_prog_id)
[ "$(xw_xdp_id "$NS" "$BR")" = "$prog" ] || xw_fail "$BR not attached in auto mode"
xw_in "$NS" ip -d link show dev "$BR" | grep -q xdpgeneric || xw_fail "$BR not in generic mode"
grep -q "$BR: native mode refused (.*); trying generic" "$AGENT_LOG" || xw_fail "auto did not say native was refused"
grep -q "$BR: attached program id $prog (generic, direct)" "$AGENT_LOG" || xw_fail "auto did not say it got generic"
xw_agent_stop TERM
xw_in "$NS" "$XDPWALLD" --detach 2>/dev/null || xw_fail "--detach"

xw_agent_start "$NS" -i "$BR" --mode native || xw_fail "agent (native) did not start"
[ -z "$(xw_xdp_id "$NS" "$BR")" ] || xw_fail "--mode native attached something to $BR"
grep -q "error: $BR: cannot attach (native mode): .* (retrying every second)" "$AGENT_LOG" ||
	xw_fail "no clear error naming $BR: $(cat "$AGENT_LOG")"
sleep 2.5
kill -0 "$AGENT_PID" || xw_fail "the agent died on an attach failure"
[ "$(grep -c "error: $BR" "$AGENT_LOG")" -eq 1 ] || xw_fail "the retries repeat the error"
xw_in "$NS" ip link del "$BR"
xw_wait 2 grep -q "$BR: gone" "$AGENT_LOG" || xw_fail "the agent did not forget $BR"
xw_agent_stop TERM
[ "$AGENT_RC" -eq 0 ] || xw_fail "exit status $AGENT_RC"

# ---- someone else's program: never replaced ----------------------------------
V=xwv$XW_ID
xw_in "$NS" ip link add "$V" type veth peer name "xwu$XW_ID" || xw_fail "veth"
xw_in "$NS" ip link set dev "$V" xdp obj "$XW_BUILD/xdpwall.bpf.o" sec xdp || xw_fail "foreign XDP program"
foreign=$(xw_xdp_id "$NS" "$V")
[ -n "$foreign" ] && [ "$foreign" != "$prog" ] || xw_fail "no foreign program"
xw_agent_start "$NS" -i "$V" || xw_fail "agent did not start beside a foreign program"
grep -q "error: $V: another XDP program (id $foreign) is attached; not replacing it" "$AGENT_LOG" ||
	xw_fail "no clear error about the foreign program: $(cat "$AGENT_LOG")"
[ "$(xw_xdp_id "$NS" "$V")" = "$foreign" ] || xw_fail "the foreign program was replaced"
xw_pass
