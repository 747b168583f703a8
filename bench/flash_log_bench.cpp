// The flash log's write cost in a steady workload (plain main; docs/flash-format.md): sectors of
// several streams appended round-robin, each read and acknowledged by an uploader, for several
// laps of the ring, on an emulated NOR device. Prints bytes programmed per payload byte (write
// amplification) and erases per sealed sector, against the baseline of the same payloads
// programmed as raw pages (no unit header, no block header, no acknowledgements), and the reads
// an uploader's read_next costs.
//   cmake --build --preset default --target ss_bench_flash_log && ./build/default/bench/ss_bench_flash_log
#include <cstdint>
#include <cstdio>
#include <vector>

#include "ss/flash_log.hpp"
#include "support/emulated_block_device.hpp"

namespace {

std::vector<std::byte> sector_of(std::uint64_t first, std::uint32_t bytes) {
    std::vector<std::byte> s(bytes);
    const auto count = static_cast<std::uint16_t>(ss::sector::capacity(bytes, ss::RecordType::ts));
    ss::sector::format(s.data(), ss::RecordType::ts, first, 1);
    for (std::uint16_t i = 0; i < count; ++i)
        ss::sector::store<std::uint32_t>(s.data() + ss::sector::header_bytes + i * 4u, static_cast<std::uint32_t>(first + i));
    ss::sector::seal(s.data(), count, ss::RecordType::ts, true);
    return s;
}

/// `sync_every` sectors make one tick of the caller's: one sync, which writes the tick's
/// acknowledgements as one ack unit.
void run(std::uint32_t sector_bytes, std::uint32_t streams, std::uint32_t ack_every, std::uint32_t sync_every) {
    const ss::BlockGeometry g = ss::test::EmulatedBlockDevice::nor(64); // 256 KiB
    ss::test::EmulatedBlockDevice dev(g);
    std::vector<ss::FlashStream> slots(streams);
    std::vector<std::byte> page(g.program_bytes), out(sector_bytes);
    ss::FlashLog log(dev, {slots.data(), streams, page.data()});
    if (!log.mount()) return;
    const std::uint32_t count = ss::sector::capacity(sector_bytes, ss::RecordType::ts);
    const std::uint64_t sectors = 20000;
    std::vector<std::uint64_t> next(streams, 0);
    std::vector<std::uint32_t> unacked(streams, 0);
    const auto ops0 = dev.operations();
    const auto reads0 = dev.reads();
    std::uint64_t read_calls = 0;
    for (std::uint64_t i = 0; i < sectors; ++i) {
        const auto id = static_cast<std::uint32_t>(i % streams);
        const ss::FlashStreamKey key{1, id, ss::RecordType::ts};
        const auto s = sector_of(next[id], sector_bytes);
        if (!log.append(key, s.data(), sector_bytes)) {
            std::printf("append refused at %llu\n", static_cast<unsigned long long>(i));
            return;
        }
        next[id] += count;
        auto r = log.read_next(key, out.data(), sector_bytes);
        ++read_calls;
        if (r && ++unacked[id] == ack_every) {
            (void)log.acknowledge(key, r->first_seq + r->count);
            unacked[id] = 0;
        }
        if ((i + 1) % sync_every == 0) (void)log.sync();
    }
    (void)log.sync();
    const auto& st = log.stats();
    const std::uint64_t pages_per_sector = (sector_bytes + g.program_bytes - 1) / g.program_bytes;
    const double raw_bytes = static_cast<double>(sectors * pages_per_sector * g.program_bytes);
    const double raw_erases = static_cast<double>(sectors * pages_per_sector) / (g.erase_bytes / g.program_bytes);
    std::printf("%4u B sectors, %3u streams, ack every %2u, sync every %3u: WA %.3f (raw pages %.3f), erases/sector %.4f "
                "(raw %.4f), ack units %llu, reads/read_next %.1f, dropped %llu, device ops %llu\n",
                sector_bytes, streams, ack_every, sync_every, static_cast<double>(st.bytes_programmed) / static_cast<double>(st.payload_bytes),
                raw_bytes / static_cast<double>(st.payload_bytes), static_cast<double>(st.erases) / sectors,
                raw_erases / sectors, static_cast<unsigned long long>(st.ack_units),
                static_cast<double>(dev.reads() - reads0) / static_cast<double>(read_calls),
                static_cast<unsigned long long>(st.dropped_units), static_cast<unsigned long long>(dev.operations() - ops0));
}

} // namespace

int main() {
    std::printf("flash log on emulated NOR (256 B pages, 4 KiB blocks, 64 blocks), 20000 sectors each\n");
    for (std::uint32_t bytes : {224u, 256u, 480u, 992u})
        for (std::uint32_t sync_every : {1u, 10u}) run(bytes, 10, 1, sync_every);
    run(224, 10, 8, 10);
    run(224, 100, 1, 100);
    return 0;
}
