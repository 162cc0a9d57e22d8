#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Connection loop for the nlb selftests: every INTERVAL seconds opens a new
short TCP connection to DST:PORT from the next flow of FLOWS (a file of
"SRC SPORT" lines, used in a cycle: each attempt binds exactly that source
address and port), reads the server's "node ID" line, and prints one line
per attempt when it ends (so not in start order):

    START END SRC SPORT ID

START and END are time.monotonic() (CLOCK_MONOTONIC) at the start of the
attempt and when it ended; ID is the answering node, "-" when the
connection failed or did not answer within TIMEOUT seconds (a TIMEOUT
above 1 s lets the kernel retransmit a lost SYN once), "bind" when the
source port was still in use.  Runs until SIGTERM or SIGINT, or for
DURATION seconds; then starts nothing more, waits for the attempts in
flight, and exits.  --ready FILE is created once the first attempt has
started."""
import argparse
import asyncio
import signal
import socket
import sys
import time


async def attempt(loop, src, sport, dst, port, timeout):
    start = time.monotonic()
    node = "-"
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setblocking(False)
        try:
            s.bind((src, sport))
        except OSError:
            node = "bind"
            raise
        data = b""

        async def talk():
            nonlocal data
            await loop.sock_connect(s, (dst, port))
            while not data.endswith(b"\n"):
                chunk = await loop.sock_recv(s, 64)
                if not chunk:
                    break
                data += chunk

        await asyncio.wait_for(talk(), timeout)
        words = data.decode().split()
        if len(words) == 2 and words[0] == "node":
            node = words[1]
    except (OSError, asyncio.TimeoutError, UnicodeDecodeError):
        pass
    finally:
        s.close()
    end = time.monotonic()
    sys.stdout.write(f"{start:.6f} {end:.6f} {src} {sport} {node}\n")
    sys.stdout.flush()


async def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--flows", required=True, help='file of "SRC SPORT" lines')
    ap.add_argument("--interval", type=float, default=0.01)
    ap.add_argument("--timeout", type=float, default=2.5)
    ap.add_argument("--duration", type=float, default=0)
    ap.add_argument("--ready", help="file to create once running")
    args = ap.parse_args()
    flows = []
    with open(args.flows) as f:
        for line in f:
            w = line.split()
            if len(w) >= 2:
                flows.append((w[0], int(w[1])))
    if not flows:
        sys.exit("connloop: no flows")

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.duration:
        loop.call_later(args.duration, stop.set)

    tasks = set()
    i = 0
    nxt = time.monotonic()
    while not stop.is_set():
        src, sport = flows[i % len(flows)]
        i += 1
        t = asyncio.ensure_future(attempt(loop, src, sport, args.dst,
                                          args.port, args.timeout))
        tasks.add(t)
        t.add_done_callback(tasks.discard)
        if i == 1 and args.ready:
            open(args.ready, "w").close()
        nxt += args.interval
        delay = nxt - time.monotonic()
        if delay < -args.interval:
            # Fell behind (a slow guest): keep the pace, do not burst.
            nxt = time.monotonic()
            delay = 0
        try:
            await asyncio.wait_for(stop.wait(), max(delay, 0))
        except asyncio.TimeoutError:
            pass
    if tasks:
        await asyncio.gather(*tasks)


asyncio.run(main())
