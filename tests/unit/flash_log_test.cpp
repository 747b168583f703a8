// The flash log (ss/flash_log.hpp) over an emulated NOR device: format and mount, the round trip,
// reuse in ring order and wear, the full policy, corruption, bad arguments.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "support/flash_log_fixture.hpp"

using namespace ss;
using namespace ss::test;

namespace {

struct Rig {
    explicit Rig(BlockGeometry g) : dev(g), ram(g.program_bytes), log(dev, ram.memory()) {}
    /// A new log over the same device, as after a reset.
    void reboot() {
        ram = FlashLogRam(dev.geometry().program_bytes);
        log.~FlashLog();
        new (&log) FlashLog(dev, ram.memory());
    }
    FlashLocation append(std::uint32_t id, std::uint64_t first, std::uint16_t count = 10) {
        const auto s = make_sector(first, count);
        auto r = log.append(stream_key(id), s.data(), static_cast<std::uint32_t>(s.size()));
        REQUIRE(r);
        return *r;
    }
    /// Reads the stream's next unit; its first sequence number, or ~0 if there is none.
    std::uint64_t next(std::uint32_t id) {
        std::vector<std::byte> out(256);
        auto r = log.read_next(stream_key(id), out.data(), static_cast<std::uint32_t>(out.size()));
        if (!r) {
            CHECK(r.error() == Errc::try_again);
            return ~std::uint64_t{0};
        }
        CHECK(sector::verify(out.data(), RecordType::ts, 256));
        CHECK(sector::first_seq(out.data()) == r->first_seq);
        return r->first_seq;
    }
    EmulatedBlockDevice dev;
    FlashLogRam ram;
    FlashLog log;
};

} // namespace

TEST_CASE("a blank device is formatted at mount; a mount after that finds what was appended") {
    Rig r(EmulatedBlockDevice::nor(4));
    REQUIRE(r.log.mount());
    CHECK(r.log.stats().formatted);
    r.append(1, 0);
    r.append(2, 100);
    r.append(1, 10);
    REQUIRE(r.log.sync());
    r.reboot();
    REQUIRE(r.log.mount());
    CHECK_FALSE(r.log.stats().formatted);
    CHECK(r.log.stats().live_units == 3);
    CHECK(r.log.stats().corrupt_units == 0);
    CHECK(r.next(1) == 0);
    CHECK(r.next(1) == 10);
    CHECK(r.next(1) == ~std::uint64_t{0});
    CHECK(r.next(2) == 100);
    REQUIRE(r.log.stream(stream_key(1)));
    CHECK(r.log.stream(stream_key(1))->last_end == 20);
    CHECK(r.dev.violations() == 0);
}

TEST_CASE("served units are pending until acknowledged; the boundary survives a mount") {
    Rig r(EmulatedBlockDevice::nor(4));
    REQUIRE(r.log.mount());
    for (std::uint64_t s = 0; s < 50; s += 10) r.append(7, s);
    CHECK(r.next(7) == 0);
    CHECK(r.next(7) == 10);
    CHECK(r.log.acknowledge(stream_key(7), 30).error() == Errc::invalid_argument); // not handed out
    REQUIRE(r.log.acknowledge(stream_key(7), 10));
    REQUIRE(r.log.rewind(stream_key(7)));
    CHECK(r.next(7) == 10); // pending again after the rewind, the acknowledged one not
    REQUIRE(r.log.sync());
    r.reboot();
    REQUIRE(r.log.mount());
    CHECK(r.log.stream(stream_key(7))->acked_end == 10);
    CHECK(r.next(7) == 10);
    CHECK(r.next(7) == 20);
    CHECK(r.dev.violations() == 0);
}

TEST_CASE("blocks are reused in ring order and wear evenly; acknowledged data is reclaimed, not dropped") {
    Rig r(EmulatedBlockDevice::nor(6));
    REQUIRE(r.log.mount());
    std::uint64_t seq[3] = {};
    for (int i = 0; i < 600; ++i) {
        const std::uint32_t id = static_cast<std::uint32_t>(i % 3);
        r.append(id, seq[id]);
        seq[id] += 10;
        const std::uint64_t got = r.next(id);
        REQUIRE(got == seq[id] - 10);
        REQUIRE(r.log.acknowledge(stream_key(id), got + 10));
    }
    CHECK(r.log.stats().dropped_units == 0);
    CHECK(r.log.stats().refused_appends == 0);
    const auto& counts = r.dev.erase_counts();
    const auto [lo, hi] = std::minmax_element(counts.begin(), counts.end());
    CHECK(*lo >= 10);
    CHECK(*hi - *lo <= 1);
    auto w = r.log.wear();
    REQUIRE(w);
    CHECK(w->max - w->min <= 1);
    CHECK(w->max == *hi);
    CHECK(r.dev.violations() == 0);
    // Reuse in order: the head sits right behind the oldest live block.
    REQUIRE(r.log.sync());
    r.reboot();
    REQUIRE(r.log.mount());
    CHECK(r.log.stats().corrupt_units == 0);
    CHECK(r.log.stream(stream_key(0))->acked_end == seq[0]);
    CHECK(r.next(0) == ~std::uint64_t{0});
}

TEST_CASE("a full device drops the oldest unsent data and counts it; pending data never") {
    Rig r(EmulatedBlockDevice::nor(4));
    REQUIRE(r.log.mount());
    // 4 blocks of 15 pages, 2 pages a unit: fewer than 30 units fit.
    for (std::uint64_t s = 0; s < 400; s += 10) r.append(1, s);
    const auto& st = r.log.stats();
    CHECK(st.dropped_units > 0);
    CHECK(st.dropped_records == st.dropped_units * 10);
    CHECK(r.log.stream(stream_key(1))->dropped_units == st.dropped_units);
    // The oldest records went: what is served is the newest, in order, with no gap.
    std::uint64_t expect = st.dropped_records;
    for (std::uint64_t got = r.next(1); got != ~std::uint64_t{0}; got = r.next(1)) {
        CHECK(got == expect);
        expect += 10;
    }
    CHECK(expect == 400);

    // Now everything is pending: nothing may be dropped, appends are refused and counted.
    const auto dropped = st.dropped_units;
    std::uint64_t seq = 400;
    Expected<FlashLocation> a;
    for (int i = 0; i < 40; ++i, seq += 10) {
        const auto s = make_sector(seq, 10);
        a = r.log.append(stream_key(1), s.data(), 256);
        if (!a) break;
    }
    REQUIRE_FALSE(a);
    CHECK(a.error() == Errc::no_space);
    CHECK(st.refused_appends == 1);
    CHECK(st.dropped_units == dropped);
    // Once acknowledged, the space comes back.
    REQUIRE(r.log.acknowledge(stream_key(1), 400));
    const auto s = make_sector(seq, 10);
    CHECK(r.log.append(stream_key(1), s.data(), 256));
    // The acknowledgement that unblocked the tail went into its checkpoint: durable.
    REQUIRE(r.log.sync());
    r.reboot();
    REQUIRE(r.log.mount());
    CHECK(r.log.stream(stream_key(1))->acked_end == 400);
    CHECK(r.next(1) == 400); // what was appended before the refusal is all there
    CHECK(r.dev.violations() == 0);
}

TEST_CASE("acknowledgements stay in RAM until a sync writes them, all streams in one unit") {
    Rig r(EmulatedBlockDevice::nor(4));
    REQUIRE(r.log.mount());
    for (std::uint32_t id = 0; id < 3; ++id) r.append(id, 0);
    for (std::uint32_t id = 0; id < 3; ++id) {
        CHECK(r.next(id) == 0);
        REQUIRE(r.log.acknowledge(stream_key(id), 10));
    }
    const auto programmed = r.log.stats().bytes_programmed;
    CHECK(r.log.stats().ack_units == 0);
    CHECK(r.log.stream(stream_key(0))->ack_dirty);
    SUBCASE("a reset before the sync re-sends") {
        r.reboot();
        REQUIRE(r.log.mount());
        for (std::uint32_t id = 0; id < 3; ++id) CHECK(r.next(id) == 0);
    }
    SUBCASE("the sync writes one page for the three") {
        REQUIRE(r.log.sync());
        CHECK(r.log.stats().ack_units == 1);
        CHECK(r.log.stats().bytes_programmed == programmed + 256);
        r.reboot();
        REQUIRE(r.log.mount());
        for (std::uint32_t id = 0; id < 3; ++id) {
            CHECK(r.log.stream(stream_key(id))->acked_end == 10);
            CHECK(r.next(id) == ~std::uint64_t{0});
        }
    }
}

TEST_CASE("a flipped byte in one unit skips and counts exactly that unit; the rest is kept") {
    Rig r(EmulatedBlockDevice::nor(4));
    REQUIRE(r.log.mount());
    std::vector<FlashLocation> at;
    for (std::uint64_t s = 0; s < 60; s += 10) at.push_back(r.append(1, s));
    REQUIRE(r.log.sync());
    SUBCASE("in the payload") { r.dev.corrupt(at[2].block_seq - 1, at[2].page * 256 + 100); }
    SUBCASE("in the unit header") { r.dev.corrupt(at[2].block_seq - 1, at[2].page * 256 + 5); }
    r.reboot();
    REQUIRE(r.log.mount());
    CHECK_FALSE(r.log.stats().formatted);
    CHECK(r.log.stats().corrupt_units == 1);
    CHECK(r.log.stats().live_units == 5);
    for (std::uint64_t s : {0, 10, 30, 40, 50}) CHECK(r.next(1) == s);
    CHECK(r.next(1) == ~std::uint64_t{0});
    // The log goes on after it, never programming over the bad unit.
    r.append(1, 60);
    CHECK(r.next(1) == 60);
    CHECK(r.dev.violations() == 0);
}

TEST_CASE("a corrupted block header loses that block alone") {
    Rig r(EmulatedBlockDevice::nor(4));
    REQUIRE(r.log.mount());
    std::vector<FlashLocation> at;
    for (std::uint64_t s = 0; s < 200; s += 10) at.push_back(r.append(1, s));
    REQUIRE(r.log.sync());
    REQUIRE(at.back().block_seq == 3);
    r.dev.corrupt(1, 9); // block sequence 2's header
    r.reboot();
    REQUIRE(r.log.mount());
    CHECK_FALSE(r.log.stats().formatted);
    CHECK(r.log.stats().corrupt_blocks == 1);
    std::vector<std::uint64_t> served;
    for (std::uint64_t got = r.next(1); got != ~std::uint64_t{0}; got = r.next(1)) served.push_back(got);
    std::vector<std::uint64_t> expect;
    for (std::size_t i = 0; i < at.size(); ++i)
        if (at[i].block_seq != 2) expect.push_back(i * 10);
    CHECK(served == expect);
    CHECK(r.dev.violations() == 0);
}

TEST_CASE("mount never formats a device that is not blank") {
    Rig r(EmulatedBlockDevice::nor(4));
    SUBCASE("one stray byte") { r.dev.corrupt(2, 3000); }
    SUBCASE("every block header corrupted") {
        REQUIRE(r.log.mount());
        for (std::uint64_t s = 0; s < 200; s += 10) r.append(1, s);
        for (std::uint32_t b = 0; b < 4; ++b) r.dev.corrupt(b, 0);
        r.reboot();
    }
    std::vector<std::uint8_t> before(r.dev.raw(0), r.dev.raw(0) + 4 * 4096);
    const auto ops = r.dev.operations();
    auto m = r.log.mount();
    REQUIRE_FALSE(m);
    CHECK(m.error() == Errc::io_error);
    CHECK(r.dev.operations() == ops);
    CHECK(std::equal(before.begin(), before.end(), r.dev.raw(0)));
}

TEST_CASE("bad arguments give invalid_argument and change nothing") {
    Rig r(EmulatedBlockDevice::nor(4));
    const auto good = make_sector(0, 10);
    CHECK(r.log.append(stream_key(1), good.data(), 256).error() == Errc::invalid_argument); // not mounted
    REQUIRE(r.log.mount());
    r.append(1, 100);
    const auto ops = r.dev.operations();
    const auto stats = r.log.stats();
    CHECK(r.log.append(stream_key(1), good.data(), 256).error() == Errc::invalid_argument); // seq backwards
    FlashStreamKey evt = stream_key(1);
    evt.type = RecordType::evt;
    const auto later = make_sector(200, 10);
    CHECK(r.log.append(evt, later.data(), 256).error() == Errc::invalid_argument); // wrong type
    const auto empty = make_sector(200, 0);
    CHECK(r.log.append(stream_key(1), empty.data(), 256).error() == Errc::invalid_argument); // no record
    CHECK(r.log.append(stream_key(1), later.data(), 20).error() == Errc::invalid_argument); // truncated
    CHECK(r.log.append(stream_key(1), nullptr, 256).error() == Errc::invalid_argument);
    std::vector<std::byte> huge(4096);
    std::memcpy(huge.data(), later.data(), 256);
    CHECK(r.log.append(stream_key(1), huge.data(), 4096).error() == Errc::invalid_argument); // larger than a block
    std::vector<std::byte> out(256);
    CHECK(r.log.read_next(stream_key(9), out.data(), 256).error() == Errc::invalid_argument); // unknown stream
    CHECK(r.log.read_next(stream_key(1), out.data(), 100).error() == Errc::invalid_argument); // out too small
    CHECK(r.log.acknowledge(stream_key(1), 110).error() == Errc::invalid_argument); // nothing handed out
    CHECK(r.log.acknowledge(stream_key(9), 1).error() == Errc::invalid_argument);
    CHECK(r.dev.operations() == ops);
    CHECK(r.log.stats().units_appended == stats.units_appended);
    CHECK(r.log.stats().bytes_programmed == stats.bytes_programmed);
    CHECK(r.next(1) == 100); // the short buffer moved no cursor

    BlockGeometry tiny = EmulatedBlockDevice::nor(1);
    EmulatedBlockDevice one(tiny);
    FlashLogRam ram(256);
    FlashLog log(one, ram.memory());
    CHECK(log.mount().error() == Errc::invalid_argument); // one block cannot hold a ring
    CHECK(one.operations() == 0);
}

TEST_CASE("SD-like geometry: 512 B pages erased to zero") {
    Rig r(EmulatedBlockDevice::sd(4));
    REQUIRE(r.log.mount());
    CHECK(r.log.stats().formatted);
    for (std::uint64_t s = 0; s < 300; s += 10) r.append(3, s);
    REQUIRE(r.log.sync());
    r.reboot();
    REQUIRE(r.log.mount());
    std::uint64_t expect = r.log.stream(stream_key(3))->dropped_records;
    CHECK(expect == 0);
    for (std::uint64_t got = r.next(3); got != ~std::uint64_t{0}; got = r.next(3), expect += 10) CHECK(got == expect);
    CHECK(expect == 300);
    CHECK(r.dev.violations() == 0);
}

TEST_CASE("a caller serving records itself: find_unit moves nothing, mark_sent and an acknowledgement inside a unit") {
    Rig r(EmulatedBlockDevice::nor(4));
    REQUIRE(r.log.mount());
    for (std::uint64_t s = 0; s < 40; s += 10) r.append(1, s);
    std::vector<std::byte> out(256);
    // Found by record number, from any position inside a unit; asking again finds it again.
    auto u = r.log.find_unit(stream_key(1), 15, {}, out.data(), 256);
    REQUIRE(u);
    CHECK(u->first_seq == 10);
    CHECK(sector::first_seq(out.data()) == 10);
    auto again = r.log.find_unit(stream_key(1), 15, u->at, nullptr, 0);
    REQUIRE(again);
    CHECK(again->first_seq == 10);
    auto none = r.log.find_unit(stream_key(1), 40, {}, nullptr, 0);
    REQUIRE(none);
    CHECK(none->count == 0);
    // Records 0..14 acknowledged, 15..24 handed out: the unit 10..19 is still found from 15 on.
    REQUIRE(r.log.mark_sent(stream_key(1), 25));
    REQUIRE(r.log.acknowledge(stream_key(1), 15));
    u = r.log.find_unit(stream_key(1), 0, {}, nullptr, 0);
    REQUIRE(u);
    CHECK(u->first_seq == 10);
    REQUIRE(r.log.sync());
    r.reboot();
    REQUIRE(r.log.mount());
    CHECK(r.log.stream(stream_key(1))->acked_end == 15);
    CHECK(r.next(1) == 10); // the unit holding the first unacknowledged record
}

TEST_CASE("a unit acknowledged part of the way holds pending records only if some above the acknowledgement were handed out") {
    Rig r(EmulatedBlockDevice::nor(4));
    REQUIRE(r.log.mount());
    r.append(1, 0);
    REQUIRE(r.log.mark_sent(stream_key(1), 5));
    REQUIRE(r.log.acknowledge(stream_key(1), 5)); // 5..9 unsent: the device may drop them
    std::uint64_t seq = 10;
    for (int i = 0; i < 40; ++i, seq += 10) r.append(1, seq);
    CHECK(r.log.stats().refused_appends == 0);
    CHECK(r.log.stream(stream_key(1))->dropped_records > 5);

    Rig p(EmulatedBlockDevice::nor(4));
    REQUIRE(p.log.mount());
    p.append(1, 0);
    REQUIRE(p.log.mark_sent(stream_key(1), 6));
    REQUIRE(p.log.acknowledge(stream_key(1), 5)); // record 5 pending: the unit stays
    Expected<FlashLocation> a;
    seq = 10;
    for (int i = 0; i < 40; ++i, seq += 10) {
        const auto s = make_sector(seq, 10);
        a = p.log.append(stream_key(1), s.data(), 256);
        if (!a) break;
    }
    REQUIRE_FALSE(a);
    CHECK(a.error() == Errc::no_space);
}
