#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""UDP flows for the nlb selftests (against echoserver.py --udp-port).

For each "SRC SPORT" line of FLOWS, a UDP socket bound to exactly SRC:SPORT
and connected to DST:PORT sends a datagram "SEQ" every PERIOD ms; the
answers are "node ID SEQ".  --ready FILE is written (atomically) once every
flow has had an answer, or after 10 s: one line "SRC SPORT NODE" per flow,
NODE being the first node that answered ("-" if none did).  Runs until
SIGTERM or SIGINT, or for DURATION seconds, then waits one more second for
late answers and prints one JSON object per flow:

  {"src","sport","sent","answered","runs"}

runs being the answering nodes in order, as [[NODE, COUNT], ...]: a flow
that kept its node has exactly one run."""
import argparse
import asyncio
import json
import os
import signal
import sys
import time


class Flow(asyncio.DatagramProtocol):
    def __init__(self, src, sport):
        self.src = src
        self.sport = sport
        self.sent = 0
        self.answered = 0
        self.runs = []
        self.transport = None
        self.got = asyncio.Event()

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        w = data.decode(errors="replace").split()
        if len(w) != 3 or w[0] != "node":
            return
        self.answered += 1
        if self.runs and self.runs[-1][0] == w[1]:
            self.runs[-1][1] += 1
        else:
            self.runs.append([w[1], 1])
        self.got.set()

    def error_received(self, exc):
        pass

    def send(self):
        self.sent += 1
        self.transport.sendto(b"%d" % self.sent)


async def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--flows", required=True, help='file of "SRC SPORT" lines')
    ap.add_argument("--period", type=float, default=100, help="ms")
    ap.add_argument("--duration", type=float, default=0)
    ap.add_argument("--ready")
    args = ap.parse_args()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.duration:
        loop.call_later(args.duration, stop.set)

    flows = []
    with open(args.flows) as f:
        for line in f:
            w = line.split()
            if len(w) >= 2:
                fl = Flow(w[0], int(w[1]))
                await loop.create_datagram_endpoint(
                    lambda fl=fl: fl, local_addr=(fl.src, fl.sport),
                    remote_addr=(args.dst, args.port))
                flows.append(fl)

    async def ready():
        try:
            await asyncio.wait_for(
                asyncio.gather(*(fl.got.wait() for fl in flows)), 10)
        except asyncio.TimeoutError:
            pass
        if args.ready:
            with open(args.ready + ".tmp", "w") as f:
                for fl in flows:
                    node = fl.runs[0][0] if fl.runs else "-"
                    f.write(f"{fl.src} {fl.sport} {node}\n")
            os.rename(args.ready + ".tmp", args.ready)

    rd = asyncio.ensure_future(ready())
    period = args.period / 1000.0
    nxt = time.monotonic()
    while not stop.is_set():
        for fl in flows:
            fl.send()
        nxt += period
        delay = nxt - time.monotonic()
        if delay < 0:
            nxt = time.monotonic()
            delay = 0
        try:
            await asyncio.wait_for(stop.wait(), delay)
        except asyncio.TimeoutError:
            pass
    await asyncio.sleep(1)
    rd.cancel()
    for fl in flows:
        sys.stdout.write(json.dumps({"src": fl.src, "sport": fl.sport,
                                     "sent": fl.sent,
                                     "answered": fl.answered,
                                     "runs": fl.runs}) + "\n")
        fl.transport.close()


asyncio.run(main())
