#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Test client for the nlb selftests: opens COUNT ordinary TCP connections to
DST:PORT, spread over the given source addresses, reads the server's
"node ID" line from each, and prints one line per connection:
    SRC SPORT ID        (ID is "-" when the connection failed)"""
import argparse
import socket


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--src", action="append", required=True)
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()
    for i in range(args.count):
        src = args.src[i % len(args.src)]
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(args.timeout)
        s.bind((src, 0))
        sport = s.getsockname()[1]
        node = "-"
        try:
            s.connect((args.dst, args.port))
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(64)
                if not chunk:
                    break
                data += chunk
            words = data.decode().split()
            if len(words) == 2 and words[0] == "node":
                node = words[1]
        except OSError:
            pass
        finally:
            s.close()
        print(f"{src} {sport} {node}", flush=True)


main()
