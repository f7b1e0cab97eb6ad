# SPDX-License-Identifier: MIT
# Helpers of the fwctl end-to-end tests (test_fwctl_*.sh); source after lib.sh.
#
#   fw_expect 0 add-rule proto tcp dport 22 drop   # runs fwctl, checks its status
#   json_assert 'd["rules"][0]["handle"] == 1'    # Python expression over $FW_OUT
#
# JSON is checked with python3 (d is the parsed document, out the raw text).

# fw_run ARGS...: run fwctl; sets FW_OUT (stdout), FW_ERR (stderr), FW_RC.
fw_run() {
	local errf=${XW_TMP:-/tmp}/fwctl.err
	FW_OUT=$("$FWCTL" "$@" 2>"$errf")
	FW_RC=$?
	FW_ERR=$(cat "$errf")
}

# fw_expect STATUS ARGS...: run fwctl and fail the test unless it exits STATUS.
fw_expect() {
	local want=$1
	shift
	fw_run "$@"
	[ "$FW_RC" -eq "$want" ] ||
		xw_fail "fwctl $*: exit $FW_RC, expected $want; stderr: ${FW_ERR:0:300}; stdout: ${FW_OUT:0:300}"
}

# fw_in STATUS FILE ARGS...: like fw_expect, with stdin from FILE.
fw_in() {
	local want=$1 in=$2 errf=${XW_TMP:-/tmp}/fwctl.err
	shift 2
	FW_OUT=$("$FWCTL" "$@" <"$in" 2>"$errf")
	FW_RC=$?
	FW_ERR=$(cat "$errf")
	[ "$FW_RC" -eq "$want" ] ||
		xw_fail "fwctl $* <$in: exit $FW_RC, expected $want; stderr: ${FW_ERR:0:300}"
}

# json_assert EXPR [WHAT]: EXPR (Python, over d = json.loads($FW_OUT)) must hold.
json_assert() {
	printf '%s' "$FW_OUT" | python3 -c '
import json, sys
out = sys.stdin.read()
try:
    d = json.loads(out)
except ValueError as e:
    print("not JSON (%s): %.300s" % (e, out), file=sys.stderr)
    sys.exit(1)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" ||
		xw_fail "${2:-JSON check} failed: $1 on: ${FW_OUT:0:400}"
}

# json_get EXPR: print the value of EXPR over d = json.loads($FW_OUT).
json_get() {
	printf '%s' "$FW_OUT" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (dict, list, bool)) else v)' "$1"
}

# err_has TEXT: the last fwctl's stderr names TEXT (the bad token).
err_has() {
	case $FW_ERR in
	*"$1"*) ;;
	*) xw_fail "error message does not name '$1': $FW_ERR" ;;
	esac
}

# fw_snapshot NAME: save output, list-rules (handles, rules, policy, generation)
# and the persisted state files, into $XW_TMP/snap.NAME.*
fw_snapshot() {
	"$FWCTL" save >"$XW_TMP/snap.$1.save" || xw_fail "save failed"
	"$FWCTL" -j list-rules | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["policy"], d["generation"])
for r in d["rules"]:
    print(r["handle"], r["rule"])' >"$XW_TMP/snap.$1.list" || xw_fail "list-rules failed"
	(cd "$XDPWALL_STATE_DIR" && find . -type f | sort | xargs -r sha256sum) \
		>"$XW_TMP/snap.$1.state"
}

# fw_same_snapshot A B: nothing changed between the two snapshots.
fw_same_snapshot() {
	local k
	for k in save list state; do
		cmp -s "$XW_TMP/snap.$1.$k" "$XW_TMP/snap.$2.$k" ||
			xw_fail "$k changed between $1 and $2: $(diff "$XW_TMP/snap.$1.$k" "$XW_TMP/snap.$2.$k" | head -5)"
	done
}

# gen_rules N [FIRST]: N distinct add-rule lines on stdout.
gen_rules() {
	awk -v n="$1" -v first="${2:-0}" 'BEGIN {
		for (i = first; i < first + n; i++)
			printf "add-rule saddr 10.%d.%d.%d/32 proto tcp dport %d %s\n",
				int(i / 65536) % 256, int(i / 256) % 256, i % 256, 1 + i % 65535,
				(i % 2) ? "accept" : "drop"
	}'
}

# fw_time VAR CMD...: run CMD, store its wall time in seconds in VAR; returns
# CMD's status.
fw_time() {
	local _var=$1 _t0 _t1 _rc
	shift
	_t0=$(date +%s%N)
	"$@"
	_rc=$?
	_t1=$(date +%s%N)
	printf -v "$_var" '%d.%03d' $(((_t1 - _t0) / 1000000000)) $((((_t1 - _t0) / 1000000) % 1000))
	return $_rc
}

# fw_agent: start the agent with no interfaces (it loads and pins the program).
fw_agent() {
	xw_agent_start - "$@" || xw_fail "agent did not start: $(tail -n 20 "$AGENT_LOG")"
}
