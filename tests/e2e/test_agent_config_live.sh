#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The configuration at run time: an agent whose configuration names an
# interface that does not exist yet starts anyway, says it waits for it, and
# attaches it within a second of its appearance (documented behaviour). SIGHUP
# re-reads the file: newly named interfaces are attached, ones no longer named
# are detached; a bad file on SIGHUP is reported with its line and the running
# configuration kept. --mode generic is honoured and shown by status.
. "$(dirname "$0")/lib.sh"
xw_init "$@"
xw_netns_pair
NS=$NS_A
LATE=xwl$XW_ID
OTHER=xwo$XW_ID
conf=$XW_TMP/xdpwall.conf
printf '[agent]\ninterfaces = %s %s\n' "$VETH_A" "$LATE" >"$conf"

xw_agent_start "$NS" -c "$conf" || xw_fail "agent did not start"
prog=$(xw_prog_id)
[ "$(xw_xdp_id "$NS" "$VETH_A")" = "$prog" ] || xw_fail "$VETH_A not attached"
grep -q "$LATE: not present; waiting for it to appear" "$AGENT_LOG" || xw_fail "no word about the missing $LATE"

xw_in "$NS" ip link add "$LATE" type veth peer name "$OTHER" || xw_fail "cannot create $LATE"
t0=$(date +%s%N)
xw_wait 1 eval '[ "$(xw_xdp_id "$NS" "$LATE")" = "$prog" ]' || xw_fail "$LATE not attached within 1 s of appearing"
xw_figure agent_late_iface_attach_ms $((($(date +%s%N) - t0) / 1000000))
[ -z "$(xw_xdp_id "$NS" "$OTHER")" ] || xw_fail "$OTHER (not configured) attached"

# ---- SIGHUP: swap LATE for OTHER ---------------------------------------------
printf '[agent]\ninterfaces = %s\ninterfaces = %s\n' "$VETH_A" "$OTHER" >"$conf"
kill -HUP "$AGENT_PID"
xw_wait 2 eval '[ "$(xw_xdp_id "$NS" "$OTHER")" = "$prog" ]' || xw_fail "SIGHUP did not attach $OTHER"
xw_wait 2 eval '[ -z "$(xw_xdp_id "$NS" "$LATE")" ]' || xw_fail "SIGHUP did not detach $LATE"
[ "$(xw_xdp_id "$NS" "$VETH_A")" = "$prog" ] || xw_fail "SIGHUP touched $VETH_A"
grep -q "$LATE: detached program id $prog (no longer in the configuration)" "$AGENT_LOG" ||
	xw_fail "no log line for the detach of $LATE"

# ---- a rename follows the configuration (and xw_ifnames follows the name) ----
ifname_of() {
	bpftool -j map lookup pinned "$XDPWALL_PIN_ROOT/xw_ifnames" key $(printf '%d %d %d %d' \
		$(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255))) 2>/dev/null |
		python3 -c 'import json,sys; v=json.load(sys.stdin)["value"]; print(bytes(int(b, 16) for b in v).split(b"\0")[0].decode())' 2>/dev/null
}
idx=$(xw_in "$NS" cat "/sys/class/net/$OTHER/ifindex" 2>/dev/null || xw_in "$NS" ip -o link show dev "$OTHER" | cut -d: -f1)
[ "$(ifname_of "$idx")" = "$OTHER" ] || xw_fail "xw_ifnames[$idx] is '$(ifname_of "$idx")', expected $OTHER"
xw_in "$NS" ip link set "$OTHER" name "xwz$XW_ID" || xw_fail "rename"
xw_wait 2 eval '[ -z "$(xw_xdp_id "$NS" "xwz$XW_ID")" ]' || xw_fail "renamed out of the configuration, still attached"
xw_wait 2 eval '[ -z "$(ifname_of "$idx")" ]' || xw_fail "xw_ifnames kept the detached interface"
xw_in "$NS" ip link set "xwz$XW_ID" name "$OTHER" || xw_fail "rename back"
xw_wait 2 eval '[ "$(xw_xdp_id "$NS" "$OTHER")" = "$prog" ]' || xw_fail "renamed back, not re-attached"
xw_wait 2 eval '[ "$(ifname_of "$idx")" = "$OTHER" ]' || xw_fail "xw_ifnames not restored after the rename back"

# ---- SIGHUP with a bad file: error with the line, nothing changes ------------
printf '[agent]\ninterfaces = %s\nmode = turbo\n' "$LATE" >"$conf"
kill -HUP "$AGENT_PID"
xw_wait 2 grep -q "$conf:3: bad value 'turbo' for 'mode'" "$AGENT_LOG" || xw_fail "bad file on SIGHUP not reported with its line"
grep -q "keeping the running configuration" "$AGENT_LOG" || xw_fail "no word about keeping the configuration"
sleep 0.3
kill -0 "$AGENT_PID" || xw_fail "a bad file on SIGHUP killed the agent"
[ "$(xw_xdp_id "$NS" "$OTHER")" = "$prog" ] || xw_fail "a bad file on SIGHUP detached $OTHER"
[ -z "$(xw_xdp_id "$NS" "$LATE")" ] || xw_fail "a bad file on SIGHUP was half applied"

# ---- -i on the command line wins over the file, --mode generic ---------------
xw_agent_stop TERM
printf '[agent]\ninterfaces = %s\nmode = native\n' "$LATE" >"$conf"
xw_in "$NS" "$XDPWALLD" --detach 2>"$XW_TMP/detach.log" || xw_fail "--detach: $(cat "$XW_TMP/detach.log")"
xw_agent_start "$NS" -c "$conf" -i "$OTHER" --mode generic || xw_fail "agent with -i/--mode did not start"
[ "$(xw_xdp_id "$NS" "$OTHER")" = "$prog" ] || xw_fail "-i $OTHER not attached"
[ -z "$(xw_xdp_id "$NS" "$LATE")" ] || xw_fail "the file's interface attached though -i replaces it"
xw_in "$NS" ip -d link show dev "$OTHER" | grep -q "xdpgeneric" || xw_fail "--mode generic not honoured"
if [ -x "$FWCTL" ]; then
	st=$(xw_in "$NS" "$FWCTL" -j status) || xw_fail "fwctl status"
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if [(i["name"], i["mode"]) for i in d["interfaces"]] == [(sys.argv[2], "generic")] else 1)' \
		"$st" "$OTHER" || xw_fail "status does not show $OTHER in generic mode: $st"
fi
xw_pass
