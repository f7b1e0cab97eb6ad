#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make demo: xdpwall on two network namespaces with live traffic, narrated.
#
# A "client" and a "server" namespace joined by a veth pair (IPv4 and IPv6).
# xdpwalld attaches the firewall to the server's end; the demo shows ping and
# TCP flowing, blocks them with `fwctl add-rule`, shows that they are blocked
# and what the counters saw, deletes the rules, shows traffic flowing again,
# and tears everything down - also on failure or Ctrl-C.
#
# It never touches a real installation: the pins live on a bpffs the demo
# mounts under a temp dir (libxdp is pointed there too), the persisted ruleset
# and the pid file in temp dirs, and the agent reads an empty config file.
# Exit status: 0 if every expected outcome happened, 1 if one did not (or
# something was left behind), 130/143 if interrupted (cleaned up all the same).
# Run as root after `make` (make demo does both). XW_BUILD=DIR: other binaries.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${XW_BUILD:-$ROOT/build}
XDPWALLD=$BUILD/xdpwalld
FWCTL=$BUILD/fwctl

# Names unique to this run; interface names stay below IFNAMSIZ (16).
ID=$(printf '%x' $$)
NS_S=xwdemo-srv-$$
NS_C=xwdemo-cli-$$
VETH_S=xwds$ID
VETH_C=xwdc$ID
# Documentation prefixes (RFC 5737, RFC 3849): they exist only in our namespaces.
IP4_S=192.0.2.1
IP4_C=192.0.2.2
IP6_S=2001:db8:77::1
IP6_C=2001:db8:77::2
PORT_BLOCK=8080 # the port the demo blocks
PORT_OPEN=8081  # a port no rule mentions

TMP=
AGENT_PID=
PIDS=()
NETNS=()
FAILS=()
BPFFS_MOUNTED=0
T0=$(date +%s%N)

if [ -t 1 ]; then
	B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' D=$'\e[2m' N=$'\e[0m'
else
	B= G= R= D= N=
fi

# ---- narration -----------------------------------------------------------
STEP=0
step() {
	STEP=$((STEP + 1))
	printf '\n%s==> %d. %s%s\n' "$B" "$STEP" "$*" "$N"
}
say() { printf '    %s%s%s\n' "$D" "$*" "$N"; }
ok() { printf '    %s-> ok: %s%s\n' "$G" "$*" "$N"; }
bad() {
	printf '    %s-> FAILED: %s%s\n' "$R" "$*" "$N"
	FAILS+=("$*")
}
die() {
	printf '%sdemo: %s%s\n' "$R" "$*" "$N" >&2
	exit 1
}

# quote ARG: ARG as a reader would type it.
quote() {
	case $1 in
	'&' | '2>'*) printf '%s' "$1" ;; # shell syntax, shown as such
	'' | *[!A-Za-z0-9_./:=,@%+-]*) printf '"%s"' "${1//\"/\\\"}" ;;
	*) printf '%s' "$1" ;;
	esac
}

# print_cmd WHERE CMD...: the command as a reader would type it, fwctl and
# xdpwalld by their names, after the namespace it runs in.
print_cmd() {
	local where=$1 a line=
	shift
	for a in "$@"; do
		case $a in
		"$FWCTL") a=fwctl ;;
		"$XDPWALLD") a=xdpwalld ;;
		esac
		line+=" $(quote "$a")"
	done
	printf '  %s[%s]$%s%s\n' "$B" "$where" "$line" "$N"
}

# show WHERE CMD...: print the command, then run it in WHERE (host, server or
# client); its output is indented and also kept in $TMP/out. Returns the
# command's status.
show() {
	local where=$1
	shift
	print_cmd "$where" "$@"
	case $where in
	server) set -- nsenter --net="/run/netns/$NS_S" "$@" ;;
	client) set -- nsenter --net="/run/netns/$NS_C" "$@" ;;
	esac
	"$@" 2>&1 | tee "$TMP/out" | sed -u 's/^/      /'
}

in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# ---- cleanup: runs on every exit, failure and Ctrl-C included ------------
cleanup() {
	local rc=$? p ns left
	set +e
	trap - EXIT INT TERM HUP
	step "Clean up: agent, listeners, namespaces and veth, pins, bpffs, temp dirs"
	if [ -n "$AGENT_PID" ] && kill -0 "$AGENT_PID" 2>/dev/null; then
		say "stopping xdpwalld (pid $AGENT_PID)"
		kill -TERM "$AGENT_PID" 2>/dev/null
		for _ in $(seq 40); do
			kill -0 "$AGENT_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
	fi
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for ns in "${NETNS[@]}"; do
		say "ip netns del $ns"
		ip netns del "$ns" 2>/dev/null
	done
	# The veth went with its namespaces; this only matters if they did not.
	ip link del "$VETH_S" 2>/dev/null
	ip link del "$VETH_C" 2>/dev/null
	if [ -n "$TMP" ]; then
		if [ $rc -ne 0 ] && [ -s "${AGENT_LOG:-}" ]; then
			echo "---- xdpwalld log (last lines)" >&2
			tail -n 20 "$AGENT_LOG" | sed 's/^/    /' >&2
		fi
		if [ $BPFFS_MOUNTED = 1 ]; then
			say "rm -rf $TMP/bpffs/* (pins); umount $TMP/bpffs"
			rm -rf "${TMP:?}/bpffs/"* 2>/dev/null
			umount "$TMP/bpffs" 2>/dev/null || { sleep 0.5; umount "$TMP/bpffs"; } ||
				echo "demo: cannot unmount $TMP/bpffs" >&2
		fi
		if mountpoint -q "$TMP/bpffs" 2>/dev/null; then
			echo "demo: $TMP/bpffs is still mounted, leaving $TMP" >&2
			rc=1
		else
			say "rm -rf $TMP"
			rm -rf "$TMP"
		fi
	fi
	# Nothing may be left behind.
	left=()
	for ns in "${NETNS[@]}"; do
		[ -e "/run/netns/$ns" ] && left+=("namespace $ns")
	done
	for p in "$AGENT_PID" "${PIDS[@]}"; do
		[ -n "$p" ] && kill -0 "$p" 2>/dev/null && left+=("process $p")
	done
	ip link show "$VETH_S" >/dev/null 2>&1 && left+=("interface $VETH_S")
	[ -n "$TMP" ] && [ -e "$TMP" ] && left+=("$TMP")
	if [ ${#left[@]} -gt 0 ]; then
		echo "demo: left behind: ${left[*]}" >&2
		rc=1
	else
		say "nothing left behind"
	fi
	if [ $rc -eq 130 ] || [ $rc -eq 143 ] || [ $rc -eq 129 ]; then
		printf '\n%sDemo interrupted (exit %d).%s\n' "$R$B" $rc "$N" >&2
	elif [ $rc -eq 0 ]; then
		printf '\n%sDemo passed in %d.%d s: every expected outcome happened.%s\n' "$G$B" \
			$((($(date +%s%N) - T0) / 1000000000)) $(((($(date +%s%N) - T0) / 100000000) % 10)) "$N"
	elif [ ${#FAILS[@]} -gt 0 ]; then
		printf '\n%sDemo FAILED (%d unexpected outcomes):%s\n' "$R$B" ${#FAILS[@]} "$N" >&2
		printf '  - %s\n' "${FAILS[@]}" >&2
	else
		printf '\n%sDemo FAILED (exit %d).%s\n' "$R$B" $rc "$N" >&2
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- traffic checks ------------------------------------------------------
# ping_expect flows|blocked [-6] ADDR: 3 pings from the client.
ping_expect() {
	local want=$1 got
	shift
	show client ping "$@" -c 3 -i 0.2 -W 1 || true
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/out")
	got=${got:-0}
	case $want in
	flows) [ "$got" -eq 3 ] && ok "3 of 3 answered" || bad "ping ${*: -1}: $got of 3 answered, expected 3" ;;
	blocked) [ "$got" -eq 0 ] && ok "0 of 3 answered: blocked" || bad "ping ${*: -1}: $got of 3 answered, expected 0 (blocked)" ;;
	esac
}

# tcp_expect flows|blocked ADDR PORT: one TCP connection from the client; the
# server's listener answers with a line of text.
tcp_expect() {
	local want=$1 addr=$2 port=$3 rc=0
	case $addr in *:*) addr="[$addr]" ;; esac
	show client timeout 5 socat -T 2 -u "TCP:$addr:$port,connect-timeout=1" - || rc=$?
	if [ $rc -eq 0 ] && grep -q "hello from the server" "$TMP/out"; then
		[ "$want" = flows ] && ok "connected, the server answered" ||
			bad "TCP $addr:$port connected, expected it to be blocked"
	else
		[ "$want" = blocked ] && ok "no connection: blocked" ||
			bad "TCP $addr:$port: no answer from the server (socat status $rc), expected it to flow"
	fi
}

# rule_packets HANDLE: the packet counter of rule HANDLE (from fwctl -j list-rules).
rule_packets() {
	in_ns "$NS_S" "$FWCTL" -j list-rules |
		grep -o "{\"handle\": $1, [^}]*}" | sed -n 's/.*"packets": \([0-9]*\).*/\1/p'
}

# add_rule VAR RULE...: fwctl -e add-rule RULE in the server namespace; VAR gets the handle.
add_rule() {
	local var=$1 h
	shift
	if show server "$FWCTL" -e add-rule "$@"; then
		h=$(sed -n 's/^handle \([0-9][0-9]*\)$/\1/p' "$TMP/out")
		[ -n "$h" ] || die "fwctl -e add-rule printed no handle: $(cat "$TMP/out")"
		printf -v "$var" %s "$h"
	else
		die "fwctl add-rule failed"
	fi
}

# start_agent: xdpwalld in the server namespace, attached to VETH_S; waits
# until it says "ready" and shows its log. Sets AGENT_PID and AGENT_LOG.
N_AGENT=0
start_agent() {
	local ready=1
	N_AGENT=$((N_AGENT + 1))
	AGENT_LOG=$TMP/agent.$N_AGENT.log
	local agent=("$XDPWALLD" --foreground -i "$VETH_S" --pin-root "$XDPWALL_PIN_ROOT"
		--state-dir "$XDPWALL_STATE_DIR" --run-dir "$XDPWALL_RUN_DIR" -c "$XDPWALL_CONFIG")
	print_cmd server "${agent[@]}" "2>$AGENT_LOG" "&"
	# nsenter, not a shell function: $! must be the agent itself.
	nsenter --net="/run/netns/$NS_S" "${agent[@]}" 2>"$AGENT_LOG" &
	AGENT_PID=$!
	for _ in $(seq 200); do
		grep -qx ready "$AGENT_LOG" && { ready=0; break; }
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/      /' "$AGENT_LOG"
	return $ready
}

# ---- preflight -----------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, bpffs, XDP): sudo make demo"
for f in "$XDPWALLD" "$FWCTL"; do
	[ -x "$f" ] || die "$f is not built: run 'make demo' (or 'make' first)"
done
for t in ip nsenter ping socat mount umount mountpoint timeout; do
	command -v "$t" >/dev/null || die "'$t' is missing: run scripts/install-deps.sh"
done

printf '%sxdpwall demo%s: a client and a server network namespace joined by a veth pair;\n' "$B" "$N"
printf 'the firewall runs in XDP on the server end. [server]$ and [client]$ mean the\n'
printf 'command runs as nsenter --net=/run/netns/%s (or %s) CMD;\n' "$NS_S" "$NS_C"
printf 'fwctl and xdpwalld are %s and %s.\n' "$FWCTL" "$XDPWALLD"

# ---- 1. private state ----------------------------------------------------
step "Private state: a bpffs for the pins, temp dirs for the ruleset and pid file"
TMP=$(mktemp -d /tmp/xwdemo.XXXXXX)
mkdir "$TMP/bpffs" "$TMP/state" "$TMP/run"
: >"$TMP/xdpwall.conf"
show host mount -t bpf bpf "$TMP/bpffs" || die "cannot mount bpffs at $TMP/bpffs"
BPFFS_MOUNTED=1
export XDPWALL_PIN_ROOT=$TMP/bpffs/xdpwall
export XDPWALL_STATE_DIR=$TMP/state
export XDPWALL_RUN_DIR=$TMP/run
export XDPWALL_CONFIG=$TMP/xdpwall.conf
export LIBXDP_BPFFS=$TMP/bpffs
say "XDPWALL_PIN_ROOT=$XDPWALL_PIN_ROOT"
say "XDPWALL_STATE_DIR=$XDPWALL_STATE_DIR XDPWALL_RUN_DIR=$XDPWALL_RUN_DIR"
say "(/sys/fs/bpf/xdpwall and /var/lib/xdpwall of a real installation are not touched)"

# ---- 2. namespaces -------------------------------------------------------
step "Two network namespaces joined by a veth pair, with IPv4 and IPv6 addresses"
for ns in "$NS_S" "$NS_C"; do
	show host ip netns add "$ns" || die "ip netns add $ns"
	NETNS+=("$ns")
	in_ns "$ns" ip link set lo up
done
show host ip link add "$VETH_S" netns "$NS_S" type veth peer name "$VETH_C" netns "$NS_C" ||
	die "cannot create the veth pair"
show server ip addr add "$IP4_S/24" dev "$VETH_S"
show server ip addr add "$IP6_S/64" dev "$VETH_S" nodad
show server ip link set "$VETH_S" up
show client ip addr add "$IP4_C/24" dev "$VETH_C"
show client ip addr add "$IP6_C/64" dev "$VETH_C" nodad
show client ip link set "$VETH_C" up
# Wait (quietly) until the link passes traffic both ways, both families.
link_ok=0
for _ in $(seq 50); do
	in_ns "$NS_C" ping -c 1 -W 1 -q "$IP4_S" >/dev/null 2>&1 &&
		in_ns "$NS_C" ping -6 -c 1 -W 1 -q "$IP6_S" >/dev/null 2>&1 && { link_ok=1; break; }
	sleep 0.1
done
[ $link_ok = 1 ] || die "the veth pair passes no traffic even without the firewall"
for port in $PORT_BLOCK $PORT_OPEN; do
	print_cmd server socat "TCP6-LISTEN:$port,ipv6only=0,reuseaddr,fork" \
		"SYSTEM:echo hello from the server port $port" "&"
	# nsenter, not a shell function: $! must be the process itself.
	nsenter --net="/run/netns/$NS_S" socat "TCP6-LISTEN:$port,ipv6only=0,reuseaddr,fork" \
		"SYSTEM:echo hello from the server port $port" 2>/dev/null &
	PIDS+=($!)
done
say "TCP listeners in the server namespace (IPv4 and IPv6) on ports $PORT_BLOCK and $PORT_OPEN"

# ---- 3. the agent --------------------------------------------------------
step "Start xdpwalld, attached to the server's end of the veth ($VETH_S)"
start_agent || die "xdpwalld did not become ready within 10 s"
ok "xdpwalld (pid $AGENT_PID) is ready"
if show server "$FWCTL" status && grep -q "interface $VETH_S .*prog_id [1-9]" "$TMP/out"; then
	PROG_ID=$(sed -n "s/^interface $VETH_S .*prog_id \([0-9]*\).*/\1/p" "$TMP/out")
	ok "the firewall (program id $PROG_ID) runs on $VETH_S"
else
	bad "fwctl status does not show the program on $VETH_S"
fi

# ---- 4. traffic flows ----------------------------------------------------
step "No rules yet: traffic flows (ping and TCP, IPv4 and IPv6)"
ping_expect flows "$IP4_S"
ping_expect flows -6 "$IP6_S"
tcp_expect flows "$IP4_S" $PORT_BLOCK
tcp_expect flows "$IP6_S" $PORT_BLOCK

# ---- 5. rules ------------------------------------------------------------
step "Add rules with fwctl: drop the client's pings and TCP port $PORT_BLOCK"
say "-e prints the handle of the new rule; the rule is live when fwctl returns"
add_rule H_PING4 saddr "$IP4_C" proto icmp drop comment "demo: no IPv4 ping from the client"
add_rule H_PING6 saddr "$IP6_C" proto icmpv6 icmp-type echo-request drop \
	comment "demo: no IPv6 ping from the client"
add_rule H_TCP proto tcp dport $PORT_BLOCK drop
say "(echo-request only: ICMPv6 neighbour discovery must keep working)"

# ---- 6. blocked ----------------------------------------------------------
step "The rules hold: pings and TCP port $PORT_BLOCK are dropped in XDP"
ping_expect blocked "$IP4_S"
ping_expect blocked -6 "$IP6_S"
tcp_expect blocked "$IP4_S" $PORT_BLOCK
tcp_expect blocked "$IP6_S" $PORT_BLOCK
say "a port no rule mentions is still open:"
tcp_expect flows "$IP4_S" $PORT_OPEN
tcp_expect flows "$IP6_S" $PORT_OPEN

# ---- 7. counters ---------------------------------------------------------
step "What the firewall counted: per rule, per verdict, and its status"
show server "$FWCTL" list-rules || bad "fwctl list-rules failed"
for h in "$H_PING4" "$H_PING6" "$H_TCP"; do
	n=$(rule_packets "$h")
	case $h in
	"$H_TCP") min=2 ;; # one SYN per blocked connection, at least
	*) min=3 ;;
	esac
	if [ -n "$n" ] && [ "$n" -ge $min ]; then
		ok "rule $h counted $n packets"
	else
		bad "rule $h counted '${n}' packets, expected at least $min"
	fi
done
show server "$FWCTL" stats || bad "fwctl stats failed"
drops=$(sed -n 's/^rule_drop *\([0-9]*\) .*/\1/p' "$TMP/out")
if [ -n "$drops" ] && [ "$drops" -ge 8 ]; then
	ok "rule_drop counted $drops packets"
else
	bad "fwctl stats: rule_drop is '$drops', expected at least 8"
fi
show server "$FWCTL" status || bad "fwctl status failed"
grep -q "^rules 3$" "$TMP/out" && ok "3 rules live" || bad "fwctl status does not say 'rules 3'"

# ---- 8. fail static -----------------------------------------------------
step "Stop the agent: the firewall fails static, the rules stay enforced"
print_cmd host kill -TERM "$AGENT_PID"
kill -TERM "$AGENT_PID"
rc=0
wait "$AGENT_PID" || rc=$?
tail -n 1 "$AGENT_LOG" | sed 's/^/      /'
[ $rc -eq 0 ] && ok "xdpwalld exited with status 0" || bad "xdpwalld exited with status $rc on SIGTERM"
show server "$FWCTL" status || bad "fwctl status failed"
grep -q "^agent running no" "$TMP/out" && ok "fwctl status: agent not running" ||
	bad "fwctl status does not say 'agent running no'"
grep -q "^interface $VETH_S .*prog_id $PROG_ID " "$TMP/out" &&
	ok "program $PROG_ID still attached to $VETH_S" || bad "program $PROG_ID no longer attached after SIGTERM"
ping_expect blocked "$IP4_S"

step "Restart the agent: it adopts the running program instead of reloading it"
start_agent || die "xdpwalld did not restart"
grep -q "adopting program id $PROG_ID" "$AGENT_LOG" && ok "adopted program $PROG_ID" ||
	bad "restarted xdpwalld did not adopt program $PROG_ID"

# ---- 9. delete -----------------------------------------------------------
step "Delete the rules: traffic flows again"
for h in "$H_PING4" "$H_PING6" "$H_TCP"; do
	show server "$FWCTL" -e del-rule "$h" || bad "fwctl del-rule $h failed"
done
show server "$FWCTL" list-rules || bad "fwctl list-rules failed"
grep -q "generation [0-9]*, 0 rules" "$TMP/out" && ok "no rules left" || bad "rules are left after del-rule"
ping_expect flows "$IP4_S"
ping_expect flows -6 "$IP6_S"
tcp_expect flows "$IP4_S" $PORT_BLOCK
tcp_expect flows "$IP6_S" $PORT_BLOCK

[ ${#FAILS[@]} -eq 0 ] || exit 1
exit 0
