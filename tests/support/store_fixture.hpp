// A small engine-less setup for store unit tests: a pool over a vector and no locks.
#pragma once

#include <cstdint>
#include <vector>

#include "ss/sector_pool.hpp"
#include "ss/sensor_store.hpp"

namespace ss::test {

struct StoreFixture {
    static constexpr std::uint32_t sector_bytes = 80; // TS: 12 records, EVT: 4 (a 32-byte header)

    explicit StoreFixture(std::uint32_t sectors, std::uint32_t reserved = 0,
                          VerifyLevel verify = VerifyLevel::first_read)
        : data(std::size_t{sectors} * sector_bytes), links(sectors) {
        pool.init(data.data(), links.data(), sectors, sector_bytes, reserved, locks, nullptr);
        ctx.pool = &pool;
        ctx.lock_ops = &locks;
        ctx.sector_bytes = sector_bytes;
        ctx.capacity_ts = sector::capacity(sector_bytes, RecordType::ts);
        ctx.capacity_evt = sector::capacity(sector_bytes, RecordType::evt);
        ctx.verify = verify;
        ctx.health = &health;
    }

    SensorStore make(RecordType type = RecordType::ts, std::uint32_t id = 1) {
        return SensorStore(ctx, SS_SOURCE_HOST, id, type, pool.acquire());
    }

    Expected<void> add(SensorStore& s, std::uint32_t v) { return s.add(ctx, &v); }

    /// Adds n values start, start+1, …; returns how many were accepted.
    int add_n(SensorStore& s, std::uint32_t start, int n) {
        int ok = 0;
        for (int i = 0; i < n; ++i) ok += add(s, start + static_cast<std::uint32_t>(i)).has_value();
        return ok;
    }

    std::vector<std::uint32_t> consume(SensorStore& s, std::uint32_t max, std::uint64_t* first_seq = nullptr) {
        std::vector<std::uint32_t> out(max);
        auto b = s.consume(ctx, out.data(), max);
        if (!b) return {};
        out.resize(b->count);
        if (first_seq != nullptr) *first_seq = b->first_seq;
        return out;
    }

    SsSensorStats stats(const SensorStore& s) const {
        SsSensorStats st;
        s.stats(ctx, st);
        return st;
    }

    port::LockOps locks{};
    std::vector<std::byte> data;
    std::vector<SectorIndex> links;
    SectorPool pool;
    std::atomic<std::uint32_t> health{0};
    StoreContext ctx;
};

} // namespace ss::test
