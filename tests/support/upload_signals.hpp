// Batches for the upload codec tests, the compact reference test's generator and the codec
// benchmark: the signals the issue names (a sine, a slow ramp, noise, temperature-like data) as
// raw u32 values, and batches that own their packed records.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "ss/sector_format.hpp"
#include "ss/upload/batch.hpp"

namespace ss::test {

/// A 12-bit ADC reading a sine: 2048 ± 1000 counts, 100 samples a period.
inline std::vector<std::uint32_t> sine_signal(std::size_t n) {
    std::vector<std::uint32_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::uint32_t>(std::lround(2048.0 + 1000.0 * std::sin(2.0 * std::numbers::pi * double(i) / 100.0)));
    return v;
}

/// A slow ramp: one count up every 10 samples from 1000.
inline std::vector<std::uint32_t> ramp_signal(std::size_t n) {
    std::vector<std::uint32_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint32_t>(1000 + i / 10);
    return v;
}

/// Uniform noise over a 12-bit ADC's whole range (0..4095), fixed seed.
inline std::vector<std::uint32_t> noise_signal(std::size_t n, std::uint32_t seed = 12) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::uint32_t> d(0, 4095);
    std::vector<std::uint32_t> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

/// A room temperature in centi-degrees Celsius sampled once a second: 21.50 °C with a daily swing
/// of ±3 °C, a sensor resolution of 0.0625 °C (as a DS18B20's, rounded to centi-degrees) and
/// ±1 LSB of noise, fixed seed.
inline std::vector<std::uint32_t> temperature_signal(std::size_t n, std::uint32_t seed = 21) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> lsb(-1, 1);
    std::vector<std::uint32_t> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double c = 21.5 + 3.0 * std::sin(2.0 * std::numbers::pi * double(i) / 86400.0);
        const double q = std::round(c / 0.0625 + lsb(rng)) * 0.0625;
        v[i] = static_cast<std::uint32_t>(std::lround(q * 100.0));
    }
    return v;
}

/// A batch and the packed records it points at (moving the owner keeps the pointer valid: the
/// vector's buffer moves with it).
struct OwnedBatch {
    std::vector<std::byte> records;
    upload::Batch batch;
};

inline upload::Batch batch_fields(RecordType type, std::uint64_t first_seq, std::size_t count) {
    upload::Batch b;
    b.gateway = "gw-01";
    b.boot = 7;
    b.source = SS_SOURCE_APP;
    b.sensor_id = 42;
    b.type = type;
    b.first_seq = first_seq;
    b.count = static_cast<std::uint32_t>(count);
    b.channel = "temperature";
    b.unit = "cdegC";
    return b;
}

/// Time-series records of `values` from sequence number first_seq, record 0 at first_time_us
/// (sector::utc_flag for UTC), one every period_us.
inline OwnedBatch ts_batch(const std::vector<std::uint32_t>& values, std::uint64_t first_seq = 1000,
                           std::uint64_t first_time_us = sector::utc_flag | 1'733'300'000'000'000ull,
                           std::uint32_t period_us = 1'000'000) {
    OwnedBatch o;
    o.records.resize(values.size() * sector::ts_record_bytes);
    for (std::size_t i = 0; i < values.size(); ++i) sector::store(o.records.data() + i * 4, values[i]);
    o.batch = batch_fields(RecordType::ts, first_seq, values.size());
    o.batch.first_time_us = first_time_us;
    o.batch.period_us = period_us;
    o.batch.records = o.records.data();
    return o;
}

/// Event records: values[i] at times_ms[i].
inline OwnedBatch evt_batch(const std::vector<std::uint32_t>& values, const std::vector<std::uint64_t>& times_ms,
                            std::uint64_t first_seq = 5000) {
    OwnedBatch o;
    o.records.resize(values.size() * sector::evt_record_bytes);
    for (std::size_t i = 0; i < values.size(); ++i) {
        sector::store(o.records.data() + i * 12, values[i]);
        sector::store(o.records.data() + i * 12 + 4, times_ms[i]);
    }
    o.batch = batch_fields(RecordType::evt, first_seq, values.size());
    o.batch.records = o.records.data();
    return o;
}

/// Event times: from a UTC ms start, steps of 1..2000 ms, fixed seed.
inline std::vector<std::uint64_t> event_times(std::size_t n, std::uint64_t start_ms = 1'733'300'000'000ull,
                                              std::uint32_t seed = 5) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::uint64_t> step(1, 2000);
    std::vector<std::uint64_t> t(n);
    std::uint64_t at = start_ms;
    for (auto& x : t) x = at += step(rng);
    return t;
}

} // namespace ss::test
