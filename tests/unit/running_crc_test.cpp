// The running CRC (StoreContext::crc_on_add, the MCU's mode): sectors checksummed record by
// record as they fill must come out byte for byte as the ones checksummed whole at the seal,
// whatever mix of adds, bulk adds, forced seals, period changes, recycling and erases made them;
// and a record changed after it was added is still caught.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <vector>

#include "ss/crc32c.hpp"
#include "ss/sector_format.hpp"
#include "support/store_fixture.hpp"

using namespace ss;
using ss::test::StoreFixture;

namespace {

// Every byte of the two pools, except the CRC field of sectors not sealed yet (count 0 in the
// header), where the running mode keeps its state and the other mode nothing.
void check_pools_equal(const StoreFixture& whole, const StoreFixture& running, std::uint32_t sectors) {
    for (std::uint32_t s = 0; s < sectors; ++s) {
        const std::byte* a = whole.data.data() + std::size_t{s} * StoreFixture::sector_bytes;
        const std::byte* b = running.data.data() + std::size_t{s} * StoreFixture::sector_bytes;
        const bool sealed = sector::count(a) != 0;
        for (std::size_t i = 0; i < StoreFixture::sector_bytes; ++i) {
            if (!sealed && i >= sector::offset::crc && i < sector::offset::crc + 4) continue;
            if (a[i] != b[i]) {
                CAPTURE(s);
                CAPTURE(i);
                REQUIRE(a[i] == b[i]);
            }
        }
        if (sealed) REQUIRE(sector::verify(b, static_cast<RecordType>(sector::type_code(b)), StoreFixture::sector_bytes));
    }
}

} // namespace

TEST_CASE("crc32c_update_words continues a CRC32C over words exactly as crc32c does") {
    std::mt19937 rng(7);
    for (int round = 0; round < 1000; ++round) {
        std::uint32_t words[3];
        for (auto& w : words) w = static_cast<std::uint32_t>(rng());
        const std::uint32_t start = round == 0 ? 0 : static_cast<std::uint32_t>(rng());
        CHECK(~crc32c_update_words<1>(words, ~start) == crc32c(words, 4, start));
        CHECK(~crc32c_update_words<3>(words, ~start) == crc32c(words, 12, start));
    }
}

TEST_CASE("sectors checksummed as they fill equal the ones checksummed at the seal, over random workloads") {
    constexpr std::uint32_t sectors = 24;
    int sealed_full = 0;
    int forced = 0;
    for (const RecordType type : {RecordType::ts, RecordType::evt}) {
        for (std::uint32_t seed = 1; seed <= 6; ++seed) {
            CAPTURE(seed);
            StoreFixture whole(sectors);
            StoreFixture running(sectors);
            running.ctx.crc_on_add = true;
            ss::SensorStore a = whole.make(type);
            ss::SensorStore b = running.make(type);
            ss::SensorStore a2 = whole.make(type == RecordType::ts ? RecordType::evt : RecordType::ts, 2);
            ss::SensorStore b2 = running.make(type == RecordType::ts ? RecordType::evt : RecordType::ts, 2);
            std::mt19937 rng(seed);
            std::uint32_t value = 0;
            std::vector<std::byte> buf(64 * 12);
            for (int op = 0; op < 3000; ++op) {
                const auto pick = rng() % 100;
                ss::SensorStore& wa = (rng() % 4 == 0) ? a2 : a;
                ss::SensorStore& wb = (&wa == &a2) ? b2 : b;
                const std::size_t rb = sector::record_bytes(wa.type());
                if (pick < 55) {
                    std::byte rec[12];
                    for (std::size_t i = 0; i < rb; ++i) rec[i] = static_cast<std::byte>(value * 31 + i);
                    ++value;
                    const std::uint64_t t = (rng() % 3 == 0) ? (1'000'000 + value) : sector::time_unknown;
                    CHECK(wa.add(whole.ctx, rec, t).has_value() == wb.add(running.ctx, rec, t).has_value());
                } else if (pick < 70) {
                    const std::uint32_t n = 1 + rng() % 40;
                    for (std::size_t i = 0; i < n * rb; ++i) buf[i] = static_cast<std::byte>(value + i * 7);
                    value += n;
                    CHECK(wa.add_many(whole.ctx, buf.data(), n, 5'000'000) == wb.add_many(running.ctx, buf.data(), n, 5'000'000));
                } else if (pick < 78) {
                    const bool sealed = wa.seal_open_sector(whole.ctx, true);
                    CHECK(sealed == wb.seal_open_sector(running.ctx, true));
                    forced += sealed;
                } else if (pick < 82) {
                    const std::uint32_t period = (rng() % 3) * 1000;
                    CHECK(wa.set_sample_period_us(whole.ctx, period).has_value() ==
                          wb.set_sample_period_us(running.ctx, period).has_value());
                } else if (pick < 94) {
                    std::vector<std::byte> out_a(64 * 12), out_b(64 * 12);
                    const std::uint32_t max = 1 + rng() % 64;
                    auto ba = wa.consume(whole.ctx, out_a.data(), max);
                    auto bb = wb.consume(running.ctx, out_b.data(), max);
                    REQUIRE(ba.has_value() == bb.has_value());
                    if (ba) {
                        REQUIRE(ba->count == bb->count);
                        CHECK(std::memcmp(out_a.data(), out_b.data(), ba->count * rb) == 0);
                    }
                } else {
                    wa.erase_all_pending(whole.ctx);
                    wb.erase_all_pending(running.ctx);
                }
                check_pools_equal(whole, running, sectors);
            }
            SsScrubReport ra{}, rb_report{};
            a.scrub(whole.ctx, ra);
            b.scrub(running.ctx, rb_report);
            CHECK(rb_report.corrupt_sectors == 0);
            CHECK(rb_report.sectors_checked == ra.sectors_checked);
            for (std::uint32_t s = 0; s < sectors; ++s)
                sealed_full += sector::count(running.data.data() + std::size_t{s} * StoreFixture::sector_bytes) ==
                               sector::capacity(StoreFixture::sector_bytes,
                                                static_cast<RecordType>(sector::type_code(
                                                    running.data.data() + std::size_t{s} * StoreFixture::sector_bytes)));
        }
    }
    // Both seals were exercised: full sectors that kept their running CRC, and forced ones.
    CHECK(sealed_full > 20);
    CHECK(forced > 100);
}

TEST_CASE("a record changed after it was added is caught by the running CRC once its sector is sealed") {
    StoreFixture f(6);
    f.ctx.crc_on_add = true;
    ss::SensorStore s = f.make();
    CHECK(f.add_n(s, 100, 5) == 5);
    // A bit flips in RAM in the third record of the open sector.
    f.data[sector::header_bytes + 2 * 4] ^= std::byte{0x10};
    CHECK(f.add_n(s, 105, static_cast<int>(f.ctx.capacity_ts) - 5 + 1) > 0); // fills and seals it
    SsScrubReport r{};
    s.scrub(f.ctx, r);
    CHECK(r.corrupt_sectors == 1);
    CHECK(r.records_dropped == f.ctx.capacity_ts);
}
