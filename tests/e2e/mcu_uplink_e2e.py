#!/usr/bin/env python3
"""End to end: MCU firmware under QEMU -> faulty serial line -> ss-gatewayd -> HTTP -> receiver.

The MCU uplink image (stm32/apps/uplink, target uplink_firmware_test) runs under
qemu-system-arm with its USART2 as a TCP client of this harness. The harness relays the bytes
between that socket and the master of a pseudo-terminal, in both directions, dropping,
bit-flipping and duplicating bytes at a seeded rate; the gateway daemon ss-gatewayd reads the
pty's slave as its `[uplinks]` serial port, stores the MCU's records (MCU sensor k as sensor
(app, id_base + k), under the MCU's own sequence numbers), acknowledges batches once durable,
and its uploader sends them over HTTP to tools/ss_receiver.py (SQLite, one row per
(gateway, source, sensor, seq)). Once the MCU has seen a quarter of its batches acknowledged,
the daemon is killed with SIGKILL, left down for a moment (the MCU keeps sending into the pty)
and started again on the same config and disk_root.

With --mcu-reset-at-acked N the image must be the flash variant (uplink_flash_firmware_test,
auto-detected from its name, or --image-flash): it keeps its store on a NOR chip in a file the
harness creates blank in the temp dir (36 blocks of 4 KiB of 0xFF) and names on QEMU's
semihosting command line. Once the MCU has seen N batches acknowledged QEMU is SIGKILLed (a
power cut: an MCU reset that keeps the chip) and started again on the same file; the relay
accepts its new TCP connection and goes on (bytes in flight are lost). The second boot must add
no records, find the unacknowledged ones on the chip and send them in a new session. Both the
gateway kill and the MCU reset can come in one run (e.g. --kill-at-acked 16
--mcu-reset-at-acked 40).

Passes (exit 0) when:
  - QEMU exits 0: the firmware saw every record acknowledged and erased it;
  - the firmware saw the gateway restart (a new boot in the restarted daemon's ACKs);
  - the receiver holds exactly {(gateway, 'app', id_base + k, seq): k in 0..3, seq in 0..1023},
    each with value record_value(k, seq) (stm32/apps/uplink/record_signal.hpp); duplicates the
    receiver dropped are allowed and reported, a missing, extra or wrong record is a failure;
  - the daemon stops on SIGTERM with exit status 0, and the receiver stops cleanly;
  - faults were injected (with a rate > 0), the kill came while the MCU still had batches
    unacknowledged, and the relay read every byte the firmware says it sent (otherwise the run
    tested nothing, or not what it claims: a set-up failure, exit 1);
  - with --mcu-reset-at-acked: QEMU was still running when killed with batches unacknowledged,
    the first boot added the 4x1024 records on the blank chip, the second boot (the next
    session from the chip's boot counter) added none and found records left to send, and the
    final QEMU (the second boot) exited 0 with every record erased.
Exit 1 with the reasons otherwise; the daemon's, receiver's and QEMU's output are printed then.

Usage: mcu_uplink_e2e.py --qemu QEMU --image ELF [--daemon ss-gatewayd]
         [--gateway-cmd daemon|standin] [--seed 1] [--fault-rate 0.0003]
         [--kill-at-acked 16] [--kill-after SECONDS] [--down-for 1.0] [--timeout 90]
         [--standin-fault none|lose-batch|wrong-value] [--mcu-reset-at-acked N]
         [--image-flash] [--keep] [--verbose]
  --gateway-cmd standin runs tests/e2e/gateway_standin.py (Python, uplink_peer.py's receiver,
  posting straight to the receiver) instead of the daemon: for debugging this harness only;
  --standin-fault gives the stand-in a deliberate bug, to see the checks fail.

Python 3 standard library only.
"""

import argparse
import json
import os
import random
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import tty
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "stm32", "apps", "uplink"))
# The firmware's signal and the link's frame decoder, as the QEMU peer test has them.
from uplink_peer import ACK, LineFaults, decode_frame, record_value  # noqa: E402

SENSORS = 4
RECORDS_PER_SENSOR = 1024
BATCH_RECORDS = 64
TOTAL_BATCHES = SENSORS * RECORDS_PER_SENSOR // BATCH_RECORDS
FLASH_BYTES = 36 * 4096  # the flash image's NOR chip: 32 blocks of log, 4 of settings
GATEWAY = "e2e-gw"
SOURCE = "app"
UPLINK = "mcu0"


class AckWatch:
    """Cuts the gateway->MCU bytes (as the MCU receives them) into frames and keeps the highest
    cumulative ACK per session: with one MCU session, the number of batches acknowledged."""

    def __init__(self):
        self.buffer = bytearray()
        self.acked = {}
        self.acks = 0

    def push(self, data):
        for b in data:
            if b != 0:
                if len(self.buffer) < 64:
                    self.buffer.append(b)
                continue
            frame = decode_frame(bytes(self.buffer))
            self.buffer.clear()
            if isinstance(frame, str) or frame[0] != ACK:
                continue
            _, session, seq, _, _ = frame
            self.acks += 1
            self.acked[session] = max(self.acked.get(session, 0), seq)

    def most_acked(self):
        return max(self.acked.values(), default=0)


def daemon_config(tmp, device, receiver_port, id_base):
    """The daemon's config file text: no simulated source, one serial uplink, HTTP upload."""
    return (
        "; mcu_uplink_e2e.py: the gateway end of the MCU uplink end-to-end test\n"
        "[system]\n"
        "disk_root = \"%s\"\n"
        "ram_pool_bytes = 1048576\n"
        "max_sensors = 128\n"
        "[daemon]\n"
        "gateway = \"%s\"\n"
        "status_interval = 500ms\n"
        "[uplinks]\n"
        "%s = { device = \"%s\", baud = 921600, bus = '%s', id_base = %d, ids = 64 }\n"
        "[destinations]\n"
        "cloud = { kind = 'http', url = \"http://127.0.0.1:%d/ingest\", codec = 'json_lines', "
        "max_in_flight = 2, batches_per_request = 4, request_timeout = 2s }\n"
        "[uploader]\n"
        "period = 50ms\n"
        "batch_records = 256\n"
        "backoff_base = 100ms\n"
        "backoff_cap = 500ms\n"
        "[http]\n"
        "enabled = false\n"
        "[scheduler]\n"
        "policy = 'sharing'\n"
        "max-threads = 2\n"
    ) % (os.path.join(tmp, "gateway-data"), GATEWAY, UPLINK, device, SOURCE, id_base, receiver_port)


def holds_open(pid, device):
    """True if process pid has `device` open (its /proc fd links)."""
    fd_dir = "/proc/%d/fd" % pid
    try:
        for name in os.listdir(fd_dir):
            try:
                if os.readlink(os.path.join(fd_dir, name)) == device:
                    return True
            except OSError:
                pass
    except OSError:
        pass
    return False


def tail(path, lines=60):
    try:
        with open(path, errors="replace") as f:
            text = f.read().splitlines()
    except OSError as e:
        return "(%s: %s)" % (path, e)
    if len(text) > lines:
        text = ["... (%d lines before)" % (len(text) - lines)] + text[-lines:]
    return "\n".join(text)


class Harness:
    def __init__(self, args):
        self.args = args
        self.failures = []
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix="ss-e2e-")
        self.gateway = None
        self.gateway_runs = 0
        self.outputs = []
        self.boots = []

    def fail(self, reason):
        self.failures.append(reason)
        print("e2e FAIL: " + reason, flush=True)

    def log(self, text):
        print("e2e: " + text, flush=True)

    def spawn(self, argv, name):
        out = os.path.join(self.tmp, name + ".out")
        f = open(out, "wb")
        p = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        f.close()
        self.procs.append(p)
        self.outputs.append((name, out))
        return p

    # --- the receiver ---

    def start_receiver(self):
        port_file = os.path.join(self.tmp, "receiver.port")
        self.db = os.path.join(self.tmp, "receiver.sqlite")
        self.receiver = self.spawn([sys.executable, "-B", os.path.join(ROOT, "tools", "ss_receiver.py"), "--port", "0",
                                    "--port-file", port_file, "--db", self.db, "--report", "0"], "receiver")
        end = time.monotonic() + 10
        while not os.path.exists(port_file):
            if time.monotonic() > end or self.receiver.poll() is not None:
                raise RuntimeError("the receiver did not start")
            time.sleep(0.02)
        with open(port_file) as f:
            self.receiver_port = int(f.read())

    def receiver_stats(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/stats" % self.receiver_port, timeout=5) as r:
            return json.loads(r.read())

    # --- the gateway (daemon or stand-in) ---

    def start_gateway(self):
        self.gateway_runs += 1
        name = "gateway%d" % self.gateway_runs
        if self.args.gateway_cmd == "daemon":
            argv = [self.args.daemon, "--config-file=" + self.config]
        else:
            argv = [sys.executable, os.path.join(HERE, "gateway_standin.py"), "--device", self.device,
                    "--url", "http://127.0.0.1:%d/ingest" % self.receiver_port, "--gateway", GATEWAY,
                    "--id-base", str(self.args.id_base), "--fault", self.args.standin_fault]
        self.gateway = self.spawn(argv, name)
        self.gateway_started = time.monotonic()
        self.gateway_ready = False
        self.log("gateway run %d started (pid %d): %s" % (self.gateway_runs, self.gateway.pid, " ".join(argv)))

    def gateway_check_ready(self):
        """Whether the gateway has the tty open yet; raises if it exited or took more than 15 s."""
        if self.gateway_ready:
            return True
        if self.gateway.poll() is not None:
            raise RuntimeError("gateway run %d exited with status %d before opening %s"
                               % (self.gateway_runs, self.gateway.returncode, self.device))
        if holds_open(self.gateway.pid, self.device):
            self.gateway_ready = True
            self.log("gateway run %d has %s open after %.2f s" % (self.gateway_runs, self.device,
                                                                  time.monotonic() - self.gateway_started))
            return True
        if time.monotonic() - self.gateway_started > 15:
            raise RuntimeError("gateway run %d did not open %s within 15 s" % (self.gateway_runs, self.device))
        return False

    # --- the MCU (QEMU) ---

    def start_qemu(self, listener):
        """Starts QEMU (on the same flash file for the flash image) and returns its USART2's
        connection, accepted from `listener`."""
        a = self.args
        self.qemu_runs += 1
        semihosting = "enable=on,target=native"
        if self.flash_file is not None:
            semihosting += ",arg=uplink,arg=" + self.flash_file
        qemu_argv = [a.qemu, "-M", "netduinoplus2", "-icount", "shift=2", "-nographic", "-monitor", "none",
                     "-serial", "null", "-serial", "tcp:127.0.0.1:%d" % listener.getsockname()[1],
                     "-semihosting-config", semihosting, "-kernel", a.image]
        self.qemu = self.spawn(qemu_argv, "qemu%d" % self.qemu_runs if self.qemu_runs > 1 else "qemu")
        self.qemu_out = self.outputs[-1][1]
        self.qemu_outs.append(self.qemu_out)
        conn, _ = listener.accept()
        conn.setblocking(False)
        self.log("QEMU run %d connected (pid %d)" % (self.qemu_runs, self.qemu.pid))
        return conn

    # --- the run ---

    def run(self):
        a = self.args
        started = time.monotonic()
        rng = random.Random(a.seed)
        self.start_receiver()
        self.log("receiver on 127.0.0.1:%d, db %s" % (self.receiver_port, self.db))

        master, slave = os.openpty()
        # The harness keeps the slave open (and never reads it), so that the master does not get
        # EIO while the gateway is down; raw, so that nothing is echoed back or held for a line.
        tty.setraw(slave)
        os.set_blocking(master, False)
        self.device = os.ttyname(slave)
        self.config = os.path.join(self.tmp, "gateway.ini")
        with open(self.config, "w") as f:
            f.write(daemon_config(self.tmp, self.device, self.receiver_port, a.id_base))
        self.log("pty %s; config %s" % (self.device, self.config))

        self.start_gateway()
        while not self.gateway_check_ready():
            time.sleep(0.02)

        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(15)
        self.flash_file = None
        if a.image_flash:
            # A new chip: erased NOR reads 0xFF. The image formats it at its first boot.
            self.flash_file = os.path.join(self.tmp, "mcu-flash.bin")
            with open(self.flash_file, "wb") as f:
                f.write(b"\xff" * FLASH_BYTES)
        self.qemu_runs = 0
        self.qemu_outs = []
        conn = self.start_qemu(listener)
        if a.mcu_reset_at_acked is None:
            listener.close()
        qemu_started = time.monotonic()

        to_gateway, to_mcu = LineFaults(rng, a.fault_rate), LineFaults(rng, a.fault_rate)
        acks = AckWatch()
        self.bytes_to_gateway = self.bytes_to_mcu = 0
        self.bytes_from_this_qemu = 0  # from the QEMU running now: what its firmware reports sending
        mcu_phase = "first" if a.mcu_reset_at_acked is not None else "none"  # first -> (SIGKILL) second
        self.mcu_reset_acked = None
        self.mcu_reset_time = None
        self.mcu_reset_lost_to_qemu = 0
        self.pty_full_lost = 0
        to_qemu = b""
        qemu_eof = False
        phase = "first"       # first -> (SIGKILL) down -> (started again) restarting -> (tty open) second
        killed_at = None
        self.kill_acked = None
        self.kill_time = None
        self.restart_ready_time = None
        while True:
            now = time.monotonic()
            if now - qemu_started > a.timeout:
                self.fail("QEMU did not finish within %.0f s (killed)" % a.timeout)
                self.qemu.kill()
                self.qemu.wait()
                break
            if qemu_eof and self.qemu.poll() is not None:
                if mcu_phase == "first":
                    self.fail("set-up: QEMU exited (status %d) before the MCU reset at %d batches acknowledged"
                              % (self.qemu.returncode, a.mcu_reset_at_acked))
                break
            rlist = [master] + ([] if qemu_eof else [conn])
            wlist = [conn] if to_qemu and not qemu_eof else []
            try:
                readable, writable, _ = select.select(rlist, wlist, [], 0.005)
            except InterruptedError:
                continue
            if conn in readable:
                try:
                    data = conn.recv(65536)
                except BlockingIOError:
                    data = None
                except ConnectionResetError:
                    data = b""
                if data == b"":
                    qemu_eof = True
                elif data:
                    self.bytes_to_gateway += len(data)
                    self.bytes_from_this_qemu += len(data)
                    line = to_gateway.apply(data)
                    try:
                        written = os.write(master, line) if line else 0
                    except BlockingIOError:
                        written = 0
                    self.pty_full_lost += len(line) - written  # a full pty: bytes lost on the line
            if master in readable:
                try:
                    data = os.read(master, 65536)
                except (BlockingIOError, OSError):
                    data = b""
                if data:
                    self.bytes_to_mcu += len(data)
                    line = to_mcu.apply(data)
                    acks.push(line)
                    to_qemu += line
            if conn in writable and to_qemu:
                try:
                    to_qemu = to_qemu[conn.send(to_qemu):]
                except BlockingIOError:
                    pass
                except (BrokenPipeError, ConnectionResetError):
                    to_qemu = b""
                    qemu_eof = True

            # The MCU reset: a power cut (SIGKILL to QEMU) and a boot on the same chip. The bytes
            # queued for the dead QEMU are lost, as they would be on a wire to a board in reset.
            if mcu_phase == "first" and acks.most_acked() >= a.mcu_reset_at_acked:
                self.mcu_reset_acked = acks.most_acked()
                self.mcu_reset_time = now - qemu_started
                was_running = self.qemu.poll() is None
                self.qemu.send_signal(signal.SIGKILL)
                status = self.qemu.wait()
                self.log("SIGKILL to QEMU run %d (MCU reset) at %.2f s, %d of %d batches acknowledged (exit status %d)"
                         % (self.qemu_runs, self.mcu_reset_time, self.mcu_reset_acked, TOTAL_BATCHES, status))
                if not was_running:
                    self.fail("set-up: QEMU had exited before the MCU reset: nothing was tested")
                if self.mcu_reset_acked >= TOTAL_BATCHES:
                    self.fail("set-up: the MCU reset came after every batch was acknowledged")
                conn.close()
                self.mcu_reset_lost_to_qemu = len(to_qemu)
                to_qemu = b""
                qemu_eof = False
                self.bytes_from_this_qemu = 0
                conn = self.start_qemu(listener)
                listener.close()
                mcu_phase = "second"
                continue

            # The gateway: the kill, the restart, the restarted gateway opening the tty.
            if phase == "first":
                if self.gateway.poll() is not None:
                    raise RuntimeError("gateway run %d exited on its own with status %d"
                                       % (self.gateway_runs, self.gateway.returncode))
                if a.kill_after is not None:
                    trigger = now - qemu_started >= a.kill_after
                else:
                    trigger = acks.most_acked() >= a.kill_at_acked
                if trigger:
                    self.kill_acked = acks.most_acked()
                    self.kill_time = now - qemu_started
                    self.gateway.send_signal(signal.SIGKILL)
                    status = self.gateway.wait()
                    killed_at = time.monotonic()
                    phase = "down"
                    self.log("SIGKILL to gateway run %d at %.2f s after QEMU started, %d of %d batches acknowledged "
                             "(exit status %d)" % (self.gateway_runs, self.kill_time, self.kill_acked,
                                                   TOTAL_BATCHES, status))
                    if self.qemu.poll() is not None:
                        self.fail("set-up: the kill came after QEMU had finished: nothing was tested")
                    if self.kill_acked >= TOTAL_BATCHES:
                        self.fail("set-up: the kill came after every batch was acknowledged: nothing was tested")
            elif phase == "down":
                if now >= killed_at + a.down_for:
                    self.start_gateway()
                    phase = "restarting"
            elif phase == "restarting":
                if self.gateway_check_ready():
                    self.restart_ready_time = time.monotonic() - qemu_started
                    phase = "second"
            elif self.gateway.poll() is not None:
                raise RuntimeError("gateway run %d exited on its own with status %d"
                                   % (self.gateway_runs, self.gateway.returncode))

        conn.close()
        self.qemu_status = self.qemu.wait()
        self.qemu_seconds = time.monotonic() - qemu_started
        self.log("QEMU exited with status %d after %.2f s" % (self.qemu_status, self.qemu_seconds))
        if self.qemu_status != 0:
            self.fail("the firmware exited with status %d (not every record acknowledged and erased)" % self.qemu_status)
        if killed_at is None:
            self.fail("set-up: the gateway was never killed (QEMU finished with %d of %d batches acknowledged "
                      "as seen by the MCU; %s)" % (acks.most_acked(), TOTAL_BATCHES,
                                                   "shorten --kill-after" if a.kill_after is not None
                                                   else "lower --kill-at-acked"))
        elif not self.gateway_ready:
            self.fail("set-up: the restarted gateway never opened the tty")
        figures = self.firmware_figures()
        if a.mcu_reset_at_acked is not None:
            self.check_mcu_reset()
            self.restart_seen_by = [i + 1 for i, path in enumerate(self.qemu_outs)
                                    if "uplink: gateway restart seen" in self.read_text(path)]
            seen_restart = bool(self.restart_seen_by)
        else:
            seen_restart = figures.get("gateway restarts seen", "0") != "0"
        if killed_at is not None and not seen_restart:
            self.fail("the firmware did not see the gateway restart (the restarted gateway's ACKs must carry a "
                      "new boot)")
        wire = figures.get("bytes on the wire (retransmissions included)")
        if self.qemu_status == 0 and wire is not None and wire != str(self.bytes_from_this_qemu):
            self.fail("set-up: the relay read %d bytes from QEMU, the firmware sent %s"
                      % (self.bytes_from_this_qemu, wire))
        faults = {k: to_gateway.counts[k] + to_mcu.counts[k] for k in to_gateway.counts}
        if a.fault_rate > 0 and sum(faults.values()) == 0:
            self.fail("set-up: no fault was injected")

        self.check_receiver()

        # A clean stop.
        self.gateway.send_signal(signal.SIGTERM)
        try:
            status = self.gateway.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.gateway.kill()
            status = self.gateway.wait()
            self.fail("the gateway did not stop within 30 s of SIGTERM")
        if status != 0:
            self.fail("the gateway exited with status %d on SIGTERM (0 expected)" % status)
        self.receiver.send_signal(signal.SIGTERM)
        try:
            if self.receiver.wait(timeout=15) != 0:
                self.fail("the receiver exited with status %d" % self.receiver.returncode)
        except subprocess.TimeoutExpired:
            self.fail("the receiver did not stop")
        os.close(master)
        os.close(slave)

        print("e2e: seed %d, fault rate %g per byte, kind and direction; gateway %s" % (a.seed, a.fault_rate, a.gateway_cmd))
        print("e2e: bytes MCU->gateway %d, gateway->MCU %d; lost in a full pty %d"
              % (self.bytes_to_gateway, self.bytes_to_mcu, self.pty_full_lost))
        print("e2e: faults MCU->gateway %r, gateway->MCU %r" % (to_gateway.counts, to_mcu.counts))
        print("e2e: gateway runs %d (SIGKILL at %s s with %s of %d batches acknowledged, down %.1f s, "
              "restarted gateway had the tty open at %s s)"
              % (self.gateway_runs, "%.2f" % self.kill_time if self.kill_time is not None else "-",
                 self.kill_acked, TOTAL_BATCHES, a.down_for,
                 "%.2f" % self.restart_ready_time if self.restart_ready_time is not None else "-"))
        if a.mcu_reset_at_acked is not None:
            print("e2e: MCU reset (QEMU SIGKILL) at %s s with %s of %d batches acknowledged; %d bytes to the MCU lost "
                  "with it; gateway restart seen by boot %s; boots: %s"
                  % ("%.2f" % self.mcu_reset_time if self.mcu_reset_time is not None else "-", self.mcu_reset_acked,
                     TOTAL_BATCHES, self.mcu_reset_lost_to_qemu,
                     ", ".join(str(b) for b in getattr(self, "restart_seen_by", [])) or "none",
                     "; ".join("session %s added %s found %s" % (b["session"], b["added"], b["found"])
                               for b in self.boots)))
        print("e2e: firmware%s: retransmitted %s, timeouts %s, NAKs %s, gateway restarts seen %s, wire bytes %s"
              % ((" (last boot)" if a.mcu_reset_at_acked is not None else "",) + tuple(figures.get(k, "?") for k in ("DATA frames retransmitted", "timeouts", "NAKs acted on",
                                                    "gateway restarts seen",
                                                    "bytes on the wire (retransmissions included)"))))
        print("e2e: receiver: %s; QEMU %.2f s, total %.2f s"
              % (self.final_stats, self.qemu_seconds, time.monotonic() - started))

    @staticmethod
    def read_text(path):
        try:
            with open(path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def boot_report(self, path):
        """What one boot of the flash image said it did: session, records added, and per sensor
        the records found at boot and where their head was."""
        boot = dict(session=None, added=None, found=[], heads=[])
        for line in self.read_text(path).splitlines():
            k, _, v = line.strip().rpartition("=")
            k = k.strip()
            if k == "session (boot counter in the chip's settings)":
                boot["session"] = int(v)
            elif k == "boot: records added":
                boot["added"] = int(v)
            elif line.startswith("boot sensor "):
                fields = dict(f.split("=") for f in line.split(":", 1)[1].split())
                boot["found"].append(int(fields["found"]))
                boot["heads"].append(int(fields["head"]))
        return boot

    def check_mcu_reset(self):
        """The set-up checks of the MCU reset: two boots on one chip, the first filling it, the
        second adding nothing and finding records still to send."""
        self.boots = [self.boot_report(path) for path in self.qemu_outs]
        if len(self.boots) != 2:
            self.fail("set-up: %d QEMU runs, 2 expected (one MCU reset)" % len(self.boots))
            return
        first, second = self.boots
        if first["session"] is None or second["session"] is None or second["session"] == first["session"]:
            self.fail("the two boots' sessions are not two different values from the chip's counter: %s, %s"
                      % (first["session"], second["session"]))
        if first["added"] != SENSORS * RECORDS_PER_SENSOR or first["found"] != [0] * SENSORS:
            self.fail("set-up: the first boot did not find a blank chip and add the %d records (found %s, added %s)"
                      % (SENSORS * RECORDS_PER_SENSOR, first["found"], first["added"]))
        if second["added"] != 0:
            self.fail("the second boot added %s records (a boot after a reset must add none)" % second["added"])
        if len(second["found"]) != SENSORS or sum(second["found"]) == 0:
            self.fail("set-up: the second boot found no records left to send (found %s): the reset tested nothing"
                      % second["found"])
        elif sum(second["found"]) >= SENSORS * RECORDS_PER_SENSOR:
            self.fail("the second boot found every record again: no erasure of the first boot's %d acknowledged "
                      "batches became durable (the uplink task's manager tick)" % (self.mcu_reset_acked or 0))
        for k, (found, head) in enumerate(zip(second["found"], second["heads"])):
            if head + found != RECORDS_PER_SENSOR:
                self.fail("second boot, sensor %d: found %d records from %d, not up to %d"
                          % (k, found, head, RECORDS_PER_SENSOR))

    def firmware_figures(self):
        figures = {}
        try:
            with open(self.qemu_out, errors="replace") as f:
                for line in f:
                    if "=" in line:
                        k, _, v = line.strip().rpartition("=")
                        figures[k.strip()] = v.strip()
        except OSError:
            pass
        return figures

    def expected_count(self, db):
        return db.execute("SELECT COUNT(*) FROM records WHERE gateway = ? AND source = ? AND sensor BETWEEN ? AND ? "
                          "AND seq BETWEEN 0 AND ?", (GATEWAY, SOURCE, self.args.id_base,
                                                      self.args.id_base + SENSORS - 1,
                                                      RECORDS_PER_SENSOR - 1)).fetchone()[0]

    def check_receiver(self):
        a = self.args
        want = SENSORS * RECORDS_PER_SENSOR
        db = sqlite3.connect(self.db, timeout=10)
        end = time.monotonic() + a.drain_timeout
        have = 0
        while True:
            try:
                have = self.expected_count(db)
            except sqlite3.OperationalError:
                have = 0  # no table yet
            if have >= want or time.monotonic() > end:
                break
            time.sleep(0.1)
        self.log("receiver holds %d of %d expected records" % (have, want))
        try:
            rows = db.execute("SELECT gateway, source, sensor, seq, value FROM records").fetchall()
        except sqlite3.OperationalError as e:
            rows = []
            self.fail("the receiver's database: %s" % e)
        db.close()
        self.final_stats = self.receiver_stats()
        expected = {(GATEWAY, SOURCE, a.id_base + k, seq): record_value(k, seq)
                    for k in range(SENSORS) for seq in range(RECORDS_PER_SENSOR)}
        seen = {}
        extra, wrong = [], []
        for g, s, sensor, seq, value in rows:
            key = (g, s, sensor, seq)
            if key not in expected:
                extra.append(key)
                continue
            seen[key] = value
            if value != expected[key]:
                wrong.append((key, value, expected[key]))
        missing = sorted(k for k in expected if k not in seen)
        if missing:
            per = {}
            for k in missing:
                per.setdefault(k[2], []).append(k[3])
            self.fail("%d records missing at the receiver: %s" % (len(missing), "; ".join(
                "sensor %d: %d missing, first seqs %s" % (s, len(q), q[:8]) for s, q in sorted(per.items()))))
        if wrong:
            self.fail("%d records with a wrong value, e.g. %s" % (len(wrong), wrong[:5]))
        if extra:
            self.fail("%d records at the receiver that the MCU never sent, e.g. %s" % (len(extra), sorted(extra)[:5]))
        self.log("receiver: %d rows, %d as expected; stats %s" % (len(rows), len(seen) - len(wrong), self.final_stats))

    def cleanup(self, failed):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if failed or self.args.verbose:
            for name, path in self.outputs:
                print("----- %s output (%s) -----" % (name, path))
                print(tail(path, 200 if self.args.verbose else 60))
        if self.args.keep:
            print("e2e: kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description="MCU uplink end to end: QEMU -> faulty line -> ss-gatewayd -> receiver")
    ap.add_argument("--qemu", default=shutil.which("qemu-system-arm") or "qemu-system-arm")
    ap.add_argument("--image", default=os.path.join(ROOT, "build", "cortex-m4", "stm32", "apps", "uplink",
                                                    "uplink_firmware_test.elf"))
    ap.add_argument("--daemon", default=os.path.join(ROOT, "build", "default", "tools", "ss-gatewayd"))
    ap.add_argument("--gateway-cmd", choices=("daemon", "standin"), default="daemon")
    ap.add_argument("--standin-fault", choices=("none", "lose-batch", "wrong-value"), default="none",
                    help="with --gateway-cmd standin: a deliberate stand-in bug, to see the checks fail")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fault-rate", type=float, default=0.0003, help="per byte, per fault kind and direction")
    ap.add_argument("--id-base", type=int, default=1000)
    ap.add_argument("--kill-at-acked", type=int, default=TOTAL_BATCHES // 4,
                    help="SIGKILL the gateway once the MCU has seen this many batches acknowledged")
    ap.add_argument("--kill-after", type=float, default=None,
                    help="SIGKILL the gateway this many seconds after QEMU connected instead")
    ap.add_argument("--down-for", type=float, default=1.0, help="seconds between the SIGKILL and the restart")
    ap.add_argument("--timeout", type=float, default=90.0, help="seconds QEMU may run")
    ap.add_argument("--drain-timeout", type=float, default=30.0,
                    help="seconds after QEMU's exit for the records to reach the receiver")
    ap.add_argument("--mcu-reset-at-acked", type=int, default=None,
                    help="SIGKILL QEMU (an MCU reset keeping its flash) once the MCU has seen this many batches "
                         "acknowledged, then boot it again on the same flash file (needs the flash image)")
    ap.add_argument("--image-flash", action="store_true",
                    help="the image is the flash variant (a NOR file on its command line); implied by an image "
                         "named uplink_flash_*")
    ap.add_argument("--keep", action="store_true", help="keep the temp directory")
    ap.add_argument("--verbose", action="store_true", help="print every process's output")
    args = ap.parse_args()
    for path, what in ((args.image, "firmware image"),
                       (args.daemon if args.gateway_cmd == "daemon" else sys.executable, "gateway")):
        if not os.path.exists(path):
            print("e2e FAIL: no %s at %s" % (what, path))
            return 1
    if os.path.basename(args.image).startswith("uplink_flash"):
        args.image_flash = True
    if args.mcu_reset_at_acked is not None:
        if not args.image_flash:
            print("e2e FAIL: --mcu-reset-at-acked needs the flash image (uplink_flash_firmware_test)")
            return 1
        if not 0 < args.mcu_reset_at_acked < TOTAL_BATCHES:
            print("e2e FAIL: --mcu-reset-at-acked must be in 1..%d" % (TOTAL_BATCHES - 1))
            return 1
    if not 0 < args.kill_at_acked < TOTAL_BATCHES:
        print("e2e FAIL: --kill-at-acked must be in 1..%d" % (TOTAL_BATCHES - 1))
        return 1

    h = Harness(args)
    try:
        h.run()
    except Exception as e:  # a process that did not start or died: a failure with its output
        h.fail("%s: %s" % (type(e).__name__, e))
    failed = bool(h.failures)
    h.cleanup(failed)
    if failed:
        print("e2e: FAILED: " + "; ".join(h.failures))
        return 1
    print("e2e: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
