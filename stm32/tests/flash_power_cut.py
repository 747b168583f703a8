#!/usr/bin/env python3
"""Power cuts of the MCU's flash tier under QEMU (stm32/tests/flash_power_cut_firmware_test.cpp).

Runs the image on a block-device file (a blank 32 x 4 KiB NOR chip, created here), kills QEMU with
SIGKILL (a power cut) after a seeded number of manager ticks plus a seeded delay, boots it again on
the same file, --cuts times, then lets the last boot run to its end. Each boot's "B" lines (what
the tier served after the mount) are checked against what the boot before reported:

- served records start at or above the acknowledgement the flash had made durable ("D" lines: the
  acknowledgement issued before a tick is durable once the tick reported) and at or below the
  last one issued ("A" lines come before the call), but for records an earlier boot already
  found lost: nothing unacknowledged was lost;
- they reach the durable end the boot before last reported: every durable record is back (the
  image checks each value and that there is no gap);
- numbering resumes at or above all of that, and above everything handed out;
- records a boot finds missing between what it served and where numbering resumes were lost at
  that cut, above what was reported durable; a gap the image meets later ("G" lines) must lie in
  such a range.

Exit status 0 when every boot passed and the last one ended with status 0.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

BLOCKS, BLOCK_BYTES = 32, 4096
SENSORS = 6


def run_boot(args, image_path, flash, rounds, kill_after_ticks, delay_s, log):
    """One boot. Returns (lines, status); status None when killed."""
    cmd = [args.qemu, "-M", "netduinoplus2", "-icount", "shift=2", "-nographic", "-monitor", "none",
           "-serial", "null",
           "-semihosting-config", "enable=on,target=native,arg=fw,arg=%s,arg=%d" % (flash, rounds),
           "-kernel", image_path]
    qemu = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    ticks = 0
    killed = False
    for raw in qemu.stdout:
        text = raw.decode(errors="replace")
        if not text.endswith("\n"):
            break  # cut mid-line: not a report
        lines.append(text.rstrip("\n"))
        log.write(text)
        if text.startswith("D ") and kill_after_ticks is not None:
            ticks += 1
            if ticks == kill_after_ticks:
                if delay_s > 0:
                    time.sleep(delay_s)
                qemu.kill()  # SIGKILL: the power goes
                killed = True
                break
    if killed:
        # Whatever QEMU still wrote before the signal landed is a report like any other.
        rest = qemu.stdout.read().decode(errors="replace")
        for text in rest.splitlines(keepends=True):
            if text.endswith("\n"):
                lines.append(text.rstrip("\n"))
                log.write(text)
    status = qemu.wait()
    return lines, (None if killed else status)


class Model:
    """What the boots so far reported, per sensor."""

    def __init__(self):
        self.durable = [0] * SENSORS       # last reported ss_get_durable_end
        self.durable_ack = [0] * SENSORS   # acknowledgement durable at that report
        self.issued_ack = [0] * SENSORS    # highest acknowledgement issued (upper bound)
        self.handed_out = [0] * SENSORS    # past every record consumed
        self.lost = [[] for _ in range(SENSORS)]  # [from, to): missing at a boot, above the durable end

    def covered(self, i, a, b):
        """Whether every number in [a, b) lies in a range lost at some boot."""
        p = a
        progress = True
        while p < b and progress:
            progress = False
            for lo, hi in self.lost[i]:
                if lo <= p < hi:
                    p = hi
                    progress = True
        return p >= b

    def process(self, boot, lines, errors):
        """A boot's reports in the order they came."""
        seen = set()
        for line in lines:
            f = line.split()
            if not f:
                continue
            if f[0] == "B":
                seen.add(int(f[1]))
                self.check_boot_line(boot, f, errors)
            elif f[0] == "G":
                i, expected, got = int(f[1]), int(f[2]), int(f[3])
                if got < expected or not self.covered(i, expected, got):
                    errors.append("boot %d sensor %d: records %d..%d missing, not lost at a cut before "
                                  "they were durable (lost ranges %s)" % (boot, i, expected, got, self.lost[i]))
            else:
                self.follow([line])
        if seen != set(range(SENSORS)):
            errors.append("boot %d: no boot report for sensors %s" % (boot, sorted(set(range(SENSORS)) - seen)))

    def check_boot_line(self, boot, f, errors):
        i, first, end, nxt, bad, gaps = (int(x) for x in f[1:7])
        where = "boot %d sensor %d" % (boot, i)
        if bad:
            errors.append("%s: %d records with a wrong value" % (where, bad))
        served = end > first
        if served:
            if first < self.durable_ack[i]:
                errors.append("%s: served from %d, below the durable acknowledgement %d"
                              % (where, first, self.durable_ack[i]))
            if first > self.issued_ack[i] and not self.covered(i, self.issued_ack[i], first):
                errors.append("%s: served from %d: records from the last acknowledgement %d lost"
                              % (where, first, self.issued_ack[i]))
            if end < self.durable[i]:
                errors.append("%s: served up to %d, durable records up to %d lost"
                              % (where, end, self.durable[i]))
        elif self.durable[i] > self.issued_ack[i] and not self.covered(i, self.issued_ack[i], self.durable[i]):
            errors.append("%s: nothing served, but records %d..%d were durable and not acknowledged"
                          % (where, self.issued_ack[i], self.durable[i]))
        if nxt < max(end, self.durable[i], self.issued_ack[i], self.handed_out[i]):
            errors.append("%s: numbering resumes at %d, below a number durable or handed out "
                          "(durable %d, acknowledged %d, handed out %d)"
                          % (where, nxt, self.durable[i], self.issued_ack[i], self.handed_out[i]))
        # Numbers between what was served and where numbering resumes were lost at the cut; the
        # checks above made sure none of them was durable.
        if nxt > end:
            self.lost[i].append((end, nxt))
        # This boot's own serving and acknowledgement start the next interval.
        if served:
            self.durable_ack[i] = first
        self.durable[i] = nxt
        self.handed_out[i] = max(self.handed_out[i], end)

    def follow(self, lines):
        """The reports of a running boot after its B lines."""
        for line in lines:
            f = line.split()
            if not f:
                continue
            if f[0] == "A":
                i, end = int(f[1]), int(f[2])
                self.issued_ack[i] = max(self.issued_ack[i], end)
                self.handed_out[i] = max(self.handed_out[i], end)
            elif f[0] == "C":
                i, end = int(f[1]), int(f[2])
                self.handed_out[i] = max(self.handed_out[i], end)
            elif f[0] == "D" and len(f) == 2 + 2 * SENSORS:
                for i in range(SENSORS):
                    self.durable[i] = max(self.durable[i], int(f[2 + 2 * i]))
                    self.durable_ack[i] = max(self.durable_ack[i], int(f[3 + 2 * i]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("qemu")
    ap.add_argument("image")
    ap.add_argument("--cuts", type=int, default=15)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=300, help="manager ticks of a boot that is not cut")
    ap.add_argument("--keep", help="keep the flash file and the console log in this directory")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    workdir = args.keep or tempfile.mkdtemp(prefix="ss-power-cut-")
    os.makedirs(workdir, exist_ok=True)
    flash = os.path.join(workdir, "flash.img")
    with open(flash, "wb") as f:
        f.write(b"\xff" * (BLOCKS * BLOCK_BYTES))  # a new chip: erased
    model = Model()
    errors = []
    torn = 0  # invalid units the mounts skipped: programs the cuts tore
    started = time.monotonic()
    with open(os.path.join(workdir, "console.log"), "w") as log:
        for boot in range(args.cuts + 1):
            last = boot == args.cuts
            kill_after = None if last else rng.randint(1, args.rounds - 1)
            delay = 0.0 if last else rng.choice([0.0, rng.uniform(0.0, 0.003)])
            log.write("=== boot %d: %s\n" % (boot, "to the end" if last else
                                             "cut after %d ticks + %.4f s" % (kill_after, delay)))
            lines, status = run_boot(args, args.image, flash, args.rounds, kill_after, delay, log)
            fails = [l for l in lines if l.startswith("FAIL")]
            for l in fails:
                errors.append("boot %d: %s" % (boot, l))
            if not any(l.startswith("B ") for l in lines):
                errors.append("boot %d: the image reported no boot check: %s" % (boot, lines[-3:]))
                break
            for l in lines:
                if l.startswith("M "):
                    torn += int(l.split()[3])
            model.process(boot, lines, errors)
            ticks = sum(1 for l in lines if l.startswith("D "))
            print("boot %2d: %s, %d ticks reported%s" % (
                boot, "ran to the end, status %s" % status if last else "cut after tick %d" % kill_after,
                ticks, "" if not fails else ", %d FAIL lines" % len(fails)))
            if last and status != 0:
                errors.append("the last boot ended with status %s" % status)
            if errors:
                break
    print("%d power cuts, seed %d, %.1f s, %d torn units skipped by the mounts; console log in %s" % (
        args.cuts, args.seed, time.monotonic() - started, torn, workdir))
    if errors:
        for e in errors:
            print("VIOLATION " + e)
        return 1
    print("flash power cut test: every durable record back after every cut")
    if not args.keep:
        shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
