// The offline store library (tools/cli/store) on stores the library wrote: every live record
// read back with its sequence number and time, units classified as recovery classifies them, and
// a store built by StoreWriter opened by the library itself.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "cli/v1_store.hpp"
#include "cli/written_store.hpp"
#include "store/store_open.hpp"
#include "store/store_writer.hpp"
#include "support/temp_data_root.hpp"

using namespace ss::store_tool;
using ss::test::WrittenStore;

namespace {

std::vector<Record> records_of(const OpenStore& store, SensorKey key, std::uint64_t from = 0, std::uint64_t to = ~0ull) {
    auto reader = store.sensor(key);
    REQUIRE(reader);
    std::vector<Record> out;
    REQUIRE(reader->for_each_record(from, to, [&](const RecordBatch& b) { out.insert(out.end(), b.records.begin(), b.records.end()); }));
    return out;
}

} // namespace

TEST_CASE("every live record the library wrote is read back with its sequence number, value and time") {
    WrittenStore w;
    auto store = open_store(w.root, 0);
    REQUIRE(store);
    CHECK(store->unit_bytes == 256);
    REQUIRE(store->root.sensors().size() == 3);
    for (const auto& [key, expected] : w.live) {
        CAPTURE(to_text(key));
        const auto got = records_of(*store, key);
        REQUIRE(got.size() == expected.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            CHECK(got[i].seq == expected[i].seq);
            CHECK(got[i].value == expected[i].value);
            CHECK(got[i].ts_ms == expected[i].ts_ms);
        }
    }
    // Record i's time is its unit's first time plus i periods, in UTC as written.
    for (const Record& r : records_of(*store, WrittenStore::host1)) {
        CHECK(r.clock == Clock::utc);
        CHECK(r.time_us == ss::test::t0_us + r.seq * ss::test::host_period_us);
    }
    // The acknowledged boundary comes from the meta (or the log): below it nothing is served.
    auto can = store->sensor(WrittenStore::can3);
    REQUIRE(can);
    CHECK(can->boundary() == 100);
}

TEST_CASE("a range read returns exactly the records between its sequence numbers") {
    WrittenStore w;
    auto store = open_store(w.root, 0);
    REQUIRE(store);
    const auto got = records_of(*store, WrittenStore::host1, 130, 250);
    REQUIRE(got.size() == 121);
    CHECK(got.front().seq == 130);
    CHECK(got.back().seq == 250);
    CHECK(records_of(*store, WrittenStore::can3, 0, 99).empty());
    CHECK(records_of(*store, WrittenStore::can3, 0, 100).size() == 1);
}

TEST_CASE("a flipped byte makes one unit bad CRC and the others stay valid") {
    WrittenStore w;
    std::uint64_t target = ~0ull, first = 0, count = 0;
    {
        auto store = open_store(w.root, 0);
        REQUIRE(store);
        auto reader = store->sensor(WrittenStore::host1);
        REQUIRE(reader);
        REQUIRE(reader->walk(CheckLevel::full, [&](const Slot& s, const std::byte*) {
            if (s.first_seq <= 120 && 120 < s.first_seq + s.count) {
                target = s.offset;
                first = s.first_seq;
                count = s.count;
            }
        }));
    }
    REQUIRE(target != ~0ull);
    ss::test::flip_byte(w.dat(1), static_cast<off_t>(target + 40));
    auto store = open_store(w.root, 0);
    REQUIRE(store);
    auto reader = store->sensor(WrittenStore::host1);
    REQUIRE(reader);
    std::size_t valid = 0, bad = 0;
    auto full = reader->walk(CheckLevel::full, [&](const Slot& s, const std::byte*) {
        if (s.kind == SlotKind::valid) ++valid;
        else {
            ++bad;
            CHECK(s.kind == SlotKind::bad_crc);
            CHECK(s.offset == target);
            CHECK(s.first_seq == first);
            CHECK(s.count == count);
        }
    });
    REQUIRE(full);
    CHECK(valid >= 19);
    CHECK(bad == 1);
    // The quick level reads headers only: a payload byte goes unseen.
    std::size_t quick_bad = 0;
    REQUIRE(reader->walk(CheckLevel::quick, [&](const Slot& s, const std::byte*) { quick_bad += s.kind != SlotKind::valid; }));
    CHECK(quick_bad == 0);
    CHECK(records_of(*store, WrittenStore::host1).size() == 1200 - count);
}

TEST_CASE("a store StoreWriter builds is opened by the library, with its sequence numbers and boundary") {
    ss::test::TempDataRoot dir("ss-store-writer");
    {
        auto w = StoreWriter::create(dir.root, 256);
        REQUIRE(w);
        REQUIRE(w->begin_sensor(SensorKey{SS_SOURCE_HOST, 5}, ss::RecordType::ts));
        std::vector<std::byte> packed(100 * 4);
        for (std::uint32_t i = 0; i < 100; ++i) ss::sector::store<std::uint32_t>(packed.data() + i * 4, 1000 + i);
        // Two runs with a gap between them, as a drop by policy leaves.
        REQUIRE(w->append(RecordRun{40, 3, 500, ss::sector::utc_flag | 1'000'000, std::span(packed).first(50 * 4)}));
        REQUIRE(w->append(RecordRun{200, 3, 500, ss::sector::utc_flag | 2'000'000, std::span(packed).subspan(50 * 4)}));
        ss::disk::Meta meta;
        meta.head_seq = 45;
        meta.seq_reserved = 300;
        REQUIRE(w->end_sensor(meta));
        REQUIRE(w->finish());
        CHECK(w->units_written() == 2);
        // It refuses to write into what it just made.
        CHECK_FALSE(StoreWriter::create(dir.root, 256));
    }
    SsInitCfg cfg = dir.config(2, 16);
    cfg.log = ss::test::silent_log;
    REQUIRE(ss_init_system(&cfg) == 0);
    ::SensorStore* s = nullptr;
    REQUIRE(ss_sensor_init_ex(SS_SOURCE_HOST, 5, SENSOR_TS, &s) == 0);
    std::vector<std::pair<std::uint64_t, std::uint32_t>> got;
    std::uint32_t buf[64];
    std::uint32_t n = 0;
    SsBatchInfo info{};
    while (ss_consume_batch_info(s, buf, 64, &n, &info) == 0) {
        for (std::uint32_t i = 0; i < n; ++i) {
            got.emplace_back(info.first_seq + i, buf[i]);
            const std::uint64_t base = info.first_seq + i < 200 ? 1'000'000 + (info.first_seq + i - 40) * 500
                                                                : 2'000'000 + (info.first_seq + i - 200) * 500;
            CHECK(ss_batch_record_time(&info, i) == (SS_TIME_UTC | base));
        }
    }
    REQUIRE(got.size() == 95);
    CHECK(got.front() == std::pair<std::uint64_t, std::uint32_t>{45, 1005});
    CHECK(got[44] == std::pair<std::uint64_t, std::uint32_t>{89, 1049});
    CHECK(got[45] == std::pair<std::uint64_t, std::uint32_t>{200, 1050});
    CHECK(got.back() == std::pair<std::uint64_t, std::uint32_t>{249, 1099});
    // Numbering goes on at the reservation, never reusing a number.
    REQUIRE(ss_ts_add(s, 1) == 0);
    SsSensorStats st{};
    REQUIRE(ss_get_sensor_stats(s, &st) == 0);
    CHECK(st.next_seq > 300);
    REQUIRE(ss_deinit_system() == 0);
}

TEST_CASE("a version 1 store is read: its unit size from the layout, its records with an unknown time") {
    ss::test::TempDataRoot dir("ss-store-v1");
    ss::test::write_v1_store(dir.root);
    auto store = open_store(dir.root, 0);
    REQUIRE(store);
    CHECK(store->unit_bytes == ss::test::v1_unit_bytes);
    auto reader = store->sensor(SensorKey{SS_SOURCE_HOST, 9});
    REQUIRE(reader);
    CHECK(reader->type() == ss::RecordType::ts);
    std::vector<Record> got;
    std::uint32_t boot = 0;
    REQUIRE(reader->for_each_record(0, ~0ull, [&](const RecordBatch& b) {
        CHECK(b.base.version == 1);
        boot = b.base.boot;
        got.insert(got.end(), b.records.begin(), b.records.end());
    }));
    REQUIRE(got.size() == ss::test::v1_records);
    for (std::size_t i = 0; i < got.size(); ++i) {
        CHECK(got[i].seq == i);
        CHECK(got[i].value == 5 * i);
        CHECK(got[i].clock == Clock::unknown);
    }
    CHECK(boot == 4);
}
