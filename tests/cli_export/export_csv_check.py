#!/usr/bin/env python3
"""Reads sample.csv with Python's csv module and checks, against expected.json: the format line,
the file, dataset and dataset-metadata lines, the header row, one #sensor line per sensor with its
metadata, and every record's row: sensor, name, seq, time (ISO-8601 UTC or boot+seconds, as
computed here), time_us, clock, boot, raw, calibrated value, quality and event time. Lines are
CRLF-terminated (RFC 4180).

Usage: export_csv_check.py DIR"""

import csv
import sys

import export_expectations as ex

HEADER = ["sensor", "name", "seq", "time", "time_us", "clock", "boot", "raw", "value", "quality", "event_ms"]


def main(directory):
    expected = ex.load(directory)
    c = ex.Checker("csv")
    with open(directory + "/sample.csv", newline="", encoding="utf-8") as f:
        text = f.read()
    c.equal("every line ends in CRLF", text.count("\n"), text.count("\r\n"))
    rows = list(csv.reader(text.splitlines(keepends=True)))
    comments = [r for r in rows if r[0].startswith("#")]
    data = [r for r in rows if not r[0].startswith("#")]
    c.equal("format line", rows[0], ["#ss-export-csv", "1"])
    c.equal("file line", rows[1], ["#file", "tool_version", expected["tool_version"], "created",
                                   ex.iso_utc(expected["created_us"])])
    d = expected["dataset"]
    c.equal("dataset line", rows[2], ["#dataset", d["name"], d["id"], d["description"]])
    metadata_lines = [r for r in comments if r[0] == "#dataset-metadata"]
    c.equal("dataset metadata", {r[1]: r[2] for r in metadata_lines}, d["metadata"])
    c.equal("header row", data[0], HEADER)
    sensor_lines = {r[1]: r for r in comments if r[0] == "#sensor"}
    at = 1
    for s in expected["sensors"]:
        name = ex.label(s)
        meta = s["metadata"]
        line = sensor_lines.get(name)
        head = ["#sensor", name, s["type"], s["config_name"]]
        if meta is None:
            c.equal(name + " #sensor line", line, head + ["none"])
        else:
            c.equal(name + " #sensor line head", line[:6] if line else None, head + ["metadata", meta["name"]])
            c.equal(name + " unit", line[6], meta["unit"])
            c.equal(name + " ranges", [float(v) for v in line[7:11]], meta["valid"] + meta["plausible"])
            c.equal(name + " slope, offset", [float(v) for v in line[11:13]], [meta["slope"], meta["offset"]])
            c.equal(name + " calibrated_ms", int(line[13]), meta["calibrated_ms"])
            c.equal(name + " encoding", line[14], meta["encoding"])
        for i, (seq, time_us, clock, boot, raw, event_ms) in enumerate(s["records"]):
            where = "%s[%d]" % (name, i)
            if at >= len(data):
                c.equal(where, "missing row", "a row")
                break
            row = dict(zip(HEADER, data[at]))
            at += 1
            c.equal(where + " fields", len(data[at - 1]), len(HEADER))
            c.equal(where + " sensor", row["sensor"], name)
            c.equal(where + " name", row["name"], s["config_name"])
            c.equal(where + " seq", int(row["seq"]), seq)
            c.equal(where + " time", row["time"], ex.time_text(time_us, clock, boot))
            c.equal(where + " time_us", row["time_us"], str(time_us) if clock else "")
            c.equal(where + " clock", row["clock"], clock)
            c.equal(where + " boot", int(row["boot"]), boot)
            c.equal(where + " raw", int(row["raw"]), raw)
            c.equal(where + " value", float(row["value"]), ex.value(meta, raw))
            c.equal(where + " quality", row["quality"], ex.quality(meta, raw))
            c.equal(where + " event_ms", row["event_ms"], str(event_ms) if s["type"] == "evt" else "")
    c.equal("rows after the last sensor", len(data) - at, 0)
    return c.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
