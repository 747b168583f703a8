// verify: an fsck of a store's files, read-only. Every problem is printed with its file, its
// offset where it has one, and what it costs (records lost, or what a restart does about it);
// exit 1 if there is any, 0 if none.
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "commands/config_file.hpp"
#include "commands/exit_status.hpp"
#include "commands/progress.hpp"
#include "store/store_open.hpp"
#include "posix/disk/file_names.hpp"
#include "ss/disk_format.hpp"
#include "store/meta_read.hpp"

namespace ss::store_tool {

namespace {

struct Problems {
    std::uint64_t count = 0;
    std::uint64_t records_lost = 0;
    bool lost_unknown = false;

    void report(const std::string& file, const std::string& where, const std::string& what, const std::string& cost) {
        ++count;
        std::printf("%s%s: %s; %s\n", file.c_str(), where.c_str(), what.c_str(), cost.c_str());
    }
};

std::string at(std::uint64_t offset) { return ": offset " + std::to_string(offset); }

/// What the library, started with the config's storage knobs, would allow the store on disk:
/// the disk tier counts space in chunks (disk_sector_bytes) that hold at least one unit
/// (docs/storage-format.md, "Data file"; hal/posix/disk/quota.hpp).
struct QuotaLimits {
    std::string config;
    std::uint32_t chunk_bytes = 0;
    std::uint64_t store_chunks = 0;      ///< disk_quota_bytes / chunk_bytes; 0 = no limit
    std::uint64_t sensor_chunks = 0;     ///< disk_quota_per_sensor_bytes / chunk_bytes; 0 = none
    std::uint64_t used_chunks = 0;       ///< summed over the sensors as they are checked
};

std::string chunks_text(std::uint64_t chunks, std::uint32_t chunk_bytes) {
    return std::to_string(chunks) + " chunks (" + std::to_string(chunks * chunk_bytes) + " bytes)";
}

void check_ack_file(const OpenStore& store, const std::string& name, const char* kind, Problems& p) {
    auto r = read_ack_file(store.root, name);
    const std::string path = store.root.path() + "/" + name;
    if (!r) {
        p.report(path, "", r.error().message, "unreadable");
        return;
    }
    if (!r->present) return;
    if (!r->header_ok) {
        p.report(path, at(0), std::string(kind) + " header is not valid: the whole file is ignored",
                 "costs no records (acknowledged ones since the metas were written are re-sent)");
        return;
    }
    for (const std::uint64_t off : r->bad_entries)
        p.report(path, at(off), "entry failed its check", "costs no records (that boundary may be re-sent from an older one)");
    if (r->tail_bytes != 0)
        p.report(path, at(std::uint64_t{disk::ack_log_header_bytes} + r->valid_entries * disk::ack_entry_bytes +
                          r->bad_entries.size() * disk::ack_entry_bytes),
                 std::to_string(r->tail_bytes) + " bytes of a torn append", "costs no records");
}

struct ValidUnit {
    std::uint64_t offset, first, count;
};

void check_sensor(const OpenStore& store, SensorKey key, CheckLevel level, std::optional<QuotaLimits>& quota,
                  Problems& p) {
    auto reader = store.sensor(key);
    if (!reader) {
        p.report(store.root.sensor_path(key, hal::tier::data_ext), "", reader.error().message, "unreadable");
        return;
    }
    const std::string meta_path = store.root.sensor_path(key, hal::tier::meta_ext);
    const MetaRead& m = reader->meta();
    const SensorFiles* files = store.root.find(key);
    if (!m.present && files->data)
        p.report(meta_path, "", "missing: the acknowledged boundary is unknown",
                 "costs no records (a restart serves every record on disk again and numbering skips 2^20)");
    else if (m.present && m.error != disk::MetaError::none)
        p.report(meta_path, "", std::string("not valid (") + meta_error_text(m.error) + ")",
                 "costs no records (a restart rebuilds it from the data: acknowledged records come back)");
    else if (m.names_other)
        p.report(meta_path, "", "names another sensor (" + to_text(SensorKey{m.meta.source, m.meta.sensor_id}) + ")",
                 "costs no records (a restart ignores it and rebuilds it)");
    else if (m.usable() && m.meta.unit_bytes != store.unit_bytes)
        p.report(meta_path, "", "unit size " + std::to_string(m.meta.unit_bytes) + " differs from the store's " +
                                    std::to_string(store.unit_bytes),
                 "a library started with the store's unit size ignores this meta");
    if (!reader->has_data()) return;
    if (!reader->type()) {
        p.report(reader->data_path(), "", "no well-formed unit header and no valid meta: the record type is unknown",
                 "its records cannot be read");
        return;
    }
    std::vector<ValidUnit> valid;
    std::vector<Slot> bad;
    auto walked = reader->walk(level, [&](const Slot& s, const std::byte*) {
        if (s.kind == SlotKind::valid) valid.push_back({s.offset, s.first_seq, s.count});
        else bad.push_back(s);
    });
    if (!walked) {
        p.report(reader->data_path(), "", walked.error().message, "the rest of the file is unchecked");
        return;
    }
    const std::uint64_t boundary = reader->boundary();
    for (const Slot& s : bad) {
        if (s.kind == SlotKind::stale) {
            p.report(reader->data_path(), at(s.offset),
                     "stale unit (records " + std::to_string(s.first_seq) + ".." + std::to_string(s.first_seq + s.count - 1) +
                         " after later ones)",
                     "costs no records (skipped)");
            continue;
        }
        // What it costs, as recovery counts it: its records at or past the boundary, between the
        // valid units around it.
        std::uint64_t prev_end = 0, next_first = ~std::uint64_t{0};
        for (const ValidUnit& u : valid) {
            if (u.offset < s.offset) prev_end = u.first + u.count;
            else if (u.offset > s.offset) {
                next_first = u.first;
                break;
            }
        }
        std::string what = std::string(s.kind == SlotKind::torn ? "the file ends inside a unit (a write cut short)"
                                       : s.kind == SlotKind::bad_crc ? "unit failed its CRC check"
                                                                    : "unit header is not valid");
        if (s.version != sector::format_version && s.version != sector::format_v1 && s.kind == SlotKind::bad_header)
            what += " (format version " + std::to_string(s.version) + ": damaged, or written by a newer library)";
        std::string cost;
        if (s.count == 0) {
            const bool matters = next_first > boundary;
            cost = matters ? "costs an unknown number of records (header unreadable)" : "costs no records (acknowledged)";
            // The valid units around it bound what it can have held.
            const std::uint64_t lo = std::max(prev_end, boundary);
            if (matters && next_first != ~std::uint64_t{0} && next_first > lo)
                cost += "; at most " + std::to_string(next_first - lo) + " (" + std::to_string(lo) + ".." +
                        std::to_string(next_first - 1) + " are missing between the valid units around it)";
            p.lost_unknown = p.lost_unknown || matters;
        } else {
            const std::uint64_t lo = std::max({s.first_seq, boundary, prev_end});
            const std::uint64_t hi = std::min(s.first_seq + s.count, next_first);
            const std::uint64_t lost = hi > lo ? hi - lo : 0;
            p.records_lost += lost;
            cost = "costs " + std::to_string(lost) + " records" +
                   (lost != 0 ? " (" + std::to_string(lo) + ".." + std::to_string(hi - 1) + ")" : "");
        }
        p.report(reader->data_path(), at(s.offset), what, cost);
    }
    if (quota) {
        std::set<std::uint64_t> chunks;
        for (const ValidUnit& u : valid) chunks.insert(u.offset / quota->chunk_bytes);
        quota->used_chunks += chunks.size();
        if (quota->sensor_chunks != 0 && chunks.size() > quota->sensor_chunks)
            p.report(reader->data_path(), "",
                     "holds " + chunks_text(chunks.size(), quota->chunk_bytes) + ", over the per-sensor quota of " +
                         chunks_text(quota->sensor_chunks, quota->chunk_bytes) + " in " + quota->config,
                     "a start with that config drops this sensor's oldest unsent records down to its quota");
    }
    if (m.usable() && m.meta.seq_reserved < walked->end_seq)
        p.report(meta_path, "", "sequence reservation " + std::to_string(m.meta.seq_reserved) +
                                    " is behind the data (records up to " + std::to_string(walked->end_seq - 1) + ")",
                 "costs no records (a restart numbers on past the data)");
    if (const auto l = store.ledger.next_seq.find(key); l != store.ledger.next_seq.end() && l->second < walked->end_seq)
        p.report(store.root.path() + "/" + ledger_file, "",
                 "entry for " + to_text(key) + " says next sequence number " + std::to_string(l->second) +
                     " but the data holds records up to " + std::to_string(walked->end_seq - 1),
                 "costs no records (a restart numbers on past the data)");
}

} // namespace

int run_verify(const VerifyOptions& o) {
    auto store = open_store(o.dir, o.unit_bytes);
    if (!store) {
        std::fprintf(stderr, "ss-store verify: %s\n", store.error().message.c_str());
        return exit_error;
    }
    Problems p;
    const std::string root = store->root.path();
    if (store->boot.present && !store->boot.valid)
        p.report(root + "/" + boot_file, "", "boot record is not valid", "costs no records (boot numbers start again at 1)");
    if (store->ledger.present && store->ledger.error != disk::LedgerError::none)
        p.report(root + "/" + ledger_file, "", std::string("shutdown ledger is not valid (") + ledger_error_text(store->ledger.error) + ")",
                 "costs no records (numbering resumes at the reservations: a gap)");
    check_ack_file(*store, ack_log_file, "acknowledgement log", p);
    for (const std::string& d : store->root.destination_files())
        check_ack_file(*store, std::string(destinations_dir) + "/" + d, "destination cursor file", p);
    std::optional<QuotaLimits> quota;
    if (!o.config.empty()) {
        auto spec = load_config_spec(o.config);
        if (!spec) {
            std::fprintf(stderr, "ss-store verify: %s\n", spec.error().message.c_str());
            return exit_error;
        }
        const SsInitCfg& cfg = spec->storage;
        quota = QuotaLimits{o.config, cfg.disk_sector_bytes, cfg.disk_quota_bytes / cfg.disk_sector_bytes,
                            cfg.disk_quota_per_sensor_bytes / cfg.disk_sector_bytes, 0};
        if (cfg.ram_sector_bytes != store->unit_bytes)
            p.report(o.config, "", "ram_sector_bytes " + std::to_string(cfg.ram_sector_bytes) +
                                       " differs from the store's unit size " + std::to_string(store->unit_bytes),
                     "a start with that config ignores the store's metas and cannot read its units");
    }
    Progress progress("verify", store->root.sensors().size());
    for (const SensorFiles& f : store->root.sensors()) {
        check_sensor(*store, f.key, o.level, quota, p);
        progress.step();
    }
    if (quota && quota->store_chunks != 0 && quota->used_chunks > quota->store_chunks)
        p.report(root, "", "holds " + chunks_text(quota->used_chunks, quota->chunk_bytes) + ", over the disk quota of " +
                               chunks_text(quota->store_chunks, quota->chunk_bytes) + " in " + quota->config,
                 "a start with that config drops the oldest unsent records until the store fits");
    if (p.count == 0) {
        std::printf("%s: clean (%zu sensors, %s check", root.c_str(), store->root.sensors().size(),
                    o.level == CheckLevel::full ? "full" : "quick");
        if (quota)
            std::printf("; %s of the quota's %s", chunks_text(quota->used_chunks, quota->chunk_bytes).c_str(),
                        quota->store_chunks != 0 ? std::to_string(quota->store_chunks).c_str() : "unlimited");
        std::printf(")\n");
        return exit_ok;
    }
    std::printf("%s: %llu problems; %llu records lost%s\n", root.c_str(), static_cast<unsigned long long>(p.count),
                static_cast<unsigned long long>(p.records_lost), p.lost_unknown ? " and an unknown number more" : "");
    return exit_problems;
}

} // namespace ss::store_tool
