#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The tiny version of the guest benchmarks, as a selftest: run by
# selftests/run-all in the 6.1 guest of `make check` (tools/testing/check
# adds it there), it prints TAP: ok when each benchmark ran and produced a
# well-formed result.  Never fails for being slow.  See Documentation/bench.md.
exec python3 "$(dirname "$0")/guest.py" --tiny --tap
