// Instruction counts of the MCU flash tier's log (ss/flash_log.hpp) on the Cortex-M4 under QEMU
// (issue 15: "instructions per sealed sector written"), with the icount plugin as the store
// image (README.md, "Flash log").
//
// The device is 12 erase blocks of 4 KiB with 256-byte pages in SRAM, behind the BlockDevice
// interface with NOR rules (a program only clears bits). Its copies are part of every count: a
// memcpy of a page here, where a real SPI NOR spends its time clocking the page out (256 bytes
// at 21 MHz are about 100 µs, waiting for the page program another 0.7 ms on a typical part),
// so the counts are the CPU's work around the transfers, not the time a write takes.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "bench_marks.hpp"
#include "semihosting.hpp"
#include "ss/block_device.hpp"
#include "ss/flash_log.hpp"
#include "ss/sector_format.hpp"

namespace {

using ss::stm32::bench::require;
using ss::stm32::bench::series;

constexpr std::uint32_t page_bytes = 256;
constexpr std::uint32_t block_bytes = 4096;
constexpr std::uint32_t blocks = 12;
constexpr std::uint32_t sector_bytes = 224; // unit header 32 + 224 = one page (docs/flash-format.md)
constexpr std::uint32_t streams = 10;

std::uint8_t flash[blocks * block_bytes]; // SRAM: QEMU 7.2 does not map the F405's CCM RAM

class RamNor final : public ss::BlockDevice {
public:
    const ss::BlockGeometry& geometry() const noexcept override { return geometry_; }
    ss::Expected<void> read(std::uint32_t block, std::uint32_t offset, void* out, std::uint32_t bytes) noexcept override {
        std::memcpy(out, flash + block * block_bytes + offset, bytes);
        return {};
    }
    ss::Expected<void> program(std::uint32_t block, std::uint32_t offset, const void* data,
                               std::uint32_t bytes) noexcept override {
        const auto* src = static_cast<const std::uint8_t*>(data);
        std::uint8_t* dst = flash + block * block_bytes + offset;
        for (std::uint32_t i = 0; i < bytes; ++i) dst[i] = static_cast<std::uint8_t>(dst[i] & src[i]);
        return {};
    }
    ss::Expected<void> erase(std::uint32_t block) noexcept override {
        std::memset(flash + block * block_bytes, 0xFF, block_bytes);
        return {};
    }
    ss::Expected<void> sync() noexcept override { return {}; }

private:
    ss::BlockGeometry geometry_{1, page_bytes, block_bytes, blocks, 0xFF};
};

RamNor device;
ss::FlashStream stream_memory[streams];
alignas(4) std::byte page[page_bytes];
alignas(4) std::byte sector[sector_bytes];
alignas(4) std::byte unit_out[sector_bytes];
std::uint64_t next_seq[streams] = {};

ss::FlashStreamKey key(std::uint32_t s) { return {1, s, ss::RecordType::ts}; }

// A sealed time-series sector of stream s, full (the capacity of a 224-byte sector).
void make_sector(std::uint32_t s) {
    const std::uint16_t count = static_cast<std::uint16_t>(ss::sector::capacity(sector_bytes, ss::RecordType::ts));
    ss::sector::format(sector, ss::RecordType::ts, next_seq[s], 1);
    for (std::uint16_t i = 0; i < count; ++i)
        ss::sector::store<std::uint32_t>(sector + ss::sector::header_bytes + i * 4u, static_cast<std::uint32_t>(next_seq[s] + i));
    ss::sector::seal(sector, count, ss::RecordType::ts, true);
    next_seq[s] += count;
}

template <class Call>
__attribute__((always_inline)) inline void sample(Call call) {
    ss_bench_mark();
    const bool ok = call();
    ss_bench_mark();
    require(ok, "a measured call failed");
}

} // namespace

int main() {
    std::memset(flash, 0xFF, sizeof flash);
    ss::FlashLog log(device, {stream_memory, streams, page});
    require(log.mount().has_value(), "mount of the blank device (it formats)");

    ss::stm32::bench::calibrate();

    // Appends while the ring still has erased blocks: a unit is one page program, the max also
    // opens a new block (erase + block header).
    series("append_224B_sector", 60, 1, 0);
    for (std::uint32_t r = 0; r < 60; ++r) {
        const std::uint32_t s = r % streams;
        make_sector(s);
        sample([&] { return log.append(key(s), sector, sector_bytes).has_value(); });
    }
    // Uploads: the oldest unsent unit of a stream copied out and marked pending, then all of it
    // acknowledged; the sync writes one ack unit for the streams acknowledged since the last.
    series("read_next_unit", 30, 1, 0);
    for (std::uint32_t r = 0; r < 30; ++r) {
        const std::uint32_t s = r % streams;
        sample([&] { return log.read_next(key(s), unit_out, sizeof unit_out).has_value(); });
    }
    series("acknowledge", 30, 1, 0);
    for (std::uint32_t r = 0; r < 30; ++r) {
        const std::uint32_t s = r % streams;
        const std::uint64_t end = log.stream(key(s))->sent_end;
        sample([&] { return log.acknowledge(key(s), end).has_value(); });
    }
    series("sync_with_ack_unit", 1, 1, 0);
    sample([&] { return log.sync().has_value(); });

    // Steady state: the ring full, each new block reclaims the oldest (checkpoint, erase). The
    // uploader keeps up: every unit is read and acknowledged before the next append of its stream.
    for (std::uint32_t r = 0; r < 400; ++r) {
        const std::uint32_t s = r % streams;
        while (log.read_next(key(s), unit_out, sizeof unit_out).has_value()) {}
        require(log.acknowledge(key(s), log.stream(key(s))->sent_end).has_value(), "acknowledge");
        make_sector(s);
        require(log.append(key(s), sector, sector_bytes).has_value(), "append while filling the ring");
        if (r % 16 == 15) require(log.sync().has_value(), "sync");
    }
    series("append_224B_sector_ring_full", 120, 1, 0);
    for (std::uint32_t r = 0; r < 120; ++r) {
        const std::uint32_t s = r % streams;
        while (log.read_next(key(s), unit_out, sizeof unit_out).has_value()) {}
        require(log.acknowledge(key(s), log.stream(key(s))->sent_end).has_value(), "acknowledge");
        if (r % 16 == 15) require(log.sync().has_value(), "sync");
        make_sector(s);
        sample([&] { return log.append(key(s), sector, sector_bytes).has_value(); });
    }

    // A mount after a reset: every block's header and every unit's header read, the payloads'
    // CRCs checked.
    series("mount_12_blocks", 3, 1, 0);
    for (int r = 0; r < 3; ++r) {
        ss::FlashLog again(device, {stream_memory, streams, page});
        sample([&] { return again.mount().has_value(); });
    }
    require(log.stats().refused_appends == 0 && log.stats().dropped_units == 0, "nothing refused or dropped");
    ss::stm32::host_write("flash log: ");
    ss::stm32::host_write_u64(log.stats().units_appended);
    ss::stm32::host_write(" units appended, ");
    ss::stm32::host_write_u64(log.stats().erases);
    ss::stm32::host_write(" erases, ");
    ss::stm32::host_write_u64(log.stats().bytes_programmed);
    ss::stm32::host_write(" bytes programmed for ");
    ss::stm32::host_write_u64(log.stats().payload_bytes);
    ss::stm32::host_write(" payload bytes\n");
    ss::stm32::bench::announce_total();
    return 0;
}
