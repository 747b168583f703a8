#!/usr/bin/env python3
"""Checks tools/ss_compact_decode.py against the C++ encoder: decodes <dir>/batches.bin (written by
compact_reference_gen) and compares every record with <dir>/expected.jsonl (the same batches
through the C++ JSON lines codec): seq, value and time first, then every other member.

Usage: compact_reference_test.py <decoder script> <dir>
"""

import json
import subprocess
import sys


def main():
    decoder, directory = sys.argv[1], sys.argv[2]
    run = subprocess.run([sys.executable, decoder, directory + "/batches.bin"], capture_output=True, text=True)
    if run.returncode != 0:
        print("decoder failed (%d): %s" % (run.returncode, run.stderr), file=sys.stderr)
        return 1
    got = [json.loads(line) for line in run.stdout.splitlines()]
    with open(directory + "/expected.jsonl", encoding="utf-8") as f:
        want = [json.loads(line) for line in f]
    if len(got) != len(want):
        print("decoded %d records, expected %d" % (len(got), len(want)), file=sys.stderr)
        return 1
    bad = 0
    for i, (g, w) in enumerate(zip(got, want)):
        for field in ("seq", "value", "time_us", "clock", "ts_ms"):
            if g.get(field) != w.get(field):
                bad += 1
                if bad <= 10:
                    print("record %d (%s): %s %r, expected %r" % (i, w["key"], field, g.get(field), w.get(field)),
                          file=sys.stderr)
        if g != w:
            bad += 1
            if bad <= 10:
                print("record %d differs: %r expected %r" % (i, g, w), file=sys.stderr)
    if bad:
        print("%d mismatches" % bad, file=sys.stderr)
        return 1
    batches = len({w["key"] for w in want})
    print("compact_reference_test: %d records of %d batches decoded by %s match the C++ encoder"
          % (len(want), batches, decoder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
