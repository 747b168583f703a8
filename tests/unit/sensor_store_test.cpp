// Policy corners of one sensor's store, on 80-byte sectors (12 TS records each).
#include <doctest/doctest.h>

#include <numeric>
#include <random>
#include <vector>

#include "support/store_fixture.hpp"

using namespace ss;
using ss::test::StoreFixture;

namespace {
std::vector<std::uint32_t> iota(std::uint32_t from, std::uint32_t n) {
    std::vector<std::uint32_t> v(n);
    std::iota(v.begin(), v.end(), from);
    return v;
}
} // namespace

TEST_CASE("records come out in the order they went in, with consecutive sequence numbers") {
    StoreFixture f(4);
    auto s = f.make();
    CHECK(f.add_n(s, 100, 30) == 30);
    CHECK(s.retained(f.ctx) == 30);
    CHECK(s.unsent(f.ctx) == 30);
    std::uint64_t seq = 99;
    CHECK(f.consume(s, 7, &seq) == iota(100, 7));
    CHECK(seq == 0);
    CHECK(f.consume(s, 100, &seq) == iota(107, 23));
    CHECK(seq == 7);
    CHECK(s.pending(f.ctx) == 30);
    CHECK(s.unsent(f.ctx) == 0);
    CHECK_FALSE(s.consume(f.ctx, nullptr, 1).has_value());
    CHECK(s.consume(f.ctx, nullptr, 1).error() == Errc::try_again);
}

TEST_CASE("a sector exactly full stays the open sector until the next record needs room") {
    StoreFixture f(4);
    auto s = f.make();
    CHECK(f.add_n(s, 0, 12) == 12);
    CHECK(f.stats(s).sectors == 1);
    CHECK(f.pool.free_count() == 3);
    CHECK(f.add(s, 12));
    CHECK(f.stats(s).sectors == 2);
    CHECK(f.pool.free_count() == 2);
    CHECK(f.consume(s, 13) == iota(0, 13));
}

TEST_CASE("a batch that drains a full open sector continues in the next one after it is sealed") {
    StoreFixture f(4);
    auto s = f.make();
    f.add_n(s, 0, 12);
    CHECK(f.consume(s, 12) == iota(0, 12)); // pend now sits at the end of the (full) tail
    f.add_n(s, 12, 5);                      // seals it and opens a new sector
    std::uint64_t seq = 0;
    CHECK(f.consume(s, 10, &seq) == iota(12, 5));
    CHECK(seq == 12);
    s.erase_all_pending(f.ctx);
    CHECK(f.stats(s).sectors == 1);
    CHECK(s.retained(f.ctx) == 0);
}

TEST_CASE("sealing while pending spans sectors keeps both regions intact") {
    StoreFixture f(6);
    auto s = f.make();
    f.add_n(s, 0, 20);                     // sectors: [0..11] [12..19 open]
    CHECK(f.consume(s, 15) == iota(0, 15)); // pending spans both sectors
    f.add_n(s, 20, 10);                    // seals the second sector mid-pending, opens a third
    CHECK(s.pending(f.ctx) == 15);
    CHECK(s.unsent(f.ctx) == 15);
    CHECK(f.consume(s, 100) == iota(15, 15));
    std::uint32_t v = 0;
    CHECK(s.read_at(f.ctx, 0, &v));
    CHECK(v == 0);
    CHECK(s.read_at(f.ctx, 29, &v));
    CHECK(v == 29);
}

TEST_CASE("erasing pending records frees every sector they emptied, in one go") {
    StoreFixture f(8);
    auto s = f.make();
    f.add_n(s, 0, 50); // 5 sectors: 12+12+12+12+2
    CHECK(f.pool.free_count() == 3);
    CHECK(f.consume(s, 40) == iota(0, 40)); // pend in the 4th sector, offset 4
    s.erase_all_pending(f.ctx);
    CHECK(f.pool.free_count() == 6); // three whole sectors back
    CHECK(f.stats(s).sectors == 2);
    CHECK(s.retained(f.ctx) == 10);
    CHECK(s.pending(f.ctx) == 0);
    std::uint32_t v = 0;
    CHECK(s.read_at(f.ctx, 0, &v));
    CHECK(v == 40);
    auto st = f.stats(s);
    CHECK(st.erased == 40);
    CHECK(st.head_seq == 40);
    CHECK(st.pending_seq == 40);
    CHECK(st.next_seq == 50);
}

TEST_CASE("erasing pending records up to a sequence number frees exactly those, sector by sector") {
    StoreFixture f(8);
    auto s = f.make();
    f.add_n(s, 0, 50); // 5 sectors: [0, 12) [12, 24) [24, 36) [36, 48) [48, 50)
    CHECK(f.consume(s, 40) == iota(0, 40));
    auto erased = s.erase_pending_until(f.ctx, 5); // inside the first sector: nothing freed
    REQUIRE(erased.has_value());
    CHECK(*erased == 5);
    CHECK(f.pool.free_count() == 3);
    erased = s.erase_pending_until(f.ctx, 24); // the first two sectors end exactly there
    CHECK(*erased == 19);
    CHECK(f.pool.free_count() == 5);
    CHECK(f.stats(s).sectors == 3);
    erased = s.erase_pending_until(f.ctx, 37); // into pend's sector, short of pend (40)
    CHECK(*erased == 13);
    CHECK(f.pool.free_count() == 6);
    auto st = f.stats(s);
    CHECK(st.head_seq == 37);
    CHECK(st.pending == 3);
    CHECK(st.pending_seq == 40);
    CHECK(st.erased == 37);
    std::uint32_t v = 0;
    CHECK(s.read_at(f.ctx, 0, &v));
    CHECK(v == 37);
    CHECK(f.consume(s, 100) == iota(40, 10)); // the unsent records as they were
}

TEST_CASE("an erase up to a number past the pending cursor is refused; one below the head does nothing") {
    StoreFixture f(4);
    auto s = f.make();
    f.add_n(s, 0, 20);
    f.consume(s, 8);
    REQUIRE(s.erase_pending_until(f.ctx, 4).has_value());
    const auto before = f.stats(s);
    auto r = s.erase_pending_until(f.ctx, 9); // record 8 is unsent
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::invalid_argument);
    r = s.erase_pending_until(f.ctx, 2); // erased already (or, with a disk tier, held there)
    REQUIRE(r.has_value());
    CHECK(*r == 0);
    const auto after = f.stats(s);
    CHECK(after.head_seq == before.head_seq);
    CHECK(after.pending == before.pending);
    CHECK(after.erased == before.erased);
    CHECK(f.consume(s, 100) == iota(8, 12));
}

TEST_CASE("erasing with nothing pending changes nothing") {
    StoreFixture f(3);
    auto s = f.make();
    f.add_n(s, 0, 5);
    s.erase_all_pending(f.ctx);
    CHECK(s.retained(f.ctx) == 5);
    CHECK(f.consume(s, 5) == iota(0, 5));
}

TEST_CASE("erasing everything keeps the sensor's one sector") {
    StoreFixture f(3);
    auto s = f.make();
    f.add_n(s, 0, 30);
    f.consume(s, 30);
    s.erase_all_pending(f.ctx);
    CHECK(f.stats(s).sectors == 1);
    CHECK(s.retained(f.ctx) == 0);
    CHECK(f.add_n(s, 30, 3) == 3);
    CHECK(f.consume(s, 5) == iota(30, 3));
}

TEST_CASE("a store emptied at the end of a full sector reuses that sector instead of leaking it") {
    StoreFixture f(3);
    auto s = f.make();
    for (int round = 0; round < 10; ++round) {
        const auto base = static_cast<std::uint32_t>(round * 12);
        CHECK(f.add_n(s, base, 12) == 12);
        CHECK(f.consume(s, 12) == iota(base, 12));
        s.erase_all_pending(f.ctx);
        CHECK(f.stats(s).sectors == 1);
    }
    CHECK(f.add(s, 120));
    CHECK(f.stats(s).sectors == 1);
    CHECK(f.pool.free_count() == 2);
    std::uint64_t seq = 0;
    CHECK(f.consume(s, 5, &seq) == iota(120, 1));
    CHECK(seq == 120);
}

TEST_CASE("a full pool recycles the oldest unsent sector to keep the newest data") {
    StoreFixture f(3);
    auto s = f.make();
    CHECK(f.add_n(s, 0, 36) == 36);  // three full sectors, pool empty
    CHECK(f.add(s, 36));              // recycles [0..11]
    auto st = f.stats(s);
    CHECK(st.dropped_recycled == 12);
    CHECK(st.retained == 25);
    CHECK(st.head_seq == 12);
    CHECK(f.health.load() == SS_HEALTH_DROPPING);
    std::uint64_t seq = 0;
    CHECK(f.consume(s, 100, &seq) == iota(12, 25));
    CHECK(seq == 12);
}

TEST_CASE("recycling with the pending boundary mid-sector skips that sector and leaves a gap") {
    StoreFixture f(3);
    auto s = f.make();
    f.add_n(s, 0, 36);                     // sectors A[0..11] B[12..23] C[24..35]
    CHECK(f.consume(s, 5) == iota(0, 5));   // pending [0..4] in A
    CHECK(f.add(s, 36));                    // A holds pending: B is recycled
    auto st = f.stats(s);
    CHECK(st.dropped_recycled == 12);
    CHECK(st.pending == 5);
    CHECK(st.retained == 5 + 7 + 12 + 1);
    std::uint64_t seq = 0;
    CHECK(f.consume(s, 100, &seq) == iota(5, 7)); // the batch stops at the gap 12..23
    CHECK(seq == 5);
    CHECK(f.consume(s, 100, &seq) == iota(24, 13));
    CHECK(seq == 24);
    std::uint32_t v = 0;
    CHECK(s.read_at(f.ctx, 11, &v)); // pending 0..4, then 5..11, then 24..
    CHECK(v == 11);
    CHECK(s.read_at(f.ctx, 12, &v));
    CHECK(v == 24);
}

TEST_CASE("recycling never touches a sector that holds a pending record") {
    StoreFixture f(3);
    auto s = f.make();
    f.add_n(s, 0, 36);
    CHECK(f.consume(s, 13) == iota(0, 13)); // pending reaches into B
    CHECK(f.add(s, 36));                     // A and B hold pending: C goes
    CHECK(f.consume(s, 100) == iota(13, 11)); // B's unsent rest; the batch stops at C's gap
    CHECK(f.consume(s, 100) == iota(36, 1));
}

TEST_CASE("with only pending data left, new writes are dropped, counted and leave a sequence gap") {
    StoreFixture f(2);
    auto s = f.make();
    f.add_n(s, 0, 24);
    CHECK(f.consume(s, 24) == iota(0, 24)); // everything pending
    auto r = f.add(s, 24);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::no_space);
    CHECK_FALSE(f.add(s, 25).has_value());
    auto st = f.stats(s);
    CHECK(st.dropped_new == 2);
    CHECK(st.retained == 24);
    CHECK(st.next_seq == 26);
    s.erase_all_pending(f.ctx);
    CHECK(f.add(s, 26));
    std::uint64_t seq = 0;
    CHECK(f.consume(s, 10, &seq) == iota(26, 1));
    CHECK(seq == 26); // 24 and 25 are the gap the cloud sees
}

TEST_CASE("a sensor at its sector cap recycles its own oldest unsent sector") {
    StoreFixture f(8);
    f.ctx.max_sectors_per_sensor = 2;
    auto s = f.make();
    f.add_n(s, 0, 24);
    CHECK(f.add(s, 24));
    auto st = f.stats(s);
    CHECK(st.sectors == 2);
    CHECK(st.dropped_recycled == 12);
    CHECK(f.pool.free_count() == 6);
}

TEST_CASE("a one-sector sensor with nothing pending recycles its only sector") {
    StoreFixture f(1);
    auto s = f.make();
    f.add_n(s, 0, 12);
    CHECK(f.add(s, 12));
    auto st = f.stats(s);
    CHECK(st.retained == 1);
    CHECK(st.dropped_recycled == 12);
    std::uint64_t seq = 0;
    CHECK(f.consume(s, 5, &seq) == iota(12, 1));
    CHECK(seq == 12);
}

TEST_CASE("a head in the middle of a sector is honoured by recycling and reads") {
    StoreFixture f(2);
    auto s = f.make();
    f.add_n(s, 0, 24);
    f.consume(s, 5);
    s.erase_all_pending(f.ctx); // head at A+5
    CHECK(f.add(s, 24));        // A holds no pending: it is recycled (its 7 retained records)
    auto st = f.stats(s);
    CHECK(st.dropped_recycled == 7);
    CHECK(st.retained == 13);
    std::uint32_t v = 0;
    CHECK(s.read_at(f.ctx, 0, &v));
    CHECK(v == 12);
}

TEST_CASE("event records keep value and timestamp") {
    StoreFixture f(4);
    auto s = f.make(RecordType::evt);
    for (std::uint32_t i = 0; i < 9; ++i) {
        const SsEventRecord r{i, 1'700'000'000'000ull + i * 1000};
        REQUIRE(s.add(f.ctx, &r));
    }
    CHECK(f.stats(s).sectors == 3); // 4 per sector
    SsEventRecord out[9];
    auto b = s.consume(f.ctx, out, 9);
    REQUIRE(b);
    CHECK(b->count == 9);
    for (std::uint32_t i = 0; i < 9; ++i) {
        // By value: ts_ms is only 4-byte aligned, so no reference may bind to it.
        const std::uint64_t ts = out[i].ts_ms;
        CHECK(out[i].value == i);
        CHECK(ts == 1'700'000'000'000ull + i * 1000);
    }
    SsEventRecord one{};
    CHECK(s.read_at(f.ctx, 8, &one));
    const std::uint64_t one_ts = one.ts_ms;
    CHECK(one.value == 8);
    CHECK(one_ts == 1'700'000'008'000ull);
}

TEST_CASE("diagnostic reads past the end are refused") {
    StoreFixture f(2);
    auto s = f.make();
    f.add_n(s, 0, 3);
    std::uint32_t v = 0;
    CHECK(s.read_at(f.ctx, 2, &v));
    CHECK(s.read_at(f.ctx, 3, &v).error() == Errc::invalid_argument);
}

TEST_CASE("a corrupt sector found by consume is dropped and the batch goes on past it") {
    StoreFixture f(4);
    auto s = f.make();
    f.add_n(s, 0, 30); // A B sealed, C open
    // Flip a payload bit of B (sectors are handed out in address order: A=0, B=1).
    f.pool.data(1)[sector::header_bytes + 3] ^= std::byte{0x10};
    std::uint64_t seq = 0;
    CHECK(f.consume(s, 12, &seq) == iota(0, 12));
    CHECK(f.consume(s, 100, &seq) == iota(24, 6));
    CHECK(seq == 24);
    auto st = f.stats(s);
    CHECK(st.dropped_corrupt == 12);
    CHECK(st.corrupt_sectors == 1);
    CHECK(st.sectors == 2);
    CHECK(f.health.load() == SS_HEALTH_CORRUPTION);
}

TEST_CASE("first-read verification checks a sector once; every-read checks it each time") {
    for (auto level : {VerifyLevel::first_read, VerifyLevel::every_read}) {
        StoreFixture f(4, 0, level);
        auto s = f.make();
        f.add_n(s, 0, 20);
        CHECK(f.consume(s, 3) == iota(0, 3)); // A verified
        f.pool.data(0)[sector::header_bytes + 40] ^= std::byte{0x01}; // record 10
        auto rest = f.consume(s, 100);
        if (level == VerifyLevel::first_read) {
            CHECK(rest.size() == 17); // served: the check happened before the damage
            CHECK(f.stats(s).dropped_corrupt == 0);
        } else {
            CHECK(rest == iota(12, 8)); // A's unsent records were dropped
            auto st = f.stats(s);
            CHECK(st.dropped_corrupt == 12);
            CHECK(st.pending == 8);
        }
    }
}

TEST_CASE("every-read verification makes a diagnostic read of a corrupt sector fail with io_error") {
    StoreFixture f(4, 0, VerifyLevel::every_read);
    auto s = f.make();
    f.add_n(s, 0, 20);
    f.pool.data(0)[5] ^= std::byte{0x01}; // header of A
    std::uint32_t v = 0;
    CHECK(s.read_at(f.ctx, 1, &v).error() == Errc::io_error);
    CHECK(s.retained(f.ctx) == 8);
    CHECK(s.read_at(f.ctx, 0, &v));
    CHECK(v == 12);
}

TEST_CASE("scrub verifies every sealed sector and drops only the corrupt ones") {
    StoreFixture f(6);
    auto s = f.make();
    f.add_n(s, 0, 40); // A B C sealed, D open
    f.consume(s, 5);   // pending inside A
    f.pool.data(0)[sector::header_bytes] ^= std::byte{0x80};
    f.pool.data(2)[sector::header_bytes] ^= std::byte{0x80};
    SsScrubReport rep{};
    s.scrub(f.ctx, rep);
    CHECK(rep.sensors == 1);
    CHECK(rep.sectors_checked == 3);
    CHECK(rep.corrupt_sectors == 2);
    CHECK(rep.records_dropped == 24);
    auto st = f.stats(s);
    CHECK(st.pending == 0); // A's pending records went with it
    CHECK(st.retained == 16);
    CHECK(f.consume(s, 100) == iota(12, 12)); // B, then the gap stops the batch
    CHECK(f.consume(s, 100) == iota(36, 4));
}

TEST_CASE("scrub of a corrupt full tail leaves the sensor a fresh open sector") {
    StoreFixture f(2);
    auto s = f.make();
    f.add_n(s, 0, 12);
    CHECK(s.seal_open_sector(f.ctx, false)); // full: sealed by the manager
    f.pool.data(0)[sector::header_bytes] ^= std::byte{0x01};
    SsScrubReport rep{};
    s.scrub(f.ctx, rep);
    CHECK(rep.corrupt_sectors == 1);
    CHECK(f.stats(s).sectors == 1);
    CHECK(f.add(s, 12));
    std::uint64_t seq = 0;
    CHECK(f.consume(s, 5, &seq) == iota(12, 1));
    CHECK(seq == 12);
}

TEST_CASE("a bounded scrub checks at most max sectors a call and finishes a pass over M sectors in ceil(M/N) calls") {
    StoreFixture f(8);
    auto s = f.make();
    f.add_n(s, 0, 5 * 12 + 3); // five sealed sectors, an open one with 3 records
    for (std::uint32_t n : {1u, 2u, 3u, 5u, 7u}) {
        INFO("max " << n);
        ScrubCursor at;
        SsScrubReport rep{};
        std::uint32_t calls = 0;
        std::uint32_t checked = 0;
        while (!at.finished && calls < 20) {
            const std::uint32_t k = s.scrub_from(f.ctx, at, n, rep);
            CHECK(k <= n);
            checked += k;
            ++calls;
        }
        CHECK(checked == 5);
        CHECK(calls == (5 + n - 1) / n);
        CHECK(rep.sectors_checked == 5);
        CHECK(rep.sensors == 1); // one pass over the sensor completed
        CHECK(rep.corrupt_sectors == 0);
        // Done: another call checks nothing and stays done.
        CHECK(s.scrub_from(f.ctx, at, n, rep) == 0);
        CHECK(at.finished);
    }
    // max 0 takes nothing and does not end the pass.
    ScrubCursor at;
    SsScrubReport rep{};
    CHECK(s.scrub_from(f.ctx, at, 0, rep) == 0);
    CHECK_FALSE(at.finished);
}

TEST_CASE("a bounded scrub resumes by sequence number: what changed between calls neither repeats nor skips a sector") {
    StoreFixture f(10);
    auto s = f.make();
    f.add_n(s, 0, 4 * 12 + 1); // A B C D sealed, E open
    ScrubCursor at;
    SsScrubReport rep{};
    CHECK(s.scrub_from(f.ctx, at, 2, rep) == 2); // A and B
    CHECK(at.next_seq == 24);
    // Meanwhile the uploader takes and erases A, writers add two more sectors, and A (checked in
    // this pass) goes bad where it lies in the pool: none of it is this pass's business.
    CHECK(f.consume(s, 12) == iota(0, 12));
    s.erase_all_pending(f.ctx);
    f.add_n(s, 49, 2 * 12);
    f.pool.data(1)[sector::header_bytes + 1] ^= std::byte{0x04}; // B: already checked this pass
    f.pool.data(3)[sector::header_bytes + 1] ^= std::byte{0x04}; // D: not yet
    std::uint32_t checked = 0;
    while (!at.finished) checked += s.scrub_from(f.ctx, at, 2, rep);
    CHECK(checked == 4); // C, D, E (sealed when the adds filled it) and F
    CHECK(rep.corrupt_sectors == 1);
    CHECK(rep.records_dropped == 12);
    // The next pass starts over and finds B.
    ScrubCursor again;
    SsScrubReport rep2{};
    while (!again.finished) s.scrub_from(f.ctx, again, 2, rep2);
    CHECK(rep2.corrupt_sectors == 1);
    CHECK(f.stats(s).corrupt_sectors == 2);
}

TEST_CASE("a bounded scrub does not resume at a sector that was freed and taken again since the last call") {
    StoreFixture f(8);
    auto s = f.make();
    f.add_n(s, 0, 5 * 12 + 1); // A B C D E sealed (pool sectors 0..4), F open
    ScrubCursor at;
    SsScrubReport rep{};
    CHECK(s.scrub_from(f.ctx, at, 2, rep) == 2); // A B; it stopped at C
    CHECK(at.hint == 2);
    // The uploader takes A B C and erases them; writers fill F and three more sectors, which
    // come from the freed ones: C's sector now lies past D, E and F, holding new records.
    CHECK(f.consume(s, 36) == iota(0, 36));
    s.erase_all_pending(f.ctx);
    f.add_n(s, 61, 11 + 3 * 12 + 1);
    REQUIRE(sector::first_seq(f.pool.data(2)) > 24);
    f.pool.data(3)[sector::header_bytes] ^= std::byte{0x02}; // D
    std::uint32_t checked = 0;
    while (!at.finished) checked += s.scrub_from(f.ctx, at, 100, rep);
    CHECK(checked == 6); // D E F and the three new ones, none skipped
    CHECK(rep.corrupt_sectors == 1);
}

TEST_CASE("a scrub finds a corrupt unsent sector that consume at level off would serve, and leaves pending records alone") {
    for (bool scrub : {false, true}) {
        INFO((scrub ? "with a scrub" : "without one"));
        StoreFixture f(8, 0, VerifyLevel::off);
        auto s = f.make();
        f.add_n(s, 0, 50); // A B C D sealed, E open
        CHECK(f.consume(s, 12) == iota(0, 12)); // A wholly pending
        f.pool.data(0)[sector::header_bytes + 8] ^= std::byte{0x01}; // A (pending): record 2
        f.pool.data(2)[sector::header_bytes + 8] ^= std::byte{0x01}; // C (unsent): record 26
        if (scrub) {
            ScrubCursor at;
            SsScrubReport rep{};
            while (!at.finished) s.scrub_from(f.ctx, at, 1, rep);
            CHECK(rep.sectors_checked == 3); // B C D; E is open, A pending
            CHECK(rep.corrupt_sectors == 1);
            CHECK(rep.records_dropped == 12);
            const auto st = f.stats(s);
            CHECK(st.dropped_corrupt == 12);
            CHECK(st.corrupt_sectors == 1);
            CHECK(st.pending == 12); // A untouched
            CHECK(f.health.load() == SS_HEALTH_CORRUPTION);
        }
        std::uint64_t seq = 0;
        const auto got = f.consume(s, 100, &seq);
        if (!scrub) {
            // Level off: nothing stands between the bad sector and the uploader.
            CHECK(got.size() == 38);
            CHECK(got[26 - 12] != 26);
            continue;
        }
        CHECK(got == iota(12, 12)); // B; the gap where C was ends the batch
        CHECK(f.consume(s, 100, &seq) == iota(36, 14));
        CHECK(seq == 36);
    }
}

TEST_CASE("a bounded scrub that finds the sealed tail corrupt leaves the sensor a fresh open sector") {
    StoreFixture f(2);
    auto s = f.make();
    f.add_n(s, 0, 12);
    CHECK(s.seal_open_sector(f.ctx, false));
    f.pool.data(0)[sector::header_bytes] ^= std::byte{0x01};
    ScrubCursor at;
    SsScrubReport rep{};
    CHECK(s.scrub_from(f.ctx, at, 4, rep) == 1);
    CHECK(at.finished);
    CHECK(rep.corrupt_sectors == 1);
    CHECK(f.stats(s).retained == 0);
    CHECK(f.add(s, 12));
    std::uint64_t seq = 0;
    CHECK(f.consume(s, 5, &seq) == iota(12, 1));
    CHECK(seq == 12);
}

TEST_CASE("a store's verify level is its own: off serves a bad sector, every_read and after_write drop it") {
    for (auto level : {VerifyLevel::off, VerifyLevel::first_read, VerifyLevel::every_read, VerifyLevel::after_write}) {
        INFO("level " << static_cast<int>(level));
        StoreFixture f(4); // the context's level is first_read
        auto s = f.make();
        s.set_verify_level(level);
        CHECK(s.verify_level() == level);
        CHECK(f.stats(s).verify_level == static_cast<std::uint8_t>(level));
        f.add_n(s, 0, 20);
        CHECK(f.consume(s, 3) == iota(0, 3)); // A read once
        f.pool.data(0)[sector::header_bytes + 40] ^= std::byte{0x01}; // record 10
        const auto rest = f.consume(s, 100);
        if (level == VerifyLevel::off || level == VerifyLevel::first_read) {
            CHECK(rest.size() == 17); // off never checks; first_read checked A before the damage
            CHECK(f.stats(s).dropped_corrupt == 0);
        } else {
            CHECK(rest == iota(12, 8));
            CHECK(f.stats(s).dropped_corrupt == 12);
        }
    }
}

TEST_CASE("the manager seals a full open sector, and any non-empty one when forced") {
    StoreFixture f(4);
    auto s = f.make();
    f.add_n(s, 0, 5);
    CHECK_FALSE(s.seal_open_sector(f.ctx, false));
    CHECK(s.seal_open_sector(f.ctx, true));
    CHECK(sector::verify(f.pool.data(0), RecordType::ts, StoreFixture::sector_bytes));
    CHECK_FALSE(s.seal_open_sector(f.ctx, true)); // already sealed
    CHECK(f.add(s, 5));                            // goes to a new sector
    CHECK(f.stats(s).sectors == 2);
    CHECK(f.consume(s, 10) == iota(0, 6));
}

TEST_CASE("add_many is exactly n single adds: same records, numbers, drops and counters") {
    // Two identical stores in two pools; one takes records one at a time, the other in batches of
    // random size, with consumes and erases between, until both have recycled and dropped.
    std::mt19937 rng(20261122);
    const auto pick = [&](std::uint32_t below) { return static_cast<std::uint32_t>(rng() % below); };
    bool saw_dropped_new = false, saw_recycled = false;
    for (int round = 0; round < 50; ++round) {
        const std::uint32_t sectors = 2 + pick(5);
        StoreFixture fa(sectors), fb(sectors);
        ss::SensorStore a = fa.make(), b = fb.make();
        std::uint32_t v = 0;
        for (int step = 0; step < 60; ++step) {
            const std::uint32_t n = pick(40);
            std::vector<std::uint32_t> batch(n);
            for (auto& x : batch) x = v++;
            int single_ok = 0;
            for (std::uint32_t x : batch) single_ok += fa.add(a, x).has_value();
            const std::uint32_t stored = b.add_many(fb.ctx, batch.data(), n);
            REQUIRE(stored == static_cast<std::uint32_t>(single_ok));
            if (rng() % 3 == 0) {
                const std::uint32_t take = pick(30);
                std::uint64_t fa_first = 0, fb_first = 0;
                const auto ca = fa.consume(a, take, &fa_first);
                const auto cb = fb.consume(b, take, &fb_first);
                REQUIRE(ca == cb);
                if (!ca.empty()) REQUIRE(fa_first == fb_first);
            }
            if (rng() % 4 == 0) {
                a.erase_all_pending(fa.ctx);
                b.erase_all_pending(fb.ctx);
            }
            const SsSensorStats sa = fa.stats(a), sb = fb.stats(b);
            REQUIRE(sa.next_seq == sb.next_seq);
            REQUIRE(sa.retained == sb.retained);
            REQUIRE(sa.pending == sb.pending);
            REQUIRE(sa.dropped_new == sb.dropped_new);
            REQUIRE(sa.dropped_recycled == sb.dropped_recycled);
            saw_dropped_new = saw_dropped_new || sb.dropped_new > 0;
            saw_recycled = saw_recycled || sb.dropped_recycled > 0;
        }
    }
    // The policy's both ways of losing data were exercised, not just the easy path.
    CHECK(saw_dropped_new);
    CHECK(saw_recycled);
}

TEST_CASE("add_many of events copies the packed records across sector boundaries") {
    StoreFixture f(4);
    ss::SensorStore s = f.make(RecordType::evt);
    std::vector<SsEventRecord> evts(10);
    for (std::uint32_t i = 0; i < evts.size(); ++i) evts[i] = SsEventRecord{100 + i, 1'000'000ull + i};
    REQUIRE(s.add_many(f.ctx, evts.data(), 10) == 10); // 4 per sector: spans three
    std::vector<SsEventRecord> out(10);
    auto b = s.consume(f.ctx, out.data(), 10);
    REQUIRE(b);
    REQUIRE(b->count == 10);
    for (std::uint32_t i = 0; i < 10; ++i) {
        CHECK(out[i].value == 100 + i);
        const std::uint64_t ts = out[i].ts_ms; // packed member: read by value
        CHECK(ts == 1'000'000ull + i);
    }
}
