#!/usr/bin/env python3
"""A stand-in for ss-gatewayd's serial uplink source, to debug the end-to-end harness's plumbing.

NOT the test: mcu_uplink_e2e.py runs the real daemon by default; this runs only with
`--gateway-cmd standin`. It opens the tty the daemon would (raw, non-blocking, stale input
discarded), plays the gateway's end of docs/uplink-protocol.md with uplink_peer.py's Python
Receiver (stm32/apps/uplink/), decodes each delivered batch with tools/ss_compact_decode.py,
POSTs its records as JSON lines to the receiver under (gateway, 'app', id_base + sensor, seq),
and acknowledges the batch only once the POST was answered 2xx (the records are durable at the
receiver). A new boot value at every start. Stops on SIGTERM (exit 0).

Usage: gateway_standin.py --device /dev/pts/N --url http://127.0.0.1:P/ingest --gateway NAME
                          [--id-base 1000] [--delay 0.002] [--fault none|lose-batch|wrong-value]
Python 3 standard library only.
"""

import argparse
import json
import os
import random
import select
import signal
import sys
import termios
import time
import tty
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(ROOT, "stm32", "apps", "uplink"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import ss_compact_decode as compact  # noqa: E402
from uplink_peer import Receiver  # noqa: E402


def post(url, lines):
    body = ("\n".join(json.dumps(line, separators=(",", ":")) for line in lines) + "\n").encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/x-ndjson"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return 200 <= r.status < 300


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--id-base", type=int, default=1000)
    ap.add_argument("--delay", type=float, default=0.002, help="seconds from POSTed to acknowledged")
    ap.add_argument("--fault", choices=("none", "lose-batch", "wrong-value"), default="none",
                    help="a deliberate bug, to see the harness fail: the 10th batch delivered is acknowledged "
                         "without being posted, or posted with one value changed")
    args = ap.parse_args()

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    fd = os.open(args.device, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    tty.setraw(fd)
    termios.tcflush(fd, termios.TCIFLUSH)  # bytes of an earlier run: the sender resends them
    boot = random.SystemRandom().getrandbits(32)
    receiver = Receiver(boot=boot)
    print("standin: %s open, boot %d" % (args.device, boot), flush=True)
    due = []  # (time, session, seq)
    out = b""
    batches = 0
    while not stopping:
        try:
            ready, _, _ = select.select([fd], [fd] if out else [], [], 0.002)
        except InterruptedError:
            continue
        if fd in ready:
            try:
                data = os.read(fd, 4096)
            except BlockingIOError:
                data = b""
            for session, seq, payload in receiver.push(data):
                records, _ = compact.decode_batch(payload, 0)
                lines = [{"gateway": args.gateway, "boot": boot, "source": "app",
                          "sensor": args.id_base + r["sensor"], "type": "ts", "channel": r["channel"],
                          "seq": r["seq"], "value": r["value"]} for r in records]
                if batches + 1 == 10 and args.fault == "wrong-value":
                    lines[0]["value"] = (lines[0]["value"] + 1) & 0xFFFFFFFF
                if batches + 1 == 10 and args.fault == "lose-batch":
                    lines = []
                if not lines or post(args.url, lines):
                    batches += 1
                    due.append((time.monotonic() + args.delay, session, seq))
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, session, seq = due.pop(0)
            receiver.mark_durable(session, seq)
        out += receiver.pull()
        if out:
            try:
                out = out[os.write(fd, out):]
            except BlockingIOError:
                pass
    print("standin: stopped after %d batches; %r" % (batches, receiver.counters), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
