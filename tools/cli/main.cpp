// ss-store: inspect, verify, salvage, dump, clear, export and import sensor-storage stores offline
// (docs/store-tool.md). Argument parsing is CLI11's, whose parse errors are its exceptions,
// caught here; nothing else throws out of a subcommand.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "commands/commands.hpp"
#include "commands/exit_status.hpp"
#include "commands/time_text.hpp"
#include "store/sensor_key.hpp"

namespace {

using namespace ss::store_tool;

std::string sensor_validator(const std::string& text) {
    return parse_sensor_key(text) ? std::string{} : "expected SOURCE:ID, e.g. host:42 (sources: host, app, can)";
}

std::string time_validator(const std::string& text) {
    return parse_time_argument(text) ? std::string{} : "expected a UTC time: 2026-12-05, 2026-12-05T06:10:45[.ffffff][Z]";
}

/// "csv" or "hdf5" from a file name's extension, "" when it says neither.
std::string format_of(const std::string& path) {
    const auto dot = path.rfind('.');
    const std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
    if (ext == "csv") return "csv";
    if (ext == "h5" || ext == "hdf5") return "hdf5";
    return "";
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"ss-store: inspect, check and rescue sensor-storage stores offline, without starting the library.\n"
                 "Reading commands never lock or change a store, so they are safe next to a running daemon."};
    app.name("ss-store");
    app.require_subcommand(1);
    app.footer("Exit status: 0 clean, 1 problems found (verify) or records not saved (salvage),\n"
               "2 usage error, not a store, I/O error or store in use.\n\n"
               "Examples:\n"
               "  ss-store stats /var/lib/sensor-storage\n"
               "  ss-store verify /var/lib/sensor-storage --level quick\n"
               "  ss-store dump /var/lib/sensor-storage --sensor host:42 --from-seq 1000 --json\n"
               "  ss-store salvage /var/lib/sensor-storage --out /srv/rescued\n"
               "  ss-store clear /var/lib/sensor-storage --sensor can:7\n"
               "  ss-store export /var/lib/sensor-storage --format hdf5 --out plant.h5 --config gateway.ini\n"
               "  ss-store import plant.h5 --into /srv/replay");
    std::uint32_t unit_bytes = 0;
    app.add_option("--unit-bytes", unit_bytes,
                   "unit size (the library's ram_sector_bytes) to assume for sensors without a valid meta; "
                   "default: what the metas say, else inferred from the data")
        ->check(CLI::Range(48u, 65536u));

    StatsOptions stats;
    auto* s = app.add_subcommand("stats", "per sensor: records, acknowledged boundary, sequence range and gaps, bytes, "
                                          "times, drops and corrupt units; totals");
    s->add_option("DIR", stats.dir, "the store's data root (disk_root)")->required();
    s->add_flag("--json", stats.json, "one JSON document instead of a table");
    s->footer("Offline, every record at or past the acknowledged boundary counts as unsent (a restart makes\n"
              "pending records unsent again), so PENDING is 0; records a running daemon holds in RAM are not seen.\n\n"
              "Examples:\n  ss-store stats /var/lib/sensor-storage\n  ss-store stats /var/lib/sensor-storage --json | jq .totals");

    VerifyOptions verify;
    std::string level = "full";
    auto* v = app.add_subcommand("verify", "check a store: metas, unit headers and CRCs, sequence order, ledger, "
                                           "acknowledgement log and cursor files");
    v->add_option("DIR", verify.dir, "the store's data root")->required();
    v->add_option("--level", level, "quick: metas and unit headers; full: also every unit's CRC")
        ->check(CLI::IsMember({"quick", "full"}))
        ->default_str("full");
    v->add_option("--config", verify.config, "the actor config file the daemon runs the store with: also check the "
                                             "disk quotas and sector sizes it sets against what the files hold");
    v->footer("Each problem is printed as FILE: offset N: WHAT; what it costs.\n"
              "Exit status: 0 clean, 1 problems found, 2 usage or I/O error.\n\n"
              "Examples:\n  ss-store verify /var/lib/sensor-storage\n  ss-store verify /var/lib/sensor-storage --level quick\n"
              "  ss-store verify /var/lib/sensor-storage --config /etc/sensor-storage/gateway.ini");

    SalvageOptions salvage;
    auto* sv = app.add_subcommand("salvage", "copy every valid record into a new store, keeping sequence numbers and "
                                             "acknowledged cursors; DIR is only read");
    sv->add_option("DIR", salvage.dir, "the damaged store's data root")->required();
    sv->add_option("--out", salvage.out, "a new directory (missing or empty) for the rescued store")->required();
    sv->footer("Reports every unit that could not be saved. Exit status: 0 everything saved, 1 something could\n"
               "not be saved, 2 usage or I/O error (an existing non-empty --out is refused).\n\n"
               "Example:\n  ss-store salvage /var/lib/sensor-storage --out /srv/rescued && ss-store verify /srv/rescued");

    DumpOptions dump;
    std::string dump_sensor;
    auto* d = app.add_subcommand("dump", "print live records with sequence numbers and times (text or JSON lines)");
    d->add_option("DIR", dump.dir, "the store's data root")->required();
    d->add_option("--sensor", dump_sensor, "only this sensor, as SOURCE:ID (host:42)")->check(sensor_validator);
    d->add_option("--from-seq", dump.from_seq, "first sequence number");
    d->add_option("--to-seq", dump.to_seq, "last sequence number (inclusive)");
    d->add_flag("--json", dump.json, "JSON lines instead of tab-separated text");
    d->footer("Live records are those a restart would serve: in valid units, at or past the acknowledged boundary.\n\n"
              "Examples:\n  ss-store dump /var/lib/sensor-storage --sensor host:42\n"
              "  ss-store dump /var/lib/sensor-storage --sensor can:7 --from-seq 100 --to-seq 199 --json");

    ClearOptions clear;
    std::string clear_sensor;
    auto* c = app.add_subcommand("clear", "discard one sensor's data as a counted operator action (through the "
                                          "library; refused while a daemon holds the store)");
    c->add_option("DIR", clear.dir, "the store's data root")->required();
    c->add_option("--sensor", clear_sensor, "the sensor, as SOURCE:ID (host:42)")->required()->check(sensor_validator);
    c->footer("Starts the library on DIR (recovery as at any start), calls ss_sensor_clear and stops cleanly.\n"
              "Exit status: 0 cleared, 2 usage error, unknown sensor, or store in use by another process.\n\n"
              "Example:\n  ss-store clear /var/lib/sensor-storage --sensor host:42");

    ExportOptions exp;
    std::vector<std::string> export_sensors;
    std::string export_from, export_to;
    auto* ex = app.add_subcommand("export", "write live records to a CSV or HDF5 file with channel metadata and quality "
                                           "flags (docs/export-formats.md); DIR is only read");
    ex->add_option("DIR", exp.dir, "the store's data root")->required();
    ex->add_option("--format", exp.format, "csv or hdf5")->check(CLI::IsMember({"csv", "hdf5"}))->default_str("csv");
    ex->add_option("--out", exp.out, "the file to write; with --dataset, the directory for it (default: .)");
    ex->add_option("--sensor", export_sensors, "only these sensors, as SOURCE:ID (repeat it)")->check(sensor_validator);
    ex->add_option("--from", export_from, "first UTC time (2026-12-05 or 2026-12-05T06:00:00[.ffffff][Z])")
        ->check(time_validator);
    ex->add_option("--to", export_to, "last UTC time, inclusive")->check(time_validator);
    ex->add_option("--config", exp.config, "the actor config file: sensor names, units, ranges, calibration and quality "
                                         "rules, and the datasets");
    ex->add_option("--dataset", exp.dataset, "a [datasets] entry of --config: its sensors in one file named "
                                           "<name>_<id>.csv|.h5 with the dataset's id, description and metadata");
    ex->add_flag("--force", exp.force, "replace an existing file");
    ex->footer("The file appears under its name only once complete. Without --config, the metadata an import kept\n"
              "beside the data (channels.csv) if any, else the value is the raw number and the quality 'unknown'.\n"
              "With --from/--to, records without a UTC time are left out (and counted).\n"
              "Exit status: 0 written, 2 usage error, not a store, unknown sensor or dataset, or I/O error.\n\n"
              "Examples:\n  ss-store export /var/lib/sensor-storage --format csv --out all.csv\n"
              "  ss-store export /var/lib/sensor-storage --format hdf5 --out temps.h5 --config gateway.ini \\\n"
              "      --sensor host:100 --sensor host:101 --from 2026-12-01 --to 2026-12-05T12:00:00Z\n"
              "  ss-store export /var/lib/sensor-storage --format hdf5 --config gateway.ini --dataset vibration --out /srv/exports");

    ImportOptions imp;
    auto* im = app.add_subcommand("import", "load a CSV or HDF5 export into a new store, keeping sequence numbers, "
                                            "times and boots (seed 001's load_dataset)");
    im->add_option("FILE", imp.file, "the export to load")->required()->check(CLI::ExistingFile);
    im->add_option("--into", imp.into, "a new directory (missing or empty) for the store")->required();
    im->add_option("--format", imp.format, "csv or hdf5 (default: from FILE's extension, .csv or .h5/.hdf5)")
        ->check(CLI::IsMember({"csv", "hdf5"}));
    im->footer("The library then serves the imported records as unsent, each sensor from its first record on. The\n"
               "sensors' names and channel metadata are kept beside the data (channels.csv), for export.\n"
               "Exit status: 0 imported, 2 usage error, malformed file or I/O error (nothing is left in --into).\n\n"
               "Examples:\n  ss-store import plant.h5 --into /srv/replay\n  ss-store import export.txt --format csv --into /srv/replay");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? exit_ok : exit_error;
    }
    stats.unit_bytes = verify.unit_bytes = dump.unit_bytes = salvage.unit_bytes = clear.unit_bytes = unit_bytes;
    if (*s) return run_stats(stats);
    if (*v) {
        verify.level = level == "quick" ? CheckLevel::quick : CheckLevel::full;
        return run_verify(verify);
    }
    if (*sv) return run_salvage(salvage);
    if (*d) {
        if (!dump_sensor.empty()) dump.sensor = parse_sensor_key(dump_sensor);
        return run_dump(dump);
    }
    if (*ex) {
        exp.unit_bytes = unit_bytes;
        for (const std::string& k : export_sensors) exp.sensors.push_back(*parse_sensor_key(k));
        if (!export_from.empty()) exp.from_utc_us = parse_time_argument(export_from);
        if (!export_to.empty()) exp.to_utc_us = parse_time_argument(export_to);
        return run_export(exp);
    }
    if (*im) {
        imp.unit_bytes = unit_bytes;
        if (imp.format.empty()) imp.format = format_of(imp.file);
        if (imp.format.empty()) {
            std::fprintf(stderr, "ss-store import: %s: cannot tell the format from the name; give --format csv or hdf5\n",
                         imp.file.c_str());
            return exit_error;
        }
        return run_import(imp);
    }
    clear.sensor = *parse_sensor_key(clear_sensor);
    return run_clear(clear);
}
