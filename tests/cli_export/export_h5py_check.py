#!/usr/bin/env python3
"""Reads sample.h5 with h5py and checks, against expected.json: the root attributes, the dataset
metadata group, one group per sensor /<source>/<id> with every metadata attribute, and every
record's seq, time, clock, boot, raw, calibrated value, quality and event time; the clock and
quality datasets are HDF5 enums with the documented names; nothing else is in the file.

Usage: export_h5py_check.py DIR"""

import sys

import h5py

import export_expectations as ex


def main(directory):
    expected = ex.load(directory)
    c = ex.Checker("h5py")
    with h5py.File(directory + "/sample.h5", "r") as f:
        a = f.attrs
        c.equal("format", a["format"], "ss-export-hdf5")
        c.equal("format_version", int(a["format_version"]), 1)
        c.equal("tool_version", a["tool_version"], expected["tool_version"])
        c.equal("created_us", int(a["created_us"]), expected["created_us"])
        c.equal("created", a["created"], ex.iso_utc(expected["created_us"]))
        d = expected["dataset"]
        c.equal("dataset_name", a["dataset_name"], d["name"])
        c.equal("dataset_id", a["dataset_id"], d["id"])
        c.equal("dataset_description", a["dataset_description"], d["description"])
        c.equal("dataset_metadata", dict(f["dataset_metadata"].attrs), d["metadata"])

        groups = sorted(
            (s, int(i)) for s in f.keys() if s != "dataset_metadata" for i in f[s].keys())
        c.equal("sensor groups", groups,
                sorted((s["source"], s["id"]) for s in expected["sensors"]))
        for s in expected["sensors"]:
            path = "/%s/%d" % (s["source"], s["id"])
            g = f[path]
            ga = g.attrs
            c.equal(path + " source", ga["source"], s["source"])
            c.equal(path + " id", int(ga["id"]), s["id"])
            c.equal(path + " type", ga["type"], s["type"])
            c.equal(path + " config_name", ga["config_name"], s["config_name"])
            c.equal(path + " records", int(ga["records"]), len(s["records"]))
            meta = s["metadata"]
            c.equal(path + " metadata", ga["metadata"], "none" if meta is None else "known")
            if meta is not None:
                c.equal(path + " name", ga["name"], meta["name"])
                c.equal(path + " unit", ga["unit"], meta["unit"])
                c.equal(path + " valid_range", list(ga["valid_range"]), meta["valid"])
                c.equal(path + " plausible_range", list(ga["plausible_range"]), meta["plausible"])
                c.equal(path + " calibration_slope", float(ga["calibration_slope"]), meta["slope"])
                c.equal(path + " calibration_offset", float(ga["calibration_offset"]), meta["offset"])
                c.equal(path + " calibration_date_ms", int(ga["calibration_date_ms"]), meta["calibrated_ms"])
                c.equal(path + " calibration_date", ga["calibration_date"],
                        ex.iso_utc(meta["calibrated_ms"] * 1000) if meta["calibrated_ms"] else "")
                c.equal(path + " encoding", ga["encoding"], meta["encoding"])

            columns = ["seq", "time_us", "clock", "boot", "raw", "value", "quality"]
            if s["type"] == "evt":
                columns.append("event_ms")
            c.equal(path + " datasets", sorted(g.keys()), sorted(columns))
            for name in columns:
                c.equal(path + "/" + name + " chunked", g[name].chunks is not None, True)
                c.equal(path + "/" + name + " deflate", g[name].compression, "gzip")
                c.equal(path + "/" + name + " shuffle", g[name].shuffle, True)
                c.equal(path + "/" + name + " extensible", g[name].maxshape, (None,))
            quality_names = {v: k for k, v in h5py.check_enum_dtype(g["quality"].dtype).items()}
            clock_names = {v: k for k, v in h5py.check_enum_dtype(g["clock"].dtype).items()}
            c.equal(path + " quality enum", sorted(quality_names.values()),
                    sorted(["good", "suspect", "bad", "interpolated", "unknown"]))
            c.equal(path + " clock enum", sorted(clock_names.items()),
                    [(0, "unknown"), (1, "monotonic"), (2, "utc")])
            data = {name: g[name][()] for name in columns}
            clock_word = {"utc": "utc", "monotonic": "mono", "unknown": ""}
            for i, (seq, time_us, clock, boot, raw, event_ms) in enumerate(s["records"]):
                at = "%s[%d]" % (path, i)
                c.equal(at + " seq", int(data["seq"][i]), seq)
                c.equal(at + " time_us", int(data["time_us"][i]), time_us)
                c.equal(at + " clock", clock_word[clock_names[int(data["clock"][i])]], clock)
                c.equal(at + " boot", int(data["boot"][i]), boot)
                c.equal(at + " raw", int(data["raw"][i]), raw)
                c.equal(at + " value", float(data["value"][i]), ex.value(meta, raw))
                c.equal(at + " quality", quality_names[int(data["quality"][i])], ex.quality(meta, raw))
                if s["type"] == "evt":
                    c.equal(at + " event_ms", int(data["event_ms"][i]), event_ms)
    return c.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
