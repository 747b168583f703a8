// The uploader's ack window: acknowledgements in any order release exactly the acknowledged
// prefix of the batches in flight; duplicates release nothing; unknown batches and a full
// window are errors that change nothing.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "ss/ack_window.hpp"

using ss::AckRelease;
using ss::AckWindow;
using ss::Errc;

namespace {
AckRelease acked(ss::AckWindowRef& w, std::uint64_t first, std::uint64_t end) {
    auto r = w.ack(first, end);
    REQUIRE(r.has_value());
    return *r;
}
} // namespace

TEST_CASE("acks in the order the batches were sent release each batch at once") {
    AckWindow<4> w;
    REQUIRE(w.sent(0, 10));
    REQUIRE(w.sent(10, 25));
    REQUIRE(w.sent(25, 26));
    CHECK(w.in_flight() == 3);
    AckRelease r = acked(w, 0, 10);
    CHECK(r.batches == 1);
    CHECK(r.erase_until == 10);
    r = acked(w, 10, 25);
    CHECK(r.batches == 1);
    CHECK(r.erase_until == 25);
    r = acked(w, 25, 26);
    CHECK(r.erase_until == 26);
    CHECK(w.in_flight() == 0);
    CHECK(w.released_until() == 26);
}

TEST_CASE("an ack that overtakes the batches ahead of it is held until they are acknowledged") {
    AckWindow<4> w;
    REQUIRE(w.sent(100, 110));
    REQUIRE(w.sent(110, 120));
    REQUIRE(w.sent(120, 130));
    CHECK_FALSE(acked(w, 120, 130).released());
    CHECK_FALSE(acked(w, 110, 120).released());
    CHECK(w.in_flight() == 3);
    // The front's ack releases all three together: one erase up to the end of the last.
    const AckRelease r = acked(w, 100, 110);
    CHECK(r.batches == 3);
    CHECK(r.erase_until == 130);
    CHECK(w.in_flight() == 0);
}

TEST_CASE("the release stops at the first batch still unacknowledged") {
    AckWindow<8> w;
    for (std::uint64_t b = 0; b < 5; ++b) REQUIRE(w.sent(b * 10, b * 10 + 10));
    CHECK_FALSE(acked(w, 30, 40).released());
    CHECK_FALSE(acked(w, 10, 20).released());
    AckRelease r = acked(w, 0, 10);
    CHECK(r.batches == 2);
    CHECK(r.erase_until == 20);
    r = acked(w, 20, 30);
    CHECK(r.batches == 2);
    CHECK(r.erase_until == 40);
    CHECK(w.in_flight() == 1);
    CHECK(w.at(0).first_seq == 40);
}

TEST_CASE("batches with a gap between them (dropped records) are released across the gap") {
    AckWindow<4> w;
    REQUIRE(w.sent(0, 5));
    REQUIRE(w.sent(9, 12)); // 5..8 were dropped by policy: never in any batch
    CHECK_FALSE(acked(w, 9, 12).released());
    CHECK(acked(w, 0, 5).erase_until == 12);
}

TEST_CASE("duplicate acks, held or released already, release nothing and are no error") {
    AckWindow<4> w;
    REQUIRE(w.sent(0, 10));
    REQUIRE(w.sent(10, 20));
    CHECK_FALSE(acked(w, 10, 20).released());
    CHECK_FALSE(acked(w, 10, 20).released()); // held, acknowledged twice
    CHECK(acked(w, 0, 10).erase_until == 20);
    CHECK_FALSE(acked(w, 0, 10).released());  // released already
    CHECK_FALSE(acked(w, 10, 20).released());
    CHECK(w.in_flight() == 0);
}

TEST_CASE("an ack for a batch that was never sent is refused and changes nothing") {
    AckWindow<4> w;
    REQUIRE(w.sent(10, 20));
    REQUIRE(w.sent(20, 30));
    struct Bad {
        std::uint64_t first, end;
    };
    for (const Bad b : {Bad{30, 40}, Bad{10, 15}, Bad{15, 20}, Bad{10, 30}, Bad{20, 20}, Bad{25, 21}, Bad{5, 12}}) {
        CAPTURE(b.first);
        CAPTURE(b.end);
        auto r = w.ack(b.first, b.end);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == Errc::invalid_argument);
    }
    CHECK(w.in_flight() == 2);
    CHECK_FALSE(w.at(0).acked);
    CHECK_FALSE(w.at(1).acked);
    CHECK(acked(w, 10, 20).erase_until == 20);
}

TEST_CASE("a full window refuses another batch until an ack makes room") {
    AckWindow<2> w;
    REQUIRE(w.sent(0, 1));
    REQUIRE(w.sent(1, 2));
    CHECK(w.full());
    auto r = w.sent(2, 3);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Errc::no_space);
    CHECK(w.in_flight() == 2);
    // An ack held behind the front makes no room either.
    CHECK_FALSE(acked(w, 1, 2).released());
    CHECK(w.sent(2, 3).error() == Errc::no_space);
    CHECK(acked(w, 0, 1).batches == 2);
    CHECK(w.sent(2, 3).has_value());
}

TEST_CASE("a batch that is empty, overlaps or precedes one sent before is refused") {
    AckWindow<4> w;
    CHECK(w.sent(5, 5).error() == Errc::invalid_argument);
    CHECK(w.sent(6, 5).error() == Errc::invalid_argument);
    REQUIRE(w.sent(5, 10));
    CHECK(w.sent(9, 12).error() == Errc::invalid_argument);
    CHECK(w.sent(0, 5).error() == Errc::invalid_argument);
    CHECK(w.in_flight() == 1);
    REQUIRE(acked(w, 5, 10).released());
    CHECK(w.sent(8, 12).error() == Errc::invalid_argument); // below what was released
    CHECK(w.sent(10, 12).has_value());
}

TEST_CASE("after everything pending was erased, late acks of the forgotten batches are duplicates") {
    AckWindow<4> w;
    REQUIRE(w.sent(0, 10));
    REQUIRE(w.sent(10, 20));
    w.forget_in_flight(20); // ss_erase_all_pending: the pending cursor was 20
    CHECK(w.in_flight() == 0);
    CHECK(w.released_until() == 20);
    CHECK_FALSE(acked(w, 10, 20).released());
    CHECK_FALSE(acked(w, 0, 10).released());
    CHECK(w.sent(15, 30).error() == Errc::invalid_argument);
    CHECK(w.sent(20, 30).has_value());
}

TEST_CASE("after a restart the records pending before it go out again as new batches") {
    AckWindow<4> w;
    REQUIRE(w.sent(0, 10));
    REQUIRE(w.sent(10, 20));
    REQUIRE(acked(w, 0, 10).released());
    w.forget_in_flight(10); // the restart made [10, 20) unsent again: head_seq 10
    CHECK(w.in_flight() == 0);
    REQUIRE(w.sent(10, 15)); // re-sent in other batches
    REQUIRE(w.sent(15, 20));
    CHECK_FALSE(acked(w, 0, 10).released()); // from before: a duplicate
    CHECK(w.ack(10, 20).error() == Errc::invalid_argument); // a batch of the last life: forgotten
    CHECK_FALSE(acked(w, 15, 20).released());
    CHECK(acked(w, 10, 15).erase_until == 20);
}

TEST_CASE("the window wraps around its storage for as long as batches come and go") {
    AckWindow<3> w;
    std::uint64_t next = 0;
    std::uint64_t released = 0;
    for (int round = 0; round < 50; ++round) {
        while (!w.full()) {
            REQUIRE(w.sent(next, next + 3));
            next += 3;
        }
        // Acknowledge the back first, then the front.
        const ss::InFlightBatch back = w.at(w.in_flight() - 1);
        const ss::InFlightBatch front = w.at(0);
        CHECK_FALSE(acked(w, back.first_seq, back.end_seq).released());
        // The front's ack releases it and every acknowledged batch right behind it.
        std::uint32_t prefix = 1;
        while (prefix < w.in_flight() && w.at(prefix).acked) ++prefix;
        const std::uint64_t want = w.at(prefix - 1).end_seq;
        const AckRelease r = acked(w, front.first_seq, front.end_seq);
        CHECK(r.batches == prefix);
        released = r.erase_until;
        CHECK(released == want);
    }
    CHECK(w.released_until() == released);
}

TEST_CASE("acks in every random order release the whole run exactly once, in order") {
    std::mt19937 rng(12);
    for (int trial = 0; trial < 200; ++trial) {
        AckWindow<16> w;
        const int n = 1 + static_cast<int>(rng() % 16);
        std::vector<std::uint64_t> ends;
        std::uint64_t at = rng() % 100;
        for (int i = 0; i < n; ++i) {
            const std::uint64_t first = at + rng() % 3; // gaps now and then
            at = first + 1 + rng() % 20;
            REQUIRE(w.sent(first, at));
            ends.push_back(at);
        }
        std::vector<int> order(static_cast<std::size_t>(n));
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        std::vector<ss::InFlightBatch> batches;
        for (int i = 0; i < n; ++i) batches.push_back(w.at(static_cast<std::uint32_t>(i)));
        std::uint64_t released = 0;
        std::uint32_t released_batches = 0;
        std::vector<bool> done(static_cast<std::size_t>(n), false);
        for (int i : order) {
            done[static_cast<std::size_t>(i)] = true;
            const AckRelease r = acked(w, batches[static_cast<std::size_t>(i)].first_seq,
                                       batches[static_cast<std::size_t>(i)].end_seq);
            // What is released is exactly the acknowledged prefix.
            std::size_t prefix = 0;
            while (prefix < done.size() && done[prefix]) ++prefix;
            if (r.released()) {
                CHECK(r.erase_until > released);
                released = r.erase_until;
                released_batches += r.batches;
            }
            CHECK(released_batches == prefix);
            if (prefix != 0) CHECK(released == ends[prefix - 1]);
        }
        CHECK(released == ends.back());
        CHECK(w.in_flight() == 0);
    }
}
