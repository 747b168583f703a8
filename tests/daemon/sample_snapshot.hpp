// A realistic runtime snapshot for the endpoint's tests: sensors on three sources with figures
// that differ per sensor (so a value found under the wrong labels shows), every stage, an
// uploader with a latency histogram, system figures that add up, and names that need escaping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ss/actors/runtime_snapshot.hpp"

namespace ss::test {

/// The name sample_snapshot gives sensor 1: a quote, a backslash and a line feed, all three
/// characters the text format escapes in a label value, and a non-ASCII letter.
inline const std::string awkward_sensor_name = "valve \"A\"\\north\nDurchfluß";

inline actors::RuntimeSnapshot sample_snapshot(std::size_t sensor_count) {
    actors::RuntimeSnapshot s;
    s.gateway = "gw-hall-7";
    s.uptime_ms = 3'723'456;
    s.healthy = true;
    static const char* const source_names[] = {"adc0", "poll1", "doors"};
    static const char* const source_kinds[] = {"sim_adc", "sim_poll", "sim_events"};
    for (std::size_t i = 0; i < 3; ++i) {
        actors::SourceSnapshot src;
        src.name = source_names[i];
        src.kind = source_kinds[i];
        src.blocks = 10'000 * (i + 1);
        src.overflows = 3 * i;
        src.samples_lost = 512 * i;
        src.records_stored = 900'000 + i;
        src.records_dropped = 17 * i;
        s.sources.push_back(src);
    }
    for (const char* stage : {"capture:adc0", "processing", "storage-flush", "quota", "integrity", "uploader"}) {
        actors::StageSnapshot st;
        st.name = stage;
        st.mailbox = std::string(stage).size();
        st.restarts = std::string(stage) == "uploader" ? 2 : 0;
        s.stages.push_back(st);
    }

    const std::uint32_t sector_bytes = 4096;
    std::uint32_t sectors_used = 0;
    for (std::size_t i = 0; i < sensor_count; ++i) {
        actors::SensorSnapshot sensor;
        const auto k = static_cast<std::uint64_t>(i);
        sensor.name = i == 1 ? awkward_sensor_name : "sensor-" + std::to_string(i);
        sensor.source = source_names[i % 3];
        SsSensorStats& st = sensor.stats;
        st.sensor_id = static_cast<std::uint32_t>(100 + i);
        st.source = SS_SOURCE_HOST;
        st.type = i % 3 == 2 ? SENSOR_EVT : SENSOR_TS;
        st.written = 1'000'000 + 7 * k;
        st.erased = 900'000 + 5 * k;
        st.pending = 256 + k % 7;
        st.unsent = 1000 + 3 * k;
        st.retained = st.pending + st.unsent;
        st.dropped_new = k % 5;
        st.dropped_recycled = 10 + k % 11;
        st.dropped_corrupt = k % 2;
        st.dropped_quota = 20 + k % 3;
        st.lost_records = k % 4;
        st.lost_units = static_cast<std::uint32_t>(k % 4 != 0);
        st.corrupt_sectors = static_cast<std::uint32_t>(k % 2);
        st.sectors = static_cast<std::uint32_t>(1 + k % 4);
        st.disk_records = 500 + k;
        st.clears = static_cast<std::uint32_t>(k % 3);
        st.cleared_records = 1000 * (k % 3) + k;
        st.next_seq = st.written + st.dropped_new;
        sensor.oldest_unsent_age_ms = 1500 + 10 * k;
        sensor.quality_good = 800'000 + k;
        sensor.quality_suspect = 100 + k;
        sensor.quality_bad = k % 9;
        sectors_used += st.sectors;

        SsSystemStats& sys = s.system;
        sys.records_retained += st.retained;
        sys.dropped_new += st.dropped_new;
        sys.dropped_recycled += st.dropped_recycled;
        sys.dropped_corrupt += st.dropped_corrupt;
        sys.dropped_quota += st.dropped_quota;
        sys.lost_records += st.lost_records;
        sys.lost_units += st.lost_units;
        sys.corrupt_sectors += st.corrupt_sectors;
        sys.clears += st.clears;
        sys.cleared_records += st.cleared_records;
        s.sensors.push_back(std::move(sensor));
    }
    SsSystemStats& sys = s.system;
    sys.sensors = static_cast<std::uint32_t>(sensor_count);
    sys.max_sensors = 4096;
    sys.sectors_total = 16'384;
    sys.sector_bytes = sector_bytes;
    sys.sectors_free = sys.sectors_total - sectors_used;
    sys.sectors_free_min = sys.sectors_free - 100;
    sys.ram_used_pct = sectors_used * 100 / sys.sectors_total;
    sys.health_flags = sys.corrupt_sectors != 0 ? SS_HEALTH_CORRUPTION : 0u;
    sys.arena_bytes = std::size_t{sys.sectors_total} * sector_bytes + 65'536;
    sys.disk_bytes_used = 123'456'789;
    sys.disk_quota_bytes = 256ull << 20;
    s.ram_bytes_used = std::uint64_t{sectors_used} * sector_bytes;

    // The first sensor is an ADC channel whose chain summarizes.
    if (!s.sensors.empty()) {
        s.sensors[0].has_summary = true;
        s.sensors[0].block_min = 17;
        s.sensors[0].block_max = 4001;
        s.sensors[0].block_mean = 2049;
    }
    s.flush.ticks = 37'234;
    s.flush.max_tick_us = 1'500;
    s.upload.batches_sent = 4210;
    s.upload.batches_acked = 4200;
    s.upload.records_acked = 1'075'200;
    s.upload.retries = 10;
    s.quarantine = actors::QuarantineSnapshot{3, 120, 5, 200, 1, 1, 1, 40, 0, 7, 0};
    s.wire = hal::WireCounts{1'234'567, 9'876'543, 4, 2};
    // Two destinations, the archive one behind and with drops of its own.
    actors::DestinationSnapshot live;
    live.name = "live";
    live.upload.records_acked = 1'075'200;
    actors::DestinationSnapshot archive;
    archive.name = "archive";
    archive.upload.records_acked = 975'200;
    archive.upload.retries = 10;
    archive.dropped_records = 4'096;
    archive.behind_records = 100'000;
    archive.quarantine.held_batches = 3;
    s.destinations = {archive, live};
    // Cumulative counts for the bounds 1 ms, 5 ms, 10 ms, 50 ms, 100 ms, 0.5 s, 1 s, 5 s, 10 s, 60 s.
    const std::uint64_t cumulative[] = {0, 40, 900, 3100, 4000, 4150, 4190, 4198, 4199, 4200};
    static_assert(std::size(cumulative) == actors::LatencyBuckets::count);
    for (std::size_t i = 0; i < actors::LatencyBuckets::count; ++i) s.upload_latency.le[i] = cumulative[i];
    s.upload_latency.total = 4200;
    s.upload_latency.sum_s = 142.625;
    s.scrub_units_checked = 77'000;
    s.scrub_corrupt_found = 1;
    return s;
}

} // namespace ss::test
