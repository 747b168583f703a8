"""What the export checkers expect, computed here from expected.json (the stored fields and the
channel metadata), not taken from the C++ code: the calibrated value (slope * raw + offset, the
raw value read as a signed 32-bit number for signed32 channels), the quality (good inside the
valid range, suspect inside the plausible one, bad beyond or NaN; unknown without metadata), and
the record time as the CSV writes it. Python standard library only."""

import datetime
import json
import os


def load(directory):
    with open(os.path.join(directory, "expected.json"), encoding="utf-8") as f:
        return json.load(f)


def value(meta, raw):
    if meta is None:
        return float(raw)
    number = raw - 2**32 if meta["encoding"] == "signed32" and raw >= 2**31 else raw
    return meta["slope"] * float(number) + meta["offset"]


def quality(meta, raw):
    if meta is None:
        return "unknown"
    v = value(meta, raw)
    if meta["valid"][0] <= v <= meta["valid"][1]:
        return "good"
    if meta["plausible"][0] <= v <= meta["plausible"][1]:
        return "suspect"
    return "bad"


def iso_utc(us):
    t = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=us)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def time_text(time_us, clock, boot):
    if clock == "utc":
        return iso_utc(time_us)
    if clock == "mono":
        return "boot%d+%d.%06ds" % (boot, time_us // 1_000_000, time_us % 1_000_000)
    return ""


def label(sensor):
    return "%s:%d" % (sensor["source"], sensor["id"])


class Checker:
    """Counts checks and collects failures, so that one run reports every problem."""

    def __init__(self, name):
        self.name = name
        self.checks = 0
        self.failures = []

    def equal(self, what, got, expected):
        self.checks += 1
        if got != expected and len(self.failures) < 50:
            self.failures.append("%s: got %r, expected %r" % (what, got, expected))

    def done(self):
        for f in self.failures:
            print("FAIL", f)
        print("%s: %d checks, %d failed" % (self.name, self.checks, len(self.failures)))
        return 1 if self.failures else 0
