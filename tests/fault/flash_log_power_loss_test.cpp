// Power loss under the flash log (issue 15): a workload of appends, uploads, acknowledgements and
// syncs with the power cut at one program or erase, left not done, done or torn; then a mount
// and a check against a reference model of what must survive, then more work on the mounted log,
// another mount and the same check. Small workloads are cut at every program and erase;
// larger ones at random points for a fixed list of seeds.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "support/flash_log_fixture.hpp"

using namespace ss;
using namespace ss::test;

namespace {

constexpr std::uint64_t none = ~std::uint64_t{0};

struct ModelUnit {
    std::uint32_t id;
    std::uint64_t first;
    std::uint16_t count;
    std::uint32_t block_seq;
    bool synced;
    std::uint64_t end() const { return first + count; }
};

struct ModelStream {
    std::uint64_t next_seq = 0;
    std::uint64_t ack_made = 0;    ///< the highest acknowledgement made
    std::uint64_t ack_durable = 0; ///< the highest one a completed sync made durable
};

/// What must survive: every unit appended, whether a sync completed after it, the acks.
struct Model {
    std::vector<ModelUnit> units;
    std::vector<ModelStream> streams;
    std::optional<ModelUnit> in_flight; ///< the append the cut interrupted: may or may not be there
    std::uint32_t tail_before = 1;      ///< the log's tail when the interrupted operation began
};

struct Rng {
    std::uint64_t s;
    std::uint64_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(next() % n); }
};

/// Runs `ops` operations chosen by `rng` until one fails with io_error (the cut). False on a cut.
bool run(FlashLog& log, Model& m, Rng& rng, int ops) {
    std::vector<std::byte> out(256);
    const auto n_streams = static_cast<std::uint32_t>(m.streams.size());
    for (int op = 0; op < ops; ++op) {
        m.tail_before = log.tail_seq();
        const std::uint32_t dice = rng.below(100);
        const std::uint32_t id = rng.below(n_streams);
        ModelStream& st = m.streams[id];
        if (dice < 55) {
            const auto count = static_cast<std::uint16_t>(1 + rng.below(50));
            const auto sec = make_sector(st.next_seq, count);
            m.in_flight = ModelUnit{id, st.next_seq, count, 0, false};
            auto r = log.append(stream_key(id), sec.data(), 256);
            if (!r && r.error() == Errc::io_error) return false;
            m.in_flight.reset();
            if (r) {
                m.units.push_back({id, st.next_seq, count, r->block_seq, false});
                st.next_seq += count;
            } else {
                CAPTURE(st.next_seq);
                CAPTURE(log.stream(stream_key(id)) ? log.stream(stream_key(id))->last_end : 0);
                REQUIRE(r.error() == Errc::no_space);
            }
        } else if (dice < 85) {
            if (!log.stream(stream_key(id))) continue;
            auto r = log.read_next(stream_key(id), out.data(), 256);
            if (!r && r.error() == Errc::io_error) return false;
            if (!r) {
                REQUIRE(r.error() == Errc::try_again);
                continue;
            }
            if (rng.below(10) < 8) {
                const std::uint64_t end = r->first_seq + r->count;
                if (end > st.ack_made) st.ack_made = end;
                auto a = log.acknowledge(stream_key(id), end);
                if (!a) {
                    REQUIRE(a.error() == Errc::io_error);
                    return false;
                }
            } else if (rng.below(4) == 0) {
                REQUIRE(log.rewind(stream_key(id)));
            }
        } else {
            auto r = log.sync();
            if (!r) {
                REQUIRE(r.error() == Errc::io_error);
                return false;
            }
            for (ModelUnit& u : m.units) u.synced = true;
            for (std::uint32_t s = 0; s < n_streams; ++s) {
                const FlashStream* fs = log.stream(stream_key(s));
                if (fs && !fs->ack_dirty) m.streams[s].ack_durable = m.streams[s].ack_made;
            }
        }
    }
    m.tail_before = log.tail_seq();
    return true;
}

/// Mounts after a cut and checks the log against the model; leaves the model describing the
/// mounted log (what it serves, its boundaries) so that work can go on from it.
void check_mounted(FlashLog& log, EmulatedBlockDevice& dev, Model& m) {
    auto mounted = log.mount();
    REQUIRE(mounted);
    REQUIRE_FALSE(log.stats().formatted);
    std::vector<std::byte> out(256);
    std::vector<ModelUnit> served_all;
    std::uint64_t served_units = 0;
    for (std::uint32_t id = 0; id < m.streams.size(); ++id) {
        CAPTURE(id);
        ModelStream& st = m.streams[id];
        const FlashStream* fs = log.stream(stream_key(id));
        const std::uint64_t acked = fs ? fs->acked_end : 0;
        // Between the last acknowledgement a sync made durable and the latest one made.
        CHECK(acked >= st.ack_durable);
        CHECK(acked <= st.ack_made);
        std::uint64_t last_end = 0;
        std::vector<ModelUnit> served;
        while (fs) {
            auto r = log.read_next(stream_key(id), out.data(), 256);
            if (!r) {
                REQUIRE(r.error() == Errc::try_again);
                break;
            }
            ++served_units;
            // Never a torn unit: the sector inside is intact and its records are its own.
            REQUIRE(sector::verify(out.data(), RecordType::ts, 256));
            for (std::uint32_t i = 0; i < r->count; ++i)
                CHECK(sector::load<std::uint32_t>(out.data() + sector::header_bytes + i * 4) == r->first_seq + i);
            // Each record once, in order.
            CHECK(r->first_seq >= last_end);
            last_end = r->first_seq + r->count;
            CHECK(last_end > acked);
            // Only what was appended: a unit the model knows, or the interrupted append.
            auto known = std::find_if(m.units.begin(), m.units.end(), [&](const ModelUnit& u) {
                return u.id == id && u.first == r->first_seq && u.count == r->count;
            });
            const bool in_flight = m.in_flight && m.in_flight->id == id && m.in_flight->first == r->first_seq &&
                                   m.in_flight->count == r->count;
            CHECK((known != m.units.end() || in_flight));
            // Nothing that had left the ring before the cut comes back.
            if (known != m.units.end()) CHECK(known->block_seq >= m.tail_before);
            served.push_back({id, r->first_seq, static_cast<std::uint16_t>(r->count), r->at.block_seq, true});
        }
        // Everything synced, not acknowledged and not in a block the cut operation may have
        // freed is served.
        for (const ModelUnit& u : m.units) {
            if (u.id != id || !u.synced || u.end() <= acked || u.block_seq <= m.tail_before) continue;
            CAPTURE(u.first);
            CHECK(std::any_of(served.begin(), served.end(), [&](const ModelUnit& s) { return s.first == u.first; }));
        }
        st.ack_made = st.ack_durable = acked;
        if (fs && fs->last_end > st.next_seq) st.next_seq = fs->last_end;
        if (fs) REQUIRE(log.rewind(stream_key(id)));
        served_all.insert(served_all.end(), served.begin(), served.end());
    }
    CHECK(log.stats().live_units >= served_units);
    CHECK(dev.violations() == 0);
    if (dev.violations() != 0) MESSAGE(dev.first_violation());
    m.units = served_all;
    m.in_flight.reset();
    m.tail_before = log.tail_seq();
}

/// What the uncut run of the last workload did: proof that it wrapped the ring and dropped.
struct DryRun {
    std::uint32_t head_seq = 0;
    std::uint64_t dropped = 0, refused = 0, erases = 0;
} dry_run;

struct Scenario {
    BlockGeometry geometry;
    bool lose_unsynced;
    std::uint32_t streams;
    int ops;       ///< before the cut
    int ops_after; ///< on the mounted log, before the second mount
};

/// One workload with the power cut at device operation `cut_at` (counted from the first mount
/// on), left as `how`. Returns the device operations the workload made when `cut_at` is none.
std::uint64_t cut_once(const Scenario& sc, std::uint64_t seed, std::uint64_t cut_at, Cut how,
                       std::uint64_t second_cut = none) {
    EmulatedBlockDevice dev(sc.geometry, sc.lose_unsynced);
    FlashLogRam ram(sc.geometry.program_bytes);
    Model m;
    m.streams.resize(sc.streams);
    Rng rng{seed};
    {
        FlashLog log(dev, ram.memory());
        REQUIRE(log.mount());
        REQUIRE(log.stats().formatted);
        const std::uint64_t start = dev.operations();
        if (cut_at != none) dev.arm_cut(cut_at, how, seed ^ cut_at);
        const bool finished = run(log, m, rng, sc.ops);
        if (cut_at == none) {
            dry_run = {log.head_seq(), log.stats().dropped_units, log.stats().refused_appends, log.stats().erases};
            return dev.operations() - start;
        }
        if (finished) {
            // The workload ended before the cut: cut the power now, unsynced work may be lost.
            dev.disarm();
            m.in_flight.reset();
            return 0;
        }
        CHECK_FALSE(dev.powered());
    }
    dev.power_on();
    FlashLogRam ram2(sc.geometry.program_bytes);
    FlashLog again(dev, ram2.memory());
    check_mounted(again, dev, m);
    // The mounted log keeps working: more of the workload, a sync, another mount, the same check.
    // With second_cut, the power goes again during that work, the recovery's own writes included.
    if (second_cut != none) dev.arm_cut(second_cut, how, seed ^ second_cut ^ 0x5A5A);
    if (!run(again, m, rng, sc.ops_after)) {
        dev.power_on();
        FlashLogRam ram3(sc.geometry.program_bytes);
        FlashLog third(dev, ram3.memory());
        check_mounted(third, dev, m);
        return 0;
    }
    dev.disarm();
    REQUIRE(again.sync());
    for (ModelUnit& u : m.units) u.synced = true;
    for (std::uint32_t s = 0; s < sc.streams; ++s) {
        const FlashStream* fs = again.stream(stream_key(s));
        if (fs && !fs->ack_dirty) m.streams[s].ack_durable = m.streams[s].ack_made;
    }
    FlashLogRam ram3(sc.geometry.program_bytes);
    FlashLog third(dev, ram3.memory());
    check_mounted(third, dev, m);
    return 0;
}

std::string name(Cut how) {
    return how == Cut::not_done ? "not done" : how == Cut::done ? "done" : "torn";
}

void exhaustive(const Scenario& sc, std::uint64_t seed) {
    const std::uint64_t total = cut_once(sc, seed, none, Cut::done);
    REQUIRE(total > 0);
    MESSAGE("seed " << seed << ": a cut at each of " << total << " programs and erases, three ways (uncut: "
                    << dry_run.head_seq << " blocks started, " << dry_run.erases << " erases, " << dry_run.dropped
                    << " units dropped, " << dry_run.refused << " appends refused)");
    CHECK(dry_run.head_seq > sc.geometry.block_count); // the ring wrapped
    for (Cut how : {Cut::not_done, Cut::done, Cut::torn}) {
        for (std::uint64_t k = 0; k < total; ++k) {
            CAPTURE(seed);
            CAPTURE(k);
            CAPTURE(name(how));
            cut_once(sc, seed, k, how);
        }
    }
}

} // namespace

TEST_CASE("NOR: a power cut at every program and erase of a small workload") {
    // 4 blocks of 15 pages, two-page units: the workload wraps the ring, drops and reclaims.
    const Scenario sc{EmulatedBlockDevice::nor(4), false, 2, 90, 40};
    for (std::uint64_t seed = 1; seed <= 8; ++seed) exhaustive(sc, seed);
}

TEST_CASE("NOR: a second cut at every program and erase of the work after each first cut's mount") {
    // Torn both times: the recovery's first writes (the append point past a torn unit, a
    // checkpoint after a torn one, acknowledgements re-written) are cut in their turn.
    const Scenario sc{EmulatedBlockDevice::nor(4), false, 2, 90, 25};
    const std::uint64_t seed = 1;
    const std::uint64_t total = cut_once(sc, seed, none, Cut::done);
    for (std::uint64_t k = 0; k < total; ++k) {
        for (std::uint64_t k2 = 0; k2 < 40; ++k2) {
            CAPTURE(k);
            CAPTURE(k2);
            cut_once(sc, seed, k, Cut::torn, k2);
        }
    }
}

TEST_CASE("NOR, three blocks and four streams: a power cut at every program and erase") {
    const Scenario sc{EmulatedBlockDevice::nor(3), false, 4, 70, 30};
    for (std::uint64_t seed = 7; seed <= 10; ++seed) exhaustive(sc, seed);
}

TEST_CASE("SD card: writes since the last sync are lost at a cut at every program and erase") {
    const Scenario sc{EmulatedBlockDevice::sd(3), true, 3, 110, 40};
    for (std::uint64_t seed = 3; seed <= 6; ++seed) exhaustive(sc, seed);
}

TEST_CASE("randomised larger workloads: cuts at random points for a fixed list of seeds") {
    const Scenario nor{EmulatedBlockDevice::nor(8), false, 6, 700, 200};
    const Scenario sd{EmulatedBlockDevice::sd(6), true, 6, 700, 200};
    for (std::uint64_t seed = 100; seed < 300; ++seed) {
        for (const Scenario* sc : {&nor, &sd}) {
            const std::uint64_t total = cut_once(*sc, seed, none, Cut::done);
            Rng pick{seed * 31 + 7};
            for (int i = 0; i < 8; ++i) {
                const std::uint64_t k = pick.next() % total;
                const Cut how = static_cast<Cut>(pick.below(3));
                CAPTURE(seed);
                CAPTURE(k);
                CAPTURE(name(how));
                CAPTURE(sc->lose_unsynced);
                cut_once(*sc, seed, k, how);
                // And a second cut during the work that follows the mount.
                const std::uint64_t k2 = pick.next() % 200;
                CAPTURE(k2);
                cut_once(*sc, seed, k, how, k2);
            }
        }
    }
}
