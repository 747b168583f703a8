#!/usr/bin/env python3
"""The gateway's end of the MCU uplink, as a test peer for the uplink firmware image.

Listens on a free TCP port the kernel picks, starts QEMU with the image's USART2 connected to it,
and plays the gateway of docs/uplink-protocol.md ("Receiver") byte by byte: frames cut at 0x00,
COBS and CRC32C checked, each DATA payload of the session handed up once and in order, a NAK for
the first frame past a gap, an ACK only once a batch is durable (a fixed delay after it
arrived). Each payload is decoded with the reference compact decoder (tools/ss_compact_decode.py)
and every record checked against the firmware's signal (record_signal.hpp): per sensor each
sequence number arrives, and a record arriving again (a resend) must be identical.

Faults, from a seeded generator, on both directions of the byte stream: bytes dropped, a bit
flipped, bytes duplicated. With --restart-after N the gateway restarts once after the N-th
delivery, before making that batch durable: it forgets its state and takes a new boot value, so
the MCU must send that batch (and any others not yet acknowledged) again.

Passes (exit 0) when QEMU exits 0 (the firmware saw every record acknowledged and erased), every
record of every sensor arrived with its value and time, and the faults and the restart actually
happened. Python 3 standard library only.

Usage: uplink_peer.py QEMU IMAGE [--seed S] [--fault-rate P] [--restart-after N]
"""

import argparse
import os
import random
import select
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools"))
import ss_compact_decode as compact  # noqa: E402  (the repository's reference decoder)

SENSORS = 4
RECORDS_PER_SENSOR = 1024
FIRST_TIME_US = 1_000_000
PERIOD_US = 1000
DURABLE_DELAY_S = 0.002
MAX_PAYLOAD = 320

DATA, ACK, NAK = 1, 2, 3
HEADER_BYTES = 16


def record_value(sensor, seq):
    """record_signal.hpp's record_value."""
    return (1000 * sensor + (seq * seq) % 4096) & 0xFFFFFFFF


def cobs_encode(data):
    out = bytearray()
    run = bytearray()
    for b in data:
        if b == 0:
            out.append(len(run) + 1)
            out += run
            run = bytearray()
        else:
            run.append(b)
            if len(run) == 254:
                out.append(0xFF)
                out += run
                run = bytearray()
    out.append(len(run) + 1)
    out += run
    return bytes(out)


def cobs_decode(data):
    """The frame's bytes, or None if the stuffing is wrong."""
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i]
        if code == 0 or i + code > len(data):
            return None
        out += data[i + 1:i + code]
        i += code
        if code != 0xFF and i < len(data):
            out.append(0)
    return bytes(out) if out else None


def encode_frame(ftype, session, seq, aux, payload=b""):
    raw = bytes([1, ftype]) + session.to_bytes(4, "little") + seq.to_bytes(4, "little") + \
        aux.to_bytes(4, "little") + len(payload).to_bytes(2, "little") + payload
    raw += compact.crc32c(raw).to_bytes(4, "little")
    return cobs_encode(raw) + b"\x00"


def decode_frame(stuffed):
    """(type, session, seq, aux, payload), or a string naming why the frame is refused."""
    raw = cobs_decode(stuffed)
    if raw is None or len(raw) < HEADER_BYTES + 4:
        return "malformed"
    if raw[0] != 1 or raw[1] not in (DATA, ACK, NAK):
        return "malformed"
    length = int.from_bytes(raw[14:16], "little")
    if len(raw) != HEADER_BYTES + length + 4 or (raw[1] == DATA) != (length > 0):
        return "malformed"
    if compact.crc32c(raw[:-4]) != int.from_bytes(raw[-4:], "little"):
        return "crc"
    return (raw[1], int.from_bytes(raw[2:6], "little"), int.from_bytes(raw[6:10], "little"),
            int.from_bytes(raw[10:14], "little"), raw[HEADER_BYTES:-4])


class Receiver:
    """docs/uplink-protocol.md, "Receiver": delivery in order per session, NAK per gap, ACK on
    durability only."""

    def __init__(self, boot):
        self.boot = boot
        self.buffer = bytearray()
        self.resyncing = False
        self.session = None
        self.expected = 0
        self.durable_next = 0
        self.ack_due = False
        self.nak_due = False
        self.gap_reported = False
        self.counters = dict(delivered=0, duplicates=0, out_of_order=0, crc=0, malformed=0,
                             session_changes=0, acks=0, naks=0)

    def push(self, data):
        """Yields (session, seq, payload) for each payload handed up."""
        max_frame = len(cobs_encode(bytes(HEADER_BYTES + MAX_PAYLOAD + 4)))
        for b in data:
            if b != 0:
                if not self.resyncing:
                    self.buffer.append(b)
                    if len(self.buffer) > max_frame:
                        self.resyncing = True
                        self.buffer.clear()
                continue
            stuffed, self.buffer, resynced = bytes(self.buffer), bytearray(), self.resyncing
            self.resyncing = False
            if not stuffed or resynced:
                continue
            f = decode_frame(stuffed)
            if isinstance(f, str):
                self.counters[f] += 1
                continue
            if f[0] != DATA:
                self.counters["malformed"] += 1
                continue
            delivered = self.on_data(*f[1:])
            if delivered:
                yield delivered

    def on_data(self, session, seq, base, payload):
        if session != self.session:
            if base > seq or seq == 0xFFFFFFFF:
                self.counters["malformed"] += 1
                return None
            if self.session is not None:
                self.counters["session_changes"] += 1
            self.session, self.expected, self.durable_next = session, base, base
            self.gap_reported = False
        elif base > self.expected:
            # Taken from a frame sent before an earlier run's ACK moved the sender's base: the
            # sender never resends below its base, so the session goes on from there.
            self.expected, self.durable_next = base, base
            self.nak_due = self.gap_reported = False
        if seq == self.expected:
            self.expected += 1
            self.gap_reported = False
            self.counters["delivered"] += 1
            return session, seq, payload
        if seq > self.expected:
            self.counters["out_of_order"] += 1
            if not self.gap_reported:
                self.nak_due = self.gap_reported = True
            return None
        self.counters["duplicates"] += 1
        if seq < self.durable_next:
            self.ack_due = True
        return None

    def mark_durable(self, session, seq):
        if session == self.session and seq + 1 > self.durable_next:
            self.durable_next = seq + 1
            self.ack_due = True

    def pull(self):
        out = b""
        if self.nak_due:
            out += encode_frame(NAK, self.session, self.expected, self.boot)
            self.nak_due = False
            self.counters["naks"] += 1
        if self.ack_due:
            out += encode_frame(ACK, self.session, self.durable_next, self.boot)
            self.ack_due = False
            self.counters["acks"] += 1
        return out


class LineFaults:
    """Drops, flips and duplicates bytes of one direction at `rate` each, per byte."""

    def __init__(self, rng, rate):
        self.rng, self.rate = rng, rate
        self.counts = dict(dropped=0, flipped=0, duplicated=0)

    def apply(self, data):
        out = bytearray()
        for b in data:
            r = self.rng.random()
            if r < self.rate:
                self.counts["dropped"] += 1
                continue
            if r < 2 * self.rate:
                self.counts["flipped"] += 1
                b ^= 1 << self.rng.randrange(8)
            out.append(b)
            if r >= 2 * self.rate and r < 3 * self.rate:
                self.counts["duplicated"] += 1
                out.append(b)
        return bytes(out)


class Records:
    """What the gateway holds per sensor, after dedupe by sequence number."""

    def __init__(self):
        self.next_seq = [0] * SENSORS
        self.resent_records = 0
        self.errors = []

    def take(self, payload):
        try:
            records, end = compact.decode_batch(payload, 0)
        except compact.Malformed as e:
            self.errors.append("payload does not decode: %s" % e)
            return
        if end != len(payload):
            self.errors.append("payload longer than its batch")
        for rec in records:
            sensor, seq = rec["sensor"], rec["seq"]
            if sensor >= SENSORS:
                self.errors.append("record of an unknown sensor: %r" % rec)
                continue
            if rec["value"] != record_value(sensor, seq) or rec["time_us"] != FIRST_TIME_US + seq * PERIOD_US \
                    or rec["channel"] != "ch%d" % sensor:
                self.errors.append("wrong record: %r" % rec)
            if seq < self.next_seq[sensor]:
                self.resent_records += 1
            elif seq == self.next_seq[sensor]:
                self.next_seq[sensor] += 1
            else:
                self.errors.append("sensor %d: seq %d arrived, %d expected (records lost)"
                                   % (sensor, seq, self.next_seq[sensor]))
                self.next_seq[sensor] = seq + 1


def free_listener():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("qemu")
    ap.add_argument("image")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fault-rate", type=float, default=0.0)
    ap.add_argument("--restart-after", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=50.0)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    listener = free_listener()
    port = listener.getsockname()[1]
    qemu = subprocess.Popen(
        [args.qemu, "-M", "netduinoplus2", "-icount", "shift=2", "-nographic", "-monitor", "none",
         "-serial", "null", "-serial", "tcp:127.0.0.1:%d" % port,
         "-semihosting-config", "enable=on,target=native", "-kernel", args.image],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    console = []

    def echo():
        for line in qemu.stdout:
            text = line.decode(errors="replace")
            console.append(text)
            sys.stdout.write(text)
    echo_thread = threading.Thread(target=echo)
    echo_thread.start()

    listener.settimeout(10)
    conn, _ = listener.accept()
    conn.setblocking(False)
    receiver = Receiver(boot=rng.getrandbits(32))
    to_gateway, to_mcu = LineFaults(rng, args.fault_rate), LineFaults(rng, args.fault_rate)
    records = Records()
    durable_queue = []  # (due time, session, seq)
    deliveries = 0
    restarts = 0
    started = time.monotonic()
    line_bytes = 0
    while True:
        if time.monotonic() - started > args.timeout:
            records.errors.append("timed out after %.0f s" % args.timeout)
            qemu.kill()
            break
        ready, _, _ = select.select([conn], [], [], 0.001)
        if ready:
            try:
                data = conn.recv(4096)
            except ConnectionResetError:
                data = b""
            if not data:
                break
            line_bytes += len(data)
            for session, seq, payload in receiver.push(to_gateway.apply(data)):
                records.take(payload)
                deliveries += 1
                if deliveries == args.restart_after:
                    # The gateway dies before this batch is durable: a new boot, nothing kept.
                    receiver = Receiver(boot=(receiver.boot + 1) & 0xFFFFFFFF)
                    durable_queue.clear()
                    restarts += 1
                    break
                durable_queue.append((time.monotonic() + DURABLE_DELAY_S, session, seq))
        now = time.monotonic()
        while durable_queue and durable_queue[0][0] <= now:
            _, session, seq = durable_queue.pop(0)
            receiver.mark_durable(session, seq)
        out = receiver.pull()
        if out:
            try:
                conn.sendall(to_mcu.apply(out))
            except (BrokenPipeError, ConnectionResetError):
                break
    status = qemu.wait()
    echo_thread.join()
    elapsed = time.monotonic() - started

    print("peer: seed %d, fault rate %g per byte and direction, %.2f s" % (args.seed, args.fault_rate, elapsed))
    print("peer: bytes from the MCU %d; faults MCU->gateway %r, gateway->MCU %r"
          % (line_bytes, to_gateway.counts, to_mcu.counts))
    print("peer: receiver (since the last restart) %r; deliveries %d; restarts %d; records resent %d"
          % (receiver.counters, deliveries, restarts, records.resent_records))
    failures = list(records.errors)
    if status != 0:
        failures.append("the firmware exited with status %d" % status)
    for sensor in range(SENSORS):
        if records.next_seq[sensor] != RECORDS_PER_SENSOR:
            failures.append("sensor %d: %d of %d records arrived" % (sensor, records.next_seq[sensor], RECORDS_PER_SENSOR))
    if args.fault_rate > 0 and sum(to_gateway.counts.values()) + sum(to_mcu.counts.values()) == 0:
        failures.append("no fault was injected")
    if args.restart_after:
        if restarts != 1:
            failures.append("the gateway did not restart")
        if records.resent_records == 0:
            failures.append("nothing was sent again after the gateway restart")
        seen = [line.split("=")[1].strip() for line in console if line.strip().startswith("gateway restarts seen =")]
        if seen in ([], ["0"]):
            failures.append("the firmware did not see the gateway restart")
    for f in failures[:20]:
        print("peer FAIL: " + f)
    if len(failures) > 20:
        print("peer: %d more failures" % (len(failures) - 20))
    print("peer: " + ("all checks passed" if not failures else "FAILED"))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
