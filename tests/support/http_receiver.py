#!/usr/bin/env python3
"""An HTTP(S) receiver for the uploader's tests: what a cloud ingestion endpoint does, on loopback.

It accepts POST and PUT on any path of the upload port (plain HTTP, or TLS with --tls-cert and
--tls-key), records every request, keeps each accepted body, and drops duplicates by their
Idempotency-Key: a batch counts once however often it is acknowledged. A test scripts what the
next requests get (429 with Retry-After, 503, 413, 400, a reset connection, a slow answer) by a
fault script given at start (--faults) or sent to the control port.

A body sent with Content-Encoding gzip or zstd is decoded before it is kept (identity or no
header: as is); one that does not decode gets 400, and any other coding 415 Unsupported Media
Type, as a server that does not take it answers. zstd needs python3-zstandard (Debian), imported
when the first zstd body arrives; without it zstd bodies get 415 too, and the log says why.

Files in --directory:
  requests.jsonl   one JSON object per request, written before its response is sent: seq, method,
                   path, idempotency_key (null without one), authorization (whether the header
                   was there; its value is never written), content_type, content_encoding,
                   headers (all of them, credentials' values as "<redacted>"), body_bytes (as
                   received on the wire), decoded_bytes (after Content-Encoding; null when it
                   did not decode), status (a number, or "reset"), delay_ms, duplicate,
                   body_file, wire_file
  bodies/<seq>.body  the body of each accepted (2xx) request, duplicates included, decoded
  bodies/<seq>.wire  the same body as received, when it came with a Content-Encoding
  stats.json       the counts of GET /stats, rewritten after every request
Started again on the same directory (after a crash), it reads requests.jsonl back: the counts
and the accepted keys carry on.

Fault script: one line per response, for the next requests in order; blank lines and # comments
are skipped. A line is a status code or "reset", then options:
  retry-after=<s>        a Retry-After header in seconds
  retry-after-date=<s>   a Retry-After header as an HTTP date s seconds from now
  delay-ms=<ms>          wait before answering (a slow server)
  times=<n>              the same answer for the next n requests
"reset" closes the connection with a TCP reset after reading the request, without a response.
Without a scripted answer a request gets --default-status (200), or 401 when --bearer-token-file
is given and the request's Authorization is not "Bearer <that token>".

Control port (plain HTTP on --control-port, never TLS, so a test can script a TLS receiver):
  POST /faults    appends the body's fault script to the queue
  GET /stats      the counts, as on the upload port
--faults applies to a new directory only, not to a restart on one.

Python 3 standard library (and python3-zstandard for zstd); stops on SIGTERM or SIGINT.
"""

import argparse
import collections
import email.utils
import gzip
import http.server
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time

# Headers whose values are credentials: recorded as present, never written down.
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie")

Fault = collections.namedtuple("Fault", "status retry_after retry_after_date delay_ms")


class UnsupportedEncoding(Exception):
    """A Content-Encoding the receiver does not take: answered 415."""


def decode_body(encoding, body):
    """The body as meant: decoded per its Content-Encoding (one coding). Raises
    UnsupportedEncoding for a coding it does not take, ValueError for a body that does not
    decode as its coding says."""
    coding = (encoding or "identity").strip().lower()
    if coding == "identity":
        return body
    if coding == "gzip":
        try:
            return gzip.decompress(body)
        except (OSError, EOFError, gzip.zlib.error) as error:
            raise ValueError("gzip: %s" % error)
    if coding == "zstd":
        try:
            import zstandard  # python3-zstandard; only the zstd tests need it
        except ImportError:
            raise UnsupportedEncoding("zstd: python3-zstandard is not installed")
        try:
            # stream_reader decodes frames whether or not their header records the content size.
            with zstandard.ZstdDecompressor().stream_reader(body, read_across_frames=True) as reader:
                decoded = reader.read()
        except zstandard.ZstdError as error:
            raise ValueError("zstd: %s" % error)
        return decoded
    raise UnsupportedEncoding("Content-Encoding %r" % encoding)


def parse_faults(text):
    """The faults of a script, one per response, in order. Raises ValueError on a bad line."""
    faults = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if words[0] == "reset":
            status = None
        elif words[0].isdigit() and 100 <= int(words[0]) <= 599:
            status = int(words[0])
        else:
            raise ValueError("line %d: %r is neither a status code nor reset" % (number, words[0]))
        options = {"retry-after": None, "retry-after-date": None, "delay-ms": 0, "times": 1}
        for word in words[1:]:
            name, _, value = word.partition("=")
            if name not in options or not value.isdigit():
                raise ValueError("line %d: bad option %r" % (number, word))
            options[name] = int(value)
        fault = Fault(status, options["retry-after"], options["retry-after-date"], options["delay-ms"])
        faults.extend([fault] * options["times"])
    return faults


class Receiver:
    """The state every connection's thread shares, behind one lock."""

    def __init__(self, directory, default_status, bearer_token):
        self.directory = directory
        self.default_status = default_status
        self.bearer_token = bearer_token
        self.lock = threading.Lock()
        self.faults = collections.deque()
        self.accepted_keys = set()
        self.seq = 0
        self.counts = {
            "requests": 0,            # POST and PUT on the upload port, whatever their answer
            "accepted": 0,            # answered 2xx
            "unique_keys": 0,         # accepted with an Idempotency-Key not accepted before
            "duplicates": 0,          # accepted with a key accepted before
            "without_key": 0,         # accepted without an Idempotency-Key
            "bytes_received": 0,      # bodies of every request
            "bytes_accepted": 0,      # bodies of accepted requests, duplicates included
            "bytes_unique": 0,        # bodies of accepted requests that were not duplicates
            "resets": 0,              # connections reset by the script
            "unauthorized": 0,        # answered 401 for a missing or wrong bearer token
            "unsupported_encoding": 0,  # answered 415 for a Content-Encoding it does not take
            "undecodable": 0,         # answered 400 for a body that did not decode as its coding says
            "tls_handshake_failures": 0,
        }
        self.statuses = collections.Counter()  # "200", "429", "reset", ... to how many
        self.last_tls_failure = ""
        os.makedirs(os.path.join(directory, "bodies"), exist_ok=True)
        self.replay_log()
        self.log = open(os.path.join(directory, "requests.jsonl"), "a", encoding="utf-8")
        self.write_stats_locked()

    def add_faults(self, faults):
        with self.lock:
            self.faults.extend(faults)
            self.write_stats_locked()

    def tls_failed(self, reason):
        with self.lock:
            self.counts["tls_handshake_failures"] += 1
            self.last_tls_failure = reason
            self.write_stats_locked()

    def stats_locked(self):
        stats = dict(self.counts)
        stats["statuses"] = dict(sorted(self.statuses.items()))
        stats["faults_pending"] = len(self.faults)
        stats["last_tls_failure"] = self.last_tls_failure
        return stats

    def stats(self):
        with self.lock:
            return self.stats_locked()

    def write_stats_locked(self):
        path = os.path.join(self.directory, "stats.json")
        with open(path + ".tmp", "w", encoding="utf-8") as out:
            json.dump(self.stats_locked(), out)
        os.replace(path + ".tmp", path)  # a reader never sees half a file

    def decide(self):
        """The next request's sequence number and fault (None when none is scripted)."""
        with self.lock:
            self.seq += 1
            return self.seq, (self.faults.popleft() if self.faults else None)

    def replay_log(self):
        """After a restart (a receiver that crashed), counts and keys come back from the log,
        so a batch accepted before the crash is still a duplicate after it."""
        path = os.path.join(self.directory, "requests.jsonl")
        self.restarted = os.path.exists(path)
        if not self.restarted:
            return
        with open(path, encoding="utf-8") as log:
            for line in log:
                if not line.endswith("\n"):
                    break  # the crash cut this line short: its response was never sent
                entry = json.loads(line)
                self.seq = max(self.seq, entry["seq"])
                self.count_locked(entry["idempotency_key"], entry["body_bytes"],
                                  None if entry["status"] == "reset" else entry["status"],
                                  entry.get("encoding_problem"))

    def count_locked(self, key, body_bytes, status, encoding_problem=None):
        """Counts one request; returns whether it duplicated an accepted key."""
        c = self.counts
        c["requests"] += 1
        c["bytes_received"] += body_bytes
        self.statuses["reset" if status is None else str(status)] += 1
        if status is None:
            c["resets"] += 1
        if status == 401:
            c["unauthorized"] += 1
        if encoding_problem is not None and status in (400, 415):  # not a scripted answer
            c["unsupported_encoding" if status == 415 else "undecodable"] += 1
        if status is None or not 200 <= status < 300:
            return False
        c["accepted"] += 1
        c["bytes_accepted"] += body_bytes
        duplicate = False
        if key is None:
            c["without_key"] += 1
        elif key in self.accepted_keys:
            duplicate = True
            c["duplicates"] += 1
        else:
            self.accepted_keys.add(key)
            c["unique_keys"] += 1
        if not duplicate:
            c["bytes_unique"] += body_bytes
        return duplicate

    def record(self, seq, method, path, headers, body, decoded, encoding_problem, status, delay_ms):
        """Counts and logs one request (body as received, decoded as meant, or None when it
        did not decode), keeps an accepted body; returns whether it duplicated an accepted key."""
        key = headers.get("Idempotency-Key")
        with self.lock:
            duplicate = self.count_locked(key, len(body), status, encoding_problem)
            body_file = None
            wire_file = None
            if status is not None and 200 <= status < 300:
                body_file = "bodies/%d.body" % seq
                with open(os.path.join(self.directory, body_file), "wb") as out:
                    out.write(body if decoded is None else decoded)
                if "Content-Encoding" in headers:
                    wire_file = "bodies/%d.wire" % seq
                    with open(os.path.join(self.directory, wire_file), "wb") as out:
                        out.write(body)
            entry = {
                "seq": seq,
                "method": method,
                "path": path,
                "idempotency_key": key,
                "authorization": "Authorization" in headers,
                "content_type": headers.get("Content-Type"),
                "content_encoding": headers.get("Content-Encoding"),
                "headers": {name: ("<redacted>" if name.lower() in SECRET_HEADERS else value)
                            for name, value in headers.items()},
                "body_bytes": len(body),
                "decoded_bytes": None if decoded is None else len(decoded),
                "encoding_problem": encoding_problem,
                "status": "reset" if status is None else status,
                "delay_ms": delay_ms,
                "duplicate": duplicate,
                "body_file": body_file,
                "wire_file": wire_file,
            }
            self.log.write(json.dumps(entry) + "\n")
            self.log.flush()
            self.write_stats_locked()
            return duplicate


def send_json(handler, status, document, extra_headers=()):
    body = json.dumps(document).encode()
    handler.send_response(status)
    for name, value in extra_headers:
        handler.send_header(name, value)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class UploadHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the uploader's libcurl uses it
    timeout = 30                   # an idle kept-alive connection does not hold a thread forever

    def log_message(self, format, *args):
        sys.stderr.write("http_receiver: %s %s\n" % (self.address_string(), format % args))

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return bytes(body)
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def upload(self):
        receiver = self.server.receiver
        body = self.read_body()
        seq, fault = receiver.decide()
        extra = []
        delay_ms = 0
        decoded = None
        encoding_problem = None
        try:
            decoded = decode_body(self.headers.get("Content-Encoding"), body)
        except UnsupportedEncoding as error:
            encoding_problem = str(error)
            encoding_status = 415
        except ValueError as error:
            encoding_problem = str(error)
            encoding_status = 400
        if encoding_problem is not None:
            sys.stderr.write("http_receiver: request %d: %s\n" % (seq, encoding_problem))
        if fault is not None:
            status = fault.status
            delay_ms = fault.delay_ms
            if fault.retry_after is not None:
                extra.append(("Retry-After", str(fault.retry_after)))
            if fault.retry_after_date is not None:
                extra.append(("Retry-After", email.utils.formatdate(time.time() + fault.retry_after_date, usegmt=True)))
        elif encoding_problem is not None:
            status = encoding_status
        elif receiver.bearer_token is not None and \
                self.headers.get("Authorization") != "Bearer " + receiver.bearer_token:
            status = 401
        else:
            status = receiver.default_status
        if delay_ms:
            time.sleep(delay_ms / 1000.0)
        duplicate = receiver.record(seq, self.command, self.path, self.headers, body, decoded, encoding_problem,
                                    status, delay_ms)
        if status is None:
            # A reset, not a close: with SO_LINGER 0 the kernel sends RST and the client sees
            # "connection reset by peer", as from a crashed proxy. rfile holds a reference to the
            # socket; closing both releases it now, not when the handler ends.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.connection.close()
            self.close_connection = True
            return
        send_json(self, status, {"seq": seq, "duplicate": duplicate}, extra)

    do_POST = upload
    do_PUT = upload

    def do_GET(self):
        if self.path == "/stats":
            send_json(self, 200, self.server.receiver.stats())
        else:
            send_json(self, 404, {"error": "only POST and PUT upload; GET /stats"})


class ControlHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass  # the test's own polling; the upload port's log is what matters

    def do_GET(self):
        if self.path == "/stats":
            send_json(self, 200, self.server.receiver.stats())
        else:
            send_json(self, 404, {"error": "GET /stats, POST /faults"})

    def do_POST(self):
        text = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
        if self.path != "/faults":
            send_json(self, 404, {"error": "GET /stats, POST /faults"})
            return
        try:
            faults = parse_faults(text)
        except ValueError as error:
            send_json(self, 400, {"error": str(error)})
            return
        self.server.receiver.add_faults(faults)
        send_json(self, 200, {"queued": len(faults)})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port, handler, receiver, tls_context=None):
        self.receiver = receiver
        self.tls_context = tls_context
        super().__init__(("127.0.0.1", port), handler)

    def finish_request(self, request, client_address):
        if self.tls_context is None:
            return super().finish_request(request, client_address)
        # The handshake runs here, in the connection's own thread, not in the accepting loop:
        # a client that never completes it holds up no one else.
        request.settimeout(10)
        try:
            tls = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            self.receiver.tls_failed(str(error))
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True, help="the upload port on 127.0.0.1")
    parser.add_argument("--control-port", type=int, required=True, help="the plain-HTTP control port on 127.0.0.1")
    parser.add_argument("--directory", required=True, help="where requests.jsonl, bodies/ and stats.json go")
    parser.add_argument("--tls-cert", help="serve TLS on the upload port with this certificate (PEM)")
    parser.add_argument("--tls-key", help="the certificate's key (PEM)")
    parser.add_argument("--faults", help="a fault script for the first requests")
    parser.add_argument("--bearer-token-file", help="require Authorization: Bearer <the file's first line>")
    parser.add_argument("--default-status", type=int, default=200, help="the answer when nothing is scripted")
    args = parser.parse_args()

    bearer_token = None
    if args.bearer_token_file:
        with open(args.bearer_token_file, encoding="utf-8") as f:
            bearer_token = f.readline().strip()
    receiver = Receiver(args.directory, args.default_status, bearer_token)
    if args.faults and not receiver.restarted:  # a restarted receiver's first requests were long ago
        with open(args.faults, encoding="utf-8") as f:
            receiver.add_faults(parse_faults(f.read()))
    tls_context = None
    if args.tls_cert:
        tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_context.load_cert_chain(args.tls_cert, args.tls_key)

    # Both listen before either serves, so a test that reaches the control port can upload.
    upload = Server(args.port, UploadHandler, receiver, tls_context)
    control = Server(args.control_port, ControlHandler, receiver)
    threading.Thread(target=control.serve_forever, args=(0.05,), daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=upload.shutdown).start())
    sys.stderr.write("http_receiver: %s on 127.0.0.1:%d, control on 127.0.0.1:%d\n" %
                     ("https" if tls_context else "http", args.port, args.control_port))
    sys.stderr.flush()
    try:
        upload.serve_forever(poll_interval=0.05)  # SIGTERM ends it within 50 ms
    except KeyboardInterrupt:
        pass
    upload.server_close()
    control.shutdown()
    control.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
