#include "store/root_records.hpp"

#include <algorithm>

namespace ss::store_tool {

namespace {
const std::byte* bytes_of(const std::string& s) { return reinterpret_cast<const std::byte*>(s.data()); }
} // namespace

Result<AckFileRead> read_ack_file(const StoreRoot& root, const std::string& name) {
    AckFileRead r;
    auto fd = root.open_root_file(name);
    if (!fd) return std::unexpected(fd.error());
    if (!*fd) return r;
    r.present = true;
    auto content = read_whole(fd->get(), root.path() + "/" + name);
    if (!content) return std::unexpected(content.error());
    const std::byte* data = bytes_of(*content);
    r.header_ok = disk::check_ack_log_header(data, content->size());
    if (!r.header_ok) return r;
    const std::size_t whole = (content->size() - disk::ack_log_header_bytes) / disk::ack_entry_bytes;
    r.tail_bytes = (content->size() - disk::ack_log_header_bytes) % disk::ack_entry_bytes;
    for (std::size_t i = 0; i < whole; ++i) {
        const std::size_t at = disk::ack_log_header_bytes + i * disk::ack_entry_bytes;
        disk::AckEntry e;
        if (!disk::decode_ack_entry(data + at, e)) {
            r.bad_entries.push_back(at);
            continue;
        }
        ++r.valid_entries;
        std::uint64_t& h = r.highest[SensorKey{e.source, e.sensor_id}];
        h = std::max(h, e.head_seq);
    }
    return r;
}

Result<LedgerRead> read_ledger(const StoreRoot& root) {
    LedgerRead r;
    auto fd = root.open_root_file(ledger_file);
    if (!fd) return std::unexpected(fd.error());
    if (!*fd) return r;
    r.present = true;
    auto content = read_whole(fd->get(), root.path() + "/" + ledger_file);
    if (!content) return std::unexpected(content.error());
    std::uint32_t count = 0;
    r.error = disk::check_ledger(bytes_of(*content), content->size(), count);
    if (r.error != disk::LedgerError::none) return r;
    for (std::uint32_t i = 0; i < count; ++i) {
        const disk::LedgerEntry e = disk::ledger_entry(bytes_of(*content), i);
        r.next_seq[SensorKey{e.source, e.sensor_id}] = e.next_seq;
    }
    return r;
}

Result<BootRead> read_boot(const StoreRoot& root) {
    BootRead r;
    auto fd = root.open_root_file(boot_file);
    if (!fd) return std::unexpected(fd.error());
    if (!*fd) return r;
    r.present = true;
    auto content = read_whole(fd->get(), root.path() + "/" + boot_file);
    if (!content) return std::unexpected(content.error());
    r.valid = disk::decode_boot_record(bytes_of(*content), content->size(), r.boot);
    return r;
}

const char* ledger_error_text(disk::LedgerError e) noexcept {
    switch (e) {
    case disk::LedgerError::none: return "valid";
    case disk::LedgerError::too_short: return "too short";
    case disk::LedgerError::bad_magic: return "bad magic";
    case disk::LedgerError::bad_version: return "unknown format version";
    case disk::LedgerError::bad_crc: return "bad CRC";
    case disk::LedgerError::bad_fields: return "fields out of range or wrong size";
    }
    return "?";
}

} // namespace ss::store_tool
