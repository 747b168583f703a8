// Single-threaded behaviour of the static buffer pool: exhaustion, RAII return, handle moves,
// index hand-off and re-adoption, misuse caught and counted, low watermark. Concurrency:
// spsc_ring_stress_test.cpp.
#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <type_traits>
#include <utility>
#include <vector>

#include "ss/capture/buffer_pool.hpp"
#include "ss/capture/spsc_ring.hpp"

using ss::Errc;
using ss::capture::BufferPool;

namespace {
using Pool = BufferPool<std::uint16_t, 32, 4>;
} // namespace

TEST_CASE("a pool hands out every buffer once, then reports exhaustion") {
    Pool pool;
    CHECK(pool.buffer_count() == 4);
    CHECK(pool.buffer_length() == 32);
    CHECK(pool.free_approx() == 4);
    std::set<Pool::index_type> seen;
    std::set<const std::uint16_t*> addresses;
    for (int i = 0; i < 4; ++i) {
        const auto index = pool.try_acquire_index();
        REQUIRE(index.has_value());
        CHECK(*index < 4);
        CHECK(seen.insert(*index).second);
        const auto span = pool.data(*index);
        CHECK(span.size() == 32);
        CHECK(addresses.insert(span.data()).second);
    }
    const auto none = pool.try_acquire_index();
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error() == Errc::no_space);
    CHECK_FALSE(pool.try_acquire().has_value());
    const auto s = pool.stats();
    CHECK(s.acquired == 4);
    CHECK(s.failed_acquires == 2);
    CHECK(s.free_now == 0);
    CHECK(s.low_watermark == 0);
}

TEST_CASE("buffers do not overlap and keep what was written into them") {
    Pool pool;
    std::vector<Pool::index_type> held;
    for (int i = 0; i < 4; ++i) held.push_back(*pool.try_acquire_index());
    for (const auto index : held)
        for (auto& v : pool.data(index)) v = static_cast<std::uint16_t>(index * 1000 + 7);
    for (const auto index : held)
        for (const auto v : pool.data(index)) CHECK(v == index * 1000 + 7);
    CHECK(pool.data(4).empty()); // out of range: empty span, no access
    CHECK(pool.data(Pool::no_index).empty());
}

TEST_CASE("a handle returns its buffer when it goes out of scope") {
    Pool pool;
    {
        auto handle = pool.try_acquire();
        REQUIRE(handle.has_value());
        CHECK(static_cast<bool>(*handle));
        CHECK(handle->data().size() == 32);
        CHECK(pool.free_approx() == 3);
    }
    CHECK(pool.free_approx() == 4);
    const auto s = pool.stats();
    CHECK(s.acquired == 1);
    CHECK(s.released == 1);
    CHECK(s.bad_releases == 0);
}

TEST_CASE("exhaustion ends when a handle gives its buffer back") {
    Pool pool;
    std::vector<Pool::Handle> handles;
    for (int i = 0; i < 4; ++i) handles.push_back(std::move(*pool.try_acquire()));
    CHECK_FALSE(pool.try_acquire().has_value());
    const auto freed = handles[2].index();
    handles.erase(handles.begin() + 2);
    auto again = pool.try_acquire();
    REQUIRE(again.has_value());
    CHECK(again->index() == freed);
}

TEST_CASE("handles move but do not copy; a move transfers the one ownership") {
    static_assert(!std::is_copy_constructible_v<Pool::Handle>);
    static_assert(!std::is_copy_assignable_v<Pool::Handle>);
    static_assert(std::is_nothrow_move_constructible_v<Pool::Handle>);
    static_assert(std::is_nothrow_move_assignable_v<Pool::Handle>);
    Pool pool;
    Pool::Handle a = std::move(*pool.try_acquire());
    const auto index = a.index();
    Pool::Handle b(std::move(a));
    CHECK_FALSE(static_cast<bool>(a)); // NOLINT(bugprone-use-after-move): checking the moved-from state
    CHECK(a.data().empty());
    REQUIRE(static_cast<bool>(b));
    CHECK(b.index() == index);
    CHECK(pool.free_approx() == 3);

    SUBCASE("move assignment returns the target's old buffer first") {
        Pool::Handle c = std::move(*pool.try_acquire());
        CHECK(pool.free_approx() == 2);
        c = std::move(b);
        CHECK(pool.free_approx() == 3); // c's own buffer went back
        CHECK(c.index() == index);
        CHECK_FALSE(static_cast<bool>(b)); // NOLINT(bugprone-use-after-move)
    }
    SUBCASE("self move assignment keeps the buffer") {
        Pool::Handle& alias = b;
        b = std::move(alias);
        CHECK(static_cast<bool>(b));
        CHECK(pool.free_approx() == 3);
    }
    SUBCASE("reset returns the buffer now and empties the handle") {
        b.reset();
        CHECK_FALSE(static_cast<bool>(b));
        CHECK(pool.free_approx() == 4);
        b.reset(); // nothing to do
        CHECK(pool.stats().bad_releases == 0);
    }
    SUBCASE("destroying an empty (moved-from) handle releases nothing") {
        { Pool::Handle empty; }
        CHECK(pool.stats().released == 0);
    }
}

TEST_CASE("a handle releases its index into a message and the receiver re-adopts it") {
    Pool pool;
    ss::capture::SpscRing<Pool::index_type, 4> messages;
    {
        auto handle = pool.try_acquire();
        REQUIRE(handle.has_value());
        handle->data()[0] = 1234;
        REQUIRE(messages.try_push(handle->release()));
        CHECK_FALSE(static_cast<bool>(*handle));
    } // the emptied handle returns nothing
    CHECK(pool.free_approx() == 3);
    CHECK(pool.stats().released == 0);

    Pool::index_type index = 0;
    REQUIRE(messages.try_pop(index));
    {
        auto adopted = pool.adopt(index);
        REQUIRE(adopted.has_value());
        CHECK(adopted->index() == index);
        CHECK(adopted->data()[0] == 1234);
    }
    CHECK(pool.free_approx() == 4);
    CHECK(pool.stats().released == 1);

    Pool::Handle empty;
    CHECK(empty.release() == Pool::no_index);
}

TEST_CASE("a double release is caught, counted and leaves the free list intact") {
    Pool pool;
    const auto index = *pool.try_acquire_index();
    REQUIRE(pool.release_index(index).has_value());
    const auto again = pool.release_index(index);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error() == Errc::invalid_argument);
    CHECK(pool.stats().bad_releases == 1);
    CHECK(pool.stats().released == 1);
    // Had the index gone into the free list twice, five acquires would succeed.
    std::set<Pool::index_type> got;
    for (int i = 0; i < 4; ++i) got.insert(*pool.try_acquire_index());
    CHECK(got.size() == 4);
    CHECK_FALSE(pool.try_acquire_index().has_value());
}

TEST_CASE("foreign indices are caught: out of range and never acquired") {
    Pool pool;
    for (const Pool::index_type bad : {Pool::index_type{4}, Pool::index_type{100}, Pool::no_index}) {
        const auto r = pool.release_index(bad);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == Errc::invalid_argument);
        const auto a = pool.adopt(bad);
        REQUIRE_FALSE(a.has_value());
        CHECK(a.error() == Errc::invalid_argument);
    }
    // In range but free: not acquired.
    const auto r = pool.release_index(2);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::invalid_argument);
    CHECK_FALSE(pool.adopt(2).has_value());
    CHECK(pool.stats().bad_releases == 8);
    CHECK(pool.stats().released == 0);
    CHECK(pool.free_approx() == 4);
}

TEST_CASE("releasing through the index API behind a handle's back is caught when the handle dies") {
    Pool pool;
    {
        auto handle = pool.try_acquire();
        REQUIRE(handle.has_value());
        REQUIRE(pool.release_index(handle->index()).has_value());
    } // the handle's own release is the double one
    CHECK(pool.stats().released == 1);
    CHECK(pool.stats().bad_releases == 1);
    CHECK(pool.free_approx() == 4);
}

TEST_CASE("the low watermark remembers the fewest free buffers ever") {
    Pool pool;
    CHECK(pool.low_watermark() == 4);
    auto a = *pool.try_acquire_index();
    CHECK(pool.low_watermark() == 3);
    auto b = *pool.try_acquire_index();
    auto c = *pool.try_acquire_index();
    CHECK(pool.low_watermark() == 1);
    REQUIRE(pool.release_index(b).has_value());
    REQUIRE(pool.release_index(c).has_value());
    CHECK(pool.free_approx() == 3);
    CHECK(pool.low_watermark() == 1); // releases never raise it
    b = *pool.try_acquire_index();
    CHECK(pool.low_watermark() == 1);
    c = *pool.try_acquire_index();
    auto d = *pool.try_acquire_index();
    CHECK(pool.low_watermark() == 0);
    CHECK_FALSE(pool.try_acquire_index().has_value());
    for (auto i : {a, b, c, d}) REQUIRE(pool.release_index(i).has_value());
    CHECK(pool.low_watermark() == 0);
    const auto s = pool.stats();
    CHECK(s.acquired == 6);
    CHECK(s.released == 6);
    CHECK(s.failed_acquires == 1);
    CHECK(s.free_now == 4);
}

TEST_CASE("a failed acquire alone drives the low watermark to zero") {
    BufferPool<std::uint8_t, 8, 1> pool;
    auto h = pool.try_acquire();
    REQUIRE(h.has_value());
    CHECK(pool.low_watermark() == 0);
    CHECK_FALSE(pool.try_acquire().has_value());
    CHECK(pool.stats().failed_acquires == 1);
}

TEST_CASE("many acquire/release cycles reuse every buffer and keep the counts balanced") {
    Pool pool;
    std::vector<Pool::Handle> held;
    std::uint32_t acquires = 0;
    for (int round = 0; round < 1000; ++round) {
        const std::size_t want = static_cast<std::size_t>(round % 6); // sometimes more than the pool has
        while (held.size() > want) held.erase(held.begin());
        while (held.size() < want) {
            auto h = pool.try_acquire();
            if (!h) break;
            ++acquires;
            held.push_back(std::move(*h));
        }
        CHECK(held.size() == std::min<std::size_t>(want, 4));
        if (!held.empty()) held.erase(held.begin() + static_cast<std::ptrdiff_t>(round % held.size()));
    }
    held.clear();
    const auto s = pool.stats();
    CHECK(s.acquired == acquires);
    CHECK(s.released == acquires);
    CHECK(s.bad_releases == 0);
    CHECK(s.free_now == 4);
}
