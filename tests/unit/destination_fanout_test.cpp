// Several destinations over one engine (ss/destination_fanout.hpp): the multi-destination
// cursor contract, checked against a reference model over long random runs, plus the cases a
// gateway meets (a dead destination, a restart's persisted cursors, bad calls).
//
// The model is what every destination must see, whatever the store's policy drops: per
// destination and sensor, the records it reads are the written ones (values), in order, never
// twice, and every number below its cursor was either read or counted as dropped for it; the
// slowest destination's records in flight are never dropped; a record is erased only once every
// destination acknowledged it, and then it is (the store's head is the lowest acknowledgement).
//
// Environment: SS_FANOUT_SEED (base seed), SS_FANOUT_OPS (operations per run, default 60 000).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ss/ack_window.hpp"
#include "ss/config.hpp"
#include "ss/destination_fanout.hpp"
#include "ss/engine.hpp"

using namespace ss;

namespace {

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return fallback;
    return std::strtoull(v, nullptr, 0);
}

/// The value written as record seq of sensor id: every record is told apart by its value.
std::uint32_t value_of(std::uint32_t id, std::uint64_t seq) {
    return static_cast<std::uint32_t>((seq * 2654435761u) ^ (id * 40503u) ^ 0x5a5a5a5au);
}

struct Fixture {
    // 80-byte sectors hold 12 time-series records: a small pool makes the policy drop often.
    Fixture(std::uint32_t sensors, std::uint32_t sectors, std::uint32_t destinations) {
        cfg = default_config(SS_TARGET_STM32);
        cfg.ram_sector_bytes = 80;
        cfg.max_sensors = sensors;
        cfg.ram_pool_bytes = std::size_t{sectors} * 80;
        auto plan = Engine::plan(cfg, locks, why);
        REQUIRE(plan);
        arena.resize(plan->total / 8 + 1);
        REQUIRE(engine.init(cfg, reinterpret_cast<std::byte*>(arena.data()), arena.size() * 8, locks, why));
        cursors.resize(DestinationFanout::cursors_needed(sensors, destinations));
        scratch.resize(64 * sector::evt_record_bytes);
        REQUIRE(fanout.init(engine, destinations, sensors, cursors.data(), cursors.size(), scratch.data(),
                            scratch.size(), locks, nullptr));
        for (std::uint32_t i = 0; i < sensors; ++i) {
            auto s = engine.register_sensor(SS_SOURCE_HOST, i, RecordType::ts, why);
            REQUIRE(s);
            stores.push_back(*s);
        }
    }
    ~Fixture() {
        fanout.deinit();
        engine.deinit();
    }
    SsSensorStats stats(std::uint32_t i) {
        SsSensorStats st{};
        engine.stats(*stores[i], st);
        return st;
    }
    void add(std::uint32_t i, std::uint32_t n) {
        for (std::uint32_t k = 0; k < n; ++k) {
            const std::uint64_t seq = stores[i]->next_seq(engine.context());
            const std::uint32_t v = value_of(i, seq);
            (void)stores[i]->add(engine.context(), &v);
        }
    }

    port::LockOps locks{};
    SsInitCfg cfg{};
    Text why;
    std::vector<std::uint64_t> arena;
    Engine engine;
    std::vector<DestinationCursor> cursors;
    std::vector<std::byte> scratch;
    DestinationFanout fanout;
    std::vector<ss::SensorStore*> stores;
};

/// A batch read and not yet released to the fanout (acknowledged or not: a held ack).
struct Flight {
    std::uint64_t first = 0, end = 0;
    bool acked = false;
    std::uint64_t pending_end = 0; ///< its records below this were pending when it was read
};

/// What one destination has seen of one sensor.
struct Seen {
    std::uint64_t next = 0;    // its cursor, as the model keeps it
    std::uint64_t dropped = 0; // numbers skipped on the way
    std::uint64_t acked = 0;   // released to the fanout (in order, through its ack window)
    std::uint64_t delivered = 0;
    AckWindow<4> window;
    std::vector<Flight> in_flight;
};

struct RunFigures {
    std::uint64_t reads = 0, acks = 0, drops = 0, held = 0, flight_checks = 0;
};

struct Model {
    Model(std::uint64_t seed, std::uint32_t dests, std::uint32_t sensor_count, std::uint32_t sectors)
        : f(sensor_count, sectors, dests), rng(seed), destinations(dests), sensors(sensor_count),
          out(64) {
        // Ack windows do not move: each destination's row is built in place.
        seen.resize(dests);
        for (auto& row : seen) row.resize(sensor_count);
    }

    std::uint32_t pick(std::uint64_t n) { return static_cast<std::uint32_t>(rng() % n); }

    void read(std::uint32_t d, std::uint32_t i, std::uint32_t max) {
        Seen& s = seen[d][i];
        if (s.window.full()) return;
        auto b = f.fanout.read(d, *f.stores[i], out.data(), max);
        if (!b) {
            REQUIRE(b.error() == Errc::try_again);
            // Nothing retained from its cursor on (numbers at the end may have been given to
            // records the pool refused: the destination learns of them with the next record).
            CHECK(f.engine.read_range(*f.stores[i], s.next, out.data(), 1).error() == Errc::try_again);
            return;
        }
        ++fig.reads;
        REQUIRE(b->count >= 1);
        REQUIRE(b->count <= max);
        REQUIRE(b->first_seq >= s.next);
        s.dropped += b->first_seq - s.next;
        fig.drops += b->first_seq - s.next;
        for (std::uint32_t k = 0; k < b->count; ++k) REQUIRE(out[k] == value_of(i, b->first_seq + k));
        s.next = b->first_seq + b->count;
        s.delivered += b->count;
        REQUIRE(s.window.sent(b->first_seq, s.next));
        // What the read made pending (the records of whichever destination is slowest now)
        // stays until every destination has acknowledged it.
        const SsSensorStats st = f.stats(i);
        s.in_flight.push_back(Flight{b->first_seq, s.next, false, std::min(s.next, st.pending_seq)});
    }

    /// Acknowledges one batch in flight, picked at random: out of order, the window holds it
    /// until the ones ahead are in.
    void ack(std::uint32_t d, std::uint32_t i) {
        Seen& s = seen[d][i];
        std::vector<std::size_t> open;
        for (std::size_t k = 0; k < s.in_flight.size(); ++k)
            if (!s.in_flight[k].acked) open.push_back(k);
        if (open.empty()) return;
        Flight& fl = s.in_flight[open[pick(open.size())]];
        auto rel = s.window.ack(fl.first, fl.end);
        REQUIRE(rel);
        fl.acked = true;
        if (!rel->released()) {
            ++fig.held;
            return;
        }
        REQUIRE(f.fanout.acknowledge(d, *f.stores[i], rel->erase_until));
        s.acked = rel->erase_until;
        ++fig.acks;
        std::erase_if(s.in_flight, [&](const Flight& x) { return x.end <= rel->erase_until; });
    }

    void check(std::uint32_t i) {
        const SsSensorStats st = f.stats(i);
        std::uint64_t lowest_acked = ~std::uint64_t{0}, lowest_next = ~std::uint64_t{0};
        for (std::uint32_t d = 0; d < destinations; ++d) {
            const DestinationCursor c = f.fanout.cursor(d, *f.stores[i]);
            const Seen& s = seen[d][i];
            REQUIRE(c.next_seq == s.next);
            REQUIRE(c.dropped == s.dropped);
            REQUIRE(c.read == s.delivered);
            REQUIRE(c.acked_seq >= s.acked);
            lowest_acked = std::min(lowest_acked, c.acked_seq);
            lowest_next = std::min(lowest_next, c.next_seq);
        }
        // What every destination acknowledged is erased: nothing older is retained.
        if (st.retained != 0) REQUIRE(st.head_seq >= lowest_acked);
        // The store's pending region covers what the slowest destination has read.
        REQUIRE(st.pending_seq >= std::min(lowest_next, st.next_seq));
        // Records in flight that were pending when read are all still there, unchanged: the
        // store may drop what a faster destination has in flight (it holds a copy), never what
        // it made pending for the slowest.
        for (std::uint32_t d = 0; d < destinations; ++d) {
            for (const Flight& fl : seen[d][i].in_flight) {
                for (std::uint64_t at = fl.first; at < fl.pending_end;) {
                    const auto want = static_cast<std::uint32_t>(std::min<std::uint64_t>(64, fl.pending_end - at));
                    auto b = f.engine.read_range(*f.stores[i], at, out.data(), want);
                    REQUIRE(b);
                    REQUIRE(b->first_seq == at);
                    for (std::uint32_t k = 0; k < b->count; ++k) REQUIRE(out[k] == value_of(i, at + k));
                    at += b->count;
                    ++fig.flight_checks;
                }
            }
        }
    }

    /// Every destination that is alive reads and acknowledges everything: then each has, per
    /// sensor, read or counted as dropped every number the store gave out, and the store holds
    /// nothing they all acknowledged.
    void drain(std::uint32_t alive) {
        for (std::uint32_t d = 0; d < alive; ++d) {
            for (std::uint32_t i = 0; i < sensors; ++i) {
                for (;;) {
                    while (!seen[d][i].in_flight.empty()) ack(d, i);
                    const std::uint64_t before = seen[d][i].next;
                    read(d, i, 64);
                    if (seen[d][i].next == before) break;
                }
                Seen& s = seen[d][i];
                REQUIRE(s.next <= f.stores[i]->next_seq(f.engine.context()));
                REQUIRE(s.delivered + s.dropped == s.next);
            }
        }
        for (std::uint32_t i = 0; i < sensors; ++i) check(i);
    }

    Fixture f;
    std::mt19937_64 rng;
    std::uint32_t destinations, sensors;
    std::vector<std::deque<Seen>> seen;
    std::vector<std::uint32_t> out;
    RunFigures fig;
};

} // namespace

TEST_CASE("model: every destination reads every record once or counts it dropped; records go when all acknowledged") {
    const std::uint64_t base = env_u64("SS_FANOUT_SEED", 0xFA'0E'17);
    const std::uint64_t ops = env_u64("SS_FANOUT_OPS", 60'000);
    RunFigures total;
    for (std::uint32_t run = 0; run < 12; ++run) {
        const std::uint64_t seed = base + run;
        const std::uint32_t destinations = 1 + run % 3;
        CAPTURE(seed);
        CAPTURE(destinations);
        // Some runs give the pool room, others keep it so short that the policy drops often.
        Model m(seed, destinations, 4, run % 2 == 0 ? 12 : 48);
        for (std::uint64_t op = 0; op < ops; ++op) {
            const std::uint32_t i = m.pick(4);
            const std::uint32_t d = m.pick(destinations);
            // Destinations move at different speeds: destination 0 reads and acks most often.
            const std::uint32_t weight = destinations - d;
            switch (m.pick(10)) {
            case 0: case 1: case 2: m.f.add(i, 1 + m.pick(20)); break;
            case 3: case 4: case 5: if (m.pick(destinations) < weight) m.read(d, i, 1 + m.pick(40)); break;
            case 6: case 7: case 8: if (m.pick(destinations) < weight) m.ack(d, i); break;
            default: m.check(i); break;
            }
        }
        m.drain(destinations);
        total.reads += m.fig.reads;
        total.acks += m.fig.acks;
        total.drops += m.fig.drops;
        total.held += m.fig.held;
        total.flight_checks += m.fig.flight_checks;
    }
    MESSAGE("reads " << total.reads << ", released acks " << total.acks << ", held acks " << total.held
                     << ", records dropped for a destination " << total.drops << ", in-flight checks "
                     << total.flight_checks);
    // The runs must have exercised what they claim to: drops, held acks, the in-flight check.
    CHECK(total.drops > 0);
    CHECK(total.held > 0);
    CHECK(total.flight_checks > 0);
}

TEST_CASE("a dead destination costs the live one nothing: it reads every record, the dead one's are dropped and counted") {
    // 12 sectors of 12 records for 2 sensors: without the live destination's cursor the pool
    // would keep the dead one's backlog and refuse new records.
    Model m(7, 2, 2, 12);
    const std::uint32_t dead = 1;
    for (int round = 0; round < 400; ++round) {
        for (std::uint32_t i = 0; i < 2; ++i) {
            m.f.add(i, 7);
            m.read(0, i, 64);
            m.ack(0, i);
            if (round == 3) {
                m.read(dead, i, 5); // it took one batch and went silent
                // It was the slowest: its batch became pending, so the store keeps it.
                REQUIRE(m.seen[dead][i].in_flight.back().pending_end == m.seen[dead][i].in_flight.back().end);
            }
        }
        if (round % 50 == 0) {
            m.check(0);
            m.check(1);
        }
    }
    for (std::uint32_t i = 0; i < 2; ++i) {
        const SsSensorStats st = m.f.stats(i);
        CHECK(m.seen[0][i].dropped == 0);
        CHECK(m.seen[0][i].delivered == st.next_seq);
        CHECK(st.dropped_new == 0); // the pool never refused a record
        CHECK(st.dropped_recycled > 0); // it made room by dropping what only the dead one lacked
        // The dead destination's one batch is still pending, intact.
        CHECK(st.head_seq <= m.seen[dead][i].in_flight.front().first);
        m.check(i);
    }
    // When the dead one comes back, it gets its batch acknowledged, then reads on past a gap
    // that it counts as its loss.
    for (std::uint32_t i = 0; i < 2; ++i) {
        m.ack(dead, i);
        // The rest of its batch's sector was kept with it; the gap comes after.
        m.read(dead, i, 64);
        m.ack(dead, i);
        m.read(dead, i, 64);
        CHECK(m.seen[dead][i].dropped > 0);
        const DestinationTotals t = m.f.fanout.totals(dead);
        CHECK(t.dropped >= m.seen[dead][i].dropped);
    }
    m.drain(2);
}

TEST_CASE("restored cursors: each destination goes on from its own acknowledgement, the store erases up to the lowest") {
    Fixture f(1, 24, 2);
    f.add(0, 100);
    // As after a restart: A had acknowledged 60, B 30 (their persisted cursors).
    f.fanout.restore(0, *f.stores[0], 60);
    f.fanout.restore(1, *f.stores[0], 30);
    std::vector<std::uint32_t> out(64);
    auto a = f.fanout.read(0, *f.stores[0], out.data(), 64);
    REQUIRE(a);
    CHECK(a->first_seq == 60);
    CHECK(a->count == 40);
    auto b = f.fanout.read(1, *f.stores[0], out.data(), 10);
    REQUIRE(b);
    CHECK(b->first_seq == 30);
    CHECK(out[0] == value_of(0, 30));
    // The first read settled the store: what both acknowledged is gone, B's batch is pending.
    SsSensorStats st = f.stats(0);
    CHECK(st.head_seq == 30);
    CHECK(st.pending_seq >= 40);
    REQUIRE(f.fanout.acknowledge(1, *f.stores[0], 40));
    st = f.stats(0);
    CHECK(st.head_seq == 40);
    // Both had acknowledged everything before the restart, more than the store had recorded:
    // with nothing new to read, a read still frees it.
    Fixture h(1, 24, 2);
    h.add(0, 50);
    h.fanout.restore(0, *h.stores[0], 50);
    h.fanout.restore(1, *h.stores[0], 50);
    CHECK(h.stats(0).retained == 50);
    CHECK(h.fanout.read(0, *h.stores[0], out.data(), 64).error() == Errc::try_again);
    CHECK(h.stats(0).retained == 0);
    CHECK(h.stats(0).head_seq == 50);
    // A cursor file from another life, past what this store numbered, is held to its end.
    Fixture g(1, 24, 1);
    g.add(0, 10);
    g.fanout.restore(0, *g.stores[0], 1'000);
    CHECK(g.fanout.cursor(0, *g.stores[0]).next_seq == 10);
}

TEST_CASE("bad calls are refused and change nothing") {
    Fixture f(2, 24, 2);
    f.add(0, 10);
    std::vector<std::uint32_t> out(16);
    CHECK(f.fanout.read(2, *f.stores[0], out.data(), 16).error() == Errc::invalid_argument);
    CHECK(f.fanout.read(0, *f.stores[0], nullptr, 16).error() == Errc::invalid_argument);
    CHECK(f.fanout.read(0, *f.stores[0], out.data(), 0).error() == Errc::invalid_argument);
    // An address that is no store of this engine (aligned as one, never used as one).
    alignas(ss::SensorStore) static std::byte not_a_store[sizeof(ss::SensorStore)];
    ss::SensorStore* stranger = reinterpret_cast<ss::SensorStore*>(not_a_store);
    CHECK(f.fanout.read(0, *stranger, out.data(), 16).error() == Errc::invalid_argument);
    CHECK(f.fanout.read(0, *f.stores[1], out.data(), 16).error() == Errc::try_again);
    // Acknowledging what was never read.
    CHECK(f.fanout.acknowledge(0, *f.stores[0], 5).error() == Errc::invalid_argument);
    auto r = f.fanout.read(0, *f.stores[0], out.data(), 4);
    REQUIRE(r);
    CHECK(f.fanout.acknowledge(0, *f.stores[0], 5).error() == Errc::invalid_argument);
    REQUIRE(f.fanout.acknowledge(0, *f.stores[0], 4));
    REQUIRE(f.fanout.acknowledge(0, *f.stores[0], 2)); // behind: a duplicate, no error
    CHECK(f.fanout.cursor(0, *f.stores[0]).acked_seq == 4);
    // B has not acknowledged anything: nothing is erased.
    CHECK(f.stats(0).head_seq == 0);
    CHECK(f.stats(0).retained == 10);
    // init refuses bad shapes.
    DestinationFanout other;
    std::vector<DestinationCursor> few(1);
    CHECK_FALSE(other.init(f.engine, 2, 2, few.data(), few.size(), f.scratch.data(), f.scratch.size(), f.locks, nullptr));
    CHECK_FALSE(other.init(f.engine, 0, 2, f.cursors.data(), f.cursors.size(), f.scratch.data(), f.scratch.size(),
                           f.locks, nullptr));
    CHECK_FALSE(other.init(f.engine, 9, 2, f.cursors.data(), f.cursors.size(), f.scratch.data(), f.scratch.size(),
                           f.locks, nullptr));
    CHECK_FALSE(other.init(f.engine, 2, 2, f.cursors.data(), f.cursors.size(), f.scratch.data(), 8, f.locks, nullptr));
}
