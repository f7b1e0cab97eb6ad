# SPDX-License-Identifier: MIT
# Shared helpers of the end-to-end tests: source it first thing in a test.
#
#   . "$(dirname "$0")/lib.sh"
#   xw_init                      # private mount ns + bpffs, temp dirs, trap
#   xw_netns_pair                # $NS_A/$NS_B joined by $VETH_A/$VETH_B
#   xw_agent_start "$NS_A" -i "$VETH_A"   # xdpwalld in $NS_A, waits for "ready"
#   xw_in "$NS_B" ping -c1 -W1 "$IP4_A" || xw_fail "no ping"
#   xw_pass
#
# Each test runs in its own mount namespace (re-executed under unshare -m)
# with its own bpffs mounted at $XW_TMP/bpffs: the pins live there, and libxdp
# is pointed there too (LIBXDP_BPFFS), so tests can run side by side and a
# test's pins vanish with it; a private bpffs hides the host's /sys/fs/bpf too.
# Network namespaces and veths are named after the test and its pid.
# Everything is torn down by an EXIT trap, on failure too.
#
# Tools run inside a network namespace with nsenter --net (xw_in), never
# `ip netns exec`, which remounts /sys and hides the test's mounts.
# Environment set for the agent and fwctl: XDPWALL_PIN_ROOT, XDPWALL_STATE_DIR,
# XDPWALL_RUN_DIR, XDPWALL_CONFIG (an empty file), LIBXDP_BPFFS.

set -u

XW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XW_BUILD=${XW_BUILD:-$XW_ROOT/build}
XDPWALLD=${XDPWALLD:-$XW_BUILD/xdpwalld}
FWCTL=${FWCTL:-$XW_BUILD/fwctl}
XW_TEST=$(basename "$0" .sh)

# Addresses of the pair: A is where the firewall runs, B is the peer.
IP4_A=10.199.0.1
IP4_B=10.199.0.2
IP6_A=fd00:199::1
IP6_B=fd00:199::2

_xw_pids=()
_xw_netns=()
_xw_links=()
_xw_cleanups=()

xw_log() { echo "[$XW_TEST] $*" >&2; }
xw_fail() {
	echo "FAIL $XW_TEST: $*" >&2
	exit 1
}
xw_pass() {
	echo "PASS $XW_TEST"
	exit 0
}
xw_figure() { echo "FIGURE $1=$2"; }

# xw_init: re-executes the test in a private mount namespace, mounts its bpffs,
# makes the temp dirs and installs the cleanup trap.
xw_init() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP $XW_TEST: needs root" >&2
		exit 77
	fi
	if [ -z "${XW_E2E_UNSHARED:-}" ]; then
		exec unshare -m --propagation private env XW_E2E_UNSHARED=1 bash "$0" "$@"
	fi
	[ -x "$XDPWALLD" ] || xw_fail "$XDPWALLD not built (make build/xdpwalld)"
	XW_TMP=$(mktemp -d "/tmp/xw-$XW_TEST.XXXXXX")
	trap _xw_cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$XW_TMP/bpffs" "$XW_TMP/state" "$XW_TMP/run"
	mount -t bpf bpf "$XW_TMP/bpffs" || xw_fail "cannot mount bpffs at $XW_TMP/bpffs"
	# A bpffs of our own at /sys/fs/bpf too, so tools that use it by default
	# (iproute2's ip/tc/xdp dirs, libxdp) never write to the host's.
	if [ -d /sys/fs/bpf ]; then
		mount -t bpf bpf /sys/fs/bpf || xw_fail "cannot mount a private bpffs at /sys/fs/bpf"
	fi
	: >"$XW_TMP/xdpwall.conf"
	export XDPWALL_PIN_ROOT=$XW_TMP/bpffs/xdpwall
	export XDPWALL_STATE_DIR=$XW_TMP/state
	export XDPWALL_RUN_DIR=$XW_TMP/run
	export XDPWALL_CONFIG=$XW_TMP/xdpwall.conf
	export LIBXDP_BPFFS=$XW_TMP/bpffs
	# Short, unique suffix for interface names (IFNAMSIZ is 16).
	XW_ID=$(printf '%x' $$)
}

# xw_on_exit CMD...: run CMD (a string, eval'ed) during cleanup, before the
# namespaces go.
xw_on_exit() { _xw_cleanups+=("$1"); }

_xw_cleanup() {
	local rc=$? c p ns l
	trap - EXIT
	for c in "${_xw_cleanups[@]}"; do
		eval "$c" >/dev/null 2>&1 || true
	done
	for p in "${_xw_pids[@]}"; do
		kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for l in "${_xw_links[@]}"; do
		ip link del "$l" 2>/dev/null
	done
	for ns in "${_xw_netns[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${XW_TMP:-}" ]; then
		if [ $rc -ne 0 ]; then
			for l in "$XW_TMP"/*.log; do
				[ -e "$l" ] || continue
				echo "---- $(basename "$l") (last lines)" >&2
				tail -n 30 "$l" >&2
			done
		fi
		# Lazily if something still holds it: the rm must not descend into it.
		umount "$XW_TMP/bpffs" 2>/dev/null || umount -l "$XW_TMP/bpffs" 2>/dev/null
		rm -rf "$XW_TMP"
	fi
	exit $rc
}

# xw_track_pid PID: kill -9 it during cleanup.
xw_track_pid() { _xw_pids+=("$1"); }

# xw_netns_add NAME: a network namespace with lo up, removed during cleanup.
xw_netns_add() {
	ip netns add "$1" || xw_fail "ip netns add $1"
	_xw_netns+=("$1")
	xw_in "$1" ip link set lo up
}

# xw_in NS CMD...: run CMD in network namespace NS (keeping our mounts).
xw_in() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# xw_bg NS CMD...: run CMD in NS in the background, killed during cleanup;
# sets BG_PID (the command's own pid: nsenter execs it, no shell in between,
# so the kill reaches it) and detaches it from the test's stdin/stdout/stderr
# (a leftover must never hold the runner's pipe open).
xw_bg() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@" </dev/null >/dev/null 2>&1 &
	BG_PID=$!
	xw_track_pid "$BG_PID"
}

# xw_netns_pair: NS_A and NS_B joined by VETH_A (in NS_A) <-> VETH_B (in NS_B),
# up, with IP4_A/IP6_A and IP4_B/IP6_B (no IPv6 DAD delay).
xw_netns_pair() {
	NS_A=xw-$XW_TEST-$$-a
	NS_B=xw-$XW_TEST-$$-b
	VETH_A=xwa$XW_ID
	VETH_B=xwb$XW_ID
	xw_netns_add "$NS_A"
	xw_netns_add "$NS_B"
	ip link add "$VETH_A" netns "$NS_A" type veth peer name "$VETH_B" netns "$NS_B" ||
		xw_fail "cannot create veth $VETH_A/$VETH_B"
	xw_in "$NS_A" ip addr add "$IP4_A/24" dev "$VETH_A"
	xw_in "$NS_B" ip addr add "$IP4_B/24" dev "$VETH_B"
	xw_in "$NS_A" ip -6 addr add "$IP6_A/64" dev "$VETH_A" nodad
	xw_in "$NS_B" ip -6 addr add "$IP6_B/64" dev "$VETH_B" nodad
	xw_in "$NS_A" ip link set "$VETH_A" up
	xw_in "$NS_B" ip link set "$VETH_B" up
	xw_wait 5 xw_in "$NS_B" ping -c1 -W1 -q "$IP4_A" >/dev/null ||
		xw_fail "veth pair does not pass traffic before the test starts"
}

# xw_wait SECONDS CMD...: retry CMD every 50 ms until it succeeds; 1 on timeout.
xw_wait() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	while :; do
		"$@" && return 0
		[ "$(date +%s%N)" -ge $deadline ] && return 1
		sleep 0.05
	done
}

# xw_agent_start NS [ARGS...]: start xdpwalld --foreground in NS (or in the
# current namespace if NS is "-"), logging to $XW_TMP/agent.N.log; waits until
# it prints "ready". Sets AGENT_PID and AGENT_LOG. Returns 1 if it exited first.
_xw_agent_n=0
xw_agent_start() {
	local ns=$1
	shift
	_xw_agent_n=$((_xw_agent_n + 1))
	AGENT_LOG=$XW_TMP/agent.$_xw_agent_n.log
	if [ "$ns" = - ]; then
		"$XDPWALLD" --foreground "$@" </dev/null >/dev/null 2>"$AGENT_LOG" &
	else
		nsenter --net="/run/netns/$ns" "$XDPWALLD" --foreground "$@" </dev/null >/dev/null 2>"$AGENT_LOG" &
	fi
	AGENT_PID=$!
	xw_track_pid "$AGENT_PID"
	xw_wait 20 _xw_agent_ready "$AGENT_PID" "$AGENT_LOG" || return 1
	kill -0 "$AGENT_PID" 2>/dev/null
}
_xw_agent_ready() {
	grep -qx ready "$2" && return 0
	kill -0 "$1" 2>/dev/null || return 0
	return 1
}

# xw_agent_stop [SIGNAL]: signal the agent (TERM by default) and reap it.
xw_agent_stop() {
	kill -"${1:-TERM}" "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	AGENT_RC=$?
}

# xw_prog_id: id of the pinned program (empty if not loaded).
xw_prog_id() {
	bpftool prog show pinned "$XDPWALL_PIN_ROOT/prog" 2>/dev/null | sed -n 's/^\([0-9]*\):.*/\1/p'
}

# xw_xdp_id NS IFACE: id of the XDP program attached to IFACE (empty if none).
xw_xdp_id() {
	xw_in "$1" ip -d link show dev "$2" 2>/dev/null |
		sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -n1
}

# _xw_addr ADDR: ADDR as socat wants it ([v6]).
_xw_addr() { case $1 in *:*) echo "[$1]" ;; *) echo "$1" ;; esac; }

# xw_tcp NS ADDR PORT: one TCP connect (0 if it connects within 2 s).
xw_tcp() {
	xw_in "$1" timeout 2 socat -u /dev/null "TCP:$(_xw_addr "$2"):$3,connect-timeout=1" 2>/dev/null
}

# xw_tcp_listen NS PORT: a TCP listener on all addresses (v4 and v6) in NS.
xw_tcp_listen() {
	xw_bg "$1" socat TCP6-LISTEN:"$2",ipv6only=0,reuseaddr,fork /dev/null
}

# xw_udp_sink NS PORT FILE: every UDP datagram received on PORT is appended to FILE.
xw_udp_sink() {
	xw_bg "$1" socat -u UDP6-RECV:"$2",ipv6only=0,reuseaddr OPEN:"$3",creat,append
}

# xw_udp_send NS ADDR PORT TEXT: one datagram.
xw_udp_send() {
	echo "$4" | xw_in "$1" socat -u - "UDP:$(_xw_addr "$2"):$3" 2>/dev/null
}
