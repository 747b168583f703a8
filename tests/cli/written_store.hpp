// A store the library wrote, for the tool's tests: three sensors on a disk tier of 256-byte
// units (60 TS / 20 EVT records), spilled to disk as the ticks go and stopped cleanly, with what
// each holds kept beside it to compare with:
//   host:1  TS, 1200 records, UTC times 1 ms apart from t0 (values 7 × seq)
//   app:2   EVT, 200 events (value 3 × seq, ts_ms 5000 + seq)
//   can:3   TS, 300 records, the first 100 consumed and acknowledged (boundary 100)
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <vector>

#include "store/sensor_key.hpp"
#include "support/disk_store_fixture.hpp"

namespace ss::test {

struct WrittenRecord {
    std::uint64_t seq = 0;
    std::uint32_t value = 0;
    std::uint64_t ts_ms = 0;
};

inline constexpr std::uint64_t t0_us = 1'780'000'000'000'000ull; // 2026-05-28, UTC
inline constexpr std::uint32_t host_period_us = 1000;

struct WrittenStore : DiskStoreFixture {
    using Key = store_tool::SensorKey;
    static constexpr Key host1{SS_SOURCE_HOST, 1};
    static constexpr Key app2{SS_SOURCE_APP, 2};
    static constexpr Key can3{SS_SOURCE_CAN, 3};

    /// Live records (at or past the acknowledged boundary) per sensor.
    std::map<Key, std::vector<WrittenRecord>> live;

    WrittenStore() : DiskStoreFixture(4, 40, "ss-store-test") {
        start();
        ::SensorStore* h = sensor(1, SENSOR_TS, SS_SOURCE_HOST);
        REQUIRE(ss_sensor_set_sample_period(h, host_period_us) == 0);
        for (std::uint32_t b = 0; b < 20; ++b) {
            std::uint32_t values[60];
            for (std::uint32_t i = 0; i < 60; ++i) values[i] = 7 * (b * 60 + i);
            std::uint32_t stored = 0;
            REQUIRE(ss_ts_add_many_at(h, values, 60, SS_TIME_UTC | (t0_us + std::uint64_t{b} * 60 * host_period_us), &stored) == 0);
            REQUIRE(stored == 60);
            for (std::uint32_t i = 0; i < 60; ++i) live[host1].push_back({b * 60ull + i, values[i], 0});
            ss_manager_tick();
        }
        ::SensorStore* a = sensor(2, SENSOR_EVT, SS_SOURCE_APP);
        for (std::uint32_t i = 0; i < 200; ++i) {
            REQUIRE(ss_evt_add(a, 3 * i, 5000 + i) == 0);
            live[app2].push_back({i, 3 * i, 5000ull + i});
            if (i % 20 == 19) ss_manager_tick();
        }
        ::SensorStore* c = sensor(3, SENSOR_TS, SS_SOURCE_CAN);
        for (std::uint32_t i = 0; i < 300; ++i) {
            REQUIRE(ss_ts_add(c, 11 * i) == 0);
            if (i >= 100) live[can3].push_back({i, 11 * i, 0});
            if (i % 60 == 59) ss_manager_tick();
        }
        std::uint32_t buf[100];
        for (std::uint32_t got = 0, n = 0; got < 100; got += n) REQUIRE(ss_consume_batch(c, buf, 100 - got, &n) == 0);
        REQUIRE(ss_erase_all_pending(c) == 0);
        stop();
    }
};

} // namespace ss::test
