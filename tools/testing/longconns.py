#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Long-lived TCP connections for the nlb selftests (against echoserver.py).

Opens COUNT connections to DST:PORT, spread over the --src addresses
(round robin, ephemeral source ports, PARALLEL connects at a time), reads
each one's greeting "node ID", then on every connection sends a line "SEQ"
every PERIOD ms (the next one only once the previous one is answered, so an
overloaded guest slows the pace instead of queueing) and checks the answer
"node ID SEQ".  Per connection it records:

  node      the node that greeted it
  sent, answered
  stalls    messages not answered within STALL seconds (one per message,
            however long it waits)
  wrong     answers from another node or with another SEQ (never, unless
            two nodes serve one connection)
  max_ms    the slowest answer
  error     "" while healthy; "reset", "eof", "connect", "timeout", "error"
            when the connection broke (then it is not used any more)
  pending_ms  at the end, how long the last message has waited (0: none)

Once every connection is up (or failed), --ready FILE is written, one line
"SRC SPORT NODE" per connection that is up (NODE "-" for those that are
not), atomically (written aside, then renamed).

SIGUSR1: close the connections gradually, one by one in the order they
were opened, over CLOSE_OVER seconds (each closes with a FIN after its
message in flight is answered, or STALL seconds), then print the summary
and exit.  SIGTERM or SIGINT, or DURATION seconds: stop at once, print the
summary and exit (status 0 either way).  The summary is one JSON object per
connection on stdout:

  {"src","sport","node","sent","answered","stalls","wrong","max_ms",
   "pending_ms","error","closed"}

and a line of totals on stderr."""
import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sys
import time


# Set when stopping: the connections' loops end (not only by cancellation,
# which asyncio.wait_for can swallow).
STOPPING = False


class Conn:
    def __init__(self, idx, src):
        self.idx = idx
        self.src = src
        self.sport = 0
        self.node = "-"
        self.sent = 0
        self.answered = 0
        self.stalls = 0
        self.wrong = 0
        self.max_ms = 0.0
        self.error = ""
        self.closed = False
        self.pending_since = None
        self.reader = None
        self.writer = None
        self.close_req = None
        self.detail = ""

    def summary(self, now):
        pending = 0.0
        if self.pending_since is not None:
            pending = (now - self.pending_since) * 1000
        return {"src": self.src, "sport": self.sport, "node": self.node,
                "sent": self.sent, "answered": self.answered,
                "stalls": self.stalls, "wrong": self.wrong,
                "max_ms": int(self.max_ms), "pending_ms": int(pending),
                "error": self.error, "detail": self.detail,
                "closed": self.closed}


def err_name(e):
    if isinstance(e, ConnectionResetError):
        return "reset"
    if isinstance(e, (asyncio.IncompleteReadError, EOFError)):
        return "eof"
    if isinstance(e, asyncio.TimeoutError):
        return "timeout"
    return "error"


async def connect(c, args, sem):
    async with sem:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setblocking(False)
            s.bind((c.src, 0))
            c.sport = s.getsockname()[1]
            await asyncio.wait_for(
                asyncio.get_running_loop().sock_connect(s, (args.dst, args.port)),
                args.connect_timeout)
            c.reader, c.writer = await asyncio.open_connection(sock=s)
            line = await asyncio.wait_for(c.reader.readline(),
                                          args.connect_timeout)
            words = line.decode().split()
            if len(words) != 2 or words[0] != "node":
                raise EOFError
            c.node = words[1]
        except (OSError, asyncio.TimeoutError, EOFError, UnicodeDecodeError) as e:
            c.error = "connect"
            c.detail = repr(e)
            c.node = "-"
            if c.writer:
                c.writer.close()
            else:
                s.close()
            c.reader = c.writer = None


async def talk(c, args):
    """Exchange a message every PERIOD until broken or asked to close."""
    period = args.period / 1000.0
    # Spread the connections over the period.
    await asyncio.sleep(random.random() * period)
    nxt = time.monotonic()
    try:
        while not c.close_req.is_set() and not STOPPING:
            c.sent += 1
            seq = c.sent
            t = time.monotonic()
            c.pending_since = t
            c.writer.write(b"%d\n" % seq)
            stalled = False
            while not STOPPING:
                try:
                    line = await asyncio.wait_for(c.reader.readline(),
                                                  args.stall)
                    break
                except asyncio.TimeoutError:
                    if not stalled:
                        stalled = True
                        c.stalls += 1
            if STOPPING:
                return
            now = time.monotonic()
            if not line:
                raise EOFError
            c.pending_since = None
            c.answered += 1
            c.max_ms = max(c.max_ms, (now - t) * 1000)
            words = line.decode(errors="replace").split()
            if words != ["node", c.node, str(seq)]:
                c.wrong += 1
            nxt += period
            delay = nxt - now
            if delay < 0:
                nxt = now
                delay = 0
            try:
                await asyncio.wait_for(c.close_req.wait(), delay)
            except asyncio.TimeoutError:
                pass
        if STOPPING:
            return
        c.writer.close()
        c.closed = True
    except asyncio.CancelledError:
        raise
    except Exception as e:  # noqa: BLE001 - any failure is recorded
        if STOPPING:
            return
        c.error = err_name(e)
        c.detail = repr(e)
        if c.writer:
            c.writer.close()


async def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--src", action="append", required=True)
    ap.add_argument("--period", type=float, default=50, help="ms")
    ap.add_argument("--stall", type=float, default=2.0, help="s")
    ap.add_argument("--connect-timeout", type=float, default=20.0)
    ap.add_argument("--parallel", type=int, default=20)
    ap.add_argument("--close-over", type=float, default=5.0)
    ap.add_argument("--duration", type=float, default=0)
    ap.add_argument("--ready", help="file of the connections, once up")
    args = ap.parse_args()

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    drain = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, drain.set)
    if args.duration:
        loop.call_later(args.duration, stop.set)

    conns = [Conn(i, args.src[i % len(args.src)]) for i in range(args.count)]
    sem = asyncio.Semaphore(args.parallel)
    await asyncio.gather(*(connect(c, args, sem) for c in conns))
    if args.ready:
        with open(args.ready + ".tmp", "w") as f:
            for c in conns:
                f.write(f"{c.src} {c.sport} {c.node}\n")
        os.rename(args.ready + ".tmp", args.ready)

    tasks = []
    for c in conns:
        c.close_req = asyncio.Event()
        if not c.error:
            tasks.append(asyncio.ensure_future(talk(c, args)))

    async def closer():
        await drain.wait()
        live = [c for c in conns if not c.error]
        step = args.close_over / max(len(live), 1)
        for c in live:
            c.close_req.set()
            await asyncio.sleep(step)
        await asyncio.gather(*tasks, return_exceptions=True)
        stop.set()

    cl = asyncio.ensure_future(closer())
    await stop.wait()
    global STOPPING
    STOPPING = True
    cl.cancel()
    while True:
        live = [t for t in tasks if not t.done()]
        if not live:
            break
        for t in live:
            t.cancel()
        await asyncio.wait(live, timeout=0.5)
    now = time.monotonic()
    tot = {"conns": len(conns), "up": 0, "sent": 0, "answered": 0,
           "stalls": 0, "wrong": 0, "errors": 0, "max_ms": 0}
    for c in conns:
        s = c.summary(now)
        sys.stdout.write(json.dumps(s) + "\n")
        tot["up"] += c.node != "-"
        tot["sent"] += c.sent
        tot["answered"] += c.answered
        tot["stalls"] += c.stalls
        tot["wrong"] += c.wrong
        tot["errors"] += bool(c.error)
        tot["max_ms"] = max(tot["max_ms"], int(c.max_ms))
        if c.writer and not c.closed:
            c.writer.transport.abort()
    sys.stdout.flush()
    sys.stderr.write("longconns: " + json.dumps(tot) + "\n")


asyncio.run(main())
