// The tier policy's rules on plain numbers: no files, no threads, no clock.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "ss/tier_policy.hpp"

using namespace ss::policy;

TEST_CASE("the watermarks ask for nothing below the high mark and down to the low mark above it") {
    // 100 sectors, 80 % / 60 %, 10 sensors: the marks are 80 and 60.
    CHECK(spill_target(100, 79, 10, 80, 60) == 0);
    CHECK(spill_target(100, 80, 10, 80, 60) == 20);
    CHECK(spill_target(100, 95, 10, 80, 60) == 35);
    // Equal marks: spill exactly what is above them.
    CHECK(spill_target(100, 85, 10, 80, 80) == 5);
    CHECK(spill_target(100, 80, 10, 80, 80) == 0);
}

TEST_CASE("the watermarks leave a free sector for every sensor") {
    // 100 sectors and 50 sensors: at most 50 may be in use before the next tick, whatever the
    // configured marks say.
    CHECK(spill_target(100, 49, 50, 80, 60) == 0);
    CHECK(spill_target(100, 50, 50, 80, 60) == 0); // at the cap, nothing below it to go to
    CHECK(spill_target(100, 60, 50, 80, 60) == 10);
    // More sensors than sectors: everything sealed should go.
    CHECK(spill_target(10, 10, 20, 80, 60) == 10);
}

TEST_CASE("a sensor is disk-first exactly while it has records in the cold tier") {
    CHECK_FALSE(disk_first(0));
    CHECK(disk_first(1));
    CHECK(disk_first(~std::uint64_t{0}));
}

TEST_CASE("the biggest stores spill first, ties in a fixed order") {
    std::vector<SpillCandidate> c{{3, 0}, {7, 1}, {3, 2}, {1, 3}, {7, 4}};
    order_spill(c.data(), static_cast<std::uint32_t>(c.size()));
    const std::vector<std::uint32_t> slots{4, 1, 2, 0, 3};
    for (std::size_t i = 0; i < c.size(); ++i) CHECK(c[i].slot == slots[i]);
}

TEST_CASE("the force-seal timer falls due once per interval, from its first reading") {
    ForceSealTimer never(0);
    CHECK_FALSE(never.due(0));
    CHECK_FALSE(never.due(1'000'000'000));

    ForceSealTimer t(60'000);
    CHECK_FALSE(t.due(5'000)); // starts the interval
    CHECK_FALSE(t.due(64'999));
    CHECK(t.due(65'000));
    CHECK_FALSE(t.due(65'001));
    CHECK_FALSE(t.due(124'999));
    CHECK(t.due(125'000));
    // A late tick does not make the next one come early: the interval restarts at it.
    CHECK(t.due(400'000));
    CHECK_FALSE(t.due(459'999));
    CHECK(t.due(460'000));
}

TEST_CASE("the shutdown budget runs from the first shutdown tick and is spent once") {
    ShutdownBudget b(60'000);
    CHECK(b.at(0, false) == ShutdownBudget::Verdict::run);
    CHECK(b.at(1'000, true) == ShutdownBudget::Verdict::run); // starts the budget
    CHECK(b.at(61'000, true) == ShutdownBudget::Verdict::run); // exactly the budget
    CHECK(b.at(61'001, true) == ShutdownBudget::Verdict::just_spent);
    CHECK(b.at(61'002, true) == ShutdownBudget::Verdict::spent);
    CHECK(b.at(99'000, true) == ShutdownBudget::Verdict::spent);
    // A shutdown called off and begun again gets a whole budget.
    CHECK(b.at(100'000, false) == ShutdownBudget::Verdict::run);
    CHECK(b.at(200'000, true) == ShutdownBudget::Verdict::run);
    CHECK(b.at(260'000, true) == ShutdownBudget::Verdict::run);
    CHECK(b.at(260'001, true) == ShutdownBudget::Verdict::just_spent);
}

TEST_CASE("the quota's victims: the sensor holding the most disk first") {
    std::vector<ChunkHolder> h{{2, 0}, {9, 1}, {9, 2}, {4, 3}};
    order_quota_victims(h.data(), static_cast<std::uint32_t>(h.size()));
    CHECK(h[0].slot == 2);
    CHECK(h[1].slot == 1);
    CHECK(h[2].slot == 3);
    CHECK(h[3].slot == 0);
}

namespace {
// Units of 4 KiB in chunks of 16 KiB: four units a chunk.
constexpr std::uint32_t unit = 4096;
constexpr std::uint32_t chunk = 4 * unit;

struct Units {
    std::vector<UnitView> v;
    UnitView operator()(std::size_t i) const { return v[i]; }
};

Units units(std::size_t first_slot, std::size_t n, bool durable = true) {
    Units u;
    for (std::size_t i = 0; i < n; ++i) u.v.push_back(UnitView{(first_slot + i) * unit, 0, durable});
    return u;
}
} // namespace

TEST_CASE("the quota drops the oldest whole chunk that holds no pending record") {
    const Units u = units(0, 12); // chunks 0, 1, 2 full; appending goes on in chunk 3
    ChunkDrop d;
    REQUIRE(oldest_unsent_chunk(u, u.v.size(), 0, 0, 12 * unit, chunk, d));
    CHECK(d.chunk == 0);
    CHECK(d.first == 0);
    CHECK(d.last == 4);
}

TEST_CASE("a chunk the uploader is inside is never dropped: the next one is") {
    const Units u = units(0, 12);
    ChunkDrop d;
    // pend in unit 2 at record 5: chunk 0 holds pending records.
    REQUIRE(oldest_unsent_chunk(u, u.v.size(), 2, 5, 12 * unit, chunk, d));
    CHECK(d.chunk == 1);
    CHECK(d.first == 4);
    CHECK(d.last == 8);
    // pend at the start of unit 4: units 0-3, all of chunk 0, are pending; chunk 1 is free.
    REQUIRE(oldest_unsent_chunk(u, u.v.size(), 4, 0, 12 * unit, chunk, d));
    CHECK(d.chunk == 1);
    // pend at the start of unit 5: unit 4 in chunk 1 is pending, so chunk 2 goes.
    REQUIRE(oldest_unsent_chunk(u, u.v.size(), 5, 0, 12 * unit, chunk, d));
    CHECK(d.chunk == 2);
}

TEST_CASE("the chunk being appended to, and chunks with unwritten units, are never dropped") {
    ChunkDrop d;
    // Only one chunk, still being filled.
    const Units partial = units(0, 3);
    CHECK_FALSE(oldest_unsent_chunk(partial, partial.v.size(), 0, 0, 3 * unit, chunk, d));
    // The chunk is full (append moved to the next chunk boundary exactly): it may go.
    const Units full = units(0, 4);
    REQUIRE(oldest_unsent_chunk(full, full.v.size(), 0, 0, 4 * unit, chunk, d));
    CHECK(d.chunk == 0);
    // A unit not yet durable keeps its chunk.
    Units u = units(0, 8);
    u.v[1].durable = false;
    CHECK_FALSE(oldest_unsent_chunk(u, u.v.size(), 0, 0, 8 * unit, chunk, d));
    // Everything is pending: nothing to drop.
    CHECK_FALSE(oldest_unsent_chunk(u, u.v.size(), u.v.size(), 0, 8 * unit, chunk, d));
}

TEST_CASE("the disk-full quota holds for ten seconds from the first tick after the disk filled") {
    CHECK(DiskFullQuota::lowered(0) == 1);
    CHECK(DiskFullQuota::lowered(1) == 1);
    CHECK(DiskFullQuota::lowered(40) == 39);
    DiskFullQuota q;
    CHECK_FALSE(q.is_lowered());
    CHECK_FALSE(q.restore_due(1'000));
    q.lower();
    CHECK(q.is_lowered());
    CHECK_FALSE(q.restore_due(5'000)); // stamped here
    CHECK_FALSE(q.restore_due(15'000));
    CHECK(q.restore_due(15'001));
    CHECK_FALSE(q.is_lowered());
    CHECK_FALSE(q.restore_due(99'000));
    // Lowered again while lowered: the hold starts over at the next tick.
    q.lower();
    CHECK_FALSE(q.restore_due(100'000));
    q.lower();
    CHECK_FALSE(q.restore_due(109'000));
    CHECK_FALSE(q.restore_due(119'000));
    CHECK(q.restore_due(119'001));
}

TEST_CASE("a clock that goes back never makes an interval fall due early or a budget run out") {
    ForceSealTimer t(1'000);
    CHECK_FALSE(t.due(50'000));
    CHECK_FALSE(t.due(10'000)); // back: the interval restarts here
    CHECK_FALSE(t.due(10'999));
    CHECK(t.due(11'000));
    ShutdownBudget b(1'000);
    CHECK(b.at(50'000, true) == ShutdownBudget::Verdict::run);
    CHECK(b.at(10'000, true) == ShutdownBudget::Verdict::run);
    CHECK(b.at(51'001, true) == ShutdownBudget::Verdict::just_spent);
    DiskFullQuota q;
    q.lower();
    CHECK_FALSE(q.restore_due(50'000));
    CHECK_FALSE(q.restore_due(1'000));
    CHECK(q.restore_due(60'001));
}
