#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hot-plug: an interface matching the agent's glob is attached within a second
# of appearing (FIGURE attach latency), forgotten when it goes (its xw_ifnames
# entry too), re-attached when re-created with the same name; traffic through
# it is filtered. 200 create/delete cycles, each waiting for the attach, and a
# burst of 200 more that does not wait, leak nothing: pins, the agent's fds,
# the programs and maps it holds, xw_ifnames entries (counted before and after).
. "$(dirname "$0")/lib.sh"
xw_init "$@"
xw_netns_add "xw-$XW_TEST-$$-h"
NS=xw-$XW_TEST-$$-h
NS_P=xw-$XW_TEST-$$-p
xw_netns_add "$NS_P"
IF=xwh$XW_ID   # matches the glob
PEER=xwp$XW_ID # does not

xw_agent_start "$NS" -i 'xwh*' || xw_fail "agent did not start"
prog=$(xw_prog_id)

now_us() { echo $(($(date +%s%N) / 1000)); }
attached() { [ "$(xw_xdp_id "$NS" "$IF")" = "$prog" ]; }
gone() { ! xw_in "$NS" ip link show dev "$IF" >/dev/null 2>&1; }
ifnames() { bpftool -j map dump pinned "$XDPWALL_PIN_ROOT/xw_ifnames" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
ifnames_has() {
	bpftool map lookup pinned "$XDPWALL_PIN_ROOT/xw_ifnames" key $(printf '%d %d %d %d' \
		$(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255))) >/dev/null 2>&1
}
create() { xw_in "$NS" ip link add "$IF" type veth peer name "$PEER" netns "$NS_P"; }
delete() { xw_in "$NS" ip link del "$IF"; }
ifindex() { xw_in "$NS" cat "/sys/class/net/$IF/ifindex" 2>/dev/null || xw_in "$NS" ip -o link show dev "$IF" | cut -d: -f1; }

# ---- appear, traffic, disappear, re-appear ----------------------------------
create || xw_fail "cannot create $IF"
xw_wait 1 attached || xw_fail "$IF not attached within 1 s"
[ -z "$(xw_in "$NS_P" ip -d link show dev "$PEER" | grep 'prog/xdp')" ] || xw_fail "$PEER (not matching) was attached"
idx1=$(xw_in "$NS" ip -o link show dev "$IF" | cut -d: -f1)
ifnames_has "$idx1" || xw_fail "xw_ifnames has no entry for $IF (ifindex $idx1)"
xw_in "$NS" ip addr add 10.198.0.1/24 dev "$IF"
xw_in "$NS_P" ip addr add 10.198.0.2/24 dev "$PEER"
xw_in "$NS" ip link set "$IF" up
xw_in "$NS_P" ip link set "$PEER" up
xw_wait 5 xw_in "$NS_P" ping -c1 -W1 -q 10.198.0.1 >/dev/null || xw_fail "no traffic through $IF"
[ -x "$FWCTL" ] && {
	"$FWCTL" add-rule iif "$IF" proto icmp drop >/dev/null || xw_fail "fwctl add-rule iif"
	xw_in "$NS_P" ping -c1 -W1 -q 10.198.0.1 >/dev/null && xw_fail "iif $IF rule not enforced (xw_ifnames)"
	"$FWCTL" flush-rules >/dev/null || xw_fail "fwctl flush-rules"
}
delete
xw_wait 1 gone || xw_fail "$IF not deleted"
xw_wait 1 eval '! ifnames_has '"$idx1" || xw_fail "xw_ifnames kept the entry of the deleted $IF"
grep -q "$IF: gone" "$AGENT_LOG" || xw_fail "the agent did not notice $IF went"
create || xw_fail "cannot re-create $IF"
xw_wait 1 attached || xw_fail "re-created $IF not attached within 1 s"
delete

# ---- attach latency ----------------------------------------------------------
lat=()
for i in $(seq 20); do
	create || xw_fail "create $i"
	t0=$(now_us) # the interface exists from here
	while ! attached; do
		[ $(($(now_us) - t0)) -gt 1000000 ] && xw_fail "attach $i took more than 1 s"
	done
	lat+=($(($(now_us) - t0)))
	delete
	xw_wait 1 gone || xw_fail "delete $i"
done
sorted=($(printf '%s\n' "${lat[@]}" | sort -n))
xw_figure agent_attach_latency_ms_median "$(awk -v v="${sorted[9]}" 'BEGIN{printf "%.1f", v/1000}')"
xw_figure agent_attach_latency_ms_max "$(awk -v v="${sorted[19]}" 'BEGIN{printf "%.1f", v/1000}')"

# The agent's own share: the attach call, from its log (the rest is the
# kernel's link setup and the netlink event).
xw_figure agent_attach_call_ms_median "$(sed -n 's/.*attached program id .* in \([0-9.]*\) ms$/\1/p' "$AGENT_LOG" |
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"

# ---- leaks over 200 cycles ---------------------------------------------------
counts() {
	local fds progs maps pins
	fds=$(ls /proc/"$AGENT_PID"/fd | wc -l)
	progs=$(grep -l '^prog_id:' /proc/"$AGENT_PID"/fdinfo/* 2>/dev/null | wc -l)
	maps=$(grep -l '^map_id:' /proc/"$AGENT_PID"/fdinfo/* 2>/dev/null | wc -l)
	pins=$(find "$XW_TMP/bpffs" -mindepth 1 | wc -l)
	echo "$fds $progs $maps $pins $(ifnames) $(bpftool prog show | grep -c '^[0-9]') $(bpftool map show | grep -c '^[0-9]')"
}
sleep 0.2
before=($(counts))
t0=$(now_us)
for i in $(seq 200); do
	create || xw_fail "cycle $i: create"
	xw_wait 1 attached || xw_fail "cycle $i: not attached within 1 s"
	delete || xw_fail "cycle $i: delete"
done
xw_figure agent_hotplug_cycle_ms "$(awk -v v=$(($(now_us) - t0)) 'BEGIN{printf "%.1f", v/200000}')"
# A burst the agent cannot keep up with one by one (may overflow netlink: resync).
for i in $(seq 200); do
	create && delete
done
create || xw_fail "create after the burst"
xw_wait 1 attached || xw_fail "$IF not attached after the burst"
delete
xw_wait 1 gone
sleep 0.5
kill -0 "$AGENT_PID" || xw_fail "agent died during the cycles"
after=($(counts))
names=(agent_fds agent_progs agent_maps pins ifnames_entries global_progs global_maps)
for i in "${!names[@]}"; do
	xw_figure "agent_hotplug_${names[$i]}_before" "${before[$i]}"
	xw_figure "agent_hotplug_${names[$i]}_after" "${after[$i]}"
done
# Global bpftool counts are printed only: other tests may load programs meanwhile.
for i in 0 1 2 3 4; do
	[ "${before[$i]}" = "${after[$i]}" ] ||
		xw_fail "${names[$i]} leaked over 400 cycles: ${before[$i]} -> ${after[$i]}"
done
[ "${after[4]}" -eq 0 ] || xw_fail "xw_ifnames keeps ${after[4]} entries with no interface"
grep -q "error" "$AGENT_LOG" && xw_fail "the agent logged errors: $(grep error "$AGENT_LOG" | head -3)"
xw_pass
