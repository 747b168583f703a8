// Full-jitter exponential backoff: every delay within [0, min(cap, base · 2^(failures-1))), the
// ceiling doubling to the cap, Retry-After as a floor, the same seed the same delays.
#include <doctest/doctest.h>

#include <vector>

#include "ss/retry_backoff.hpp"

TEST_CASE("the ceiling doubles from the base up to the cap") {
    ss::RetryBackoff b(1'000, 300'000, 7);
    CHECK(b.ceiling_ms(1) == 1'000);
    CHECK(b.ceiling_ms(2) == 2'000);
    CHECK(b.ceiling_ms(3) == 4'000);
    CHECK(b.ceiling_ms(9) == 256'000);
    CHECK(b.ceiling_ms(10) == 300'000);
    CHECK(b.ceiling_ms(1'000'000) == 300'000);
}

TEST_CASE("every delay lies below its ceiling, and they spread over it") {
    ss::RetryBackoff b(1'000, 300'000, 42);
    for (std::uint32_t failures = 1; failures <= 12; ++failures) {
        std::uint32_t lo = ~0u, hi = 0;
        for (int i = 0; i < 2'000; ++i) {
            const std::uint32_t d = b.delay_ms(failures, 0);
            CHECK(d < b.ceiling_ms(failures));
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        INFO("failures " << failures);
        // Full jitter: the draws reach near both ends of the range.
        CHECK(lo < b.ceiling_ms(failures) / 20);
        CHECK(hi > b.ceiling_ms(failures) / 20 * 19);
    }
}

TEST_CASE("a Retry-After longer than the draw wins; a shorter one does not shorten it") {
    ss::RetryBackoff b(1'000, 300'000, 3);
    for (int i = 0; i < 100; ++i) CHECK(b.delay_ms(1, 5'000) == 5'000);
    for (int i = 0; i < 100; ++i) CHECK(b.delay_ms(12, 1) >= 1);
}

TEST_CASE("the same seed gives the same delays; another seed others") {
    ss::RetryBackoff a(1'000, 300'000, 99), b(1'000, 300'000, 99), c(1'000, 300'000, 100);
    std::vector<std::uint32_t> da, db, dc;
    for (std::uint32_t f = 1; f <= 20; ++f) {
        da.push_back(a.delay_ms(f, 0));
        db.push_back(b.delay_ms(f, 0));
        dc.push_back(c.delay_ms(f, 0));
    }
    CHECK(da == db);
    CHECK(da != dc);
}
