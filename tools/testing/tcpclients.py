#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Test client for the nlb selftests: opens COUNT ordinary TCP connections to
DST:PORT, spread over the given source addresses (PARALLEL at a time), reads
the server's "node ID" line from each, and prints one line per connection,
in order:
    SRC SPORT ID        (ID is "-" when the connection failed)
A connection that has not answered within TIMEOUT seconds counts as failed,
so the whole run is bounded by about COUNT / PARALLEL * TIMEOUT."""
import argparse
import socket
from concurrent.futures import ThreadPoolExecutor


def one(src, dst, port, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    sport = s.getsockname()[1]
    node = "-"
    try:
        s.connect((dst, port))
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(64)
            if not chunk:
                break
            data += chunk
        words = data.decode().split()
        if len(words) == 2 and words[0] == "node":
            node = words[1]
    except (OSError, UnicodeDecodeError):
        pass
    finally:
        s.close()
    return f"{src} {sport} {node}"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--src", action="append", required=True)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--parallel", type=int, default=20)
    args = ap.parse_args()
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        futs = [pool.submit(one, args.src[i % len(args.src)], args.dst,
                            args.port, args.timeout)
                for i in range(args.count)]
        for f in futs:
            print(f.result(), flush=True)


main()
