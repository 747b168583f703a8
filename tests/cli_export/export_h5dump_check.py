#!/usr/bin/env python3
"""Reads sample.h5 with h5dump (hdf5-tools, the HDF Group's own reader) and checks, against
expected.json: every sensor group's attributes as h5dump prints them, and every record's seq,
time_us, boot, raw, calibrated value (printed with 17 digits), quality and clock (printed by
their enum names) and event time. The value and quality are computed here from the metadata.

Usage: export_h5dump_check.py DIR   (h5dump from $SS_H5DUMP, else from PATH)"""

import os
import re
import subprocess
import sys
import tempfile

import export_expectations as ex

H5DUMP = os.environ.get("SS_H5DUMP") or "h5dump"


def run(*args):
    return subprocess.run([H5DUMP, *args], check=True, capture_output=True, text=True).stdout


def unescape(text):
    """h5dump prints a string's bytes beyond ASCII as octal escapes of a sign-extended char
    ("\\37777777702" for 0xC2); quotes inside it are printed as they are."""
    raw = re.sub(r"\\([0-7]+)", lambda m: chr(int(m.group(1), 8) & 0xFF), text)
    return raw.encode("latin-1").decode("utf-8")


def attributes(path, group):
    """{name: [values as text]} from `h5dump -A -g GROUP`'s DDL."""
    ddl = run("-A", "-m", "%.17g", "-w", "0", "-g", group, path)
    found = {}
    for m in re.finditer(r'ATTRIBUTE "([^"]+)" \{.*?DATA \{\s*\(0\): (.*?)\s*\}\s*\}', ddl, re.S):
        text = m.group(2)
        if text.startswith('"'):
            found[m.group(1)] = [unescape(text[1:-1])]
        else:
            # Long lines wrap with the index of their first value: "(0): -20,\n (1): 60".
            found[m.group(1)] = [re.sub(r"^\(\d+\):", "", v.strip()).strip() for v in text.split(",")]
    return found


def column(path, dataset, scratch):
    """A dataset's values as text, from `h5dump -d` with indices and wrapping off."""
    out = os.path.join(scratch, "column.txt")
    run("-d", dataset, "-m", "%.17g", "-y", "-w", "0", "-o", out, path)
    with open(out, encoding="utf-8") as f:
        text = f.read().strip()
    return [v.strip() for v in text.split(",")] if text else []


def main(directory):
    expected = ex.load(directory)
    path = os.path.join(directory, "sample.h5")
    c = ex.Checker("h5dump")
    root = attributes(path, "/")
    c.equal("format", root.get("format"), ["ss-export-hdf5"])
    c.equal("format_version", root.get("format_version"), ["1"])
    c.equal("dataset_id", root.get("dataset_id"), [expected["dataset"]["id"]])
    c.equal("dataset_description", root.get("dataset_description"), [expected["dataset"]["description"]])
    c.equal("created_us", root.get("created_us"), [str(expected["created_us"])])
    meta_group = attributes(path, "/dataset_metadata")
    c.equal("dataset metadata", {k: v[0] for k, v in meta_group.items()}, expected["dataset"]["metadata"])
    with tempfile.TemporaryDirectory() as scratch:
        for s in expected["sensors"]:
            group = "/%s/%d" % (s["source"], s["id"])
            a = attributes(path, group)
            c.equal(group + " source", a.get("source"), [s["source"]])
            c.equal(group + " id", a.get("id"), [str(s["id"])])
            c.equal(group + " type", a.get("type"), [s["type"]])
            c.equal(group + " config_name", a.get("config_name"), [s["config_name"]])
            c.equal(group + " records", a.get("records"), [str(len(s["records"]))])
            meta = s["metadata"]
            if meta is not None:
                c.equal(group + " name", a.get("name"), [meta["name"]])
                c.equal(group + " unit", a.get("unit"), [meta["unit"]])
                c.equal(group + " valid_range", [float(v) for v in a["valid_range"]], meta["valid"])
                c.equal(group + " plausible_range", [float(v) for v in a["plausible_range"]], meta["plausible"])
                c.equal(group + " slope", float(a["calibration_slope"][0]), meta["slope"])
                c.equal(group + " offset", float(a["calibration_offset"][0]), meta["offset"])
                c.equal(group + " calibration_date_ms", int(a["calibration_date_ms"][0]), meta["calibrated_ms"])
                c.equal(group + " encoding", a.get("encoding"), [meta["encoding"]])
            records = s["records"]
            columns = {name: column(path, group + "/" + name, scratch)
                       for name in ["seq", "time_us", "clock", "boot", "raw", "value", "quality"]
                       + (["event_ms"] if s["type"] == "evt" else [])}
            clock_word = {"utc": "utc", "monotonic": "mono", "unknown": ""}
            for name, values in columns.items():
                c.equal(group + "/" + name + " length", len(values), len(records))
            for i, (seq, time_us, clock, boot, raw, event_ms) in enumerate(records):
                at = "%s[%d]" % (group, i)
                c.equal(at + " seq", int(columns["seq"][i]), seq)
                c.equal(at + " time_us", int(columns["time_us"][i]), time_us)
                c.equal(at + " clock", clock_word.get(columns["clock"][i]), clock)
                c.equal(at + " boot", int(columns["boot"][i]), boot)
                c.equal(at + " raw", int(columns["raw"][i]), raw)
                c.equal(at + " value", float(columns["value"][i]), ex.value(meta, raw))
                c.equal(at + " quality", columns["quality"][i], ex.quality(meta, raw))
                if s["type"] == "evt":
                    c.equal(at + " event_ms", int(columns["event_ms"][i]), event_ms)
    return c.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
