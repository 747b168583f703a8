#include "ss/upload/batch.hpp"

namespace ss::upload {
namespace {

bool gateway_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

// UTF-8 is not validated here (a receiver's JSON parser would be the judge); control characters
// are refused because no codec can carry them in every place a name goes (a line protocol tag
// cannot hold a newline at all).
bool printable(std::string_view s) noexcept {
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) return false;
    }
    return true;
}

} // namespace

Expected<void> check(const Batch& b) noexcept {
    const auto bad = std::unexpected(Errc::invalid_argument);
    if (b.gateway.empty() || b.gateway.size() > max_gateway_bytes) return bad;
    for (char c : b.gateway)
        if (!gateway_char(c)) return bad;
    if (b.source != SS_SOURCE_HOST && b.source != SS_SOURCE_APP && b.source != SS_SOURCE_CAN) return bad;
    if (b.type != RecordType::ts && b.type != RecordType::evt) return bad;
    if (b.count == 0 || b.count > max_records || b.records == nullptr) return bad;
    if (b.first_seq > sector::max_seq || sector::max_seq - b.first_seq < b.count - 1) return bad;
    if (b.channel.empty() || b.channel.size() > max_name_bytes || !printable(b.channel)) return bad;
    if (b.unit.size() > max_name_bytes || !printable(b.unit)) return bad;
    if (b.type == RecordType::evt) {
        if (b.first_time_us != sector::time_unknown || b.period_us != 0) return bad;
    } else if (b.first_time_us != sector::time_unknown) {
        // The last record's time must not carry into the flag bit: (count-1) * period < 2^48.
        const std::uint64_t span = std::uint64_t{b.count - 1} * b.period_us;
        if ((b.first_time_us & ~sector::utc_flag) > ~sector::utc_flag - span) return bad;
    }
    return {};
}

} // namespace ss::upload
