#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Test client for the nlb selftests: opens COUNT ordinary TCP connections to
DST:PORT, spread over the given source addresses (PARALLEL at a time), reads
the server's "node ID" line from each, and prints one line per connection,
in order:
    SRC SPORT ID        (ID is "-" when the connection failed)
A connection that has not answered within TIMEOUT seconds counts as failed,
so the whole run is bounded by about COUNT / PARALLEL * TIMEOUT.
With --sport, every connection uses that source port, one after another:
each reuses the addresses and ports of the one before, which the client
ended with a reset (SO_LINGER 0) so as to leave no TIME_WAIT on them."""
import argparse
import socket
import struct
from concurrent.futures import ThreadPoolExecutor


def one(src, dst, port, timeout, sport=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, sport))
    fixed, sport = sport != 0, s.getsockname()[1]
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
        if fixed:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
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
    ap.add_argument("--sport", type=int, default=0)
    args = ap.parse_args()
    if args.sport:
        for i in range(args.count):
            print(one(args.src[i % len(args.src)], args.dst, args.port,
                      args.timeout, args.sport), flush=True)
        return
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        futs = [pool.submit(one, args.src[i % len(args.src)], args.dst,
                            args.port, args.timeout)
                for i in range(args.count)]
        for f in futs:
            print(f.result(), flush=True)


main()
