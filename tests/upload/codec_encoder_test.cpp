// The transports' PayloadEncoder (hal/posix/upload/codec_encoder.hpp): batches appended one
// after another to one body, as a request of several batches is built. It encodes each into room
// guessed from the batch before and sizes a batch first only when the guess was short: whatever
// the order of batch sizes and line lengths, the body is byte for byte what encoding each batch on
// its own gives.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "posix/upload/codec_encoder.hpp"
#include "support/upload_batches.hpp"

using ss::hal::CodecEncoder;
using ss::hal::WireCodec;

namespace {

/// Batches whose sizes and line lengths jump about: one record, thousands, a few; values of one
/// digit after values of ten.
ss::test::UploadBatches mixed_batches() {
    ss::test::UploadBatches out;
    const struct {
        std::uint32_t count;
        std::uint32_t value;
    } shapes[] = {{1, 7}, {3000, 5}, {2, 4'000'000'000u}, {700, 1}, {5000, 3'999'999'999u}, {1, 2}, {64, 9}};
    std::uint64_t seq = 0;
    std::uint32_t id = 1;
    for (const auto& sh : shapes) {
        const std::vector<std::uint32_t> values(sh.count, sh.value);
        out.add(SS_SOURCE_HOST, id++, ss::test::ts_batch(values, seq), 4);
        seq += sh.count;
    }
    const std::vector<std::uint32_t> ev(900, 4'000'000'001u);
    out.add(SS_SOURCE_CAN, 9, ss::test::evt_batch(ev, ss::test::event_times(ev.size())), 4);
    return out;
}

} // namespace

TEST_CASE("batches appended to one body equal each batch encoded alone, for every codec and order") {
    const auto batches = mixed_batches();
    for (const WireCodec codec : {WireCodec::json_lines, WireCodec::line_protocol, WireCodec::compact}) {
        CAPTURE(static_cast<int>(codec));
        for (const bool reversed : {false, true}) {
            CAPTURE(reversed);
            std::vector<ss::hal::UploadBatch> order = batches.batches;
            if (reversed) order.assign(batches.batches.rbegin(), batches.batches.rend());
            CodecEncoder reused(codec, "gw-enc", {});
            std::string body, expected;
            body.reserve(16); // a body that starts small grows as the guesses require
            for (const auto& b : order) {
                REQUIRE(reused.append(b, body));
                CodecEncoder fresh(codec, "gw-enc", {}); // its first batch is sized first
                std::string alone;
                REQUIRE(fresh.append(b, alone));
                expected += alone;
            }
            CHECK(body.size() == expected.size());
            CHECK(body == expected);
        }
    }
}

TEST_CASE("a batch the codec refuses leaves the body as it was") {
    ss::test::UploadBatches ok, refused;
    ok.add(SS_SOURCE_HOST, 1, ss::test::ts_batch({1, 2, 3}), 1);
    // Line protocol needs every record's time: a time-series batch without one is refused.
    refused.add(SS_SOURCE_HOST, 2, ss::test::ts_batch({1, 2, 3}, 0, ss::sector::time_unknown, 0), 1);
    CodecEncoder enc(WireCodec::line_protocol, "gw-enc", {});
    std::string body;
    REQUIRE(enc.append(ok.batches[0], body));
    const std::string before = body;
    CHECK_FALSE(enc.append(refused.batches[0], body));
    CHECK(body == before);
    REQUIRE(enc.append(ok.batches[0], body)); // and the next batch still goes on
    CHECK(body == before + before);
}
