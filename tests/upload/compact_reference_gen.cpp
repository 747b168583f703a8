// Writes the compact reference test's input (tests/upload/compact_reference_test.py): several
// batches encoded back to back with ss::upload::compact_encode into <dir>/batches.bin, and the
// same batches as JSON lines (ss::upload::json_lines_encode) into <dir>/expected.jsonl, which
// tools/ss_compact_decode.py must reproduce record for record.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "ss/upload/compact_codec.hpp"
#include "ss/upload/json_lines.hpp"
#include "support/upload_signals.hpp"

using namespace ss;

namespace {

bool append(std::ofstream& bin, std::ofstream& jsonl, const upload::Batch& b) {
    std::vector<std::byte> buf(upload::compact_size(b).value_or(0));
    const auto n = upload::compact_encode(b, buf);
    std::vector<std::byte> lines(upload::json_lines_size(b).value_or(0));
    const auto m = upload::json_lines_encode(b, lines);
    if (!n || !m) return false;
    bin.write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(*n));
    jsonl.write(reinterpret_cast<const char*>(lines.data()), static_cast<std::streamsize>(*m));
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <output directory>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    std::ofstream bin(dir + "/batches.bin", std::ios::binary | std::ios::trunc);
    std::ofstream jsonl(dir + "/expected.jsonl", std::ios::binary | std::ios::trunc);

    std::vector<test::OwnedBatch> batches;
    batches.push_back(test::ts_batch(test::sine_signal(1000), 0));
    batches.push_back(test::ts_batch(test::ramp_signal(500), 1000, 3'600'000'000ull, 100)); // monotonic clock
    batches.push_back(test::ts_batch(test::noise_signal(300), 1500, sector::time_unknown, 0));
    batches.push_back(test::ts_batch(test::temperature_signal(20000), 7'000'000));
    batches.push_back(test::ts_batch({0x80000000u, 0x7FFFFFFFu, 0, 0xFFFFFFFFu, 0x80000000u}, sector::max_seq - 4,
                                     sector::utc_flag, 1)); // extremes, UTC epoch itself
    batches.push_back(test::ts_batch({5}, 3, 77, 0));      // one record, a time but no period
    batches.push_back(test::evt_batch(test::noise_signal(400), test::event_times(400)));
    batches.push_back(test::evt_batch({1, 0xFFFFFFFFu, 0x80000000u, 2}, {~std::uint64_t{0}, 0, 1'733'300'000'000ull, 5}, 9));
    batches.back().batch.source = SS_SOURCE_CAN;
    batches.back().batch.boot = 0xFFFFFFFFu;
    batches.back().batch.sensor_id = 0xFFFFFFFFu;
    const std::string channel = R"(room "B" \ north)";
    const std::string unit = "\xC2\xB0" "C";
    batches.push_back(test::ts_batch(test::temperature_signal(10), 12));
    batches.back().batch.channel = channel;
    batches.back().batch.unit = unit;
    batches.back().batch.source = SS_SOURCE_HOST;
    batches.back().batch.gateway = "site-7.gw_b";

    for (const auto& o : batches) {
        if (!append(bin, jsonl, o.batch)) {
            std::fprintf(stderr, "compact_reference_gen: a batch did not encode\n");
            return 1;
        }
    }
    bin.close();
    jsonl.close();
    if (!bin || !jsonl) {
        std::fprintf(stderr, "compact_reference_gen: cannot write to %s\n", dir.c_str());
        return 1;
    }
    std::printf("compact_reference_gen: %zu batches written to %s\n", batches.size(), dir.c_str());
    return 0;
}
