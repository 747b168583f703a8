// ss_get_range and ss_get_latest: non-consuming bulk reads by sequence number, across sectors,
// gaps and tiers (records spilled to disk are read through the disk tier), and a corrupt sector
// met on the way (dropped, counted and read past, as a consume does).
#include <doctest/doctest.h>

#include <cerrno>
#include <cstdint>
#include <vector>

#include "ss/batch_copy.hpp"
#include "ss/sensor_storage.h"
#include "support/store_fixture.hpp"
#include "support/temp_data_root.hpp"

namespace {

void silent(void*, int, const char*) {}

// 80-byte sectors: 12 TS or 4 EVT records each.
struct RamSystem {
    explicit RamSystem(std::uint32_t pool_sectors = 200, std::uint32_t sensors = 4) {
        REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
        cfg.ram_sector_bytes = 80;
        cfg.max_sensors = sensors;
        cfg.ram_pool_bytes = std::size_t{pool_sectors} * 80;
        cfg.log = silent;
        REQUIRE(ss_init_system(&cfg) == 0);
    }
    ~RamSystem() { ss_deinit_system(); }
    RamSystem(const RamSystem&) = delete;
    RamSystem& operator=(const RamSystem&) = delete;

    SensorStore* sensor(std::uint32_t id, SensorType type = SENSOR_TS) {
        SensorStore* s = nullptr;
        REQUIRE(ss_sensor_init(id, type, &s) == 0);
        return s;
    }
    SsInitCfg cfg{};
};

struct Range {
    int rc = 0;
    std::uint64_t first = ~std::uint64_t{0};
    std::vector<std::uint32_t> values;
};

Range range(SensorStore* s, std::uint64_t first_seq, std::uint32_t max) {
    Range r;
    std::vector<std::uint32_t> buf(max);
    std::uint32_t n = 99;
    r.rc = ss_get_range(s, first_seq, max, buf.data(), &n, &r.first);
    buf.resize(n);
    r.values = buf;
    return r;
}

Range latest(SensorStore* s, std::uint32_t max) {
    Range r;
    std::vector<std::uint32_t> buf(max);
    std::uint32_t n = 99;
    r.rc = ss_get_latest(s, max, buf.data(), &n, &r.first);
    buf.resize(n);
    r.values = buf;
    return r;
}

std::vector<std::uint32_t> seq_values(std::uint32_t from, std::uint32_t to, std::uint32_t base) {
    std::vector<std::uint32_t> v;
    for (std::uint32_t i = from; i < to; ++i) v.push_back(base + i);
    return v;
}

SsSensorStats stats(SensorStore* s) {
    SsSensorStats st{};
    REQUIRE(ss_get_sensor_stats(s, &st) == 0);
    return st;
}

} // namespace

TEST_CASE("a range read copies records across sectors by sequence number and moves no cursor") {
    RamSystem sys;
    SensorStore* s = sys.sensor(1);
    for (std::uint32_t i = 0; i < 50; ++i) REQUIRE(ss_ts_add(s, 1000 + i) == 0);
    std::uint32_t out[10];
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(s, out, 10, &n) == 0); // [0, 10) pending, [10, 50) unsent

    Range all = range(s, 0, 100);
    CHECK(all.rc == 0);
    CHECK(all.first == 0);
    CHECK(all.values == seq_values(0, 50, 1000));
    Range mid = range(s, 20, 5);
    CHECK(mid.rc == 0);
    CHECK(mid.first == 20);
    CHECK(mid.values == seq_values(20, 25, 1000));
    // A reader following the stream: each read starts where the last one ended.
    std::vector<std::uint32_t> followed;
    for (std::uint64_t at = 0;;) {
        Range r = range(s, at, 7);
        if (r.rc == -EAGAIN) break;
        REQUIRE(r.rc == 0);
        CHECK(r.first == at);
        followed.insert(followed.end(), r.values.begin(), r.values.end());
        at = r.first + r.values.size();
    }
    CHECK(followed == seq_values(0, 50, 1000));

    const SsSensorStats st = stats(s);
    CHECK(st.pending == 10);
    CHECK(st.unsent == 40);
    CHECK(st.pending_seq == 10);
    REQUIRE(ss_consume_batch(s, out, 10, &n) == 0);
    CHECK(out[0] == 1010);
}

TEST_CASE("a range read starts at the oldest retained record when asked for erased ones, and ends at the newest") {
    RamSystem sys;
    SensorStore* s = sys.sensor(1);
    for (std::uint32_t i = 0; i < 30; ++i) REQUIRE(ss_ts_add(s, i) == 0);
    std::uint32_t out[16];
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(s, out, 16, &n) == 0);
    REQUIRE(ss_erase_all_pending(s) == 0);
    Range r = range(s, 3, 5);
    CHECK(r.rc == 0);
    CHECK(r.first == 16); // 3..15 were erased: the caller sees where the read really starts
    CHECK(r.values == seq_values(16, 21, 0));
    Range end = range(s, 30, 5);
    CHECK(end.rc == -EAGAIN);
    CHECK(end.values.empty());
    CHECK(range(s, 31, 5).rc == -EINVAL);
    CHECK(range(s, ~std::uint64_t{0}, 5).rc == -EINVAL);
}

TEST_CASE("a range read never spans a gap in the sequence, and the latest records are those after the last gap") {
    // One sensor with 4 sectors: fill them, hand all but two records out, and the next adds
    // are dropped (only pending data would have to go): a gap.
    RamSystem sys(4, 1);
    SensorStore* s = sys.sensor(1);
    for (std::uint32_t i = 0; i < 48; ++i) REQUIRE(ss_ts_add(s, i) == 0);
    std::vector<std::uint32_t> out(48);
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(s, out.data(), 46, &n) == 0);
    CHECK(ss_ts_add(s, 48) == -ENOSPC);
    CHECK(ss_ts_add(s, 49) == -ENOSPC);
    REQUIRE(ss_erase_all_pending(s) == 0); // frees the sectors before the last one
    for (std::uint32_t i = 50; i < 55; ++i) REQUIRE(ss_ts_add(s, i) == 0);

    Range before = range(s, 0, 100);
    CHECK(before.rc == 0);
    CHECK(before.first == 46);
    CHECK(before.values == seq_values(46, 48, 0)); // stops at the gap 48..49
    Range after = range(s, 48, 100);
    CHECK(after.rc == 0);
    CHECK(after.first == 50);
    CHECK(after.values == seq_values(50, 55, 0));
    Range newest = latest(s, 100);
    CHECK(newest.rc == 0);
    CHECK(newest.first == 50);
    CHECK(newest.values == seq_values(50, 55, 0));
    Range three = latest(s, 3);
    CHECK(three.first == 52);
    CHECK(three.values == seq_values(52, 55, 0));
}

TEST_CASE("the latest records of an event sensor come with their timestamps") {
    RamSystem sys;
    SensorStore* s = sys.sensor(2, SENSOR_EVT);
    for (std::uint32_t i = 0; i < 25; ++i) REQUIRE(ss_evt_add(s, i, 1'700'000'000'000ULL + i) == 0);
    SsEventRecord out[10];
    std::uint32_t n = 0;
    std::uint64_t first = 0;
    REQUIRE(ss_get_latest(s, 10, out, &n, &first) == 0);
    CHECK(n == 10);
    CHECK(first == 15);
    for (std::uint32_t i = 0; i < n; ++i) {
        CHECK(out[i].value == 15 + i);
        CHECK(std::uint64_t{out[i].ts_ms} == 1'700'000'000'015ULL + i);
    }
    SensorStore* empty = sys.sensor(3);
    CHECK(ss_get_latest(empty, 10, out, &n, &first) == -EAGAIN);
    CHECK(n == 0);
}

TEST_CASE("records spilled to disk are read by a range read, then those still in RAM, without moving a cursor") {
    ss::test::TempDataRoot dir;
    SsInitCfg cfg = dir.config(2, 16);
    cfg.log = silent;
    REQUIRE(ss_init_system(&cfg) == 0);
    SensorStore* s = nullptr;
    REQUIRE(ss_sensor_init(1, SENSOR_TS, &s) == 0);
    for (std::uint32_t i = 0; i < 200; ++i) REQUIRE(ss_ts_add(s, 5000 + i) == 0);
    ss::test::flush_to_disk();
    std::uint32_t out[20];
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(s, out, 20, &n) == 0); // 20 pending, on disk
    for (std::uint32_t i = 200; i < 250; ++i) REQUIRE(ss_ts_add(s, 5000 + i) == 0);
    const SsSensorStats before = stats(s);
    REQUIRE(before.disk_records == 200);

    Range all = range(s, 0, 1000);
    CHECK(all.rc == 0);
    CHECK(all.first == 0);
    CHECK(all.values == seq_values(0, 250, 5000));
    Range across = range(s, 190, 20); // the last disk unit's end and RAM's start
    CHECK(across.first == 190);
    CHECK(across.values == seq_values(190, 210, 5000));
    Range tail = latest(s, 30);
    CHECK(tail.first == 220);
    CHECK(tail.values == seq_values(220, 250, 5000));

    const SsSensorStats after = stats(s);
    CHECK(after.pending == before.pending);
    CHECK(after.pending_seq == 20);
    CHECK(after.disk_records == 200);
    REQUIRE(ss_consume_batch(s, out, 20, &n) == 0);
    CHECK(out[0] == 5020);
    REQUIRE(ss_deinit_system() == 0);
}

TEST_CASE("a corrupt sector met by a range read at every-read level is dropped, counted and read past") {
    ss::test::StoreFixture f(8, 0, ss::VerifyLevel::every_read);
    f.ctx.crc_enabled = true;
    ss::SensorStore s = f.make();
    f.add_n(s, 0, 30); // sectors [0, 12), [12, 24) sealed; [24, 30) open
    // Flip a record of the second sector: its CRC no longer matches.
    ss::SectorIndex second = f.pool.next(0);
    for (ss::SectorIndex x = 0; x < 8; ++x)
        if (ss::sector::first_seq(f.pool.data(x)) == 12 && ss::sector::count(f.pool.data(x)) == 12) second = x;
    f.pool.data(second)[ss::sector::header_bytes + 8] ^= std::byte{0x40};

    std::uint32_t out[40];
    auto read = [&](std::uint64_t from, std::uint32_t max, ss::Batch& b) {
        ss::BatchCopy copy(out, 4, max, ~std::uint64_t{0});
        ss::RangeHint hint;
        std::uint64_t at = from;
        while (!copy.full()) {
            const std::uint32_t had = copy.batch().count;
            const ss::RangeStep step = s.read_range(f.ctx, at, copy, hint);
            if (step == ss::RangeStep::past_end) break;
            if (step == ss::RangeStep::dropped) continue;
            if (copy.batch().count == had) break;
            at = copy.batch().first_seq + copy.batch().count;
        }
        b = copy.batch();
    };
    ss::Batch b;
    read(0, 40, b);
    CHECK(b.first_seq == 0);
    CHECK(b.count == 12); // the gap the dropped sector left ends the read
    const SsSensorStats st = f.stats(s);
    CHECK(st.dropped_corrupt == 12);
    CHECK(st.corrupt_sectors == 1);
    CHECK(st.retained == 18);
    read(12, 40, b);
    CHECK(b.first_seq == 24); // from inside the gap: the next retained record
    CHECK(b.count == 6);
    for (std::uint32_t i = 0; i < b.count; ++i) CHECK(out[i] == 24 + i);
}
