#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fwctl without a loaded firewall: usage errors (exit 2), help generated from
# the command table, exit 3 for every command that needs the firewall, rule
# syntax errors (exit 1, checked before the firewall is opened), -j errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fwctl_lib.sh"

[ -x "$FWCTL" ] || xw_fail "$FWCTL not built (make build/fwctl)"
XW_TMP=$(mktemp -d "/tmp/xw-$XW_TEST.XXXXXX")
trap 'rm -rf "$XW_TMP"' EXIT
export XDPWALL_PIN_ROOT=$XW_TMP/no-bpffs/xdpwall
export XDPWALL_STATE_DIR=$XW_TMP/state
export XDPWALL_RUN_DIR=$XW_TMP/run
mkdir -p "$XDPWALL_STATE_DIR" "$XDPWALL_RUN_DIR"

commands="add-rule insert-rule replace-rule del-rule list-rules flush-rules policy apply save status stats help"

# help: generated from the table, every command in it; -h and help agree.
fw_expect 0 help
for c in $commands; do
	grep -q "^  $c " <<<"$FW_OUT" || xw_fail "help does not list $c"
done
help_text=$FW_OUT
fw_expect 0 -h
[ "$FW_OUT" = "$help_text" ] || xw_fail "-h and help differ"
fw_expect 0 --help
fw_expect 0 help add-rule
grep -q "add-rule RULE" <<<"$FW_OUT" || xw_fail "help add-rule: $FW_OUT"
fw_expect 0 -j help
json_assert 'sorted(c["name"] for c in d["commands"]) == sorted("'"$commands"'".split())'
fw_expect 0 --version
grep -q '^fwctl ' <<<"$FW_OUT" || xw_fail "--version: $FW_OUT"
fw_expect 0 -j --version
json_assert 'isinstance(d["version"], str)'

# Usage errors: exit 2, message on stderr, nothing on stdout.
fw_expect 2
fw_expect 2 frobnicate
err_has frobnicate
[ -z "$FW_OUT" ] || xw_fail "usage error printed on stdout: $FW_OUT"
fw_expect 2 add          # no prefix matching
fw_expect 2 list         # no prefix matching
fw_expect 2 ADD-RULE
fw_expect 2 -x list-rules
err_has "-x"
fw_expect 2 --frob list-rules
err_has "--frob"
fw_expect 2 add-rule
fw_expect 2 insert-rule
fw_expect 2 insert-rule before 3
fw_expect 2 replace-rule 3
fw_expect 2 del-rule
fw_expect 2 policy
fw_expect 2 policy accept drop
fw_expect 2 apply
fw_expect 2 apply -f
fw_expect 2 apply rules.txt x
fw_expect 2 apply -g rules.txt
fw_expect 2 list-rules extra
fw_expect 2 flush-rules now
fw_expect 2 status x
fw_expect 2 stats x
fw_expect 2 save a b
fw_expect 2 help nosuch
fw_expect 2 list-rules -j # options go before the command
# -j: the error is also a JSON document on stdout.
fw_expect 2 -j frobnicate
json_assert 'd["status"] == 2 and "frobnicate" in d["error"] and len(d) == 2'
fw_expect 2 -j add-rule
json_assert 'd["status"] == 2'

# Rejected input: exit 1, the message names the bad token; the rule is parsed
# before the firewall is opened, so this holds without pins too.
fw_expect 1 add-rule proto tcp dport 70000 drop
err_has 70000
fw_expect 1 add-rule saddr 10.0.0.0/33 drop
err_has "/33"
fw_expect 1 add-rule saddr 300.1.1.1 drop
err_has 300.1.1.1
fw_expect 1 add-rule bogus drop
err_has bogus
fw_expect 1 add-rule proto tcp dport 22
fw_expect 1 add-rule drop accept
fw_expect 1 add-rule proto icmp sport 22 drop
err_has sport
fw_expect 1 -j add-rule proto tcp dport 2000-1000 drop
json_assert 'd["status"] == 1 and "2000-1000" in d["error"]'
fw_expect 1 policy maybe
err_has maybe
fw_expect 1 replace-rule x1 drop
fw_expect 1 replace-rule 18446744073709551616 drop
fw_expect 1 replace-rule -1 drop
fw_expect 1 insert-rule before 0x10 drop
# A missing file is rejected input (exit 1) whether or not the firewall is loaded.
fw_expect 1 apply -f "$XW_TMP/does-not-exist"
err_has does-not-exist

# Firewall not loaded: exit 3 for every command that needs it.
for args in "list-rules" "add-rule drop" "insert-rule drop" "replace-rule 1 drop" \
	"del-rule 1" "flush-rules" "policy drop" "save" "status" "stats" "-c add-rule drop"; do
	# shellcheck disable=SC2086
	fw_expect 3 $args
	err_has "not loaded"
done
echo "add-rule drop" >"$XW_TMP/one.rules"
fw_expect 3 apply -f "$XW_TMP/one.rules"
fw_expect 3 -j list-rules
json_assert 'd["status"] == 3 and "error" in d'
fw_expect 3 -p status
json_assert 'd["status"] == 3'
grep -q '^  "status": 3' <<<"$FW_OUT" || xw_fail "-p is not indented: $FW_OUT"

xw_pass
