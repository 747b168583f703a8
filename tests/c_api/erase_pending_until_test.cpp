// ss_erase_pending_until: an acknowledgement by sequence number frees exactly the acknowledged
// batch at the front of pending, in RAM (whole sectors go back to the pool, the head stops
// mid-sector) and on disk (whole units leave the stream, whole chunks are punched out, the head
// stops mid-unit and the meta carries it across a restart); after a crash the records since the
// last durable boundary may come again (at least once), never fewer and never out of order: a
// power cut is tried at every file system call of an acknowledging life (fault file system).
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "fault/fault_file_system.hpp"
#include "ss/ack_window.hpp"
#include "ss/config.hpp"
#include "ss/sensor_storage.h"
#include "support/disk_engine_session.hpp"
#include "support/disk_store_fixture.hpp"

namespace {

using ss::test::silent_log;
using ss::test::stats_of;
using ss::test::system_stats;

struct Batch {
    std::uint64_t first = 0;
    std::uint32_t n = 0;
    std::uint64_t end() const { return first + n; }
};

Batch consume(SensorStore* s, std::uint32_t max, std::vector<std::uint32_t>* values = nullptr) {
    std::vector<std::uint32_t> buf(max);
    Batch b;
    REQUIRE(ss_consume_batch_ex(s, buf.data(), max, &b.n, &b.first) == 0);
    if (values != nullptr) values->assign(buf.begin(), buf.begin() + b.n);
    return b;
}

/// Everything unsent, in order, as (seq, value) checks: values are seq + base.
void check_unsent_from(SensorStore* s, std::uint64_t from, std::uint64_t end, std::uint32_t base = 0) {
    std::vector<std::uint32_t> buf(256);
    std::uint64_t at = from;
    while (at < end) {
        std::uint32_t n = 0;
        std::uint64_t first = 0;
        REQUIRE(ss_consume_batch_ex(s, buf.data(), 256, &n, &first) == 0);
        REQUIRE(first == at);
        for (std::uint32_t i = 0; i < n; ++i) REQUIRE(buf[i] == static_cast<std::uint32_t>(at + i + base));
        at += n;
    }
    std::uint32_t n = 0;
    CHECK(ss_consume_batch_ex(s, buf.data(), 256, &n, nullptr) == -EAGAIN);
}

struct RamSystem {
    RamSystem() {
        SsInitCfg c;
        REQUIRE(ss_config_defaults(&c, SS_TARGET_LINUX) == 0);
        c.ram_sector_bytes = 64; // 8 TS records a sector
        c.max_sensors = 2;
        c.ram_pool_bytes = 40 * 64;
        c.log = silent_log;
        REQUIRE(ss_init_system(&c) == 0);
        REQUIRE(ss_sensor_init(1, SENSOR_TS, &s) == 0);
    }
    ~RamSystem() { ss_deinit_system(); }
    SensorStore* s = nullptr;
};

/// The manager's ticks at a time the test controls (the disk tier's meta interval counts in it).
struct Clock {
    std::uint64_t now = 1'000'000;
    void tick(std::uint64_t advance_ms = 100) { ss_manager_tick_at(now += advance_ms); }
    /// A shutdown flush (everything written, the metas durable), then an ordinary tick.
    void flush() {
        ss_set_shutdown(true);
        for (int i = 0; i < 50 && !ss_shutdown_complete(); ++i) tick();
        REQUIRE(ss_shutdown_complete());
        ss_set_shutdown(false);
        tick();
    }
};

} // namespace

TEST_CASE("acknowledging the first of several batches in flight frees exactly that batch") {
    RamSystem sys;
    for (std::uint32_t v = 0; v < 50; ++v) REQUIRE(ss_ts_add(sys.s, v) == 0);
    const Batch a = consume(sys.s, 10);
    const Batch b = consume(sys.s, 15);
    const Batch c = consume(sys.s, 20);
    REQUIRE(a.first == 0);
    REQUIRE(b.first == 10);
    REQUIRE(c.end() == 45);
    const std::uint32_t free_before = system_stats().sectors_free;
    CHECK(stats_of(sys.s).sectors == 7); // [0, 8), [8, 16), ... [48, 50)

    REQUIRE(ss_erase_pending_until(sys.s, a.end()) == 0);
    auto st = stats_of(sys.s);
    CHECK(st.head_seq == 10);
    CHECK(st.pending == 35);
    CHECK(st.pending_seq == 45);
    CHECK(st.erased == 10);
    CHECK(st.retained == 40);
    CHECK(st.sectors == 6); // [0, 8) went back; the head stopped inside [8, 16)

    REQUIRE(ss_erase_pending_until(sys.s, b.end()) == 0);
    st = stats_of(sys.s);
    CHECK(st.head_seq == 25);
    CHECK(st.pending == 20);
    CHECK(st.erased == 25);
    CHECK(st.sectors == 4); // [8, 16) and [16, 24) wholly acknowledged too: back in the pool
    CHECK(system_stats().sectors_free == free_before + 3);

    // The oldest retained record is the first unacknowledged one; the unsent ones follow.
    std::uint32_t v = 0;
    REQUIRE(ss_diag_read_at(sys.s, 0, &v) == 0);
    CHECK(v == 25);
    const Batch d = consume(sys.s, 64);
    CHECK(d.first == 45);
    CHECK(d.n == 5);
    REQUIRE(ss_erase_pending_until(sys.s, c.end()) == 0);
    st = stats_of(sys.s);
    CHECK(st.pending == 5);
    CHECK(st.head_seq == 45);
    REQUIRE(ss_erase_pending_until(sys.s, d.end()) == 0);
    st = stats_of(sys.s);
    CHECK(st.retained == 0);
    CHECK(st.pending == 0);
    CHECK(st.erased == 50);
    CHECK(st.sectors == 1);
}

TEST_CASE("acks arriving out of order erase nothing until the front batch is acknowledged") {
    RamSystem sys;
    for (std::uint32_t v = 0; v < 60; ++v) REQUIRE(ss_ts_add(sys.s, v) == 0);
    ss::AckWindow<4> window;
    std::vector<Batch> sent;
    for (std::uint32_t max : {7u, 13u, 5u, 20u}) {
        sent.push_back(consume(sys.s, max));
        REQUIRE(window.sent(sent.back().first, sent.back().end()));
    }
    auto ack = [&](const Batch& b) {
        auto r = window.ack(b.first, b.end());
        REQUIRE(r.has_value());
        if (r->released()) REQUIRE(ss_erase_pending_until(sys.s, r->erase_until) == 0);
        return stats_of(sys.s);
    };
    CHECK(ack(sent[2]).pending == 45); // held: 0..19 not acknowledged yet
    CHECK(ack(sent[1]).pending == 45);
    auto st = ack(sent[0]); // releases batches 0, 1 and 2 together
    CHECK(st.head_seq == 25);
    CHECK(st.pending == 20);
    CHECK(ack(sent[1]).pending == 20); // a duplicate: nothing more
    st = ack(sent[3]);
    CHECK(st.pending == 0);
    CHECK(st.head_seq == 45);
    check_unsent_from(sys.s, 45, 60);
}

TEST_CASE("after records were dropped the acknowledged end may lie in the gap they left") {
    SsInitCfg c;
    REQUIRE(ss_config_defaults(&c, SS_TARGET_LINUX) == 0);
    c.ram_sector_bytes = 64; // 8 TS records a sector
    c.max_sensors = 1;
    c.ram_pool_bytes = 2 * 64;
    c.log = silent_log;
    REQUIRE(ss_init_system(&c) == 0);
    struct Deinit {
        ~Deinit() { ss_deinit_system(); }
    } deinit;
    SensorStore* s = nullptr;
    REQUIRE(ss_sensor_init(1, SENSOR_TS, &s) == 0);
    for (std::uint32_t v = 0; v < 16; ++v) REQUIRE(ss_ts_add(s, v) == 0);
    const Batch all = consume(s, 64); // both sectors pending: new adds are dropped
    REQUIRE(all.n == 16);
    for (std::uint32_t v = 16; v < 19; ++v) REQUIRE(ss_ts_add(s, v) == -ENOSPC);
    auto st = stats_of(s);
    REQUIRE(st.next_seq == 19);
    REQUIRE(st.pending_seq == 19); // nothing unsent: the pending cursor is the next number
    // An uploader that saw next_seq may acknowledge up to it: the gap holds nothing to erase.
    REQUIRE(ss_erase_pending_until(s, 19) == 0);
    st = stats_of(s);
    CHECK(st.retained == 0);
    CHECK(st.erased == 16);
    CHECK(st.head_seq == 19);
    REQUIRE(ss_ts_add(s, 19) == 0);
    check_unsent_from(s, 19, 20);
}

TEST_CASE("spilled records are erased by sequence too: whole units leave, the head stops mid-unit") {
    ss::test::DiskStoreFixture f(1, 10, "ss-ack-test");
    Clock clock;
    f.start();
    SensorStore* s = f.sensor(4);
    // 256-byte units hold 56 TS records: 540 records are 9 units and a part.
    for (std::uint32_t v = 0; v < 540; ++v) REQUIRE(ss_ts_add(s, v) == 0);
    clock.flush();
    REQUIRE(stats_of(s).disk_records == 540);
    const Batch a = consume(s, 100); // [0, 100): unit 0 and 44 records of unit 1
    const Batch b = consume(s, 100);
    REQUIRE(b.first == 100);
    REQUIRE(ss_erase_pending_until(s, a.end()) == 0);
    auto st = stats_of(s);
    CHECK(st.head_seq == 100);
    CHECK(st.disk_records == 440);
    CHECK(st.pending == 100);
    CHECK(st.erased == 100);
    std::uint32_t v = 0;
    REQUIRE(ss_diag_read_at(s, 0, &v) == 0);
    CHECK(v == 100);
    // A clean stop: the boundary inside unit 1 is in the meta; batch b was never acknowledged.
    f.stop_with([&] { clock.tick(); });

    f.start();
    s = f.sensor(4);
    st = stats_of(s);
    CHECK(st.head_seq == 100);
    CHECK(st.retained == 440);
    CHECK(st.pending == 0);
    check_unsent_from(s, 100, 540);
}

TEST_CASE("a crash before the acknowledged boundary reached the meta re-sends, never loses") {
    ss::test::DiskStoreFixture f(1, 10, "ss-ack-test");
    Clock clock;
    f.start();
    SensorStore* s = f.sensor(4);
    for (std::uint32_t v = 0; v < 540; ++v) REQUIRE(ss_ts_add(s, v) == 0);
    clock.flush(); // the metas were just written: the next ack-only one waits its interval

    SUBCASE("the meta is not due yet: the acknowledged records come again after the crash") {
        consume(s, 130);
        REQUIRE(ss_erase_pending_until(s, 130) == 0);
        clock.tick(10);
        f.drop();
        f.start();
        s = f.sensor(4);
        const auto st = stats_of(s);
        CHECK(st.head_seq <= 130);
        CHECK(st.retained == 540 - st.head_seq);
        check_unsent_from(s, st.head_seq, 540); // at least once, in order, nothing missing
    }
    SUBCASE("once a tick wrote the meta, a crash brings none of them back") {
        consume(s, 130);
        REQUIRE(ss_erase_pending_until(s, 130) == 0);
        clock.tick(2'000); // past the meta interval
        f.drop();
        f.start();
        s = f.sensor(4);
        const auto st = stats_of(s);
        CHECK(st.head_seq == 130);
        CHECK(st.retained == 410);
        check_unsent_from(s, 130, 540);
    }
}

TEST_CASE("a disk chunk goes back once every record in it is acknowledged, not before") {
    ss::test::DiskStoreFixture f(1, 40, "ss-ack-test");
    f.cfg.ram_high_watermark_pct = 10;
    f.cfg.ram_low_watermark_pct = 5;
    Clock clock;
    f.start();
    SensorStore* s = f.sensor(3);
    // A 4 KB chunk holds 16 units of 56 records: 896 records. Three chunks' worth.
    for (std::uint32_t v = 0; v < 3 * 896; ++v) {
        REQUIRE(ss_ts_add(s, v) == 0);
        if (v % 300 == 0) clock.tick();
    }
    clock.flush();
    REQUIRE(stats_of(s).disk_records == 3 * 896);
    const std::uint64_t used0 = system_stats().disk_bytes_used;
    REQUIRE(used0 == 3 * 4096);
    std::uint64_t acked = 0;
    for (std::uint64_t step : {500u, 395u, 1u, 896u}) {
        CAPTURE(step);
        while (stats_of(s).pending_seq < acked + step) consume(s, 256);
        acked += step;
        REQUIRE(ss_erase_pending_until(s, acked) == 0);
        clock.tick();
        CHECK(stats_of(s).head_seq == acked);
        CHECK(system_stats().disk_bytes_used == used0 - (acked / 896) * 4096);
    }
    f.stop_with([&] { clock.tick(); });
    f.start();
    s = f.sensor(3);
    CHECK(stats_of(s).head_seq == 2 * 896);
    check_unsent_from(s, 2 * 896, 3 * 896);
}

namespace {

/// A sensor as the uploader sees it, trivially: every number in [head, next) is retained (the
/// configuration never drops), [head, pend) pending; value of record seq = value_of(k, seq).
struct SimpleSensor {
    SensorStore* h = nullptr;
    std::uint64_t head = 0, pend = 0, next = 0;
    std::unique_ptr<ss::AckWindow<6>> window = std::make_unique<ss::AckWindow<6>>();
};

std::uint32_t value_of(std::uint32_t k, std::uint64_t seq) { return static_cast<std::uint32_t>(seq * 7 + k); }

} // namespace

TEST_CASE("random out-of-order acks across RAM, disk and clean restarts agree with a simple model") {
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        CAPTURE(seed);
        std::mt19937_64 rng(seed);
        ss::test::DiskStoreFixture f(2, 24, "ss-ack-test");
        f.cfg.ram_high_watermark_pct = 30;
        f.cfg.ram_low_watermark_pct = 10;
        Clock clock;
        f.start();
        std::vector<SimpleSensor> sensors(2);
        for (std::uint32_t k = 0; k < 2; ++k) sensors[k].h = f.sensor(k + 1);
        std::uint64_t spilled_pending_acks = 0, restarts = 0, acks_held = 0;
        std::vector<std::uint32_t> buf(128);
        for (int op = 0; op < 3000; ++op) {
            CAPTURE(op);
            const std::uint32_t k = static_cast<std::uint32_t>(rng() % 2);
            SimpleSensor& s = sensors[k];
            const unsigned what = static_cast<unsigned>(rng() % 100);
            if (what < 30) { // a burst of adds
                const unsigned n = 1 + static_cast<unsigned>(rng() % 40);
                for (unsigned i = 0; i < n; ++i) REQUIRE(ss_ts_add(s.h, value_of(k, s.next++)) == 0);
            } else if (what < 50) {
                clock.tick();
            } else if (what < 70) { // a batch, unless the window is full
                if (s.window->full()) continue;
                const std::uint32_t max = 1 + static_cast<std::uint32_t>(rng() % 128);
                std::uint32_t n = 0;
                std::uint64_t first = 0;
                int rc = ss_consume_batch_ex(s.h, buf.data(), max, &n, &first);
                // Numbers the disk tier has not durably reserved yet wait for a tick.
                for (int t = 0; t < 3 && rc == -EAGAIN && s.pend != s.next; ++t) {
                    clock.tick();
                    rc = ss_consume_batch_ex(s.h, buf.data(), max, &n, &first);
                }
                if (s.pend == s.next) {
                    REQUIRE(rc == -EAGAIN);
                    continue;
                }
                REQUIRE(rc == 0);
                REQUIRE(first == s.pend);
                REQUIRE(n <= s.next - s.pend);
                for (std::uint32_t i = 0; i < n; ++i) REQUIRE(buf[i] == value_of(k, first + i));
                s.pend += n;
                REQUIRE(s.window->sent(first, first + n));
            } else if (what < 92) { // the cloud acknowledges a batch in flight, any of them
                if (s.window->in_flight() == 0) continue;
                const ss::InFlightBatch b = s.window->at(static_cast<std::uint32_t>(rng() % s.window->in_flight()));
                const auto r = s.window->ack(b.first_seq, b.end_seq);
                REQUIRE(r.has_value());
                if (!r->released()) {
                    ++acks_held;
                    continue;
                }
                if (stats_of(s.h).disk_records != 0) ++spilled_pending_acks;
                REQUIRE(ss_erase_pending_until(s.h, r->erase_until) == 0);
                s.head = r->erase_until;
            } else if (what < 96) { // an acknowledgement out of range
                const std::uint64_t end = rng() % 2 == 0 ? s.pend + 1 + rng() % 5 : (s.head == 0 ? ~0ull : rng() % s.head);
                REQUIRE(ss_erase_pending_until(s.h, end) == -EINVAL);
            } else if (what < 99) { // everything pending at once
                REQUIRE(ss_erase_all_pending(s.h) == 0);
                s.head = s.pend;
                s.window->forget_in_flight(s.pend);
            } else { // a clean restart: what was pending is unsent again, numbering goes on
                f.stop_with([&] { clock.tick(); });
                f.start();
                for (std::uint32_t j = 0; j < 2; ++j) {
                    sensors[j].h = f.sensor(j + 1);
                    sensors[j].pend = sensors[j].head;
                    sensors[j].window->forget_in_flight(sensors[j].head);
                }
                ++restarts;
            }
            for (std::uint32_t j = 0; j < 2; ++j) {
                CAPTURE(j);
                const SimpleSensor& m = sensors[j];
                const SsSensorStats st = stats_of(m.h);
                REQUIRE(st.next_seq == m.next);
                REQUIRE(st.head_seq == m.head);
                REQUIRE(st.pending_seq == m.pend);
                REQUIRE(st.retained == m.next - m.head);
                REQUIRE(st.pending == m.pend - m.head);
                REQUIRE(st.dropped_recycled + st.dropped_new + st.dropped_quota == 0);
            }
        }
        MESSAGE("seed " << seed << ": " << restarts << " restarts, " << acks_held << " acks held, "
                        << spilled_pending_acks << " erases with records on disk");
        CHECK(restarts > 0);
        CHECK(acks_held > 0);
        CHECK(spilled_pending_acks > 0);
        // Everything unacknowledged comes out once more, in order.
        for (std::uint32_t j = 0; j < 2; ++j) {
            SimpleSensor& m = sensors[j];
            REQUIRE(ss_erase_all_pending(m.h) == 0);
            std::uint64_t at = m.pend;
            for (int idle = 0; idle < 3;) {
                std::uint32_t n = 0;
                std::uint64_t first = 0;
                const int rc = ss_consume_batch_ex(m.h, buf.data(), 128, &n, &first);
                if (rc == -EAGAIN) {
                    clock.tick();
                    ++idle;
                    continue;
                }
                REQUIRE(rc == 0);
                REQUIRE(first == at);
                for (std::uint32_t i = 0; i < n; ++i) REQUIRE(buf[i] == value_of(j, first + i));
                at += n;
            }
            CHECK(at == m.next);
        }
        f.stop_with([&] { clock.tick(); });
    }
}

namespace {

/// The engine over the fault file system, one TS sensor (tests/support/disk_engine_session.hpp).
struct FaultSession : ss::test::DiskEngineSession {
    ss::SensorStore* store = nullptr;
    std::uint64_t now = 0;

    FaultSession(const SsInitCfg& c, ss::hal::FileSystem& fs) : DiskEngineSession(c, fs) { store = register_ts(1); }

    void add(std::uint32_t n, std::uint32_t first) {
        for (std::uint32_t k = 0; k < n; ++k) {
            const std::uint32_t v = first + k;
            REQUIRE(store->add(engine.context(), &v).has_value());
        }
    }
    void flush() {
        engine.set_shutdown(true);
        for (int i = 0; i < 20 && !engine.flushed(); ++i) engine.tick(now += 100);
        REQUIRE(engine.flushed());
        engine.set_shutdown(false);
    }
    SsSensorStats stats() const {
        SsSensorStats st{};
        engine.stats(*store, st);
        return st;
    }
};

/// 256-byte units (56 TS records), 4 KB chunks (16 units, 896 records), 16 RAM sectors, each
/// tick's files synced one by one, on the fault file system's "/data".
SsInitCfg fault_cfg() { return ss::test::one_sensor_fault_cfg(); }

constexpr std::uint32_t fault_records = 1000;

/// 1000 records (values = sequence numbers) made durable, the process gone, nothing unsynced.
void durable_records(ss::test::FaultFileSystem& fs) {
    {
        FaultSession a(fault_cfg(), fs);
        a.add(500, 0);
        a.flush();
        a.add(500, 500);
        a.flush();
        REQUIRE(a.stats().disk_records == fault_records);
    }
    fs.crash();
}

/// The uploader's life that the power cut interrupts: batches consumed and acknowledged by
/// sequence number, ticks between them (some past the meta interval, some not). Returns the
/// highest end acknowledged before the process died (the file system's die_at).
std::uint64_t acknowledge_in_steps(FaultSession& b, ss::test::FaultFileSystem& fs) {
    std::uint64_t acked = 0;
    std::uint32_t buf[64];
    std::uint64_t gap = 100;
    // Mid-unit, one more, across units, past the first chunk (punched), everything (truncated).
    for (std::uint64_t end : {150u, 151u, 600u, 900u, 1000u}) {
        while (b.stats().pending_seq < end) {
            auto got = b.engine.consume(*b.store, buf, 64);
            if (!got) {
                REQUIRE(fs.dead()); // a read fails only once the process is dead
                return acked;
            }
        }
        REQUIRE(b.engine.erase_pending_until(*b.store, end).has_value());
        acked = end;
        b.engine.tick(b.now += gap);
        gap = gap == 100 ? 1500 : 100;
    }
    return acked;
}

} // namespace

TEST_CASE("a power cut at any moment after acknowledgements by sequence loses no unacknowledged record") {
    // How many file system calls the whole life makes, to cut power at each of them.
    std::uint64_t calls = 0;
    {
        ss::test::FaultFileSystem fs;
        durable_records(fs);
        FaultSession b(fault_cfg(), fs);
        fs.reset_calls();
        REQUIRE(acknowledge_in_steps(b, fs) == fault_records);
        calls = fs.calls();
    }
    REQUIRE(calls > 10);
    std::uint64_t resent_total = 0, cuts = 0;
    for (std::uint64_t cut = 0; cut <= calls; ++cut) {
        for (std::uint64_t seed : {0u, 1u, 2u}) {
            CAPTURE(cut);
            CAPTURE(seed);
            ss::test::FaultFileSystem fs;
            durable_records(fs);
            std::uint64_t acked = 0;
            {
                FaultSession b(fault_cfg(), fs);
                fs.reset_calls();
                fs.die_at(cut);
                acked = acknowledge_in_steps(b, fs);
            }
            // Seed 0: nothing unsynced survives; else a random part of it does.
            std::mt19937_64 rng(seed * 7919 + cut);
            fs.crash(seed == 0 ? nullptr : &rng);
            FaultSession c(fault_cfg(), fs);
            const SsSensorStats st = c.stats();
            ++cuts;
            if (st.retained == 0) {
                CHECK(acked == fault_records); // nothing retained: all of it must have been acknowledged
                continue;
            }
            // The boundary never passes what was acknowledged; everything from it on is there.
            CHECK(st.head_seq <= acked);
            CHECK(st.retained == fault_records - st.head_seq);
            CHECK(st.lost_records == 0);
            resent_total += acked - std::min(acked, st.head_seq);
            std::uint32_t buf[256];
            std::uint64_t at = st.head_seq;
            for (int idle = 0; idle < 3;) {
                auto got = c.engine.consume(*c.store, buf, 256);
                if (!got) {
                    REQUIRE(got.error() == ss::Errc::try_again);
                    c.engine.tick(c.now += 100);
                    ++idle;
                    continue;
                }
                REQUIRE(got->first_seq == at);
                for (std::uint32_t i = 0; i < got->count; ++i) REQUIRE(buf[i] == at + i);
                at += got->count;
            }
            CHECK(at == fault_records);
        }
    }
    MESSAGE(cuts << " power cuts over " << calls << " call points; acknowledged records that came back: "
                 << resent_total << " (at least once, never lost)");
}
