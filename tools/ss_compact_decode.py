#!/usr/bin/env python3
"""Reference decoder of the compact upload codec (docs/upload-protocol.md, "Compact binary codec").

Reads one or more batches, back to back, from each FILE (or standard input for "-" or no FILE)
and prints one JSON object per record, with the members the JSON lines codec writes:

    {"key": "gw-01:app:42:1000:3", "gateway": "gw-01", "boot": 7, "source": "app", "sensor": 42,
     "type": "ts", "channel": "temperature", "unit": "cdegC", "seq": 1000, "value": 2150,
     "time_us": 1733300000000000, "clock": "utc"}

Event records have "ts_ms" instead of "time_us" and "clock".

Examples:
    ss_compact_decode.py batch.bin
    curl -s http://receiver/last | ss_compact_decode.py -

Exit status: 0 every batch decoded; 1 malformed input (the reason and the offset on stderr;
records of the batches before it were printed); 2 bad usage.
Python 3 standard library only.
"""

import json
import sys

MAGIC = b"SB"
VERSION = 1
SOURCES = ("host", "app", "can")
TS, EVT = 1, 2
MAX_RECORDS = 65536
MAX_GATEWAY_BYTES = 64
MAX_NAME_BYTES = 255
MAX_SEQ = (1 << 56) - 1
UTC_FLAG = 1 << 63
GATEWAY_CHARS = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    """CRC32C (Castagnoli), reflected, initial and final value 0xFFFFFFFF."""
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


class Malformed(Exception):
    pass


class Reader:
    def __init__(self, data, pos):
        self.data = data
        self.pos = pos

    def byte(self):
        if self.pos >= len(self.data):
            raise Malformed("truncated")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def varint(self, bits=64):
        """Unsigned LEB128 in its shortest form, at most `bits` bits."""
        value = 0
        for shift in range(0, 64, 7):
            b = self.byte()
            if shift == 63 and b > 1:
                raise Malformed("varint longer than 64 bits")
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                if b == 0 and shift != 0:
                    raise Malformed("varint not in its shortest form")
                if value >> bits:
                    raise Malformed("varint wider than %d bits" % bits)
                return value
        raise Malformed("varint longer than 64 bits")

    def text(self, max_bytes):
        n = self.varint()
        if n > max_bytes or n > len(self.data) - self.pos:
            raise Malformed("text length %d out of range" % n)
        raw = self.data[self.pos:self.pos + n]
        self.pos += n
        if any(c < 0x20 or c == 0x7F for c in raw):
            raise Malformed("control character in a name")
        return raw


def unzigzag(z):
    return (z >> 1) ^ -(z & 1)


def decode_batch(data, pos):
    """Decodes the batch at data[pos:]; returns (records as dicts, position after it)."""
    start = pos
    r = Reader(data, pos)
    if bytes([r.byte(), r.byte()]) != MAGIC:
        raise Malformed("bad magic")
    if r.byte() != VERSION:
        raise Malformed("unknown version")
    flags = r.byte()
    if flags & 0x70:
        raise Malformed("reserved flag bits set")
    rtype, source, utc = flags & 3, (flags >> 2) & 3, bool(flags & 0x80)
    if rtype not in (TS, EVT) or source >= len(SOURCES):
        raise Malformed("bad record type or source")
    boot = r.varint(32)
    sensor = r.varint(32)
    first_seq = r.varint()
    count = r.varint(32)
    first_time = r.varint(63)
    period = r.varint(32)
    gateway = r.text(MAX_GATEWAY_BYTES)
    channel = r.text(MAX_NAME_BYTES)
    unit = r.text(MAX_NAME_BYTES)
    if not gateway or any(c not in GATEWAY_CHARS for c in gateway):
        raise Malformed("bad gateway name")
    if not channel:
        raise Malformed("empty channel name")
    if not 1 <= count <= MAX_RECORDS or first_seq + count - 1 > MAX_SEQ:
        raise Malformed("count or sequence range out of bounds")
    if rtype == EVT and (utc or first_time or period):
        raise Malformed("event batch with a time base")
    if rtype == TS and (utc or first_time) and first_time + (count - 1) * period >= UTC_FLAG:
        raise Malformed("time base runs past 2^63")

    values = []
    v = 0
    for _ in range(count):
        v = (v + unzigzag(r.varint(32))) & 0xFFFFFFFF
        values.append(v)
    times_ms = []
    if rtype == EVT:
        t = 0
        for _ in range(count):
            t = (t + unzigzag(r.varint())) & 0xFFFFFFFFFFFFFFFF
            times_ms.append(t)
    body_end = r.pos
    if len(data) - body_end < 4:
        raise Malformed("truncated before the CRC")
    crc = int.from_bytes(data[body_end:body_end + 4], "little")
    if crc != crc32c(data[start:body_end]):
        raise Malformed("CRC32C mismatch")

    gw, ch, un = (gateway.decode("ascii"), channel.decode("utf-8", "replace"), unit.decode("utf-8", "replace"))
    src = SOURCES[source]
    key = "%s:%s:%d:%d:%d" % (gw, src, sensor, first_seq, count)
    records = []
    for i in range(count):
        rec = {"key": key, "gateway": gw, "boot": boot, "source": src, "sensor": sensor,
               "type": "ts" if rtype == TS else "evt", "channel": ch, "unit": un,
               "seq": first_seq + i, "value": values[i]}
        if rtype == TS:
            # A time-series record's time: first time + i * period; unknown (null) when the batch
            # has no first time, or no period past record 0 (ss::sector::record_time).
            known = (utc or first_time != 0) and (i == 0 or period != 0)
            rec["time_us"] = first_time + i * period if known else None
            rec["clock"] = ("utc" if utc else "mono") if known else None
        else:
            rec["ts_ms"] = times_ms[i]
        records.append(rec)
    return records, body_end + 4


def decode_stream(data, out):
    pos = 0
    while pos < len(data):
        try:
            records, after = decode_batch(data, pos)
        except Malformed as e:
            raise Malformed("%s (batch at offset %d)" % (e, pos))
        for rec in records:
            out.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
        pos = after


def main(argv):
    args = argv[1:]
    if any(a in ("-h", "--help") for a in args):
        print(__doc__.strip())
        return 0
    if any(a.startswith("-") and a != "-" for a in args):
        print("usage: ss_compact_decode.py [FILE|-]...", file=sys.stderr)
        return 2
    for name in args or ["-"]:
        try:
            if name == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(name, "rb") as f:
                    data = f.read()
        except OSError as e:
            print("ss_compact_decode: %s" % e, file=sys.stderr)
            return 2
        try:
            decode_stream(data, sys.stdout)
        except Malformed as e:
            print("ss_compact_decode: %s: %s" % (name, e), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
