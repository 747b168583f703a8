#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "ss/sector_pool.hpp"

using namespace ss;

namespace {
struct PoolFixture {
    explicit PoolFixture(std::uint32_t n, std::uint32_t reserved = 0) : data(n * 32), links(n) {
        pool.init(data.data(), links.data(), n, 32, reserved, locks, nullptr);
    }
    port::LockOps locks{};
    std::vector<std::byte> data;
    std::vector<SectorIndex> links;
    SectorPool pool;
};
} // namespace

TEST_CASE("a pool hands out every sector once, then none") {
    PoolFixture f(8);
    std::set<SectorIndex> seen;
    for (int i = 0; i < 8; ++i) {
        const SectorIndex s = f.pool.acquire();
        REQUIRE(s != no_sector);
        CHECK(s < 8);
        CHECK(seen.insert(s).second);
        CHECK(f.pool.data(s) == f.data.data() + std::size_t{s} * 32);
    }
    CHECK(f.pool.acquire() == no_sector);
    CHECK(f.pool.free_count() == 0);
    CHECK(f.pool.in_use() == 8);
}

TEST_CASE("released sectors come back and the low watermark remembers the worst moment") {
    PoolFixture f(4);
    const SectorIndex a = f.pool.acquire();
    const SectorIndex b = f.pool.acquire();
    const SectorIndex c = f.pool.acquire();
    CHECK(f.pool.free_min() == 1);
    f.pool.release(b);
    CHECK(f.pool.free_count() == 2);
    CHECK(f.pool.free_min() == 1);
    // A chain a -> c released in one call.
    f.pool.set_next(a, c);
    f.pool.release_chain(a, c, 2);
    CHECK(f.pool.free_count() == 4);
    std::set<SectorIndex> got;
    for (int i = 0; i < 4; ++i) got.insert(f.pool.acquire());
    CHECK(got.size() == 4);
    CHECK(f.pool.free_min() == 0);
}

TEST_CASE("the reserve keeps one sector per unregistered sensor") {
    PoolFixture f(5, 2);
    CHECK(f.pool.acquire() != no_sector);
    CHECK(f.pool.acquire() != no_sector);
    CHECK(f.pool.acquire() != no_sector);
    CHECK(f.pool.acquire() == no_sector); // two left, both reserved
    CHECK(f.pool.acquire_reserved() != no_sector);
    CHECK(f.pool.acquire_reserved() != no_sector);
    CHECK(f.pool.acquire_reserved() == no_sector);
}
