#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One agent per pin root: a second one (same namespace or another) refuses to
# start with a message naming the first one's pid, and changes nothing; fwctl
# status names the running agent. Without --foreground the agent forks and
# the parent returns once the child is ready; it is the lock holder.
. "$(dirname "$0")/lib.sh"
xw_init "$@"
xw_netns_pair
xw_agent_start "$NS_A" -i "$VETH_A" || xw_fail "first agent did not start"
first=$AGENT_PID
prog=$(xw_prog_id)

for ns in "$NS_A" "$NS_B"; do
	start=$(date +%s%N)
	xw_in "$ns" timeout 10 "$XDPWALLD" --foreground -i "$VETH_A" -i "$VETH_B" \
		</dev/null >/dev/null 2>"$XW_TMP/second.log"
	rc=$?
	[ $rc -eq 1 ] || xw_fail "second agent in $ns: exit $rc, expected 1"
	grep -q "another xdpwalld (pid $first) is running on $XDPWALL_PIN_ROOT" "$XW_TMP/second.log" ||
		xw_fail "second agent's message does not name pid $first: $(cat "$XW_TMP/second.log")"
	grep -q "ready" "$XW_TMP/second.log" && xw_fail "second agent reported ready"
	xw_figure agent_second_refused_ms $((($(date +%s%N) - start) / 1000000))
done
kill -0 "$first" || xw_fail "the first agent died"
[ "$(cat "$XDPWALL_RUN_DIR/xdpwalld.pid")" = "$first" ] || xw_fail "the second agent overwrote the pid file"
[ "$(xw_prog_id)" = "$prog" ] || xw_fail "pins changed"
[ -z "$(xw_xdp_id "$NS_B" "$VETH_B")" ] || xw_fail "the refused agent attached $VETH_B"
if [ -x "$FWCTL" ]; then
	st=$("$FWCTL" -j status) || xw_fail "fwctl status"
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["agent"]["running"] and d["agent"]["pid"] == int(sys.argv[2]) else 1)' \
		"$st" "$first" || xw_fail "status does not name agent $first: $st"
fi

# The lock goes with the process: after SIGTERM a new agent may start, and a
# daemonized one (no --foreground) returns when ready, and tells systemd
# (READY=1 on $NOTIFY_SOCKET).
xw_agent_stop TERM
nsenter --net="/run/netns/$NS_B" socat -u UNIX-RECV:"$XW_TMP/notify" OPEN:"$XW_TMP/notified",creat,append \
	</dev/null >/dev/null 2>&1 &
xw_track_pid $!
xw_wait 2 test -S "$XW_TMP/notify" || xw_fail "no notify socket"
NOTIFY_SOCKET=$XW_TMP/notify xw_in "$NS_A" "$XDPWALLD" -i "$VETH_A" </dev/null >/dev/null 2>"$XW_TMP/daemon.log" ||
	xw_fail "daemonized agent: $(cat "$XW_TMP/daemon.log")"
grep -qx ready "$XW_TMP/daemon.log" || xw_fail "the daemon's parent returned before ready"
xw_wait 2 grep -q "READY=1" "$XW_TMP/notified" || xw_fail "no READY=1 on \$NOTIFY_SOCKET"
daemon=$(cat "$XDPWALL_RUN_DIR/xdpwalld.pid")
xw_track_pid "$daemon"
kill -0 "$daemon" || xw_fail "the daemon is not running"
grep -q "FLOCK.* WRITE $daemon " /proc/locks || xw_fail "the daemon does not hold the lock"
xw_in "$NS_A" "$XDPWALLD" --foreground </dev/null >/dev/null 2>"$XW_TMP/third.log" &&
	xw_fail "an agent started beside the daemon"
grep -q "pid $daemon" "$XW_TMP/third.log" || xw_fail "the refusal does not name the daemon: $(cat "$XW_TMP/third.log")"
kill -TERM "$daemon"
xw_wait 5 eval '! kill -0 '"$daemon"' 2>/dev/null' || xw_fail "the daemon ignored SIGTERM"
[ "$(xw_xdp_id "$NS_A" "$VETH_A")" = "$prog" ] || xw_fail "the daemon detached on SIGTERM"
xw_pass
