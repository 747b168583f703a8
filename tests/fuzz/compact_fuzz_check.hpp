// fuzz_compact's check on one input, shared with the doctest replay of its seed corpus and
// regressions (regression_test.cpp). Returns an empty string if every invariant holds, else the
// first one broken; memory errors are left to the sanitizers (the input and the record buffer are
// exactly-sized heap copies).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "ss/crc32c.hpp"
#include "ss/upload/compact_codec.hpp"
#include "ss/upload/influx_line.hpp"
#include "ss/upload/json_lines.hpp"

namespace ss::fuzz {

/// The input as a compact batch stream, checked once:
///  - compact_records_bytes and compact_decode never read past the input nor write past the
///    record buffer (sized exactly as compact_records_bytes says, or 64 bytes if it refused);
///  - compact_decode refuses whatever compact_records_bytes refuses, with invalid_argument;
///  - a decoded batch took at most the input, passes check, holds the record bytes announced,
///    and re-encodes (compact_encode) to exactly the bytes it was decoded from;
///  - the JSON lines and line protocol encoders write exactly their announced sizes for it.
inline std::string check_compact_once(const std::uint8_t* data, std::size_t size) {
    auto in = std::make_unique<std::byte[]>(size);
    if (size != 0) std::memcpy(in.get(), data, size);
    const std::span<const std::byte> input(in.get(), size);

    const auto need = upload::compact_records_bytes(input);
    const std::size_t records_size = need ? *need : 64;
    auto records = std::make_unique<std::byte[]>(records_size);
    const auto d = upload::compact_decode(input, std::span<std::byte>(records.get(), records_size));
    if (!need) {
        if (need.error() != Errc::invalid_argument) return "compact_records_bytes refused with another error than invalid_argument";
        if (d) return "compact_decode accepted a header compact_records_bytes refused";
        return {};
    }
    if (!d) {
        if (d.error() == Errc::no_space) return "compact_decode said no_space with the buffer compact_records_bytes asked for";
        return {};
    }
    const upload::Batch& b = d->batch;
    if (d->bytes > size || d->bytes < upload::compact::fixed_header_bytes + upload::compact::crc_bytes)
        return "the decoded batch's length is out of the input";
    if (!upload::check(b)) return "a decoded batch fails check";
    if (b.records_bytes() != *need || b.records != records.get()) return "the decoded records are not where and how many announced";

    const auto n = upload::compact_size(b);
    if (!n || *n != d->bytes) return "compact_size of the decoded batch differs from the bytes it took";
    std::vector<std::byte> again(*n);
    const auto w = upload::compact_encode(b, again);
    if (!w || *w != *n) return "compact_encode of the decoded batch failed";
    if (std::memcmp(again.data(), in.get(), *n) != 0) return "the decoded batch re-encodes to other bytes";

    if (const auto js = upload::json_lines_size(b); !js) {
        return "json_lines_size refused a decoded batch";
    } else {
        std::vector<std::byte> text(*js);
        const auto jw = upload::json_lines_encode(b, text);
        if (!jw || *jw != *js) return "json_lines_encode wrote another size than json_lines_size";
    }
    // Line protocol may refuse (a time unknown or past 2262, a backslash): only its sizes are checked.
    if (const auto ls = upload::influx_line_size(b); ls) {
        std::vector<std::byte> text(*ls);
        const auto lw = upload::influx_line_encode(b, text);
        if (!lw || *lw != *ls) return "influx_line_encode wrote another size than influx_line_size";
    }
    return {};
}

/// fuzz_compact: the input as it is, and again with its last 4 bytes replaced by the CRC32C of
/// the rest (a fuzzer cannot forge a CRC by mutation; this lets mutations reach the decoder's
/// field and record checks).
inline std::string check_compact(const std::uint8_t* data, std::size_t size) {
    if (std::string broken = check_compact_once(data, size); !broken.empty()) return broken;
    if (size < 4) return {};
    std::vector<std::uint8_t> fixed(data, data + size);
    const std::uint32_t crc = crc32c(fixed.data(), size - 4);
    std::memcpy(fixed.data() + size - 4, &crc, 4);
    if (std::string broken = check_compact_once(fixed.data(), size); !broken.empty()) return broken + " (CRC recomputed)";
    return {};
}

} // namespace ss::fuzz
