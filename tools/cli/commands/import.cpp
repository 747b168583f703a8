// import: a CSV or HDF5 export (docs/export-formats.md) loaded back into a fresh store (seed
// 001's load_dataset), so that data can be moved to another gateway or replayed. Sequence
// numbers, times and boots are kept: records that share a time base go into units together, as
// the library wrote them, and each sensor's acknowledged boundary is its first record, so the
// library serves exactly the imported records as unsent. The sensors' names and channel
// metadata are kept beside the data (channel_file.hpp), where export finds them.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>
#include <string>
#include <vector>

#include "commands/channel_file.hpp"
#include "commands/commands.hpp"
#include "commands/exit_status.hpp"
#include "ss/export/csv_export.hpp"
#include "ss/export/hdf5_export.hpp"
#include "ss/sector_format.hpp"
#include "store/store_writer.hpp"

namespace ss::store_tool {

namespace {

namespace ex = ss::store_export;

int refuse(const std::string& what) {
    std::fprintf(stderr, "ss-store import: %s\n", what.c_str());
    return exit_error;
}

/// Records that continue one time base: consecutive sequence numbers, one boot and clock, and
/// times first_time + i × period, as the sector header of one unit describes them.
class RunBuilder {
public:
    explicit RunBuilder(RecordType type) : type_(type) {}

    bool empty() const noexcept { return count_ == 0; }

    /// Whether r continues the open run. A unit with no period (events, or a sensor whose period
    /// was not set) knows only its first record's time: the records after it come back with an
    /// unknown time and belong to the same run.
    bool continues(const ex::ExportRecord& r) const noexcept {
        if (count_ == 0) return true;
        if (r.seq != first_.seq + count_ || r.boot != first_.boot) return false;
        if (first_.clock == ex::RecordClock::unknown) return r.clock == ex::RecordClock::unknown;
        if (count_ == 1 && r.clock == ex::RecordClock::unknown) return true; // a run without a period
        if (count_ > 1 && period_us_ == 0) return r.clock == ex::RecordClock::unknown;
        if (r.clock != first_.clock) return false;
        const std::int64_t delta = r.time_us - first_.time_us;
        if (count_ == 1) return delta > 0 && delta <= std::int64_t{0xFFFFFFFF};
        return delta == static_cast<std::int64_t>(period_us_) * static_cast<std::int64_t>(count_);
    }

    void add(const ex::ExportRecord& r) {
        if (count_ == 0) first_ = r;
        else if (count_ == 1 && r.clock != ex::RecordClock::unknown)
            period_us_ = static_cast<std::uint32_t>(r.time_us - first_.time_us);
        std::byte rec[sector::evt_record_bytes];
        sector::store<std::uint32_t>(rec, r.raw);
        std::size_t n = sector::ts_record_bytes;
        if (type_ == RecordType::evt) {
            sector::store<std::uint64_t>(rec + 4, r.event_ms);
            n = sector::evt_record_bytes;
        }
        bytes_.insert(bytes_.end(), rec, rec + n);
        ++count_;
    }

    RecordRun run() const noexcept {
        RecordRun run;
        run.first_seq = first_.seq;
        run.boot = first_.boot;
        run.period_us = period_us_;
        switch (first_.clock) {
        case ex::RecordClock::utc: run.first_time = static_cast<std::uint64_t>(first_.time_us) | sector::utc_flag; break;
        case ex::RecordClock::monotonic: run.first_time = static_cast<std::uint64_t>(first_.time_us); break;
        case ex::RecordClock::unknown: run.first_time = sector::time_unknown; break;
        }
        run.records = bytes_;
        return run;
    }

    void clear() noexcept {
        count_ = 0;
        period_us_ = 0;
        bytes_.clear();
    }

private:
    RecordType type_;
    ex::ExportRecord first_{};
    std::uint64_t count_ = 0;
    std::uint32_t period_us_ = 0;
    std::vector<std::byte> bytes_;
};

} // namespace

int run_import(const ImportOptions& o) {
    const bool hdf5 = o.format == "hdf5";
    auto reader = hdf5 ? ex::open_hdf5_reader(o.file) : ex::open_csv_reader(o.file);
    if (!reader) return refuse(reader.error().message);
    std::error_code ec;
    const bool existed = std::filesystem::exists(o.into, ec);
    auto writer = StoreWriter::create(o.into, o.unit_bytes != 0 ? o.unit_bytes : 4096);
    if (!writer) return refuse(writer.error().message);
    // An import that fails leaves no half store: what it wrote goes (the directory was missing
    // or empty before, StoreWriter::create makes sure of that).
    auto abandon = [&](const std::string& what) {
        if (existed) {
            for (const auto& e : std::filesystem::directory_iterator(o.into, ec)) std::filesystem::remove_all(e.path(), ec);
        } else {
            std::filesystem::remove_all(o.into, ec);
        }
        return refuse(what);
    };

    std::uint64_t records = 0;
    std::vector<ex::ExportSensor> sensors;
    std::vector<ex::ExportRecord> batch(4096);
    for (;;) {
        auto next = (*reader)->next_sensor();
        if (!next) return abandon(next.error().message);
        if (!*next) break;
        const ex::ExportSensor& sensor = **next;
        if (sensor.source > SS_SOURCE_CAN)
            return abandon(o.file + ": sensor " + ex::sensor_label(sensor.source, sensor.id) + ": not a source this library has");
        const SensorKey key{static_cast<SsSource>(sensor.source), sensor.id};
        if (auto b = writer->begin_sensor(key, sensor.type); !b) return abandon(b.error().message);
        RunBuilder run(sensor.type);
        std::optional<std::uint64_t> first_seq;
        for (;;) {
            auto n = (*reader)->read(batch);
            if (!n) return abandon(n.error().message);
            if (*n == 0) break;
            for (std::size_t i = 0; i < *n; ++i) {
                const ex::ExportRecord& r = batch[i];
                if (!first_seq) first_seq = r.seq;
                if (!run.continues(r)) {
                    if (auto a = writer->append(run.run()); !a) return abandon(a.error().message);
                    run.clear();
                }
                run.add(r);
                ++records;
            }
        }
        if (!run.empty())
            if (auto a = writer->append(run.run()); !a) return abandon(a.error().message);
        disk::Meta meta;
        meta.head_seq = first_seq.value_or(0);
        if (auto e = writer->end_sensor(meta); !e) return abandon(e.error().message);
        sensors.push_back(sensor);
    }
    if (auto f = writer->finish(); !f) return abandon(f.error().message);
    // The names and metadata stay with the data, for an export without a config.
    if (auto c = write_channel_file(o.into, (*reader)->file_info(), sensors); !c) return abandon(c.error().message);
    std::printf("imported %llu records of %zu sensors into %s\n", static_cast<unsigned long long>(records),
                sensors.size(), o.into.c_str());
    return exit_ok;
}

} // namespace ss::store_tool
