#!/usr/bin/env python3
"""ss_receiver: a reference upload receiver that keeps every record exactly once.

It is what docs/upload-protocol.md asks of a receiver, in a form small enough to read: batches
arrive by HTTP POST or PUT (any path) as JSON lines (application/x-ndjson) or in the compact
codec (application/vnd.sensor-storage.compact); every record is stored in SQLite under its
identity (gateway, source, sensor, seq) with "insert if absent", so a batch sent again after a
gateway crash adds nothing; the transaction is committed before the 204 answer, so an
acknowledged batch is durable. A body that does not parse gets 400 (the gateway quarantines it),
another content type 415. A body with Content-Encoding gzip is decoded first (one that does not
decode gets 400); any other coding (zstd among them: not in the standard library) gets 415.

Usage: ss_receiver.py [--port N] [--address A] [--db FILE] [--port-file FILE] [--report SECONDS]
  --port 0 (the default) takes a free port; the port is printed ("listening on A:N") and written
  to --port-file if given. --db defaults to ss_receiver.sqlite in the working directory.
  GET /stats answers {"requests":..,"batches":..,"records":..,"duplicates":..} (records stored,
  duplicate records dropped). A line with the same counts is printed every --report seconds
  (default 1; 0 = never). Stops on SIGTERM or SIGINT.

Python 3 standard library only.
"""

import gzip
import http.server
import json
import os
import signal
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ss_compact_decode  # noqa: E402  (the compact codec's reference decoder, beside this file)

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    gateway TEXT NOT NULL, source TEXT NOT NULL, sensor INTEGER NOT NULL, seq INTEGER NOT NULL,
    boot INTEGER, type TEXT, channel TEXT, unit TEXT, value INTEGER,
    time_us INTEGER, clock TEXT, ts_ms INTEGER,
    PRIMARY KEY (gateway, source, sensor, seq)
) WITHOUT ROWID;
"""


class BadBody(Exception):
    pass


def parse_json_lines(body):
    records = []
    for number, line in enumerate(body.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            for name in ("gateway", "source", "sensor", "seq", "value"):
                rec[name]
        except (ValueError, KeyError, TypeError) as e:
            raise BadBody("line %d: %s" % (number, e))
        records.append(rec)
    return records


def parse_compact(body):
    records = []
    pos = 0
    try:
        while pos < len(body):
            batch, pos = ss_compact_decode.decode_batch(body, pos)
            records.extend(batch)
    except ss_compact_decode.Malformed as e:
        raise BadBody(str(e))
    return records


PARSERS = {
    "application/x-ndjson": parse_json_lines,
    "application/vnd.sensor-storage.compact": parse_compact,
}


class Store:
    def __init__(self, path):
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # committed = on disk before the answer
        self.db.executescript(SCHEMA)
        self.lock = threading.Lock()
        self.requests = 0
        self.batches = 0
        self.duplicates = 0
        self.records = self.db.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def keep(self, records, batches):
        """Stores the records absent so far, durably; returns how many were new."""
        rows = [(r["gateway"], r["source"], r["sensor"], r["seq"], r.get("boot"), r.get("type"), r.get("channel"),
                 r.get("unit"), r["value"], r.get("time_us"), r.get("clock"), r.get("ts_ms")) for r in records]
        with self.lock:
            before = self.db.total_changes
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR IGNORE INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            self.db.execute("COMMIT")
            new = self.db.total_changes - before
            self.records += new
            self.duplicates += len(rows) - new
            self.batches += batches
            return new

    def stats(self):
        with self.lock:
            return {"requests": self.requests, "batches": self.batches, "records": self.records,
                    "duplicates": self.duplicates}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the gateway's transport expects

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body=b"", content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/stats":
            return self.answer(404, b"only /stats\n")
        self.answer(200, json.dumps(self.server.store.stats()).encode(), "application/json")

    def upload(self):
        store = self.server.store
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with store.lock:
            store.requests += 1
        kind = self.headers.get("Content-Type", "").split(";")[0].strip()
        parse = PARSERS.get(kind)
        if parse is None:
            return self.answer(415, b"JSON lines or the compact codec\n")
        coding = self.headers.get("Content-Encoding", "identity").strip().lower()
        if coding not in ("identity", "gzip"):
            return self.answer(415, b"Content-Encoding gzip or none\n")
        try:
            if coding == "gzip":
                body = gzip.decompress(body)
        except (OSError, EOFError, gzip.zlib.error) as e:
            return self.answer(400, ("gzip: %s\n" % e).encode())
        try:
            records = parse(body)
        except BadBody as e:
            return self.answer(400, (str(e) + "\n").encode())
        keys = [k.strip() for k in self.headers.get("Idempotency-Key", "").split(",") if k.strip()]
        store.keep(records, max(1, len(keys)))
        self.answer(204)

    do_POST = upload
    do_PUT = upload


def main(argv):
    args = {"--port": "0", "--address": "127.0.0.1", "--db": "ss_receiver.sqlite", "--port-file": "", "--report": "1"}
    rest = argv[1:]
    if any(a in ("-h", "--help") for a in rest):
        print(__doc__.strip())
        return 0
    while rest:
        if rest[0] not in args or len(rest) < 2:
            print("usage: ss_receiver.py [--port N] [--address A] [--db FILE] [--port-file FILE] [--report S]",
                  file=sys.stderr)
            return 2
        args[rest[0]] = rest[1]
        rest = rest[2:]
    server = http.server.ThreadingHTTPServer((args["--address"], int(args["--port"])), Handler)
    server.daemon_threads = True
    server.store = Store(args["--db"])
    host, port = server.server_address[:2]
    print("ss_receiver: listening on %s:%d, records in %s" % (host, port, args["--db"]), flush=True)
    if args["--port-file"]:
        with open(args["--port-file"] + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(args["--port-file"] + ".tmp", args["--port-file"])

    def stop(*_):
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    period = float(args["--report"])
    if period > 0:
        def report():
            last = None
            while True:
                time.sleep(period)
                s = server.store.stats()
                if s != last:
                    print("ss_receiver: %(requests)d requests, %(batches)d batches, %(records)d records stored, "
                          "%(duplicates)d duplicates dropped" % s, flush=True)
                    last = s
        threading.Thread(target=report, daemon=True).start()
    server.serve_forever()
    s = server.store.stats()
    print("ss_receiver: stopped; %(records)d records stored, %(duplicates)d duplicates dropped" % s, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
