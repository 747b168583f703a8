// A store written by the previous sector format (version 1: 16-byte header, no record times, an
// 8-bit boot id) opened by this library: every record is read, consumed and acknowledged as it
// was written, new units are appended in version 2 to the same files, and restarts count boots.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ss/disk_format.hpp"
#include "ss/sector_format.hpp"
#include "ss/sensor_storage.h"
#include "support/disk_store_fixture.hpp"
#include "support/sector_v1.hpp"

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t unit_bytes = 256; // version 1: 60 TS / 20 EVT records a unit

/// Four sensors over 32 units, and their files written as version 1 did before the first start.
struct OldStore : ss::test::DiskStoreFixture {
    OldStore() : DiskStoreFixture(4, 32, "ss-upgrade-test") { fs::create_directories(root + "/host"); }
    /// Writes sensor id's files as version 1 did: `units` full units from sequence 0, boot id 3.
    void write_sensor(std::uint32_t id, ss::RecordType type, std::uint32_t units) {
        const std::uint32_t per_unit = ss::sector::capacity(unit_bytes, type, ss::sector::format_v1);
        std::vector<std::byte> data(std::size_t{units} * unit_bytes);
        for (std::uint32_t u = 0; u < units; ++u) {
            std::vector<std::byte> recs(std::size_t{per_unit} * ss::sector::record_bytes(type));
            for (std::uint32_t i = 0; i < per_unit; ++i) {
                const std::uint32_t seq = u * per_unit + i;
                const std::uint32_t value = id * 100000 + seq;
                if (type == ss::RecordType::ts) {
                    std::memcpy(recs.data() + std::size_t{i} * 4, &value, 4);
                } else {
                    const std::uint64_t ts = 1'600'000'000'000ull + seq;
                    std::memcpy(recs.data() + std::size_t{i} * 12, &value, 4);
                    std::memcpy(recs.data() + std::size_t{i} * 12 + 4, &ts, 8);
                }
            }
            ss::test::write_v1_sector(data.data() + std::size_t{u} * unit_bytes, unit_bytes, type,
                                      std::uint64_t{u} * per_unit, 3, recs.data(), static_cast<std::uint16_t>(per_unit));
        }
        std::ofstream(sensor_file(id, "dat"), std::ios::binary).write(reinterpret_cast<const char*>(data.data()),
                                                                static_cast<std::streamsize>(data.size()));
        ss::disk::Meta m;
        m.source = SS_SOURCE_HOST;
        m.type = type;
        m.sensor_id = id;
        m.unit_bytes = unit_bytes;
        m.head_seq = 0;
        m.seq_reserved = std::uint64_t{units} * per_unit;
        std::array<std::byte, ss::disk::meta_bytes> meta{};
        ss::disk::encode_meta(m, meta.data());
        std::ofstream(sensor_file(id, "meta"), std::ios::binary).write(reinterpret_cast<const char*>(meta.data()), meta.size());
    }
    std::uint32_t boot() const {
        SsSystemStats st{};
        REQUIRE(ss_get_system_stats(&st) == 0);
        return st.boot;
    }
    /// The format versions of the units in a data file, in order (holes skipped).
    std::vector<int> unit_versions(std::uint32_t id) const {
        std::ifstream in(sensor_file(id, "dat"), std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::vector<int> out;
        for (std::size_t at = 0; at + unit_bytes <= bytes.size(); at += unit_bytes)
            if (bytes[at] == 0x53) out.push_back(static_cast<unsigned char>(bytes[at + 1]) >> 4);
        return out;
    }
};

} // namespace

TEST_CASE("a version 1 store opens, serves every record as written, and grows in version 2") {
    OldStore st;
    st.write_sensor(7, ss::RecordType::ts, 3);  // 180 records
    st.write_sensor(8, ss::RecordType::evt, 2); // 40 events
    st.start();
    CHECK(st.boot() == 1); // no boot record: the first boot this library counts
    SensorStore* ts = st.sensor(7, SENSOR_TS);
    SensorStore* evt = st.sensor(8, SENSOR_EVT);
    std::uint64_t total = 0;
    REQUIRE(ss_get_total_records(ts, &total) == 0);
    CHECK(total == 180);
    REQUIRE(ss_get_total_records(evt, &total) == 0);
    CHECK(total == 40);
    std::uint32_t v = 0;
    REQUIRE(ss_diag_read_at(ts, 179, &v) == 0);
    CHECK(v == 700179);

    // Old units have no time base: unknown time, no period, their 8-bit boot id; a batch spans
    // them (nothing changes between them).
    std::vector<std::uint32_t> out(500);
    std::uint32_t n = 0;
    SsBatchInfo info{};
    REQUIRE(ss_consume_batch_info(ts, out.data(), 500, &n, &info) == 0);
    CHECK(n == 180);
    CHECK(info.first_seq == 0);
    CHECK(info.first_time_us == SS_TIME_UNKNOWN);
    CHECK(info.period_us == 0);
    CHECK(info.boot == 3);
    for (std::uint32_t i = 0; i < n; ++i) REQUIRE(out[i] == 700000 + i);
    std::vector<SsEventRecord> events(100);
    REQUIRE(ss_consume_batch_info(evt, events.data(), 100, &n, &info) == 0);
    CHECK(n == 40);
    for (std::uint32_t i = 0; i < n; ++i) {
        REQUIRE(events[i].value == 800000 + i);
        const std::uint64_t ts_ms = events[i].ts_ms; // by value: the member is only 4-byte aligned
        REQUIRE(ts_ms == 1'600'000'000'000ull + i);
    }
    REQUIRE(ss_erase_all_pending(ts) == 0);

    // New records go into version 2 units after the old ones, with their time base.
    REQUIRE(ss_sensor_set_sample_period(ts, 1000) == 0);
    std::vector<std::uint32_t> fresh(100);
    for (std::uint32_t i = 0; i < fresh.size(); ++i) fresh[i] = 1000000 + i;
    const std::uint64_t t0 = SS_TIME_UTC | 1'700'000'000'000'000ull;
    REQUIRE(ss_ts_add_many_at(ts, fresh.data(), 100, t0, nullptr) == 0);
    st.stop();
    const std::vector<int> versions = st.unit_versions(8);
    CHECK(versions == std::vector<int>{1, 1});

    st.start();
    CHECK(st.boot() == 2);
    ts = st.sensor(7, SENSOR_TS);
    evt = st.sensor(8, SENSOR_EVT);
    REQUIRE(ss_get_total_records(ts, &total) == 0);
    CHECK(total == 100); // the old ones were acknowledged: never served again
    REQUIRE(ss_get_total_records(evt, &total) == 0);
    CHECK(total == 40); // consumed but never acknowledged: served again (at least once)
    std::uint32_t seen = 0;
    while (seen < 100) {
        REQUIRE(ss_consume_batch_info(ts, out.data(), 500, &n, &info) == 0);
        CHECK(info.first_seq == 180 + seen);
        CHECK(info.boot == 1); // written in the first boot of the upgraded store
        CHECK(info.period_us == 1000);
        CHECK(info.first_time_us == t0 + std::uint64_t{seen} * 1000);
        CHECK(ss_batch_record_time(&info, n - 1) == t0 + std::uint64_t{seen + n - 1} * 1000);
        for (std::uint32_t i = 0; i < n; ++i) REQUIRE(out[i] == 1000000 + seen + i);
        seen += n;
    }
    CHECK(seen == 100);
    const std::vector<int> ts_versions = st.unit_versions(7);
    REQUIRE_FALSE(ts_versions.empty());
    CHECK(ts_versions.back() == 2);
    st.stop();
}
