#include "store/records.hpp"

namespace ss::store_tool {

const char* clock_text(Clock c) noexcept {
    switch (c) {
    case Clock::unknown: return "unknown";
    case Clock::utc: return "utc";
    case Clock::monotonic: return "monotonic";
    }
    return "?";
}

UnitBase unit_base(const std::byte* unit, RecordType type, std::uint64_t offset) noexcept {
    return UnitBase{type, sector::version(unit), sector::boot(unit), sector::period_us(unit), offset};
}

void decode_records(const std::byte* unit, RecordType type, std::uint32_t from, std::uint32_t to,
                    std::vector<Record>& out) {
    const std::byte* payload = sector::payload(unit);
    const std::uint64_t first = sector::first_seq(unit);
    const std::uint64_t first_time = sector::first_time(unit);
    const std::uint32_t period = sector::period_us(unit);
    const std::size_t size = sector::record_bytes(type);
    for (std::uint32_t i = from; i < to; ++i) {
        Record r;
        r.seq = first + i;
        r.value = sector::load<std::uint32_t>(payload + i * size);
        if (type == RecordType::evt) r.ts_ms = sector::load<std::uint64_t>(payload + i * size + 4);
        const std::uint64_t t = sector::record_time(first_time, period, i);
        if (t != sector::time_unknown) {
            r.clock = (t & sector::utc_flag) != 0 ? Clock::utc : Clock::monotonic;
            r.time_us = t & ~sector::utc_flag;
        }
        out.push_back(r);
    }
}

} // namespace ss::store_tool
