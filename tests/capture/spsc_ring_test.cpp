// Single-threaded behaviour of the SPSC ring: capacity, order, wrap-around (of slots and of the
// 32-bit indices), element lifetimes, bulk operations. Concurrency: spsc_ring_stress_test.cpp.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <random>
#include <type_traits>
#include <vector>

#include "ss/capture/spsc_ring.hpp"

using ss::capture::SpscRing;

namespace {

/// Seed for the randomised cases: SS_TEST_SEED if set, printed either way.
std::uint64_t test_seed() {
    std::uint64_t seed = 0x5eed'0000'0001ull;
    if (const char* s = std::getenv("SS_TEST_SEED"); s != nullptr && *s != '\0') seed = std::strtoull(s, nullptr, 0);
    std::printf("spsc_ring_test: seed %llu (override with SS_TEST_SEED)\n", static_cast<unsigned long long>(seed));
    return seed;
}

/// Counts its constructions and destructions, so leaks and double destructions show.
struct Tracked {
    static inline int live = 0;
    static inline int constructed = 0;
    static inline int destroyed = 0;
    static inline int copies = 0;
    static void reset_counts() { live = constructed = destroyed = copies = 0; }

    explicit Tracked(int v = 0) noexcept : value(v) { ++live, ++constructed; }
    Tracked(const Tracked& o) noexcept : value(o.value) { ++live, ++constructed, ++copies; }
    Tracked(Tracked&& o) noexcept : value(o.value) {
        o.value = -1;
        ++live, ++constructed;
    }
    Tracked& operator=(const Tracked& o) noexcept {
        value = o.value;
        ++copies;
        return *this;
    }
    Tracked& operator=(Tracked&& o) noexcept {
        value = o.value;
        o.value = -1;
        return *this;
    }
    ~Tracked() {
        CHECK(value != -2); // destroyed twice
        value = -2;
        --live, ++destroyed;
    }
    int value;
};

template <std::size_t N>
using Capacity = std::integral_constant<std::size_t, N>;

} // namespace

TEST_CASE("a new ring is empty and says so from every angle") {
    SpscRing<std::uint32_t, 4> ring;
    CHECK(ring.capacity() == 4);
    CHECK(ring.size_approx() == 0);
    CHECK(ring.empty());
    CHECK_FALSE(ring.full());
    CHECK(ring.front() == nullptr);
    CHECK_FALSE(ring.pop());
    std::uint32_t out = 77;
    CHECK_FALSE(ring.try_pop(out));
    CHECK(out == 77);
    std::uint32_t many[3] = {};
    CHECK(ring.pop_n(many, 3) == 0);
}

TEST_CASE_TEMPLATE("a ring of capacity N holds exactly N items, in order", N, Capacity<1>, Capacity<2>, Capacity<3>,
                   Capacity<4>, Capacity<5>, Capacity<7>, Capacity<8>, Capacity<64>) {
    constexpr std::size_t n = N::value;
    SpscRing<std::uint32_t, n> ring;
    for (int round = 0; round < 3; ++round) { // again after the indices have moved on
        for (std::uint32_t i = 0; i < n; ++i) {
            REQUIRE(ring.try_push(i * 10 + static_cast<std::uint32_t>(round)));
            CHECK(ring.size_approx() == i + 1);
        }
        CHECK(ring.full());
        CHECK_FALSE(ring.try_push(999u));
        CHECK(ring.size_approx() == n);
        for (std::uint32_t i = 0; i < n; ++i) {
            std::uint32_t out = 0;
            REQUIRE(ring.try_pop(out));
            CHECK(out == i * 10 + static_cast<std::uint32_t>(round));
        }
        CHECK(ring.empty());
    }
}

TEST_CASE("push and pop keep FIFO order") {
    SpscRing<std::uint32_t, 8> ring;
    REQUIRE(ring.try_push(10u));
    REQUIRE(ring.try_push(20u));
    REQUIRE(ring.try_push(30u));
    CHECK(ring.size_approx() == 3);
    std::uint32_t out = 0;
    REQUIRE(ring.try_pop(out));
    CHECK(out == 10);
    REQUIRE(ring.try_pop(out));
    CHECK(out == 20);
    CHECK(ring.size_approx() == 1);
    REQUIRE(ring.try_pop(out));
    CHECK(out == 30);
    CHECK_FALSE(ring.try_pop(out));
}

TEST_CASE("wrap-around: slots are reused in order after the end of the storage") {
    SpscRing<std::uint32_t, 4> ring;
    for (std::uint32_t v : {1u, 2u, 3u, 4u}) REQUIRE(ring.try_push(v));
    std::uint32_t out = 0;
    REQUIRE(ring.try_pop(out));
    CHECK(out == 1);
    REQUIRE(ring.try_pop(out));
    CHECK(out == 2);
    REQUIRE(ring.try_push(5u)); // slot 0 again
    REQUIRE(ring.try_push(6u));
    CHECK_FALSE(ring.try_push(7u));
    for (std::uint32_t expected : {3u, 4u, 5u, 6u}) {
        REQUIRE(ring.try_pop(out));
        CHECK(out == expected);
    }
    CHECK(ring.empty());
}

TEST_CASE_TEMPLATE("the 32-bit indices wrap without losing count or order", N, Capacity<8>, Capacity<1>,
                   Capacity<5>) {
    constexpr std::size_t n = N::value;
    // Start a few steps before the wrap: for a power-of-two N the free-running indices cross
    // 2^32, for other N they cross their 2N limit, many times over.
    SpscRing<std::uint32_t, n> ring(ss::capture::detail::RingStart{0xFFFF'FFFDu});
    std::uint32_t next_in = 0;
    std::uint32_t next_out = 0;
    for (int step = 0; step < 40; ++step) {
        while (ring.try_push(next_in)) ++next_in;
        CHECK(ring.size_approx() == n);
        CHECK(ring.full());
        const std::size_t k = static_cast<std::size_t>(step) % n + 1;
        for (std::size_t i = 0; i < k; ++i) {
            std::uint32_t out = 0;
            REQUIRE(ring.try_pop(out));
            CHECK(out == next_out++);
        }
        CHECK(ring.size_approx() == n - k);
    }
    std::uint32_t out = 0;
    while (ring.try_pop(out)) CHECK(out == next_out++);
    CHECK(next_out == next_in);
    CHECK(ring.empty());
}

TEST_CASE("random operations match a reference queue") {
    std::mt19937_64 rng(test_seed());
    SpscRing<std::uint32_t, 6> ring; // not a power of two: indices wrap at 12
    SpscRing<std::uint32_t, 8> ring8;
    std::deque<std::uint32_t> model;
    std::deque<std::uint32_t> model8;
    std::uint32_t counter = 0;
    auto exercise = [&](auto& r, std::deque<std::uint32_t>& m) {
        const std::size_t cap = r.capacity();
        switch (rng() % 4) {
        case 0: {
            const bool ok = r.try_push(counter);
            CHECK(ok == (m.size() < cap));
            if (ok) m.push_back(counter);
            ++counter;
            break;
        }
        case 1: {
            std::uint32_t in[10];
            const std::size_t want = rng() % 10;
            for (std::size_t i = 0; i < want; ++i) in[i] = counter++;
            const std::size_t pushed = r.push_n(in, want);
            CHECK(pushed == std::min(want, cap - m.size()));
            for (std::size_t i = 0; i < pushed; ++i) m.push_back(in[i]);
            break;
        }
        case 2: {
            std::uint32_t out = 0;
            const bool ok = r.try_pop(out);
            CHECK(ok == !m.empty());
            if (ok) {
                CHECK(out == m.front());
                m.pop_front();
            }
            break;
        }
        default: {
            std::uint32_t out[10];
            const std::size_t want = rng() % 10;
            const std::size_t popped = r.pop_n(out, want);
            CHECK(popped == std::min(want, m.size()));
            for (std::size_t i = 0; i < popped; ++i) {
                CHECK(out[i] == m.front());
                m.pop_front();
            }
            break;
        }
        }
        CHECK(r.size_approx() == m.size());
    };
    for (int i = 0; i < 20000; ++i) {
        exercise(ring, model);
        exercise(ring8, model8);
    }
}

TEST_CASE("non-trivial items are constructed on push, destroyed on pop, and never leaked") {
    Tracked::reset_counts();
    {
        SpscRing<Tracked, 4> ring;
        CHECK(Tracked::live == 0); // raw storage: no T constructed up front
        REQUIRE(ring.try_emplace(1));
        CHECK(Tracked::live == 1);
        const Tracked two(2);
        REQUIRE(ring.try_push(two)); // copy
        CHECK(Tracked::copies == 1);
        REQUIRE(ring.try_push(Tracked(3))); // move
        CHECK(Tracked::live == 4);           // three queued + `two`

        Tracked out(0);
        REQUIRE(ring.try_pop(out)); // move-assigned out, the slot's item destroyed
        CHECK(out.value == 1);
        CHECK(Tracked::live == 4); // three queued - 1 + out
        REQUIRE(ring.front() != nullptr);
        CHECK(ring.front()->value == 2);
        const int destroyed_before = Tracked::destroyed;
        CHECK(ring.pop());
        CHECK(Tracked::destroyed == destroyed_before + 1);
        CHECK(ring.size_approx() == 1);
        // One item (3) stays queued: the ring's destructor must destroy it.
    }
    CHECK(Tracked::live == 0);
    CHECK(Tracked::constructed == Tracked::destroyed);
}

TEST_CASE("the destructor destroys every queued item, also across the wrap") {
    Tracked::reset_counts();
    {
        SpscRing<Tracked, 3> ring;
        for (int i = 0; i < 3; ++i) REQUIRE(ring.try_emplace(i));
        CHECK(ring.pop());
        CHECK(ring.pop());
        REQUIRE(ring.try_emplace(10)); // wraps to slot 0
        REQUIRE(ring.try_emplace(11));
        CHECK(Tracked::live == 3);
    }
    CHECK(Tracked::live == 0);
    CHECK(Tracked::constructed == Tracked::destroyed);
}

TEST_CASE("move-only items go through the ring, single and bulk") {
    SpscRing<std::unique_ptr<int>, 4> ring;
    auto a = std::make_unique<int>(1);
    REQUIRE(ring.try_push(std::move(a)));
    CHECK(a == nullptr);
    REQUIRE(ring.try_emplace(std::make_unique<int>(2)));
    REQUIRE(ring.try_emplace(new int(3)));
    REQUIRE(ring.try_emplace(std::make_unique<int>(4)));
    auto rejected = std::make_unique<int>(5);
    CHECK_FALSE(ring.try_push(std::move(rejected)));
    REQUIRE(rejected != nullptr); // a failed push does not consume the item
    CHECK(*rejected == 5);

    std::unique_ptr<int> out;
    REQUIRE(ring.try_pop(out));
    CHECK(*out == 1);
    std::unique_ptr<int> outs[4];
    CHECK(ring.pop_n(outs, 4) == 3);
    CHECK(*outs[0] == 2);
    CHECK(*outs[1] == 3);
    CHECK(*outs[2] == 4);
    CHECK(outs[3] == nullptr);
}

TEST_CASE("try_emplace builds the item in its slot without a copy or a move") {
    struct Pair {
        Pair(int a, int b) noexcept : sum(a + b) {}
        Pair(const Pair&) = delete;
        Pair& operator=(const Pair&) = delete;
        int sum;
    };
    SpscRing<Pair, 2> ring;
    REQUIRE(ring.try_emplace(2, 3));
    REQUIRE(ring.try_emplace(4, 5));
    CHECK_FALSE(ring.try_emplace(6, 7));
    REQUIRE(ring.front() != nullptr);
    CHECK(ring.front()->sum == 5);
    CHECK(ring.pop());
    CHECK(ring.front()->sum == 9);
    CHECK(ring.pop());
    CHECK_FALSE(ring.pop());
}

TEST_CASE_TEMPLATE("bulk push and pop cross the end of the storage in order", N, Capacity<8>, Capacity<5>) {
    constexpr std::size_t n = N::value;
    SpscRing<std::uint32_t, n> ring;
    // Move both indices to n - 2, so a bulk transfer of more than two items wraps.
    std::uint32_t scratch[n] = {};
    for (std::uint32_t i = 0; i < n - 2; ++i) REQUIRE(ring.try_push(i));
    CHECK(ring.pop_n(scratch, n) == n - 2);

    std::uint32_t in[n + 3];
    for (std::uint32_t i = 0; i < n + 3; ++i) in[i] = 100 + i;
    CHECK(ring.push_n(in, n - 1) == n - 1); // wraps
    CHECK(ring.push_n(in + n - 1, 4) == 1); // only one slot left
    CHECK(ring.push_n(in + n, 3) == 0);     // full
    CHECK(ring.full());

    std::uint32_t out[n + 3] = {};
    CHECK(ring.pop_n(out, 3) == 3); // partial, across the wrap
    CHECK(ring.pop_n(out + 3, n + 3) == n - 3);
    for (std::uint32_t i = 0; i < n; ++i) CHECK(out[i] == 100 + i);
    CHECK(ring.pop_n(out, n) == 0);
    CHECK(ring.empty());
}

TEST_CASE("bulk pop of non-trivial items moves them out and destroys the slots") {
    Tracked::reset_counts();
    {
        SpscRing<Tracked, 5> ring;
        const Tracked in[4] = {Tracked(1), Tracked(2), Tracked(3), Tracked(4)};
        CHECK(ring.push_n(in, 4) == 4);
        CHECK(Tracked::copies == 4);
        CHECK(Tracked::live == 8);
        Tracked out[3];
        CHECK(ring.pop_n(out, 3) == 3);
        CHECK(out[0].value == 1);
        CHECK(out[2].value == 3);
        CHECK(Tracked::live == 4 + 3 + 1); // in, out, one still queued
    }
    CHECK(Tracked::live == 0);
    CHECK(Tracked::constructed == Tracked::destroyed);
}

TEST_CASE("layout: the ring is cache-line aligned and the indices live on their own lines") {
    // The static_asserts inside the ring check the side structs; here the visible consequences.
    CHECK(ss::capture::cache_line_size == 64); // host build
    CHECK(alignof(SpscRing<std::uint8_t, 1>) == ss::capture::cache_line_size);
    // Two index lines plus at least one line of slots.
    CHECK(sizeof(SpscRing<std::uint8_t, 1>) == 3 * ss::capture::cache_line_size);
    CHECK(sizeof(SpscRing<std::uint32_t, 64>) == 2 * ss::capture::cache_line_size + 64 * sizeof(std::uint32_t));
    static_assert(!std::is_copy_constructible_v<SpscRing<int, 4>>);
    static_assert(!std::is_move_constructible_v<SpscRing<int, 4>>);
}
