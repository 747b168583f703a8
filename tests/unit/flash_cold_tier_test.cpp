// The flash cold tier behind the engine (issue 15): spilling when RAM fills, one stream in order
// across flash and RAM, acknowledgements freeing flash, a reset continuing the numbering and
// serving again what was not acknowledged, the full device's policy.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "support/emulated_block_device.hpp"
#include "support/flash_engine_session.hpp"

using namespace ss;
using ss::test::EmulatedBlockDevice;
using ss::test::FlashEngineSession;

namespace {

/// Consumes up to max records; every record must hold its own sequence number.
Batch consume(FlashEngineSession& f, ss::SensorStore& s, std::uint32_t max) {
    std::vector<std::uint32_t> out(max);
    auto b = f.engine.consume(s, out.data(), max);
    if (!b) return Batch{};
    for (std::uint32_t i = 0; i < b->count; ++i) REQUIRE(out[i] == b->first_seq + i);
    return *b;
}

/// Consumes and acknowledges everything that may be handed out; returns the records seen, in order.
std::vector<std::uint64_t> drain(FlashEngineSession& f, ss::SensorStore& s, bool ack = true) {
    std::vector<std::uint64_t> seen;
    for (;;) {
        const Batch b = consume(f, s, 40);
        if (b.count == 0) break;
        for (std::uint32_t i = 0; i < b.count; ++i) seen.push_back(b.first_seq + i);
        if (ack) REQUIRE(f.engine.erase_pending_until(s, b.first_seq + b.count));
    }
    return seen;
}

} // namespace

TEST_CASE("a sensor filling RAM spills to flash and reads back in order across the tiers") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(16));
    FlashEngineSession f(dev);
    REQUIRE(f.mount_ok);
    ss::SensorStore& s = f.reg(1);
    // 256-byte sectors hold 56 records: 600 records need 11 sectors, the pool lends a sensor 13
    // at most (3 stay reserved for sensors not registered yet) and spills above its watermark.
    CHECK(f.feed(s, 600) == 600);
    const SsSensorStats st = f.stats(s);
    CHECK(st.disk_records > 0);
    CHECK(st.retained == 600);
    CHECK(st.dropped_recycled == 0);
    CHECK(f.log->stats().units_appended > 0);
    // Range reads cross from flash into RAM without a gap.
    std::vector<std::uint32_t> out(600);
    std::uint64_t at = 0;
    while (at < 600) {
        auto b = f.engine.read_range(s, at, out.data(), 600);
        REQUIRE(b);
        REQUIRE(b->first_seq == at);
        for (std::uint32_t i = 0; i < b->count; ++i) REQUIRE(out[i] == at + i);
        at += b->count;
    }
    std::uint32_t v = 0;
    REQUIRE(f.engine.read_at(s, 321, &v));
    CHECK(v == 321);
    const auto seen = drain(f, s);
    REQUIRE(seen.size() == 600);
    for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == i);
    CHECK(f.stats(s).retained == 0);
}

TEST_CASE("acknowledged data frees flash: a stream many times the device passes with nothing dropped") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(6));
    FlashEngineSession f(dev);
    REQUIRE(f.mount_ok);
    ss::SensorStore& s = f.reg(1);
    std::uint64_t next = 0;
    for (int round = 0; round < 200; ++round) {
        CHECK(f.feed(s, 200) == 200);
        for (const std::uint64_t q : drain(f, s)) REQUIRE(q == next++);
    }
    f.tick();
    for (const std::uint64_t q : drain(f, s)) REQUIRE(q == next++);
    CHECK(next == 40000);
    CHECK(f.log->stats().payload_bytes > 4u * 6 * 4096); // the ring went round several times
    CHECK(f.log->stats().dropped_records == 0);
    CHECK(f.stats(s).dropped_quota == 0);
    CHECK((f.engine.health_flags() & SS_HEALTH_DROPPING) == 0);
    auto fig = f.tier->figures();
    REQUIRE(fig);
    CHECK(fig->wear.max >= 4);
    CHECK(fig->write_amplification_pct >= 100);
}

TEST_CASE("a reset continues the numbering and serves again what was not acknowledged") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(16));
    std::uint64_t acked = 0;
    {
        FlashEngineSession f(dev);
        REQUIRE(f.mount_ok);
        ss::SensorStore& s = f.reg(1);
        CHECK(f.feed(s, 500) == 500);
        f.tick(); // the periodic seal and spill: everything is in flash, durable
        const Batch a = consume(f, s, 100);
        REQUIRE(a.count == 100);
        REQUIRE(f.engine.erase_pending_until(s, a.first_seq + a.count));
        acked = a.first_seq + a.count;
        CHECK(consume(f, s, 50).count == 50); // pending, never acknowledged
        f.tick();                             // the acknowledgement is durable
        CHECK(f.tier->flushed());
    }
    FlashEngineSession f(dev);
    REQUIRE(f.mount_ok);
    ss::SensorStore& s = f.reg(1);
    const SsSensorStats st = f.stats(s);
    CHECK(st.next_seq == 500);
    CHECK(st.retained == 400);
    CHECK(st.pending == 0);
    CHECK(f.add(s, 10) == 10);
    f.tick();
    f.tick(); // spilled and synced: only then may their numbers go out
    const auto seen = drain(f, s);
    REQUIRE(seen.size() == 410);
    for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == acked + i);
}

TEST_CASE("a unit failing its CRC at the mount (a torn program) is skipped once: the rest is served, the counts stay whole") {
    // Found by the QEMU power-cut test: the mount counted only valid units in `retained` and
    // consume took the skipped unit's records off again, so serving stopped short of durable
    // records and the acknowledgement after it wrapped the count around.
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(16));
    {
        FlashEngineSession f(dev);
        REQUIRE(f.mount_ok);
        ss::SensorStore& s = f.reg(1);
        CHECK(f.feed(s, 500) == 500);
        f.tick();
        CHECK(f.tier->flushed());
    }
    // The stream's oldest data unit, its header intact and a payload byte flipped.
    const std::uint8_t* block = dev.raw(0);
    const std::uint32_t page_bytes = dev.geometry().program_bytes;
    std::uint32_t page = 1;
    while (page < 16 && !(block[page * page_bytes] == 0xF5 && (block[page * page_bytes + 1] >> 4) == 1)) ++page;
    REQUIRE(page < 16);
    std::uint16_t count = 0;
    std::uint64_t first = 0;
    std::memcpy(&count, block + page * page_bytes + 2, 2);
    std::memcpy(&first, block + page * page_bytes + 16, 8);
    REQUIRE(first == 0);
    REQUIRE(count > 0);
    dev.corrupt(0, page * page_bytes + 40);

    FlashEngineSession f(dev);
    REQUIRE(f.mount_ok);
    ss::SensorStore& s = f.reg(1);
    // The first batch skips the torn unit (its records lost, counted once) and hands out 40.
    const Batch first_batch = consume(f, s, 40);
    REQUIRE(first_batch.count == 40);
    CHECK(first_batch.first_seq == count);
    CHECK(f.tier->retained(0) == 500u - count);
    CHECK(f.tier->pending(0) == 40);
    CHECK(f.stats(s).retained == 500u - count);
    REQUIRE(f.engine.erase_pending_until(s, first_batch.first_seq + first_batch.count));
    auto seen = drain(f, s);
    seen.insert(seen.begin(), 40, 0);
    for (std::uint32_t i = 0; i < 40; ++i) seen[i] = count + i;
    REQUIRE(seen.size() == 500u - count);
    for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == count + i);
    const SsSensorStats st = f.stats(s);
    CHECK(st.retained == 0);
    CHECK(st.pending == 0);
    CHECK(st.lost_records == count);
    CHECK(st.next_seq == 500);
}

TEST_CASE("a full device drops the oldest unsent data and counts it") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(4));
    FlashEngineSession f(dev);
    REQUIRE(f.mount_ok);
    ss::SensorStore& s = f.reg(1);
    CHECK(f.feed(s, 4000) == 4000);
    f.tick();
    const SsSensorStats st = f.stats(s);
    CHECK(st.dropped_quota > 0);
    CHECK(st.dropped_recycled == 0);
    CHECK(st.retained + st.dropped_quota == 4000);
    CHECK((f.engine.health_flags() & SS_HEALTH_DROPPING) != 0);
    const auto seen = drain(f, s);
    CHECK(seen.size() == st.retained);
    REQUIRE(!seen.empty());
    CHECK(seen.front() == st.dropped_quota); // the oldest went
    for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] == seen[i - 1] + 1);
    CHECK(seen.back() == 3999);
}

TEST_CASE("a full device never drops pending data: new sectors are refused and counted until it is acknowledged") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(4));
    FlashEngineSession f(dev);
    REQUIRE(f.mount_ok);
    ss::SensorStore& s = f.reg(1);
    CHECK(f.feed(s, 200) == 200);
    f.tick();
    const Batch held = consume(f, s, 60); // pending in flash while the device fills
    REQUIRE(held.count == 60);
    CHECK(f.feed(s, 4000) == 4000);
    f.tick();
    const SsSensorStats st = f.stats(s);
    CHECK(st.pending == 60);
    CHECK(st.dropped_quota > 0);
    CHECK(st.retained + st.dropped_quota + st.dropped_recycled == 4200);
    CHECK(f.log->stats().refused_appends > 0);
    // Still acknowledgeable; afterwards the device takes new data again.
    REQUIRE(f.engine.erase_pending_until(s, held.first_seq + held.count));
    CHECK(f.feed(s, 100) == 100);
    f.tick();
    const std::uint64_t retained = f.stats(s).retained;
    const auto seen = drain(f, s);
    CHECK(seen.size() == retained);
    REQUIRE(!seen.empty());
    // Once the pending records were acknowledged, room came from the oldest unsent ones.
    CHECK(seen.front() > 60);
    for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] > seen[i - 1]);
    CHECK(seen.back() == 4299);
}

TEST_CASE("the durable end moves past RAM records once a flush's tick has appended and synced them") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(16));
    {
        FlashEngineSession f(dev);
        REQUIRE(f.mount_ok);
        ss::SensorStore& s = f.reg(1);
        CHECK(f.add(s, 30) == 30);
        // Ticks within the force-seal interval, below the watermark: nothing leaves RAM.
        f.engine.tick(10);
        f.engine.tick(20);
        CHECK(f.stats(s).disk_records == 0);
        CHECK(f.engine.durable_end(s) == 0);
        f.engine.flush(s);
        CHECK(f.engine.durable_end(s) == 0);
        f.engine.tick(30);
        CHECK(f.stats(s).disk_records == 30);
        CHECK(f.engine.durable_end(s) == 30);
        CHECK(f.add(s, 5) == 5);
        f.engine.tick(40);
        CHECK(f.engine.durable_end(s) == 30);
    }
    // After a reset the records below it are there.
    FlashEngineSession g(dev);
    REQUIRE(g.mount_ok);
    ss::SensorStore& t = g.reg(1);
    CHECK(g.stats(t).retained == 30);
    CHECK(g.engine.durable_end(t) == g.stats(t).next_seq);
}

TEST_CASE("records appended to flash but not synced are not durable") {
    EmulatedBlockDevice dev(EmulatedBlockDevice::nor(16));
    FlashEngineSession f(dev);
    REQUIRE(f.mount_ok);
    ss::SensorStore& s = f.reg(1);
    CHECK(f.add(s, 30) == 30);
    // A spill by hand, as the engine's tick makes one, without the tick's sync after it.
    s.start_new_sector(f.engine.context());
    ss::DetachedSector moved[4];
    const std::uint32_t n = s.detach_front(f.engine.context(), moved, 4);
    REQUIRE(n == 1);
    const std::uint32_t slot = f.engine.slot_of(s);
    const std::uint64_t syncs = dev.syncs();
    f.tier->lock(slot);
    f.tier->accept(slot, moved, n);
    f.tier->unlock(slot);
    REQUIRE(dev.syncs() == syncs);
    CHECK(f.stats(s).disk_records == 30);
    CHECK(f.engine.durable_end(s) == 0);
    f.engine.tick(10); // syncs
    CHECK(f.engine.durable_end(s) == 30);
}
