// What the rules of spec_check.cpp share with the files that hold some of them (bus_check.cpp):
// the checker that keeps the first problem, the sensors and sources seen so far, and a few
// limits and helpers. Internal to the config library.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>

#include "ss/actors/pipeline_spec.hpp"
#include "ss/config/spec_check.hpp"
#include "words.hpp"

namespace ss::config::detail {

// A source's capture buffer pool.
inline constexpr std::uint32_t min_buffers = 2, max_buffers = 1024;
inline constexpr std::chrono::milliseconds max_poll_period{std::chrono::hours(24)};

// Collects the first problem; every rule is one `if (bad) return fail(key, reason)`.
struct Checker {
    std::optional<Problem> problem;
    bool fail(std::string key, std::string reason) {
        if (!problem) problem = Problem{std::move(key), std::move(reason)};
        return false;
    }
};

inline std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

template <class E>
inline bool in_table(std::span<const words::Word<E>> table, E value) {
    return words::name_of(table, value) != nullptr;
}

inline bool is_can(actors::SourceKind k) { return k == actors::SourceKind::sim_can || k == actors::SourceKind::socketcan; }
inline bool has_channels(actors::SourceKind k) {
    return k == actors::SourceKind::sim_adc || k == actors::SourceKind::sim_uart || k == actors::SourceKind::sim_spi;
}

struct SensorsSeen {
    std::unordered_map<std::string, std::size_t> sources; // name -> index in spec.sources
    std::unordered_map<std::string, std::size_t> chains;
    std::unordered_map<std::string, std::size_t> names; // every expanded name -> sensor entry
};

/// A simulated source's signal: a known shape, finite amplitude and offset, a sine's frequency.
bool check_signal(Checker& c, const actors::SourceSpec& s, const std::string& key);

} // namespace ss::config::detail
