# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for test scripts running inside the gwlbtun test VM (scripts/vm/run).
# Source it from a test:
#
#   . "${GWLBTUN_VM_LIB:-$(dirname "$0")/../vm/lib.sh}"
#
# Environment set up by scripts/vm/run:
#   GWLBTUN_VM=1            running inside the test VM
#   GWLBTUN_KO              the module under test (a copy, in /run), if --ko
#   GWLBTUN_KO_HOST         its path on the host
#   GWLBTUN_VM_ARTIFACTS    files put here end up in the host's log directory
#   GWLBTUN_VM_DEBUG=1      on the debug kernel (KASAN, KMEMLEAK, lockdep...)
#   GWLBTUN_VM_SLOWDOWN     how much slower than the stock kernel to expect
#                           (1 there, 4 on the debug kernel): scale time
#                           bounds with vm_ms, never loosen them otherwise
# The guest's / is the host's, read-only; /tmp, /run, /dev/shm are tmpfs and
# /etc, /var, /root are overlays, so write only there. Kernel modules are
# autoloaded on demand (except the module under test), but a test should say
# what it needs with need_modules, so a missing module fails clearly and early.

# log MSG...: a line on the console and in the kernel log (which helps to put
# kernel messages in context)
log() {
	echo "[test] $*"
	if [ -w /dev/kmsg ]; then echo "<7>test: $*" >/dev/kmsg 2>/dev/null || true; fi
}

# die MSG...: fail the test now
die() {
	echo "[test] FAIL: $*" >&2
	exit 1
}

# in_vm: true inside the test VM. Tests refuse to run elsewhere (they change
# the kernel's state), see require_vm.
in_vm() { [ "${GWLBTUN_VM:-}" = 1 ]; }

require_vm() {
	in_vm || die "this test runs inside the test VM: scripts/vm/run -- $0 (or scripts/vmtest)"
}

# need_modules MOD...: modprobe each module (and its dependencies)
need_modules() {
	local m
	for m in "$@"; do
		modprobe "$m" || die "modprobe $m failed"
	done
}

# need_cmds CMD...: fail unless every command is installed (on the host: the
# guest runs the host's binaries)
need_cmds() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || die "$c is not installed on the host"
	done
}

# gwlbtun_load [PARAM=VALUE...]: load the module under test ($GWLBTUN_KO):
# its dependencies (modinfo's depends:) with modprobe, then insmod with the
# given module parameters.
gwlbtun_load() {
	local deps d
	[ -n "${GWLBTUN_KO:-}" ] || die "GWLBTUN_KO is not set (module not built? run scripts/vm/run --ko PATH)"
	[ -f "$GWLBTUN_KO" ] || die "GWLBTUN_KO=$GWLBTUN_KO: no such file"
	deps=$(modinfo -F depends "$GWLBTUN_KO") || die "modinfo $GWLBTUN_KO failed"
	for d in ${deps//,/ }; do
		modprobe "$d" || die "modprobe $d (needed by $GWLBTUN_KO) failed"
	done
	insmod "$GWLBTUN_KO" "$@" || die "insmod $GWLBTUN_KO $* failed"
	log "loaded $(gwlbtun_modname) ${*:-(no parameters)}"
}

# gwlbtun_modname: the kernel's name of the module under test
gwlbtun_modname() {
	local n
	n=$(modinfo -F name "$GWLBTUN_KO" 2>/dev/null) || true
	[ -n "$n" ] || { n=${GWLBTUN_KO##*/}; n=${n%%.ko*}; n=${n//-/_}; }
	echo "$n"
}

# gwlbtun_unload: rmmod the module under test (fails if it is still in use)
gwlbtun_unload() {
	local n
	n=$(gwlbtun_modname)
	rmmod "$n" || die "rmmod $n failed"
	log "unloaded $n"
}

# splat_check: fail now if the kernel log already holds a warning or oops
# (the runner checks at the end anyway; this pins it to a test step)
splat_check() {
	local hits
	hits=$(dmesg | grep -E 'WARNING:|BUG:|Oops|refcount_t|general protection|Call Trace|KASAN|UBSAN|list_(add|del) corruption|unregister_netdevice: waiting for') || true
	[ -z "$hits" ] || die "kernel splat: $(head -n 3 <<<"$hits")"
}

# dmesg_mark: write a unique marker line to the kernel log; dmesg_since
# prints only what was logged after the latest marker. Tests use them to
# read the lines of one step: never clear the kernel log (dmesg -C), the
# runner scans all of it for splats at the end.
_dmesg_seq=0
dmesg_mark() {
	_dmesg_seq=$((_dmesg_seq + 1))
	echo "<6>gwlbtun-test: dmesg mark $$.$_dmesg_seq" >/dev/kmsg || die "cannot write /dev/kmsg"
}
dmesg_since() {
	dmesg | sed -n "/gwlbtun-test: dmesg mark $$\.$_dmesg_seq\$/,\${//!p}"
}

# vm_ms MS: a time bound of MS milliseconds on the stock kernel, scaled by
# $GWLBTUN_VM_SLOWDOWN (the debug kernel is that much slower)
vm_ms() { echo $(($1 * ${GWLBTUN_VM_SLOWDOWN:-1})); }

# vm_tmpdir: a fresh directory on tmpfs (e.g. a cwd for trafgen, which mmaps
# a file in its cwd and fails on the 9p root)
vm_tmpdir() { mktemp -d /tmp/test.XXXXXX; }

# netns_add NAME...: create network namespaces with lo up
netns_add() {
	local n
	for n in "$@"; do
		ip netns add "$n" || die "ip netns add $n failed"
		ip -n "$n" link set lo up
	done
}
