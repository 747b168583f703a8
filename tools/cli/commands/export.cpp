// export: a store's live records into one CSV or HDF5 file (docs/export-formats.md), with the
// channel metadata and quality flags of the actor config file when one is given (else those an
// import kept beside the data, channel_file.hpp), or one of its
// [datasets] as a file named after the dataset and its id (seed 001). The store is only read;
// the file is written beside its name and renamed into place once complete, so an export that
// fails never leaves a partial file under the name asked for.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "commands/channel_file.hpp"
#include "commands/commands.hpp"
#include "commands/config_file.hpp"
#include "commands/exit_status.hpp"
#include "commands/progress.hpp"
#include "ss/export/config_metadata.hpp"
#include "ss/export/csv_export.hpp"
#include "ss/export/hdf5_export.hpp"
#include "ss/sensor_storage.h"
#include "store/store_open.hpp"

namespace ss::store_tool {

namespace {

namespace ex = ss::store_export;

int refuse(const std::string& what) {
    std::fprintf(stderr, "ss-store export: %s\n", what.c_str());
    return exit_error;
}

ex::RecordClock export_clock(Clock c) noexcept {
    switch (c) {
    case Clock::utc: return ex::RecordClock::utc;
    case Clock::monotonic: return ex::RecordClock::monotonic;
    case Clock::unknown: break;
    }
    return ex::RecordClock::unknown;
}

std::string tool_version() {
    return "ss-store " + std::to_string(SS_VERSION_MAJOR) + "." + std::to_string(SS_VERSION_MINOR) + "." +
           std::to_string(SS_VERSION_PATCH);
}

/// The file's creation time: now, or SOURCE_DATE_EPOCH (seconds) when it is set, as tools that
/// make reproducible output honour it (reproducible-builds.org): the same store and config then
/// give the same file, byte for byte in CSV.
std::int64_t created_utc_us() {
    if (const char* fixed = std::getenv("SOURCE_DATE_EPOCH"); fixed != nullptr && *fixed != '\0') {
        char* end = nullptr;
        const long long seconds = std::strtoll(fixed, &end, 10);
        if (*end == '\0' && seconds >= 0 && seconds < 253402300800LL) return seconds * 1'000'000;
    }
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// One sensor to export: where it is in the store and how it is described.
struct Planned {
    SensorKey key;
    ex::ExportSensor sensor;
    bool in_store = false;
};

} // namespace

int run_export(const ExportOptions& o) {
    auto store = open_store(o.dir, o.unit_bytes);
    if (!store) return refuse(store.error().message);
    const auto format = o.format == "hdf5" ? ex::ExportFormat::hdf5 : ex::ExportFormat::csv;

    std::optional<actors::PipelineSpec> spec;
    if (!o.config.empty()) {
        auto loaded = load_config_spec(o.config);
        if (!loaded) return refuse(loaded.error().message);
        spec = std::move(*loaded);
    }

    ex::ExportFileInfo info{tool_version(), created_utc_us(), std::nullopt};
    std::vector<Planned> plan;
    std::string out = o.out;
    if (!o.dataset.empty()) {
        if (!spec) return refuse("--dataset needs --config: the datasets are defined in the actor config file");
        auto selection = ex::dataset_from_config(*spec, o.dataset, format);
        if (!selection) return refuse(o.config + ": " + selection.error().message);
        info.dataset = selection->info;
        out = (std::filesystem::path(o.out.empty() ? "." : o.out) / selection->file_name).string();
        for (ex::ExportSensor& s : selection->sensors) {
            const SensorKey key{static_cast<SsSource>(s.source), s.id};
            const bool present = store->root.find(key) != nullptr;
            if (!present)
                std::fprintf(stderr, "ss-store export: %s: dataset sensor %s has no data in this store (written empty)\n",
                             store->root.path().c_str(), to_text(key).c_str());
            plan.push_back({key, std::move(s), present});
        }
    } else {
        if (out.empty()) return refuse("--out FILE is required (or --dataset NAME with --config)");
        std::vector<SensorKey> keys = o.sensors;
        if (keys.empty())
            for (const SensorFiles& f : store->root.sensors()) keys.push_back(f.key);
        for (const SensorKey& key : keys) {
            if (store->root.find(key) == nullptr)
                return refuse(store->root.path() + ": no sensor " + to_text(key) + " in this store");
            plan.push_back({key, {}, true});
        }
    }

    std::error_code ec;
    if (std::filesystem::exists(out, ec) && !o.force)
        return refuse(out + ": exists; give another --out, or --force to replace it");
    const std::string partial = out + ".partial";

    // Without a config, the metadata an import kept beside the data, if any.
    std::map<SensorKey, ex::ExportSensor> kept;
    if (!spec) {
        auto read = read_channel_file(store->root.path());
        if (!read) return refuse(read.error().message);
        kept = std::move(*read);
    }

    // The record type comes from the store; the description from the config where it has one.
    for (Planned& p : plan) {
        if (!p.in_store) continue;
        auto reader = store->sensor(p.key);
        if (!reader) return refuse(reader.error().message);
        const auto type = reader->type();
        if (!type) return refuse(reader->data_path() + ": no valid meta or unit header gives this sensor's record type");
        if (!o.dataset.empty()) {
            if (p.sensor.type != *type)
                return refuse(reader->data_path() + ": stored as " + (*type == RecordType::evt ? "events" : "time series") +
                              ", but the config's sensor " + p.sensor.config_name + " is not");
            continue;
        }
        if (spec) {
            auto described = ex::sensor_from_config(*spec, static_cast<std::uint8_t>(p.key.source), p.key.id, *type);
            if (described) {
                p.sensor = std::move(*described);
                continue;
            }
            std::fprintf(stderr, "ss-store export: %s: %s; exported without metadata (raw values, quality unknown)\n",
                         o.config.c_str(), described.error().message.c_str());
        }
        if (const auto k = kept.find(p.key); k != kept.end() && k->second.type == *type) {
            p.sensor = k->second;
            continue;
        }
        p.sensor = ex::sensor_without_config(static_cast<std::uint8_t>(p.key.source), p.key.id, *type);
    }

    auto writer = format == ex::ExportFormat::hdf5 ? ex::make_hdf5_writer(partial, info) : ex::make_csv_writer(partial, info);
    if (!writer) return refuse(writer.error().message);
    auto abandon = [&](const std::string& why) {
        writer->reset();
        std::filesystem::remove(partial, ec);
        return refuse(why);
    };

    std::uint64_t exported = 0, outside_range = 0;
    std::vector<ex::ExportRecord> batch;
    Progress progress("export", plan.size());
    for (const Planned& p : plan) {
        progress.step();
        if (auto r = (*writer)->begin_sensor(p.sensor); !r) return abandon(r.error().message);
        if (p.in_store) {
            auto reader = store->sensor(p.key);
            if (!reader) return abandon(reader.error().message);
            std::optional<std::string> failed;
            auto done = reader->for_each_record(0, ~std::uint64_t{0}, [&](const RecordBatch& b) {
                if (failed) return;
                batch.clear();
                for (const Record& r : b.records) {
                    if (o.from_utc_us || o.to_utc_us) {
                        const bool utc = r.clock == Clock::utc;
                        const auto t = static_cast<std::int64_t>(r.time_us);
                        if (!utc || (o.from_utc_us && t < *o.from_utc_us) || (o.to_utc_us && t > *o.to_utc_us)) {
                            ++outside_range;
                            continue;
                        }
                    }
                    batch.push_back({r.seq, static_cast<std::int64_t>(r.time_us), export_clock(r.clock), b.base.boot,
                                     r.value, r.ts_ms});
                }
                if (batch.empty()) return;
                if (auto a = (*writer)->append(batch); !a) failed = a.error().message;
                else exported += batch.size();
            });
            if (!done) return abandon(done.error().message);
            if (failed) return abandon(*failed);
        }
        if (auto r = (*writer)->end_sensor(); !r) return abandon(r.error().message);
    }
    if (auto r = (*writer)->finish(); !r) return abandon(r.error().message);
    writer->reset();
    std::filesystem::rename(partial, out, ec);
    if (ec) {
        std::filesystem::remove(partial, ec);
        return refuse(out + ": cannot put the export in place: " + ec.message());
    }
    std::printf("exported %llu records of %zu sensors to %s", static_cast<unsigned long long>(exported), plan.size(),
                out.c_str());
    if (outside_range != 0)
        std::printf(" (%llu records outside --from/--to or without a UTC time left out)",
                    static_cast<unsigned long long>(outside_range));
    std::printf("\n");
    return exit_ok;
}

} // namespace ss::store_tool
