// salvage: every valid record at or past the acknowledged boundary copied into a fresh store,
// with its sequence number, time base and boot; the boundary, the reservation and the lifetime
// counts carried in the new metas; the boot record and the destinations' cursors copied. The
// source store is only read. Exit 1 when something could not be saved.
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "commands/channel_file.hpp"
#include "commands/commands.hpp"
#include "commands/exit_status.hpp"
#include "commands/progress.hpp"
#include "store/store_open.hpp"
#include "posix/disk/disk_tier.hpp"
#include "store/store_writer.hpp"

namespace ss::store_tool {

namespace {

bool inside(const std::string& out, const std::string& dir) {
    std::error_code ec;
    const auto a = std::filesystem::weakly_canonical(out, ec);
    const auto b = std::filesystem::weakly_canonical(dir, ec);
    if (ec) return false;
    auto ai = a.begin();
    for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai)
        if (ai == a.end() || *ai != *bi) return false;
    return true;
}

} // namespace

int run_salvage(const SalvageOptions& o) {
    auto store = open_store(o.dir, o.unit_bytes);
    if (!store) {
        std::fprintf(stderr, "ss-store salvage: %s\n", store.error().message.c_str());
        return exit_error;
    }
    if (inside(o.out, o.dir)) {
        std::fprintf(stderr, "ss-store salvage: %s: inside the store being salvaged; give a directory outside %s\n",
                     o.out.c_str(), o.dir.c_str());
        return exit_error;
    }
    auto writer = StoreWriter::create(o.out, store->unit_bytes);
    if (!writer) {
        std::fprintf(stderr, "ss-store salvage: %s\n", writer.error().message.c_str());
        return exit_error;
    }
    std::uint64_t saved = 0, lost_records = 0, lost_units = 0, unsaved_sensors = 0;
    bool lost_unknown = false;
    Progress progress("salvage", store->root.sensors().size());
    for (const SensorFiles& f : store->root.sensors()) {
        progress.step();
        auto reader = store->sensor(f.key);
        auto fail_io = [&](const Failure& e) {
            std::fprintf(stderr, "ss-store salvage: %s\n", e.message.c_str());
            return exit_error;
        };
        if (!reader) return fail_io(reader.error());
        if (!reader->type()) {
            std::printf("%s: not saved: no valid meta and no well-formed unit (its type is unknown)\n", to_text(f.key).c_str());
            ++unsaved_sensors;
            continue;
        }
        // What is lost: the units that failed their check, counted as verify counts them.
        std::uint64_t sensor_lost_units = 0, sensor_lost_records = 0, lost_until = 0;
        std::uint64_t first_live = ~std::uint64_t{0}, end_seq = 0;
        auto walked = reader->walk(CheckLevel::full, [&](const Slot& s, const std::byte*) {
            if (s.kind == SlotKind::valid) {
                if (s.first_seq + s.count > reader->boundary() && first_live == ~std::uint64_t{0})
                    first_live = std::max(s.first_seq, reader->boundary());
                end_seq = s.first_seq + s.count;
                return;
            }
            if (s.kind == SlotKind::stale) return;
            ++sensor_lost_units;
            if (s.count == 0) lost_unknown = true;
            const std::uint64_t lo = std::max({s.first_seq, reader->boundary(), end_seq});
            if (s.first_seq + s.count > lo) sensor_lost_records += s.first_seq + s.count - lo;
            lost_until = std::max(lost_until, s.first_seq + s.count);
            std::printf("%s: not saved: %s unit at offset %llu of %s (%u records)\n", to_text(f.key).c_str(),
                        slot_kind_text(s.kind), static_cast<unsigned long long>(s.offset), reader->data_path().c_str(), s.count);
        });
        if (!walked) return fail_io(walked.error());
        if (auto ok = writer->begin_sensor(f.key, *reader->type()); !ok) return fail_io(ok.error());
        std::vector<std::byte> packed;
        Result<void> appended{};
        auto copied = reader->for_each_record(0, ~std::uint64_t{0}, [&](const RecordBatch& b) {
            if (!appended || b.records.empty()) return;
            const std::size_t size = sector::record_bytes(b.base.type);
            packed.resize(b.records.size() * size);
            for (std::size_t i = 0; i < b.records.size(); ++i) {
                sector::store<std::uint32_t>(packed.data() + i * size, b.records[i].value);
                if (b.base.type == RecordType::evt) sector::store<std::uint64_t>(packed.data() + i * size + 4, b.records[i].ts_ms);
            }
            const Record& r0 = b.records.front();
            const std::uint64_t t0 = r0.clock == Clock::unknown ? sector::time_unknown
                                   : r0.clock == Clock::utc   ? (r0.time_us | sector::utc_flag)
                                                              : r0.time_us;
            appended = writer->append(RecordRun{r0.seq, b.base.boot, b.base.period_us, t0, packed});
            saved += b.records.size();
        });
        if (!copied) return fail_io(copied.error());
        if (!appended) return fail_io(appended.error());
        disk::Meta meta;
        const MetaRead& m = reader->meta();
        if (m.usable()) {
            meta = m.meta;
            meta.head_seq = reader->boundary();
        } else {
            // As recovery without a meta: served from the first record, numbering a whole
            // reservation past the data (nobody knows how far RAM got).
            meta.head_seq = first_live == ~std::uint64_t{0} ? walked->end_seq : first_live;
            meta.seq_reserved = walked->end_seq + hal::DiskTier::seq_reservation;
        }
        meta.corrupt_units += sensor_lost_units;
        if (sensor_lost_units != 0) {
            meta.lost_units += static_cast<std::uint32_t>(sensor_lost_units);
            meta.lost_records += sensor_lost_records;
            meta.lost_until_seq = std::min(std::max(meta.lost_until_seq, lost_until), sector::max_seq + 1);
        }
        if (auto ok = writer->end_sensor(meta); !ok) return fail_io(ok.error());
        lost_units += sensor_lost_units;
        lost_records += sensor_lost_records;
    }
    if (auto ok = writer->copy_root_file(store->root, boot_file); !ok) {
        std::fprintf(stderr, "ss-store salvage: %s\n", ok.error().message.c_str());
        return exit_error;
    }
    if (auto ok = writer->copy_root_file(store->root, channel_file); !ok) {
        std::fprintf(stderr, "ss-store salvage: %s\n", ok.error().message.c_str());
        return exit_error;
    }
    for (const std::string& d : store->root.destination_files())
        if (auto ok = writer->copy_root_file(store->root, std::string(destinations_dir) + "/" + d); !ok) {
            std::fprintf(stderr, "ss-store salvage: %s\n", ok.error().message.c_str());
            return exit_error;
        }
    if (auto ok = writer->finish(); !ok) {
        std::fprintf(stderr, "ss-store salvage: %s\n", ok.error().message.c_str());
        return exit_error;
    }
    std::printf("salvaged %llu records of %zu sensors into %s; not saved: %llu records in %llu units%s, %llu sensors\n",
                static_cast<unsigned long long>(saved), store->root.sensors().size() - unsaved_sensors, o.out.c_str(),
                static_cast<unsigned long long>(lost_records), static_cast<unsigned long long>(lost_units),
                lost_unknown ? " (and units whose record count is unknown)" : "",
                static_cast<unsigned long long>(unsaved_sensors));
    return lost_units != 0 || unsaved_sensors != 0 ? exit_problems : exit_ok;
}

} // namespace ss::store_tool
