// A flash log over an emulated device with its caller-owned memory, and the sealed sectors the
// flash log tests append.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ss/flash_log.hpp"
#include "ss/sector_format.hpp"
#include "support/emulated_block_device.hpp"

namespace ss::test {

/// A sealed time-series sector of `bytes` holding `count` records numbered from first_seq, each
/// value being its own sequence number (so a served record can be checked alone).
inline std::vector<std::byte> make_sector(std::uint64_t first_seq, std::uint16_t count, std::uint32_t bytes = 256) {
    std::vector<std::byte> s(bytes);
    sector::format(s.data(), RecordType::ts, first_seq, 1);
    for (std::uint16_t i = 0; i < count; ++i)
        sector::store<std::uint32_t>(s.data() + sector::header_bytes + i * sector::ts_record_bytes,
                                     static_cast<std::uint32_t>(first_seq + i));
    sector::seal(s.data(), count, RecordType::ts, true);
    return s;
}

inline FlashStreamKey stream_key(std::uint32_t id) { return {1, id, RecordType::ts}; }

/// The memory one log needs, kept apart from the log so that a "reboot" builds a new log on the
/// same device.
struct FlashLogRam {
    explicit FlashLogRam(std::uint32_t program_bytes) : page(program_bytes) {}
    std::array<FlashStream, 8> streams{};
    std::vector<std::byte> page;
    FlashLogMemory memory() { return {streams.data(), static_cast<std::uint32_t>(streams.size()), page.data()}; }
};

} // namespace ss::test
