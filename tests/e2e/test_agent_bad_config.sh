#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad configuration files stop the agent before it touches anything: exit 1
# with a message naming the file and line (unknown key, unknown section, bad
# value, syntax error) or the file and reason (unreadable, missing). Usage
# errors exit 2. Nothing gets pinned.
. "$(dirname "$0")/lib.sh"
xw_init "$@"
conf=$XW_TMP/bad.conf

# expect_bad TEXT MESSAGE: the agent rejects a file holding TEXT with MESSAGE.
expect_bad() {
	printf '%b' "$1" >"$conf"
	"$XDPWALLD" --foreground -c "$conf" </dev/null >/dev/null 2>"$XW_TMP/err"
	rc=$?
	[ $rc -eq 1 ] || xw_fail "'$1': exit $rc, expected 1"
	grep -qF -- "$2" "$XW_TMP/err" || xw_fail "'$1': expected \"$2\", got: $(cat "$XW_TMP/err")"
	[ "$(wc -l <"$XW_TMP/err")" -eq 1 ] || xw_fail "'$1': expected one line, got: $(cat "$XW_TMP/err")"
}
expect_bad '[agent]\nmode = auto\nflavour = vanilla\n' "$conf:3: unknown key 'flavour' in [agent]"
expect_bad '[agent]\n# comment\nmode = fastest\n' "$conf:3: bad value 'fastest' for 'mode'"
expect_bad '[agent]\nlog_level = loud\n' "$conf:2: bad value 'loud' for 'log_level'"
expect_bad '[agent]\npin_root = relative/dir\n' "$conf:2: bad value 'relative/dir' for 'pin_root'"
expect_bad '[agent]\ninterfaces = eth0 this-name-is-too-long\n' "$conf:2: bad interface 'this-name-is-too-long'"
expect_bad '[agent]\n\n[daemon]\nmode = auto\n' "$conf:3: unknown section [daemon]"
expect_bad '\n\n[agent]\nmode auto\n' "$conf:4: syntax error"
expect_bad '[agent]\nmode = auto\nmode = native\n' "$conf:3: 'mode' is set twice"

# Unreadable: a directory, a missing file named by -c or by XDPWALL_CONFIG.
"$XDPWALLD" --foreground -c "$XW_TMP" </dev/null >/dev/null 2>"$XW_TMP/err"
[ $? -eq 1 ] || xw_fail "a directory as config: exit status"
grep -q "cannot read $XW_TMP" "$XW_TMP/err" || xw_fail "directory: $(cat "$XW_TMP/err")"
"$XDPWALLD" --foreground -c "$XW_TMP/nope.conf" </dev/null >/dev/null 2>"$XW_TMP/err"
[ $? -eq 1 ] || xw_fail "missing -c file: exit status"
grep -q "cannot read $XW_TMP/nope.conf: No such file or directory" "$XW_TMP/err" || xw_fail "missing: $(cat "$XW_TMP/err")"
XDPWALL_CONFIG=$XW_TMP/nope.conf "$XDPWALLD" --foreground </dev/null >/dev/null 2>"$XW_TMP/err"
[ $? -eq 1 ] || xw_fail "missing XDPWALL_CONFIG file: exit status"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	printf '[agent]\n' >"$conf"
	chmod 000 "$conf"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$XDPWALLD" --foreground -c "$conf" \
		</dev/null >/dev/null 2>"$XW_TMP/err"
	[ $? -eq 1 ] || xw_fail "unreadable file: exit status"
	grep -q "cannot read $conf: Permission denied" "$XW_TMP/err" || xw_fail "unreadable: $(cat "$XW_TMP/err")"
	chmod 600 "$conf"
fi

# Usage errors: exit 2.
for args in "--fore" "--mode fast" "-i" "stray" "--pin-root relative"; do
	# shellcheck disable=SC2086
	"$XDPWALLD" $args </dev/null >/dev/null 2>"$XW_TMP/err"
	rc=$?
	[ $rc -eq 2 ] || xw_fail "xdpwalld $args: exit $rc, expected 2"
done
"$XDPWALLD" --help | grep -q -- "--detach" || xw_fail "--help"

[ -e "$XDPWALL_PIN_ROOT" ] && xw_fail "a rejected start created $XDPWALL_PIN_ROOT"
xw_pass
