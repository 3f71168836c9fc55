#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test-cli.sh: tests of gwlbctl's command line that need no gwlbtun module:
# help and version, usage errors and their exit code (2), the rejection of
# bad values with a message naming the bad token, and the exit code (3) and
# message when the gwlbtun generic netlink family is not registered. Valid
# command lines are shown to pass parsing by reaching that family lookup.
#
# When gwlbctl-selftest is there (make check builds it) its unit tests run
# too, and its sample JSON output is checked with jq. When fakekernel.so is
# there, every command runs end to end against that stand-in for the module
# (preloaded; it answers as <linux/gwlbtun.h> says the kernel does), and the
# exact output, JSON, requests and error messages are checked.
#
#	GWLBCTL=path/to/gwlbctl GWLBCTL_SELFTEST=path/to/gwlbctl-selftest \
#	GWLBCTL_FAKEKERNEL=path/to/fakekernel.so ./test-cli.sh
#
# Exits non-zero if a test fails; the last line is "N passed, N failed".

set -u

here=$(cd "$(dirname "$0")" && pwd)
GWLBCTL=${GWLBCTL:-$here/gwlbctl}
GWLBCTL_SELFTEST=${GWLBCTL_SELFTEST:-$here/gwlbctl-selftest}
GWLBCTL_FAKEKERNEL=${GWLBCTL_FAKEKERNEL:-$here/fakekernel.so}

NOFAM_MSG='gwlbctl: the gwlbtun generic netlink family is not registered (is the gwlbtun module loaded?)'

passed=0
failed=0
skipped=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() {
	passed=$((passed + 1))
}

fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
}

# run ARGS...: run gwlbctl, leaving $rc, $tmp/out and $tmp/err.
run() {
	"$GWLBCTL" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# expect CODE REGEX ARGS...: gwlbctl ARGS exits with CODE and its stderr
# matches the extended regular expression REGEX (stdout for code 0). Error
# paths must print nothing on stdout; non-zero codes must say something.
expect() {
	local want=$1 pattern=$2 where
	shift 2
	run "$@"
	where=$tmp/err
	[ "$want" -eq 0 ] && where=$tmp/out
	if [ "$rc" -ne "$want" ]; then
		fail "gwlbctl $*: exit $rc, want $want; stderr: $(head -c 300 "$tmp/err")"
	elif ! grep -Eq -- "$pattern" "$where"; then
		fail "gwlbctl $*: output does not match /$pattern/: $(head -c 300 "$where")"
	elif [ "$want" -ne 0 ] && [ -s "$tmp/out" ]; then
		fail "gwlbctl $*: printed on stdout on failure: $(head -c 300 "$tmp/out")"
	else
		pass
	fi
}

# jqcheck EXPR FILE: FILE is valid JSON for which EXPR is true.
jqcheck() {
	if jq -e "$1" "$2" >/dev/null 2>&1; then
		pass
	else
		fail "jq '$1' on $(basename "$2"): $(jq -e "$1" "$2" 2>&1 | head -c 300)"
	fi
}

# usage REGEX ARGS...: a usage error (exit 2) that names the problem and
# points at --help.
usage() {
	local pattern=$1
	shift
	expect 2 "$pattern" "$@"
	if [ "$rc" -eq 2 ]; then
		if grep -q "Try 'gwlbctl --help'" "$tmp/err" &&
		   [ "$(head -n1 "$tmp/err" | cut -c1-9)" = "gwlbctl: " ]; then
			pass
		else
			fail "gwlbctl $*: usage error without the gwlbctl: prefix or the --help hint"
		fi
	fi
}

if [ ! -x "$GWLBCTL" ]; then
	echo "FAIL: $GWLBCTL is not built (run make)"
	echo "0 passed, 1 failed"
	exit 1
fi

# ---- help and version ----

for h in --help -h help; do
	expect 0 '^Usage: gwlbctl ' $h
	for s in 'Exit status' 'external VNI:PORT' 'peers any' 'peers none' \
		 'ttl N\|inherit' 'udpcsum on\|off' 'hooks on\|off' \
		 'mark-mask MASK' '16777215' '65535' 'monitor' 'stats' \
		 'non-ip drop\|reflect' 'udp6-zero-csum-rx on\|off' \
		 'route MTU is below 1550 \(IPv4\) or 1570 \(IPv6\)' \
		 'not-unicast' 'zero-csum, ttl, unfiltered, ecn, stale' \
		 'gwlbctl set gwlb0 external 901:10801 internal 900:10800 peers 10.0.0.5' \
		 '^  3  the gwlbtun generic netlink family'; do
		if grep -Eq -- "$s" "$tmp/out"; then
			pass
		else
			fail "gwlbctl $h does not mention /$s/"
		fi
	done
	if [ -s "$tmp/err" ]; then fail "gwlbctl $h wrote to stderr"; else pass; fi
done
expect 0 '^Usage: gwlbctl ' -j --help
expect 0 '^Usage: gwlbctl ' show --help
expect 0 '^Usage: gwlbctl ' set --help
expect 0 '^gwlbctl [0-9]+\.[0-9]+.*version 1\)$' --version
if [ "$(wc -L <"$tmp/out")" -le 80 ]; then pass; else fail "--version longer than 80 columns"; fi
run --help
if [ "$(wc -L <"$tmp/out")" -le 80 ]; then pass; else fail "--help has lines over 80 columns"; fi

# ---- usage errors ----

usage 'no command given'
usage "unknown command 'frobnicate'" frobnicate
usage "unknown command 'SHOW'" SHOW
usage "unknown option '-x'" -x show
usage "unknown option '--bogus'" --bogus show
usage "unknown option '-z'" -jz show
usage "show: unexpected argument 'gwlb1'" show gwlb0 gwlb1
usage "show: unknown option '-a'" show -a
usage "show: unknown option '--frob'" show --frob
usage "stats: unexpected argument 'gwlb1'" stats gwlb0 gwlb1
usage "stats: unknown option '-x'" stats -x gwlb0
usage "monitor: unexpected argument 'gwlb0'" monitor gwlb0
usage "device name 'abcdefghijklmnop' is too long" show abcdefghijklmnop
usage "device name 'a/b' contains" show a/b
usage "device name 'a b' contains" show 'a b'
usage "device name 'a:1' contains" stats a:1
usage "device name '\.\.' is not a valid" show ..
usage "device name '' is empty" show ''

# set: structure
usage 'set: missing device name' set
usage 'set: nothing to change on gwlb0' set gwlb0
usage "set: device name 'abcdefghijklmnop' is too long" set abcdefghijklmnop ttl 1
usage "set: unknown setting 'colour'" set gwlb0 colour blue
usage "set: unknown setting 'External'" set gwlb0 External 1:2
usage "set: unknown setting 'peer'" set gwlb0 peer 10.0.0.5
usage "set: 'ttl' given twice" set gwlb0 ttl 1 ttl 2
usage "set: 'peers' given twice" set gwlb0 peers any peers none
usage "set: 'external' given twice" set gwlb0 external 1:2 internal 3:4 external 1:2
usage "set: 'external' needs a value: VNI:PORT" set gwlb0 external
usage "set: 'ttl' needs a value: 0..255 or inherit" set gwlb0 ttl
usage "set: 'peers' needs a value" set gwlb0 peers
usage "set: 'hooks' needs a value: on or off" set gwlb0 ttl 1 hooks
usage "set: 'mark-mask' needs a value" set gwlb0 mark-mask ''

# set: tunnels
usage "set: external: expected VNI:PORT, got '901'" set gwlb0 external 901
usage "set: external: expected VNI:PORT, got ':10801'" set gwlb0 external :10801
usage "set: external: expected VNI:PORT, got '901:'" set gwlb0 external 901:
usage "set: internal: expected VNI:PORT, got '1:2:3'" set gwlb0 internal 1:2:3
usage 'set: external: VNI 16777216 is out of range 0\.\.16777215' set gwlb0 external 16777216:10801
usage 'set: external: VNI 99999999999999999999 is out of range' set gwlb0 external 99999999999999999999:1
usage "set: external: VNI '-1' is not a decimal number" set gwlb0 external -1:10801
usage "set: external: VNI '0x10' is not a decimal number" set gwlb0 external 0x10:10801
usage "set: external: VNI ' 1' is not a decimal number" set gwlb0 external ' 1:10801'
usage "set: external: VNI '\+1' is not a decimal number" set gwlb0 external +1:10801
usage 'set: internal: port 0 is out of range 1\.\.65535' set gwlb0 internal 900:0
usage 'set: internal: port 65536 is out of range 1\.\.65535' set gwlb0 internal 900:65536
usage "set: internal: port '10800x' is not a decimal number" set gwlb0 internal 900:10800x
usage "set: internal: port '1e3' is not a decimal number" set gwlb0 internal 900:1e3
usage 'set: external and internal must use different UDP ports \(both are 10800\)' \
	set gwlb0 external 901:10800 internal 900:10800

# set: peers
usage "set: peers: '10\.0\.0\.256' is not an IPv4 or IPv6 address" set gwlb0 peers 10.0.0.256
usage "set: peers: 'gwlb\.example' is not an IPv4 or IPv6 address" set gwlb0 peers 10.0.0.5,gwlb.example
usage "set: peers: '10\.0\.0\.5/32' is not an IPv4 or IPv6 address" set gwlb0 peers 10.0.0.5/32
usage "set: peers: '\[fd00::5\]' is not an IPv4 or IPv6 address" set gwlb0 peers '[fd00::5]'
usage "set: peers: 'fe80::1%eth0' is not an IPv4 or IPv6 address" set gwlb0 peers 'fe80::1%eth0'
usage "set: peers: ' 10\.0\.0\.6' is not an IPv4 or IPv6 address" set gwlb0 peers '10.0.0.5, 10.0.0.6'
usage "set: peers: empty address in '10\.0\.0\.5,,10\.0\.0\.6'" set gwlb0 peers 10.0.0.5,,10.0.0.6
usage "set: peers: empty address in '10\.0\.0\.5,'" set gwlb0 peers 10.0.0.5,
usage "set: peers: 'any' cannot be combined with addresses" set gwlb0 peers 10.0.0.5,any
usage "set: peers: 'none' cannot be combined with addresses" set gwlb0 peers none,10.0.0.5
usage "set: peers: '10\.0\.0\.5' is listed twice" set gwlb0 peers 10.0.0.5,10.0.0.6,10.0.0.5
usage "set: peers: 'fd00:0::5' is listed twice" set gwlb0 peers fd00::5,fd00:0::5
usage "set: peers: '0\.0\.0\.0' is the unspecified address; use 'peers any'" set gwlb0 peers 0.0.0.0
usage "set: peers: '::' is the unspecified address" set gwlb0 peers ::
usage "set: peers: '::ffff:10\.0\.0\.5' is an IPv4-mapped IPv6 address" set gwlb0 peers ::ffff:10.0.0.5
usage "set: peers: 'ANY' is not an IPv4 or IPv6 address" set gwlb0 peers ANY
peers64=$(for i in $(seq 1 64); do printf '10.1.0.%d,' "$i"; done)
peers64=${peers64%,}
usage 'set: peers: too many addresses \(65 given, at most 64\)' set gwlb0 peers "$peers64,fd00::1"
usage 'set: peers: too many addresses \(70 given, at most 64\)' set gwlb0 peers "$peers64,fd00::1,fd00::2,fd00::3,fd00::4,fd00::5,fd00::6"

# set: the other settings
usage 'set: ttl: 256 is out of range 0\.\.255' set gwlb0 ttl 256
usage "set: ttl: expected 0\.\.255 or inherit, got '-1'" set gwlb0 ttl -1
usage "set: ttl: expected 0\.\.255 or inherit, got '0x10'" set gwlb0 ttl 0x10
usage "set: ttl: expected 0\.\.255 or inherit, got 'Inherit'" set gwlb0 ttl Inherit
usage "set: udpcsum: expected on or off, got 'yes'" set gwlb0 udpcsum yes
usage "set: hooks: expected on or off, got '1'" set gwlb0 hooks 1
usage "set: hooks: expected on or off, got 'ON'" set gwlb0 hooks ON
usage 'set: mark-mask: 0x100000000 does not fit in 32 bits' set gwlb0 mark-mask 0x100000000
usage 'set: mark-external: 4294967296 does not fit in 32 bits' set gwlb0 mark-external 4294967296
usage "set: mark-internal: '0x' is not a decimal or 0x hexadecimal number" set gwlb0 mark-internal 0x
usage "set: mark-internal: '0xg' is not a decimal or 0x hexadecimal number" set gwlb0 mark-internal 0xg
usage "set: mark-internal: '-1' is not a decimal or 0x hexadecimal number" set gwlb0 mark-internal -1
usage "set: mark-mask: '1 ' is not a decimal or 0x hexadecimal number" set gwlb0 mark-mask '1 '
usage "set: non-ip: expected drop or reflect, got 'accept'" set gwlb0 non-ip accept
usage "set: non-ip: expected drop or reflect, got 'DROP'" set gwlb0 non-ip DROP
usage "set: non-ip: expected drop or reflect, got '1'" set gwlb0 non-ip 1
usage "set: 'non-ip' needs a value: drop or reflect" set gwlb0 non-ip
usage "set: 'non-ip' given twice" set gwlb0 non-ip drop non-ip reflect
usage "set: unknown setting 'non_ip'" set gwlb0 non_ip drop
usage "set: udp6-zero-csum-rx: expected on or off, got 'yes'" set gwlb0 udp6-zero-csum-rx yes
usage "set: udp6-zero-csum-rx: expected on or off, got '1'" set gwlb0 udp6-zero-csum-rx 1
usage "set: 'udp6-zero-csum-rx' needs a value: on or off" set gwlb0 udp6-zero-csum-rx

# A usage error wins over everything else, module or not.
usage "set: ttl: 256 is out of range" set gwlb0 external 901:10801 internal 900:10800 ttl 256

# ---- the gwlbtun family is not registered ----

if [ -d /sys/module/gwlbtun ]; then
	echo "SKIP: the gwlbtun module is loaded; family-not-found tests skipped"
	skipped=1
else
	nofam() {
		expect 3 "^$(printf '%s' "$NOFAM_MSG" | sed 's/[().?]/\\&/g')\$" "$@"
		if [ "$rc" -eq 3 ] && [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
			fail "gwlbctl $*: more than one line on stderr"
		fi
	}
	nofam show
	nofam show gwlb0
	nofam -j show
	nofam -j -p show gwlb0
	nofam show -j gwlb0
	nofam stats
	nofam stats -a gwlb0
	nofam -a stats
	nofam --json stats --all
	nofam stats -- gwlb0
	nofam monitor
	nofam -j monitor
	# Valid command lines pass parsing and stop at the family lookup.
	nofam set gwlb0 external 901:10801 internal 900:10800 peers 10.0.0.5
	nofam set gwlb0 external 0:1 internal 16777215:65535
	nofam set gwlb0 peers any
	nofam set gwlb0 peers none
	nofam set gwlb0 peers 10.0.0.5,fd00::5,192.168.0.5
	nofam set gwlb0 peers "$peers64"
	nofam set gwlb0 ttl inherit
	nofam set gwlb0 ttl 0
	nofam set gwlb0 ttl 255 udpcsum off hooks off
	nofam set gwlb0 udpcsum on hooks on
	nofam set gwlb0 mark-external 0x1 mark-internal 0X2 mark-mask 0xFFFFFFFF
	nofam set gwlb0 mark-external 4294967295 mark-internal 0 mark-mask 007
	nofam set abcdefghijklmno ttl 1
	nofam set gwlb-0.1_x@ ttl 1
	nofam set gwlb0 non-ip reflect udp6-zero-csum-rx on
	nofam set gwlb0 non-ip drop udp6-zero-csum-rx off
	nofam set gwlb0 ttl 64 peers any external 1:2 internal 1:3 hooks off \
		udpcsum off mark-external 1 mark-internal 2 mark-mask 3 \
		non-ip reflect udp6-zero-csum-rx on
fi

# ---- unit tests and JSON checks (gwlbctl-selftest) ----

if [ -x "$GWLBCTL_SELFTEST" ]; then
	if "$GWLBCTL_SELFTEST" >"$tmp/selftest" 2>&1; then
		pass
	else
		fail "gwlbctl-selftest: $(grep -E 'FAIL|selftest:' "$tmp/selftest")"
	fi
	sed 's/^/    /' "$tmp/selftest"

	if command -v jq >/dev/null; then
		for p in "" -p; do
			"$GWLBCTL_SELFTEST" $p json-show >"$tmp/show.json"
			"$GWLBCTL_SELFTEST" $p json-stats >"$tmp/stats.json"
			jqcheck 'type == "array" and length == 3' "$tmp/show.json"
			jqcheck '.[0] | keys == (["ifname","ifindex","external","internal","peers","peers_any","ttl","udp_csum","nf_hooks","mark_external","mark_internal","mark_mask","non_ip","udp6_zero_csum_rx","drain","peer_route_mtu"] | sort)' "$tmp/show.json"
			jqcheck '.[0] == {"ifname":"gwlb0","ifindex":5,"external":{"vni":901,"port":10801},"internal":{"vni":900,"port":10800},"peers":["192.168.0.5","fd00::5"],"peers_any":false,"ttl":0,"udp_csum":true,"nf_hooks":true,"mark_external":1,"mark_internal":2,"mark_mask":3,"non_ip":"reflect","udp6_zero_csum_rx":true,"drain":false,"peer_route_mtu":{"192.168.0.5":1500,"fd00::5":0}}' "$tmp/show.json"
			jqcheck '.[1].non_ip == "drop" and .[1].udp6_zero_csum_rx == false and .[1].peer_route_mtu == {}' "$tmp/show.json"
			jqcheck '.[2].non_ip == 7' "$tmp/show.json"
			jqcheck '.[1].ifname == "we\"ird\\\n\u0001\ufffd\u00e9"' "$tmp/show.json"
			jqcheck '.[1].external == null and .[1].internal == null and .[1].peers == []' "$tmp/show.json"
			jqcheck '.[2].peers_any == true and .[2].ttl == 64 and .[2].udp_csum == false' "$tmp/show.json"
			jqcheck 'type == "array" and length == 3' "$tmp/stats.json"
			jqcheck '.[0] | keys == (["ifname","ifindex","drain","external","internal","drops"] | sort)' "$tmp/stats.json"
			jqcheck '.[0].external == {"rx_packets":1000001,"rx_bytes":1001000,"tx_packets":1000002,"tx_bytes":1002000}' "$tmp/stats.json"
			jqcheck '.[0].drops | keys == (["malformed","unknown_vni","peer_not_allowed","device_down","netfilter","no_route","too_big","nomem","xmit","not_unicast","zero_csum","ttl","unfiltered","ecn","stale","reason_40"] | sort)' "$tmp/stats.json"
			jqcheck '.[0].drops.unknown_vni == 7 and .[0].drops.peer_not_allowed == 1000000' "$tmp/stats.json"
			jqcheck '.[-1] | keys == ["netns_unmatched"]' "$tmp/stats.json"
			jqcheck '.[-1].netns_unmatched.drops.peer_not_allowed == 4' "$tmp/stats.json"
		done
		jqcheck '.' "$tmp/show.json"
	else
		echo "SKIP: jq not installed; JSON output not checked"
		skipped=1
	fi
	"$GWLBCTL_SELFTEST" show >"$tmp/show.txt"
	for s in '^gwlb0:$' '^  external: vni 901 port 10801$' \
		 '^  internal: vni 900 port 10800$' \
		 '^  peers: 192\.168\.0\.5 \(route mtu 1500\), fd00::5 \(no route\)$' \
		 '^  ttl: inherit   udpcsum: on   hooks: on$' \
		 '^  non-ip: reflect   udp6-zero-csum-rx: on$' \
		 '^  non-ip: drop   udp6-zero-csum-rx: off$' '^  non-ip: 7   ' \
		 '^  marks: external 0x1 internal 0x2 mask 0x3$' \
		 '^  tunnels: not configured$' '^  peers: none \(reflects nothing\)$' \
		 '^  peers: any$' '^  marks: off$' '^  ttl: 64   udpcsum: off   hooks: off$'; do
		if grep -Eq -- "$s" "$tmp/show.txt"; then pass; else fail "sample show lacks /$s/"; fi
	done
	"$GWLBCTL_SELFTEST" stats >"$tmp/stats.txt"
	for s in '^  tunnel    rx packets  rx bytes  tx packets  tx bytes$' \
		 '^  external     1000001   1001000     1000002   1002000$' \
		 '^    peer-not-allowed  1000000$' '^netns unmatched:$' \
		 '^    device-down       0$'; do
		if grep -Eq -- "$s" "$tmp/stats.txt"; then pass; else fail "sample stats lacks /$s/"; fi
	done
	if grep -q 'malformed  *0' <(sed -n '1,/^$/p' "$tmp/stats.txt"); then
		fail "stats without -a lists zero drop counters"
	else
		pass
	fi
else
	echo "SKIP: $GWLBCTL_SELFTEST not built (make check builds it)"
	skipped=1
fi

# ---- end to end, against fakekernel.so ----

# fake [VAR=VALUE...] -- ARGS...: run gwlbctl against the fake kernel.
fake() {
	local envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	env "${envs[@]}" GWLBCTL_FAKE_LOG="$tmp/set.log" \
		LD_PRELOAD="$GWLBCTL_FAKEKERNEL" "$GWLBCTL" "$@" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# same NAME FILE: FILE's content equals stdin.
same() {
	if diff -u - "$2" >"$tmp/diff"; then
		pass
	else
		fail "$1: output differs:"
		cat "$tmp/diff"
	fi
}

# status NAME CODE: the last run exited with CODE.
status() {
	if [ "$rc" -eq "$2" ]; then
		pass
	else
		fail "$1: exit $rc, want $2; stderr: $(head -c 300 "$tmp/err")"
	fi
}

# quiet NAME: the last run printed nothing on stdout.
quiet() {
	if [ -s "$tmp/out" ]; then
		fail "$1: printed on stdout: $(head -c 300 "$tmp/out")"
	else
		pass
	fi
}

if [ -f "$GWLBCTL_FAKEKERNEL" ] && command -v jq >/dev/null; then
	fake -- show
	status "show" 0
	same "show" "$tmp/out" <<'EOF'
gwlb0:
  external: vni 901 port 10801
  internal: vni 900 port 10800
  peers: 10.0.0.5 (route mtu 9000), fd00::5 (route mtu 1570)
  ttl: inherit   udpcsum: on   hooks: on
  non-ip: reflect   udp6-zero-csum-rx: on
  drain: off
  marks: external 0x1 internal 0x2 mask 0x3

gwlb1:
  tunnels: not configured
  peers: none (reflects nothing)
  ttl: inherit   udpcsum: on   hooks: on
  non-ip: drop   udp6-zero-csum-rx: off
  drain: on (gwlbtun-probe answers 503)
  marks: off
EOF
	fake -- show gwlb1
	status "show gwlb1" 0
	same "show gwlb1" "$tmp/out" <<'EOF'
gwlb1:
  tunnels: not configured
  peers: none (reflects nothing)
  ttl: inherit   udpcsum: on   hooks: on
  non-ip: drop   udp6-zero-csum-rx: off
  drain: on (gwlbtun-probe answers 503)
  marks: off
EOF
	fake -- show gwlb9
	status "show gwlb9" 1
	echo 'gwlbctl: gwlb9: no gwlbtun device of that name (No such device)' |
		same "show gwlb9 (stderr)" "$tmp/err"
	quiet "show gwlb9"

	for j in -j "-j -p" "--json --pretty"; do
		# shellcheck disable=SC2086 # $j is one or two options
		fake -- $j show
		status "$j show" 0
		jqcheck 'length == 2 and .[0].ifname == "gwlb0" and .[1].ifname == "gwlb1"' "$tmp/out"
		jqcheck '.[0] == {"ifname":"gwlb0","ifindex":5,"external":{"vni":901,"port":10801},"internal":{"vni":900,"port":10800},"peers":["10.0.0.5","fd00::5"],"peers_any":false,"ttl":0,"udp_csum":true,"nf_hooks":true,"mark_external":1,"mark_internal":2,"mark_mask":3,"non_ip":"reflect","udp6_zero_csum_rx":true,"drain":false,"peer_route_mtu":{"10.0.0.5":9000,"fd00::5":1570}}' "$tmp/out"
		jqcheck '.[1] | .external == null and .internal == null and .peers == [] and .mark_mask == 0' "$tmp/out"
		jqcheck '.[1] | .non_ip == "drop" and .udp6_zero_csum_rx == false and .peer_route_mtu == {}' "$tmp/out"
		jqcheck '.[1].drain == true' "$tmp/out"
	done
	fake -- show -j gwlb0
	jqcheck 'length == 1 and .[0].ifindex == 5' "$tmp/out"
	fake -- -j show gwlb9
	status "-j show gwlb9" 1
	quiet "-j show gwlb9"

	fake -- stats
	status "stats" 0
	same "stats" "$tmp/out" <<'EOF'
gwlb0:
  tunnel    rx packets  rx bytes  tx packets  tx bytes
  external          10      1000           9       900
  internal           9       900          10      1000
  drops:
    unknown-vni  4

gwlb1 (draining):
  tunnel    rx packets  rx bytes  tx packets  tx bytes
  external           0         0           0         0
  internal           0         0           0         0
  drops: none

netns unmatched:
  drops:
    unknown-vni       12
    peer-not-allowed   3
EOF
	fake -- stats -a gwlb0
	status "stats -a gwlb0" 0
	same "stats -a gwlb0" "$tmp/out" <<'EOF'
gwlb0:
  tunnel    rx packets  rx bytes  tx packets  tx bytes
  external          10      1000           9       900
  internal           9       900          10      1000
  drops:
    malformed         0
    unknown-vni       4
    peer-not-allowed  0
    device-down       0
    netfilter         0
    no-route          0
    too-big           0
    nomem             0
    xmit              0
    not-unicast       0
    zero-csum         0
    ttl               0
    unfiltered        0
    ecn               0
    stale             0
EOF
	fake -- -j stats
	status "-j stats" 0
	jqcheck 'length == 3 and .[0].ifname == "gwlb0" and .[1].ifname == "gwlb1"' "$tmp/out"
	jqcheck '.[0].drain == false and .[1].drain == true and (.[2] | has("drain") | not)' "$tmp/out"
	jqcheck '.[0].external == {"rx_packets":10,"rx_bytes":1000,"tx_packets":9,"tx_bytes":900}' "$tmp/out"
	jqcheck '.[0].drops == {"malformed":0,"unknown_vni":4,"peer_not_allowed":0,"device_down":0,"netfilter":0,"no_route":0,"too_big":0,"nomem":0,"xmit":0,"not_unicast":0,"zero_csum":0,"ttl":0,"unfiltered":0,"ecn":0,"stale":0}' "$tmp/out"
	jqcheck '.[2] == {"netns_unmatched":{"drops":{"malformed":0,"unknown_vni":12,"peer_not_allowed":3,"device_down":0,"netfilter":0,"no_route":0,"too_big":0,"nomem":0,"xmit":0,"not_unicast":0,"zero_csum":0,"ttl":0,"unfiltered":0,"ecn":0,"stale":0}}}' "$tmp/out"
	fake -- -j -p stats gwlb1
	jqcheck 'length == 1 and .[0].ifname == "gwlb1" and (.[0] | has("netns_unmatched") | not)' "$tmp/out"

	# set: what reaches the kernel, as the fake decodes it
	rm -f "$tmp/set.log"
	fake -- set gwlb0 external 901:10801 internal 900:10800 peers 10.0.0.5
	status "set (Azure default)" 0
	quiet "set"
	fake -- set gwlb0 peers any
	status "set peers any" 0
	fake -- set gwlb0 peers none
	status "set peers none" 0
	fake -- set gwlb0 peers 10.0.0.5,fd00::5,192.168.0.5
	status "set peers list" 0
	fake -- set gwlb0 ttl inherit udpcsum off hooks on
	status "set ttl udpcsum hooks" 0
	fake -- set gwlb0 ttl 64 mark-external 0x1 mark-internal 2 mark-mask 0xFFFFFFFF
	status "set marks" 0
	fake -- set gwlb1 external 0:1 internal 16777215:65535
	status "set limits" 0
	fake -- set gwlb0 non-ip reflect udp6-zero-csum-rx on
	status "set non-ip udp6-zero-csum-rx" 0
	quiet "set non-ip udp6-zero-csum-rx"
	fake -- set gwlb0 non-ip drop udp6-zero-csum-rx off
	status "set non-ip drop" 0
	same "set requests" "$tmp/set.log" <<'EOF'
SET ifname=gwlb0 external=vni:901,port:10801 internal=vni:900,port:10800 peers=[10.0.0.5] peers_any=0
SET ifname=gwlb0 peers=[] peers_any=1
SET ifname=gwlb0 peers=[] peers_any=0
SET ifname=gwlb0 peers=[10.0.0.5,fd00::5,192.168.0.5] peers_any=0
SET ifname=gwlb0 ttl=0 udp_csum=0 nf_hooks=1
SET ifname=gwlb0 ttl=64 mark_external=0x1 mark_internal=0x2 mark_mask=0xffffffff
SET ifname=gwlb1 external=vni:0,port:1 internal=vni:16777215,port:65535
SET ifname=gwlb0 non_ip=1 udp6_zero_csum_rx=1
SET ifname=gwlb0 non_ip=0 udp6_zero_csum_rx=0
EOF
	# set reads the device back: no warning while the routes are big enough
	if [ -s "$tmp/err" ]; then fail "set with good route MTUs warned: $(cat "$tmp/err")"; else pass; fi
	fake GWLBCTL_FAKE_LOWMTU=1 -- set gwlb0 ttl 1
	status "set, low route MTUs" 0
	quiet "set, low route MTUs"
	same "set, low route MTUs (stderr)" "$tmp/err" <<'EOF'
gwlbctl: gwlb0: warning: the route to 10.0.0.5 has MTU 1549; a 1500-byte inner frame needs 1550 over IPv4
gwlbctl: gwlb0: warning: no route to fd00::5: nothing can be sent back to it
EOF
	fake GWLBCTL_FAKE_LOWMTU=1 -- show gwlb0
	if grep -q '^  peers: 10\.0\.0\.5 (route mtu 1549), fd00::5 (no route)$' "$tmp/out"; then
		pass
	else
		fail "show with low route MTUs: $(cat "$tmp/out")"
	fi
	fake GWLBCTL_FAKE_LOWMTU=1 -- set gwlb1 ttl 1
	status "set, device without peers" 0
	if [ -s "$tmp/err" ]; then fail "set gwlb1 warned: $(cat "$tmp/err")"; else pass; fi

	# set: refusals, with the kernel's extended ack
	fake -- set gwlb0 external 1:10800
	status "set, same ports" 1
	echo 'gwlbctl: gwlb0: external and internal tunnels need different ports (Invalid argument)' |
		same "set, same ports (stderr)" "$tmp/err"
	fake GWLBCTL_FAKE_NOCAP=1 -- set gwlb0 external 1:10800
	status "set, same ports, uncapped ack" 1
	echo 'gwlbctl: gwlb0: external and internal tunnels need different ports (Invalid argument)' |
		same "set, same ports, uncapped ack (stderr)" "$tmp/err"
	fake -- set gwlb1 external 1:2
	status "set, one tunnel" 1
	echo 'gwlbctl: gwlb1: a device needs both tunnels or neither (Invalid argument)' |
		same "set, one tunnel (stderr)" "$tmp/err"
	fake -- set gwlb9 ttl 1
	status "set gwlb9" 1
	echo 'gwlbctl: gwlb9: no gwlbtun device of that name (No such device)' |
		same "set gwlb9 (stderr)" "$tmp/err"
	fake GWLBCTL_FAKE_EPERM=1 -- set gwlb0 ttl 1
	status "set, EPERM" 1
	echo 'gwlbctl: gwlb0: Operation not permitted; this needs CAP_NET_ADMIN' |
		same "set, EPERM (stderr)" "$tmp/err"

	# drain, showconf, setconf
	rm -f "$tmp/set.log"
	fake -- set gwlb0 drain on
	status "set drain on" 0
	quiet "set drain on"
	fake -- set gwlb1 drain off ttl 3
	status "set drain off" 0
	fake -- showconf gwlb0
	status "showconf gwlb0" 0
	cp "$tmp/out" "$tmp/gwlb0.conf"
	same "showconf gwlb0" "$tmp/out" <<'EOF'
# gwlbtun configuration of gwlb0 (gwlbctl showconf; apply with gwlbctl setconf DEV FILE)
external = 901:10801
internal = 900:10800
peers = 10.0.0.5, fd00::5
peers-any = off
ttl = inherit
udpcsum = on
hooks = on
mark-external = 0x1
mark-internal = 0x2
mark-mask = 0x3
non-ip = reflect
udp6-zero-csum-rx = on
drain = off
EOF
	fake -- showconf gwlb1
	status "showconf gwlb1" 0
	cp "$tmp/out" "$tmp/gwlb1.conf"
	same "showconf gwlb1" "$tmp/out" <<'EOF'
# gwlbtun configuration of gwlb1 (gwlbctl showconf; apply with gwlbctl setconf DEV FILE)
# external, internal: not configured
peers = none
peers-any = off
ttl = inherit
udpcsum = on
hooks = on
mark-external = 0x0
mark-internal = 0x0
mark-mask = 0x0
non-ip = drop
udp6-zero-csum-rx = off
drain = on
EOF
	fake -- setconf gwlb0 "$tmp/gwlb0.conf"
	status "setconf gwlb0" 0
	quiet "setconf gwlb0"
	if [ -s "$tmp/err" ]; then fail "setconf gwlb0 warned: $(cat "$tmp/err")"; else pass; fi
	fake -- setconf gwlb1 - <"$tmp/gwlb1.conf"
	status "setconf gwlb1 - (stdin)" 0
	# a short file: what it leaves out is sent at its default
	printf '# only these\n\n  external=1:2 \ninternal = 3:4\npeers = 10.0.0.7 ,fd00::7\t,10.0.0.8\npeers-any = on\n' >"$tmp/short.conf"
	fake -- setconf gwlb1 "$tmp/short.conf"
	status "setconf, short file" 0
	printf 'peers = any\nttl = 9\n' >"$tmp/any.conf"
	fake -- setconf gwlb1 "$tmp/any.conf"
	status "setconf, peers = any" 0
	fake GWLBCTL_FAKE_LOWMTU=1 -- setconf gwlb0 "$tmp/gwlb0.conf"
	status "setconf, low route MTUs" 0
	if [ "$(grep -c warning "$tmp/err")" -eq 2 ]; then pass; else fail "setconf, low route MTUs: $(cat "$tmp/err")"; fi
	same "drain and setconf requests" "$tmp/set.log" <<'EOF'
SET ifname=gwlb0 drain=1
SET ifname=gwlb1 ttl=3 drain=0
SET ifname=gwlb0 external=vni:901,port:10801 internal=vni:900,port:10800 peers=[10.0.0.5,fd00::5] peers_any=0 ttl=0 udp_csum=1 nf_hooks=1 mark_external=0x1 mark_internal=0x2 mark_mask=0x3 non_ip=1 udp6_zero_csum_rx=1 drain=0
SET ifname=gwlb1 peers=[] peers_any=0 ttl=0 udp_csum=1 nf_hooks=1 mark_external=0x0 mark_internal=0x0 mark_mask=0x0 non_ip=0 udp6_zero_csum_rx=0 drain=1
SET ifname=gwlb1 external=vni:1,port:2 internal=vni:3,port:4 peers=[10.0.0.7,fd00::7,10.0.0.8] peers_any=1 ttl=0 udp_csum=1 nf_hooks=1 mark_external=0x0 mark_internal=0x0 mark_mask=0x0 non_ip=0 udp6_zero_csum_rx=0 drain=0
SET ifname=gwlb1 peers=[] peers_any=1 ttl=9 udp_csum=1 nf_hooks=1 mark_external=0x0 mark_internal=0x0 mark_mask=0x0 non_ip=0 udp6_zero_csum_rx=0 drain=0
SET ifname=gwlb0 external=vni:901,port:10801 internal=vni:900,port:10800 peers=[10.0.0.5,fd00::5] peers_any=0 ttl=0 udp_csum=1 nf_hooks=1 mark_external=0x1 mark_internal=0x2 mark_mask=0x3 non_ip=1 udp6_zero_csum_rx=1 drain=0
EOF
	# bad files: nothing is sent, the line is named
	rm -f "$tmp/set.log"
	printf 'external = 1:2\n' >"$tmp/bad1.conf"
	fake -- setconf gwlb1 "$tmp/bad1.conf"
	status "setconf, one tunnel" 1
	echo "gwlbctl: setconf: $tmp/bad1.conf:1: a device has both tunnels or neither: 'external' has no partner" |
		same "setconf, one tunnel (stderr)" "$tmp/err"
	printf 'ttl = 1\nbogus = 1\n' >"$tmp/bad2.conf"
	fake -- setconf gwlb1 "$tmp/bad2.conf"
	status "setconf, unknown key" 1
	echo "gwlbctl: setconf: $tmp/bad2.conf:2: unknown key 'bogus'" |
		same "setconf, unknown key (stderr)" "$tmp/err"
	printf 'ttl = 1\nttl = 2\n' >"$tmp/bad3.conf"
	fake -- setconf gwlb1 "$tmp/bad3.conf"
	status "setconf, key twice" 1
	printf '\n\nttl = 300\n' >"$tmp/bad4.conf"
	fake -- setconf gwlb1 "$tmp/bad4.conf"
	status "setconf, bad value" 1
	if grep -q "bad4.conf:3: in 'ttl = ...'" "$tmp/err"; then pass; else fail "setconf, bad value: $(cat "$tmp/err")"; fi
	printf 'ttl 1\n' >"$tmp/bad5.conf"
	fake -- setconf gwlb1 "$tmp/bad5.conf"
	status "setconf, no =" 1
	printf 'peers-any = yes\n' >"$tmp/bad6.conf"
	fake -- setconf gwlb1 "$tmp/bad6.conf"
	status "setconf, bad peers-any" 1
	fake -- setconf gwlb1 "$tmp/nonexistent.conf"
	status "setconf, no file" 1
	quiet "setconf, no file"
	if [ -e "$tmp/set.log" ]; then fail "bad setconf files reached the kernel: $(cat "$tmp/set.log")"; else pass; fi
	fake -- setconf gwlb9 "$tmp/gwlb0.conf"
	status "setconf gwlb9" 1
	fake -- showconf gwlb9
	status "showconf gwlb9" 1
	quiet "showconf gwlb9"
	fake -- showconf
	status "showconf without DEV" 2
	fake -- setconf gwlb0
	status "setconf without FILE" 2
	fake -- setconf gwlb0 a b
	status "setconf, extra argument" 2

	# a kernel that misbehaves
	fake GWLBCTL_FAKE_MALFORMED=1 -- show
	status "malformed reply" 1
	echo 'gwlbctl: malformed reply from the kernel (GWLBTUN_A_TTL)' |
		same "malformed reply (stderr)" "$tmp/err"
	fake GWLBCTL_FAKE_MALFORMED=1 -- show gwlb0
	echo 'gwlbctl: gwlb0: malformed reply from the kernel (GWLBTUN_A_TTL)' |
		same "malformed reply, DEV (stderr)" "$tmp/err"
	# A dump cut short by a change is tried again, up to 5 times.
	fake GWLBCTL_FAKE_DUMP_INTR=1 -- -j stats
	status "interrupted dump, retried" 0
	jqcheck 'length == 3 and .[0].ifname == "gwlb0" and .[1].ifname == "gwlb1"' "$tmp/out"
	fake GWLBCTL_FAKE_DUMP_INTR=4 -- show
	status "interrupted dump, 4 times" 0
	if [ "$(grep -c '^gwlb' "$tmp/out")" -eq 2 ]; then pass; else fail "show after 4 interrupted dumps: $(cat "$tmp/out")"; fi
	fake GWLBCTL_FAKE_DUMP_INTR=5 -- -j stats
	status "interrupted dump" 1
	echo 'gwlbctl: the devices kept changing during the listing (5 tries); try again' |
		same "interrupted dump (stderr)" "$tmp/err"
	quiet "interrupted dump"
	fake GWLBCTL_FAKE_NOFAMILY=1 -- stats
	status "no family" 3
	echo "$NOFAM_MSG" | same "no family (stderr)" "$tmp/err"

	# monitor: notifications until SIGINT, surviving loss and garbage
	fake -- monitor
	status "monitor" 0
	same "monitor" "$tmp/out" <<'EOF'
gwlb0:
  external: vni 901 port 10801
  internal: vni 900 port 10800
  peers: 10.0.0.5 (route mtu 9000), fd00::5 (route mtu 1570)
  ttl: inherit   udpcsum: on   hooks: on
  non-ip: reflect   udp6-zero-csum-rx: on
  drain: off
  marks: external 0x1 internal 0x2 mask 0x3

gwlb1:
  tunnels: not configured
  peers: none (reflects nothing)
  ttl: inherit   udpcsum: on   hooks: on
  non-ip: drop   udp6-zero-csum-rx: off
  drain: on (gwlbtun-probe answers 503)
  marks: off
EOF
	same "monitor (stderr)" "$tmp/err" <<'EOF'
gwlbctl: monitor: notifications were lost (socket receive buffer overrun)
gwlbctl: monitor: skipped a malformed notification (GWLBTUN_A_MARK_MASK)
EOF
	fake -- -j monitor
	status "-j monitor" 0
	if [ "$(wc -l <"$tmp/out")" -eq 2 ] &&
	   jq -e -s 'length == 2 and .[0].ifname == "gwlb0" and .[1].external == null' \
		"$tmp/out" >/dev/null; then
		pass
	else
		fail "-j monitor: want two JSON objects, one a line: $(cat "$tmp/out")"
	fi
else
	echo "SKIP: $GWLBCTL_FAKEKERNEL not built (make check builds it) or no jq"
	skipped=1
fi

[ "$skipped" -ne 0 ] && echo "(some tests were skipped, see above)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
