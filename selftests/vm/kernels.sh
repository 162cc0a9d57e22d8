# SPDX-License-Identifier: GPL-2.0
#
# Sourced by selftests/vm/run and tools/testing/check: which installed
# kernel a name means.

# nlb_kernel_resolve SPEC: the newest /boot/vmlinuz-* version that SPEC
# names: a version or a prefix of one ending at a non-digit (6.1 is not
# 6.12), "nlbdbg" for the debug kernel, "" for the newest Debian 6.1.  The
# debug kernel only when asked for by name.  Fails when none is installed.
nlb_kernel_resolve() {
	local pat v
	case $1 in
	"") pat='6\.1\.[0-9]+-[0-9]+-amd64' ;;
	*nlbdbg*) pat='.*nlbdbg' ;;
	*) pat="$(printf '%s' "$1" | sed 's/[.+]/\\&/g')([^0-9]|\$)" ;;
	esac
	v=$(ls /boot | sed -n 's/^vmlinuz-//p' | grep -E "^$pat" |
		{ case $1 in *nlbdbg*) cat ;; *) grep -v nlbdbg ;; esac; } |
		sort -V | tail -n 1)
	[ -n "$v" ] && echo "$v"
}
