#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: the benchmark of issue 2, in one run, side by side.
#
#   scripts/bench.sh [--classbench DIR] [--quick]
#
# Rule sets: generated ClassBench-like sets of 1, 1k, 10k and 100k rules with
# their header traces (always), and the ClassBench sets acl1/fw1/ipc1 at 1k and
# 8k of DIR (with --classbench). Each set is committed with `fwctl apply -f`
# (timed) into xdpwall loaded in a private bpffs, replayed through
# BPF_PROG_TEST_RUN next to xdp-filter with one `ip` rule, in IPv4 and in its
# IPv6 image (2001:db8::/32 + the IPv4 bits), and every verdict is checked
# against the reference classifier. `nft -f` of the same rules runs in a
# network namespace made for it. Every figure is a line "FIGURE name=value";
# a table and the targets (PASS/MISS, informative) follow.
#
# Exit status: 0, or 1 when a verdict disagreed with the reference or a step
# failed. Needs root. Everything it makes (mount namespace, bpffs, network
# namespaces, temp files, pins) goes away when it exits, on failure too.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${XW_BUILD:-$ROOT/build}
BENCH=$BUILD/xw-bench
FWCTL=$BUILD/fwctl
XDPFILTER_OBJ=${XDPFILTER_OBJ:-/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_all.o}

usage() {
	echo "usage: $0 [--classbench DIR] [--quick] [--only REGEX]" >&2
	exit 2
}

ARGS=("$@")
CB=
QUICK=
ONLY=
while [ $# -gt 0 ]; do
	case $1 in
	--classbench)
		[ $# -ge 2 ] || usage
		CB=$2
		shift 2
		;;
	--quick) # the small sets only: for trying the script out
		QUICK=1
		shift
		;;
	--only) # only the sets whose name matches this regex
		[ $# -ge 2 ] || usage
		ONLY=$2
		shift 2
		;;
	*) usage ;;
	esac
done

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (BPF_PROG_TEST_RUN, bpffs, network namespaces)" >&2
	exit 1
fi
for f in "$BENCH" "$FWCTL"; do
	[ -x "$f" ] || { echo "bench: $f not built (make $f)" >&2; exit 1; }
done
if [ ! -r "$XDPFILTER_OBJ" ]; then
	echo "bench: $XDPFILTER_OBJ missing (apt-get install xdp-tools)" >&2
	exit 1
fi
if [ -n "$CB" ] && [ ! -d "$CB" ]; then
	echo "bench: no ClassBench directory $CB" >&2
	exit 1
fi

# A private mount namespace: the bpffs mount and the netns handles die with us.
if [ -z "${XW_BENCH_UNSHARED:-}" ]; then
	exec unshare -m --propagation private env XW_BENCH_UNSHARED=1 bash "$0" "${ARGS[@]}"
fi

T=$(mktemp -d /tmp/xw-bench.XXXXXX) || exit 1
FIGS=$T/figures
FAILED=0

cleanup() {
	local rc=$?
	trap - EXIT
	umount "$T/bpffs" 2>/dev/null
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$T/bpffs" "$T/state" "$T/run" "$T/sets"
mount -t bpf bpf "$T/bpffs" || { echo "bench: cannot mount bpffs at $T/bpffs" >&2; exit 1; }
mkdir -p "$T/bpffs/xdpfilter"
: >"$T/xdpwall.conf"
: >"$FIGS"
export XDPWALL_PIN_ROOT=$T/bpffs/xdpwall
export XDPWALL_STATE_DIR=$T/state
export XDPWALL_RUN_DIR=$T/run
export XDPWALL_CONFIG=$T/xdpwall.conf

fail() {
	echo "bench: $*" >&2
	FAILED=1
}

# figure NAME VALUE: print and keep it
figure() {
	echo "FIGURE $1=$2"
	echo "$1=$2" >>"$FIGS"
}

# run a command whose stdout carries FIGURE lines: show everything, keep the figures
collect() {
	local line rc
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	while IFS= read -r line; do
		echo "$line"
		case $line in FIGURE\ *=*) echo "${line#FIGURE }" >>"$FIGS" ;; esac
	done <"$T/out"
	cat "$T/err" >&2
	return $rc
}

get() { # get NAME: the figure, or "-"
	local v
	v=$(grep -m1 "^$1=" "$FIGS" | cut -d= -f2-)
	echo "${v:--}"
}

ns_now() { date +%s%N; }

# ---- 1. the floor -------------------------------------------------------------
echo "## floor"
collect "$BENCH" floor || fail "floor"

# ---- 2. xdpwall, loaded once, every set committed through fwctl ------------------
"$BENCH" load "$XDPWALL_PIN_ROOT" || { echo "bench: cannot load xdpwall" >&2; exit 1; }

SETS=()
# name rules trace
add_set() {
	if [ -z "$ONLY" ] || [[ $1 =~ $ONLY ]]; then
		SETS+=("$1|$2|$3")
	fi
}

echo "## generating ClassBench-like sets"
gen() { # gen NAME N NHDR SEED
	[ -z "$ONLY" ] || [[ $1 =~ $ONLY ]] || return 0
	"$BENCH" gen "$2" "$3" "$4" "$T/sets/$1.rules" "$T/sets/$1.trace" || fail "gen $1"
	add_set "$1" "$T/sets/$1.rules" "$T/sets/$1.trace"
}
# every generated trace has 10000 headers: the same flows and repeats per set
gen gen_1 1 10000 1
gen gen_1k 1000 10000 2
if [ -z "$QUICK" ]; then
	gen gen_10k 10000 10000 3
	gen gen_100k 100000 10000 4
fi
if [ -n "$CB" ]; then
	for s in acl1_1k fw1_1k ipc1_1k acl1_8k fw1_8k ipc1_8k; do
		[ -n "$QUICK" ] && [ "${s%_8k}" != "$s" ] && continue
		if [ -r "$CB/$s.rules" ] && [ -r "$CB/$s.trace" ]; then
			add_set "$s" "$CB/$s.rules" "$CB/$s.trace"
		else
			fail "$CB/$s.rules or .trace missing"
		fi
	done
fi

# apply NAME FAMILY FILE: time fwctl apply -f (the whole process, as a user runs
# it), three times (each replaces the whole ruleset: a full rebuild); the median
apply() {
	local t0 t1 i s=()
	for i in 1 2 3; do
		t0=$(ns_now)
		if ! "$FWCTL" apply -f "$3" >"$T/apply.out" 2>&1; then
			cat "$T/apply.out" >&2
			fail "fwctl apply -f $1 ($2)"
			return 1
		fi
		t1=$(ns_now)
		s+=("$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e9 }')")
	done
	echo "# $1.$2: fwctl apply -f x3: ${s[*]} s"
	figure "$1.$2.apply_s" "$(printf '%s\n' "${s[@]}" | sort -n | sed -n 2p)"
}

# nft_time NAME FILE: nft -f in a network namespace of its own (unshare -n: it
# goes away with the process, the host's ruleset is never touched)
nft_time() {
	local us
	command -v nft >/dev/null || { echo "# nft not installed: skipped"; return 0; }
	us=$(unshare -n bash -c 's=$(date +%s%N); nft -f "$1" >/dev/null || exit 1; e=$(date +%s%N); echo $(((e - s) / 1000))' _ "$2") ||
		{ fail "nft -f $1"; return 1; }
	figure "$1.nft_s" "$(awk -v d="$us" 'BEGIN { printf "%.3f", d / 1e6 }')"
}

add_rule_time() { # into the set now committed
	local t0 t1 i ms=()
	for i in 1 2 3; do
		t0=$(ns_now)
		"$FWCTL" add-rule saddr 198.51.100.$i daddr 203.0.113.0/24 proto tcp dport 9 drop \
			>/dev/null || { fail "fwctl add-rule into $1"; return 1; }
		t1=$(ns_now)
		ms+=("$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e6 }')")
	done
	echo "# $1: fwctl add-rule x3: ${ms[*]} ms (first, second, third)"
	# the same command checked only (-c): opening the firewall and reading the
	# persisted ruleset, without the commit; the difference is the commit
	t0=$(ns_now)
	"$FWCTL" -c add-rule saddr 198.51.100.9 proto tcp dport 9 drop >/dev/null ||
		fail "fwctl -c add-rule into $1"
	t1=$(ns_now)
	figure "$1.add_rule_check_only_ms" "$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e6 }')"
	figure "$1.add_rule_ms" "${ms[0]}"
	figure "$1.add_rule3_ms" "$(printf '%s\n' "${ms[@]}" | sort -n | tail -1)"
}

for s in "${SETS[@]}"; do
	IFS='|' read -r name rules trace <<<"$s"
	echo "## $name (at ${SECONDS}s)"
	n=$("$BENCH" fwrules "$rules" "$T/$name.v4.fw") || { fail "fwrules $name"; continue; }
	"$BENCH" fwrules "$rules" "$T/$name.v6.fw" v6 >/dev/null || { fail "fwrules v6 $name"; continue; }
	figure "$name.fwctl_rules" "$n"
	if apply "$name" v4 "$T/$name.v4.fw"; then
		# what every later fwctl command reads back first
		figure "$name.v4.state_bytes" "$(cat "$XDPWALL_STATE_DIR"/ruleset "$XDPWALL_STATE_DIR"/delta 2>/dev/null | wc -c)"
		collect "$BENCH" replay "$name.v4" "$trace" "$XDPFILTER_OBJ" "$T/bpffs/xdpfilter" ||
			fail "replay $name v4"
		[ "$name" = gen_100k ] && add_rule_time "$name"
	fi
	if apply "$name" v6 "$T/$name.v6.fw"; then
		collect "$BENCH" replay "$name.v6" "$trace" v6 "$XDPFILTER_OBJ" "$T/bpffs/xdpfilter" ||
			fail "replay $name v6"
	fi
	"$BENCH" nftrules "$rules" "$T/$name.nft" >/dev/null && nft_time "$name" "$T/$name.nft"
	rm -f "$T/$name.v4.fw" "$T/$name.v6.fw" "$T/$name.nft"
done

# ---- 3. ratios, table, targets ------------------------------------------------------
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-") print "n/a"; else print (a <= b ? "PASS" : "MISS") }'; }

echo "## ratios"
for s in "${SETS[@]}"; do
	IFS='|' read -r name rules trace <<<"$s"
	for fam in v4 v6; do
		r=$(div "$(get "$name.$fam.xdpwall_ns")" "$(get "$name.$fam.xdpfilter_ns")")
		figure "$name.$fam.ratio_xdpfilter" "$r"
		r=$(div "$(get "$name.$fam.cold_xdpwall_ns")" "$(get "$name.$fam.cold_xdpfilter_ns")")
		figure "$name.$fam.cold_ratio_xdpfilter" "$r"
		r=$(div "$(get "$name.$fam.nomatch_xdpwall_ns")" "$(get "$name.$fam.nomatch_xdpfilter_ns")")
		figure "$name.$fam.nomatch_ratio_xdpfilter" "$r"
	done
done
for fam in v4 v6; do
	figure "flat_100k_over_1k.$fam" "$(div "$(get "gen_100k.$fam.xdpwall_ns")" "$(get "gen_1k.$fam.xdpwall_ns")")"
	figure "flat_100k_over_1k.cold.$fam" "$(div "$(get "gen_100k.$fam.cold_xdpwall_ns")" "$(get "gen_1k.$fam.cold_xdpwall_ns")")"
	figure "flat_100k_over_1k.nomatch.$fam" \
		"$(div "$(get "gen_100k.$fam.nomatch_xdpwall_ns")" "$(get "gen_1k.$fam.nomatch_xdpwall_ns")")"
done

floor=$(get floor_ns)
echo
echo "Per packet: kernel-measured ns/packet of BPF_PROG_TEST_RUN. 'trace' = every trace header"
echo "run 'repeat' times (about 1M packets per pass over many flows), mean over the headers,"
echo "median of 5 passes; 'miss' = one header that matches no rule, repeat 1M, median of 5."
echo "(A classifier slower than the time budget gets fewer repeats and headers: see SLOW lines.)"
echo "'cold' = every header once (repeat 1) through xdpwall, xdp-filter and the empty program in"
echo "turn, so each finds its cache lines evicted; includes the clock reads around one run:"
echo "compare with c-floor, the empty program measured the same way."
echo "xdp-filter = Debian's xdpfilt_alw_all.o with one 'ip' rule, on the same frames."
echo "Floor (empty XDP_DROP program): $floor ns/packet.  apply = wall time of 'fwctl apply -f',"
echo "median of 3; nft = 'nft -f' of the same rules in one chain, in a new network namespace."
echo "MiB = bpftool memlock of all xdpwall maps (fixed by the capacities, not by the set);"
echo "tree KiB = the part of the tree maps the set fills."
echo
FMT='%-8s %-2s %6s | %9s %7s %6s | %9s %7s %7s %6s | %9s %7s %6s | %6s %6s %5s %8s %7s | %5s\n'
printf "$FMT" set fam rules trace xdpfilt ratio cold xf-cold c-floor ratio miss xf-miss ratio \
	apply_s nft_s MiB tree_KiB leafmax disag
for s in "${SETS[@]}"; do
	IFS='|' read -r name rules trace <<<"$s"
	for fam in v4 v6; do
		p=$name.$fam
		mem=$(get "$p.memlock_bytes")
		[ "$mem" != - ] && mem=$(awk -v b="$mem" 'BEGIN { printf "%.1f", b / 1048576 }')
		tree=$(get "$p.tree_bytes")
		[ "$tree" != - ] && tree=$(awk -v b="$tree" 'BEGIN { printf "%.0f", b / 1024 }')
		nft=-
		[ $fam = v4 ] && nft=$(get "$name.nft_s")
		printf "$FMT" "$name" $fam "$(get "$name.fwctl_rules")" \
			"$(get "$p.xdpwall_ns")" "$(get "$p.xdpfilter_ns")" "$(get "$p.ratio_xdpfilter")" \
			"$(get "$p.cold_xdpwall_ns")" "$(get "$p.cold_xdpfilter_ns")" \
			"$(get "$p.cold_floor_ns")" "$(get "$p.cold_ratio_xdpfilter")" \
			"$(get "$p.nomatch_xdpwall_ns")" "$(get "$p.nomatch_xdpfilter_ns")" \
			"$(get "$p.nomatch_ratio_xdpfilter")" \
			"$(get "$name.$fam.apply_s")" "$nft" "$mem" "$tree" "$(get "$p.tree_leaf_max")" \
			"$(get "$p.disagree")"
	done
done

echo
echo "Targets (informative: a MISS does not fail the run)"
target() { # target LABEL VALUE LIMIT
	printf '  %-50s %10s <= %-6s %s\n' "$1" "$2" "$3" "$(le "$2" "$3")"
	echo "TARGET $(le "$2" "$3") $1 value=$2 limit=$3" >>"$T/targets"
}
: >"$T/targets"
for s in "${SETS[@]}"; do
	IFS='|' read -r name rules trace <<<"$s"
	case $name in gen_*) continue ;; esac
	for fam in v4 v6; do
		target "$name $fam: xdpwall / xdp-filter (trace)" "$(get "$name.$fam.ratio_xdpfilter")" 2.5
		target "$name $fam: xdpwall / xdp-filter (cold)" "$(get "$name.$fam.cold_ratio_xdpfilter")" 2.5
	done
done
target "flat: gen 100k / gen 1k (v4 trace)" "$(get flat_100k_over_1k.v4)" 1.25
target "flat: gen 100k / gen 1k (v6 trace)" "$(get flat_100k_over_1k.v6)" 1.25
target "flat: gen 100k / gen 1k (v4 cold)" "$(get flat_100k_over_1k.cold.v4)" 1.25
target "flat: gen 100k / gen 1k (v6 cold)" "$(get flat_100k_over_1k.cold.v6)" 1.25
target "fwctl apply -f 10k rules (s)" "$(get gen_10k.v4.apply_s)" 0.2
target "fwctl apply -f 100k rules (s)" "$(get gen_100k.v4.apply_s)" 2
target "fwctl add-rule into 100k (ms, first)" "$(get gen_100k.add_rule_ms)" 50
echo "  (add-rule -c, same command without the commit: $(get gen_100k.add_rule_check_only_ms) ms;" \
	"persisted ruleset read by every command: $(get gen_100k.v4.state_bytes) bytes)"
mem=$(get gen_100k.v4.memlock_bytes)
[ "$mem" != - ] && mem=$(awk -v b="$mem" 'BEGIN { printf "%.1f", b / 1048576 }')
target "map memory for 100k rules (MiB)" "$mem" 64
echo "  nft -f for comparison: 10k $(get gen_10k.nft_s) s, 100k $(get gen_100k.nft_s) s"

dis=0
for s in "${SETS[@]}"; do
	IFS='|' read -r name rules trace <<<"$s"
	for fam in v4 v6; do
		d=$(get "$name.$fam.disagree")
		[ "$d" = - ] && continue
		dis=$((dis + d))
	done
done
figure disagreements_total "$dis"
echo
if [ "$dis" -ne 0 ]; then
	echo "CHECK FAILED: $dis verdicts differ from the reference classifier"
	exit 1
fi
echo "CHECK ok: every replayed verdict equals the reference classifier's"
[ $FAILED -eq 0 ] || { echo "bench: some steps failed (see above)"; exit 1; }
exit 0
