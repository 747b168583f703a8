// stats: what each sensor's files hold, from the files alone. Offline there is no process: every
// record at or past the acknowledged boundary is unsent (a restart makes pending records unsent
// again), and what a running daemon holds in RAM is not on disk (docs/store-tool.md).
#include <cstdio>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "commands/exit_status.hpp"
#include "commands/json_text.hpp"
#include "commands/progress.hpp"
#include "store/store_open.hpp"
#include "commands/time_text.hpp"
#include "posix/disk/file_names.hpp"
#include "ss/source_name.hpp"

namespace ss::store_tool {

namespace {

struct Time {
    Clock clock = Clock::unknown;
    std::uint64_t us = 0;
    std::uint32_t boot = 0;
};

struct SensorStats {
    SensorKey key;
    const char* type = "unknown";
    bool meta_valid = false;
    std::uint64_t records = 0;       // valid units' records at or past the boundary
    std::uint64_t acked_on_disk = 0; // valid units' records below it (space not yet given back)
    std::uint64_t boundary = 0;
    std::uint64_t first_seq = 0, last_seq = 0;
    std::uint64_t gaps = 0, gap_records = 0;
    std::uint64_t reserved = 0;
    std::uint64_t bytes_on_disk = 0;
    Time oldest, newest;
    std::uint64_t dropped_quota = 0, corrupt_units_lifetime = 0, lost_records = 0, lost_units = 0;
    std::uint64_t corrupt_units = 0, stale_units = 0, valid_units = 0;
};

Time time_of(const std::byte* unit, std::uint32_t index) {
    const std::uint64_t t = sector::record_time(sector::first_time(unit), sector::period_us(unit), index);
    if (t == sector::time_unknown) return {};
    return Time{(t & sector::utc_flag) != 0 ? Clock::utc : Clock::monotonic, t & ~sector::utc_flag, sector::boot(unit)};
}

Result<SensorStats> stats_of(const OpenStore& store, SensorKey key) {
    auto reader = store.sensor(key);
    if (!reader) return std::unexpected(reader.error());
    SensorStats s;
    s.key = key;
    if (reader->type()) s.type = *reader->type() == RecordType::ts ? "ts" : "evt";
    s.boundary = reader->boundary();
    const MetaRead& m = reader->meta();
    s.meta_valid = m.usable();
    if (m.usable()) {
        s.reserved = m.meta.seq_reserved;
        s.dropped_quota = m.meta.dropped_quota;
        s.corrupt_units_lifetime = m.meta.corrupt_units;
        s.lost_records = m.meta.lost_records;
        s.lost_units = m.meta.lost_units;
    }
    bool any = false;
    std::uint64_t prev_end = 0;
    auto walked = reader->walk(CheckLevel::full, [&](const Slot& slot, const std::byte* unit) {
        if (slot.kind == SlotKind::stale) ++s.stale_units;
        if (slot.kind != SlotKind::valid) {
            if (slot.kind != SlotKind::stale) ++s.corrupt_units;
            return;
        }
        ++s.valid_units;
        const std::uint64_t end = slot.first_seq + slot.count;
        if (end <= s.boundary) {
            s.acked_on_disk += slot.count;
            return;
        }
        const std::uint64_t from = std::max(slot.first_seq, s.boundary);
        s.acked_on_disk += from - slot.first_seq;
        s.records += end - from;
        if (!any) {
            s.first_seq = from;
            s.oldest = time_of(unit, static_cast<std::uint32_t>(from - slot.first_seq));
        } else if (from > prev_end) {
            ++s.gaps;
            s.gap_records += from - prev_end;
        }
        any = true;
        prev_end = end;
        s.last_seq = end - 1;
        s.newest = time_of(unit, slot.count - 1u);
    });
    if (!walked) return std::unexpected(walked.error());
    s.bytes_on_disk = walked->allocated_bytes;
    if (s.reserved == 0) s.reserved = walked->end_seq;
    if (m.present) s.bytes_on_disk += disk::meta_bytes;
    return s;
}

std::string time_json(const Time& t) {
    if (t.clock == Clock::unknown) return "null";
    return "{\"clock\":\"" + std::string(clock_text(t.clock)) + "\",\"us\":" + std::to_string(t.us) +
           ",\"boot\":" + std::to_string(t.boot) + ",\"text\":" + json_string(time_text(t.clock, t.us)) + "}";
}

void print_json(const std::vector<SensorStats>& all, const SensorStats& total, const OpenStore& store) {
    std::printf("{\"root\":%s,\"unit_bytes\":%u,\"sensors\":[", json_string(store.root.path()).c_str(), store.unit_bytes);
    for (std::size_t i = 0; i < all.size(); ++i) {
        const SensorStats& s = all[i];
        std::printf("%s{\"sensor\":%s,\"source\":\"%s\",\"id\":%u,\"type\":\"%s\",\"meta_valid\":%s,\"records\":%llu,"
                    "\"unsent\":%llu,\"pending\":0,\"acknowledged_below\":%llu,\"acknowledged_on_disk\":%llu,",
                    i == 0 ? "" : ",", json_string(to_text(s.key)).c_str(), source_name(s.key.source), s.key.id, s.type,
                    s.meta_valid ? "true" : "false", static_cast<unsigned long long>(s.records),
                    static_cast<unsigned long long>(s.records), static_cast<unsigned long long>(s.boundary),
                    static_cast<unsigned long long>(s.acked_on_disk));
        if (s.records != 0)
            std::printf("\"first_seq\":%llu,\"last_seq\":%llu,", static_cast<unsigned long long>(s.first_seq),
                        static_cast<unsigned long long>(s.last_seq));
        else std::printf("\"first_seq\":null,\"last_seq\":null,");
        std::printf("\"gaps\":%llu,\"gap_records\":%llu,\"seq_reserved\":%llu,\"bytes_on_disk\":%llu,\"oldest\":%s,"
                    "\"newest\":%s,\"dropped_quota\":%llu,\"corrupt_units_lifetime\":%llu,\"lost_units\":%llu,"
                    "\"lost_records\":%llu,\"valid_units\":%llu,\"corrupt_units\":%llu,\"stale_units\":%llu}",
                    static_cast<unsigned long long>(s.gaps), static_cast<unsigned long long>(s.gap_records),
                    static_cast<unsigned long long>(s.reserved), static_cast<unsigned long long>(s.bytes_on_disk),
                    time_json(s.oldest).c_str(), time_json(s.newest).c_str(),
                    static_cast<unsigned long long>(s.dropped_quota), static_cast<unsigned long long>(s.corrupt_units_lifetime),
                    static_cast<unsigned long long>(s.lost_units), static_cast<unsigned long long>(s.lost_records),
                    static_cast<unsigned long long>(s.valid_units), static_cast<unsigned long long>(s.corrupt_units),
                    static_cast<unsigned long long>(s.stale_units));
    }
    std::printf("],\"totals\":{\"sensors\":%zu,\"records\":%llu,\"unsent\":%llu,\"pending\":0,\"bytes_on_disk\":%llu,"
                "\"dropped_quota\":%llu,\"lost_records\":%llu,\"corrupt_units\":%llu,\"gap_records\":%llu}}\n",
                all.size(), static_cast<unsigned long long>(total.records), static_cast<unsigned long long>(total.records),
                static_cast<unsigned long long>(total.bytes_on_disk), static_cast<unsigned long long>(total.dropped_quota),
                static_cast<unsigned long long>(total.lost_records), static_cast<unsigned long long>(total.corrupt_units),
                static_cast<unsigned long long>(total.gap_records));
}

void print_text(const std::vector<SensorStats>& all, const SensorStats& total, const OpenStore& store) {
    std::printf("store %s: %zu sensors, %u-byte units\n", store.root.path().c_str(), all.size(), store.unit_bytes);
    std::printf("%-14s %-4s %10s %10s %7s %-27s %6s %12s %10s %8s %8s  %s .. %s\n", "SENSOR", "TYPE", "UNSENT",
                "PENDING", "ACKED<", "SEQ", "GAPS", "BYTES", "DROP_QUOTA", "LOST", "CORRUPT", "OLDEST", "NEWEST");
    for (const SensorStats& s : all) {
        const std::string seq = s.records == 0 ? "-" : std::to_string(s.first_seq) + ".." + std::to_string(s.last_seq);
        std::printf("%-14s %-4s %10llu %10s %7llu %-27s %6llu %12llu %10llu %8llu %8llu  %s .. %s%s\n",
                    to_text(s.key).c_str(), s.type, static_cast<unsigned long long>(s.records), "0",
                    static_cast<unsigned long long>(s.boundary), seq.c_str(), static_cast<unsigned long long>(s.gaps),
                    static_cast<unsigned long long>(s.bytes_on_disk), static_cast<unsigned long long>(s.dropped_quota),
                    static_cast<unsigned long long>(s.lost_records), static_cast<unsigned long long>(s.corrupt_units),
                    time_text(s.oldest.clock, s.oldest.us).c_str(), time_text(s.newest.clock, s.newest.us).c_str(),
                    s.meta_valid ? "" : "  (no valid meta)");
    }
    std::printf("total: %llu unsent records, %llu bytes on disk, %llu dropped at the quota, %llu lost, %llu corrupt units\n",
                static_cast<unsigned long long>(total.records), static_cast<unsigned long long>(total.bytes_on_disk),
                static_cast<unsigned long long>(total.dropped_quota), static_cast<unsigned long long>(total.lost_records),
                static_cast<unsigned long long>(total.corrupt_units));
    std::printf("(offline: PENDING is always 0, a restart makes pending records unsent; a running daemon's RAM is not seen)\n");
}

} // namespace

int run_stats(const StatsOptions& o) {
    auto store = open_store(o.dir, o.unit_bytes);
    if (!store) {
        std::fprintf(stderr, "ss-store stats: %s\n", store.error().message.c_str());
        return exit_error;
    }
    std::vector<SensorStats> all;
    SensorStats total;
    Progress progress("stats", store->root.sensors().size());
    for (const SensorFiles& f : store->root.sensors()) {
        auto s = stats_of(*store, f.key);
        if (!s) {
            std::fprintf(stderr, "ss-store stats: %s\n", s.error().message.c_str());
            return exit_error;
        }
        total.records += s->records;
        total.bytes_on_disk += s->bytes_on_disk;
        total.dropped_quota += s->dropped_quota;
        total.lost_records += s->lost_records;
        total.corrupt_units += s->corrupt_units;
        total.gap_records += s->gap_records;
        all.push_back(*s);
        progress.step();
    }
    if (o.json) print_json(all, total, *store);
    else print_text(all, total, *store);
    return exit_ok;
}

} // namespace ss::store_tool
