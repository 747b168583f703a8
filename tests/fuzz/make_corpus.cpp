// Writes the fuzz targets' seed corpus and the hand-made regression inputs, deterministically,
// using the library's own encoders. Not part of the normal build:
//   cmake --build <build dir> --target fuzz_corpus_gen && <build dir>/tests/fuzz/fuzz_corpus_gen tests/fuzz
// Overwrites only the files it names; inputs dropped into regressions/ by hand are kept.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ss/crc32c.hpp"
#include "ss/disk_format.hpp"
#include "ss/sector_format.hpp"

#include "ss/upload/compact_codec.hpp"
#include "ss/uplink/frame.hpp"

#include "fuzz_checks.hpp"

namespace fs = std::filesystem;
using namespace ss;
using Bytes = std::vector<std::uint8_t>;

namespace {

fs::path root;
int written = 0;

void write(const std::string& rel, const Bytes& b) {
    const fs::path p = root / rel;
    fs::create_directories(p.parent_path());
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    if (!f) {
        std::fprintf(stderr, "fuzz_corpus_gen: cannot write %s\n", p.c_str());
        std::exit(1);
    }
    ++written;
}

// ---- meta records ----

disk::Meta meta(SsSource source, RecordType type, std::uint32_t id, std::uint32_t unit, std::uint64_t head,
                std::uint64_t reserved, std::uint64_t dropped = 0, std::uint64_t corrupt = 0) {
    disk::Meta m;
    m.source = source;
    m.type = type;
    m.sensor_id = id;
    m.unit_bytes = unit;
    m.head_seq = head;
    m.seq_reserved = reserved;
    m.dropped_quota = dropped;
    m.corrupt_units = corrupt;
    return m;
}

Bytes encode(const disk::Meta& m) {
    Bytes b(disk::meta_bytes);
    disk::encode_meta(m, reinterpret_cast<std::byte*>(b.data()));
    return b;
}

/// Recomputes the CRC of an edited record (version 2: bytes 76..79 over 0..75).
void reseal_meta(Bytes& b) {
    const std::uint32_t c = crc32c(b.data(), 76);
    std::memcpy(b.data() + 76, &c, 4);
}

// ---- units and data file images ----

/// A sealed unit of `unit` bytes holding `count` records from `first` (records beyond the
/// capacity are not written, which only matters for deliberately over-full units).
Bytes unit_bytes(RecordType t, std::uint32_t unit, std::uint64_t first, std::uint16_t count, std::uint8_t boot = 1) {
    Bytes b(unit + 64 * 12); // slack so that an over-full unit's CRC can be computed
    auto* s = reinterpret_cast<std::byte*>(b.data());
    sector::format(s, t, first, boot);
    const std::size_t rb = sector::record_bytes(t);
    for (std::uint32_t i = 0; i < count && 16 + (i + 1) * rb <= b.size(); ++i) {
        const auto v = static_cast<std::uint32_t>(first + i) * 2654435761u;
        std::memcpy(s + 16 + i * rb, &v, 4);
        if (t == RecordType::evt) {
            const std::uint64_t ts = 1'700'000'000'000ull + first + i;
            std::memcpy(s + 16 + i * rb + 4, &ts, 8);
        }
    }
    sector::seal(s, count, t, true);
    b.resize(unit);
    return b;
}

struct Image {
    RecordType type;
    std::uint32_t unit;
    Bytes bytes;

    /// reseal: the fuzz target recomputes the CRCs before feeding (fuzz_checks.hpp).
    Image(RecordType t, std::uint32_t u, bool reseal = false) : type(t), unit(u) {
        bytes.push_back(static_cast<std::uint8_t>((t == RecordType::evt ? 1 : 0) | (reseal ? 2 : 0)));
        std::uint8_t idx = 0;
        while (fuzz::unit_sizes[idx] != u) ++idx;
        bytes.push_back(idx);
    }
    Image& add(const Bytes& b) {
        bytes.insert(bytes.end(), b.begin(), b.end());
        return *this;
    }
    Image& valid(std::uint64_t first, std::uint16_t count) { return add(unit_bytes(type, unit, first, count)); }
    Image& foreign(std::uint64_t first, std::uint16_t count) {
        const RecordType other = type == RecordType::ts ? RecordType::evt : RecordType::ts;
        return add(unit_bytes(other, unit, first, count));
    }
    /// A unit sealed without a CRC (zero): valid only if the fuzz target reseals it.
    Image& unsealed(std::uint64_t first, std::uint16_t count) {
        Bytes b = unit_bytes(type, unit, first, count);
        std::fill(b.begin() + 12, b.begin() + 16, 0);
        return add(b);
    }
    Image& zero() { return add(Bytes(unit, 0)); }
    /// A unit whose write stopped after `kept` bytes (the rest reads as zero).
    Image& torn(std::uint64_t first, std::uint16_t count, std::size_t kept) {
        Bytes b = unit_bytes(type, unit, first, count);
        std::fill(b.begin() + static_cast<std::ptrdiff_t>(kept), b.end(), 0);
        return add(b);
    }
    /// A unit with one byte inverted.
    Image& garbled(std::uint64_t first, std::uint16_t count, std::size_t at) {
        Bytes b = unit_bytes(type, unit, first, count);
        b[at] ^= 0xFF;
        return add(b);
    }
};

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <tests/fuzz directory>\n", argv[0]);
        return 2;
    }
    root = argv[1];
    const RecordType ts = RecordType::ts, evt = RecordType::evt;
    const std::uint64_t two56 = sector::max_seq + 1;

    // Seed corpus: meta records.
    write("corpus/meta/host-ts-4096.bin", encode(meta(SS_SOURCE_HOST, ts, 42, 4096, 1000, 5000, 3, 1)));
    write("corpus/meta/app-evt-256.bin", encode(meta(SS_SOURCE_APP, evt, 0x12345678, 256, 0, 20)));
    write("corpus/meta/can-ts-65536-at-seq-limit.bin", encode(meta(SS_SOURCE_CAN, ts, 0xFFFFFFFF, 65536, two56, two56)));
    write("corpus/meta/host-evt-32-all-zero-seqs.bin", encode(meta(SS_SOURCE_HOST, evt, 0, 32, 0, 0)));
    write("corpus/meta/app-ts-64-max-counters.bin",
          encode(meta(SS_SOURCE_APP, ts, 7, 64, 12, 24, ~std::uint64_t{0}, ~std::uint64_t{0})));
    {
        Bytes b = encode(meta(SS_SOURCE_CAN, evt, 9, 1024, 5, 6));
        b.push_back(0xAB);
        write("corpus/meta/can-evt-1024-trailing-byte.bin", b);
        b.resize(63);
        write("corpus/meta/truncated-63.bin", b);
    }
    {
        Bytes b = encode(meta(SS_SOURCE_HOST, ts, 1, 4096, 1, 2));
        b[76] ^= 0x01;
        write("corpus/meta/bad-crc.bin", b);
    }
    {
        // Version 1 (64 bytes, no loss fields), as sessions before version 2 wrote it.
        Bytes b = encode(meta(SS_SOURCE_HOST, ts, 42, 4096, 1000, 5000, 3, 1));
        b.resize(64);
        b[4] = 1;
        for (std::size_t i = 48; i < 60; ++i) b[i] = 0;
        const std::uint32_t c = crc32c(b.data(), 60);
        std::memcpy(b.data() + 60, &c, 4);
        write("corpus/meta/v1-host-ts-4096.bin", b);
    }

    // Seed corpus: data file images.
    write("corpus/scanner/ts-32-four-units.bin", Image(ts, 32, true).valid(0, 4).valid(4, 4).valid(8, 4).valid(12, 2).bytes);
    write("corpus/scanner/evt-32-hole.bin", Image(evt, 32).valid(0, 1).valid(1, 1).zero().valid(2, 1).zero().bytes);
    write("corpus/scanner/ts-64-hole-and-stale.bin",
          Image(ts, 64, true).valid(0, 12).zero().valid(12, 12).valid(0, 12).valid(24, 5).bytes);
    write("corpus/scanner/evt-64-torn-then-rewritten.bin",
          Image(evt, 64).valid(0, 4).torn(4, 4, 30).valid(4, 4).valid(8, 2).bytes);
    write("corpus/scanner/ts-256-foreign-and-empty-unit.bin",
          Image(ts, 256).valid(0, 60).foreign(60, 20).valid(60, 60).valid(120, 0).valid(120, 10).bytes);
    write("corpus/scanner/evt-256-seq-gaps.bin", Image(evt, 256, true).valid(100, 20).valid(200, 20).valid(220, 5).bytes);
    {
        Image im(ts, 256);
        im.valid(0, 60).valid(60, 7);
        im.add(Bytes(100, 0x5A)); // a trailing partial unit, ignored
        write("corpus/scanner/ts-256-trailing-partial.bin", im.bytes);
    }
    write("corpus/scanner/ts-64-near-seq-limit.bin",
          Image(ts, 64).valid(sector::max_seq - 40, 12).valid(sector::max_seq - 28, 12).bytes);
    write("corpus/scanner/evt-64-unsealed-resealed.bin",
          Image(evt, 64, true).unsealed(0, 4).unsealed(4, 4).unsealed(2, 4).unsealed(8, 0).unsealed(9, 1).bytes);
    write("corpus/scanner/ts-4096-two-units.bin", Image(ts, 4096).valid(0, 1016).valid(1016, 300).bytes);
    write("corpus/scanner/evt-4096-garbled-then-valid.bin",
          Image(evt, 4096).valid(0, 340).garbled(340, 340, 2000).valid(340, 17).bytes);

    // Regressions: inputs at the edges of the rules, replayed by fuzz_regression_test.
    {
        // Reserved bytes 68..75 set, with a matching CRC: rejected as bad fields.
        Bytes b = encode(meta(SS_SOURCE_APP, evt, 77, 512, 10, 11));
        for (std::size_t i = 68; i < 76; ++i) b[i] = static_cast<std::uint8_t>(0xC0 + i);
        reseal_meta(b);
        write("regressions/meta/reserved-bytes-nonzero.bin", b);
    }
    {
        Bytes b = encode(meta(SS_SOURCE_HOST, ts, 1, 4096, 0, 0));
        const std::uint64_t over = two56 + 1;
        std::memcpy(b.data() + 24, &over, 8);
        reseal_meta(b);
        write("regressions/meta/seq-reserved-past-2-56.bin", b);
    }
    {
        Bytes b = encode(meta(SS_SOURCE_HOST, ts, 1, 4096, 0, 0));
        const std::uint32_t odd = 4094;
        std::memcpy(b.data() + 12, &odd, 4);
        reseal_meta(b);
        write("regressions/meta/unit-bytes-not-multiple-of-4.bin", b);
    }
    // A unit whose range runs past 2^56 (first_seq is 56 bits, end_seq is not), then units that
    // are stale against that end.
    write("regressions/scanner/seq-range-past-56-bits.bin",
          Image(ts, 64).valid(sector::max_seq - 1, 12).valid(0, 12).valid(sector::max_seq, 1).bytes);
    {
        // A count one over the capacity with the CRC an over-full unit would carry: verify must
        // reject it on the count before computing a CRC past the unit.
        Image im(ts, 64);
        im.valid(0, 12);
        im.add(unit_bytes(ts, 64, 12, 13));
        im.valid(12, 12);
        write("regressions/scanner/count-over-capacity-crc-matches.bin", im.bytes);
    }
    write("regressions/scanner/torn-inside-header.bin", Image(evt, 256).valid(0, 20).torn(20, 20, 7).valid(20, 20).bytes);

    // Shutdown ledgers go through the meta target too (fuzz_checks.hpp: check_meta_and_ledger).
    {
        const auto ledger = [](std::initializer_list<disk::LedgerEntry> es) {
            Bytes b(disk::ledger_header_bytes + es.size() * disk::ledger_entry_bytes);
            auto* p = reinterpret_cast<std::byte*>(b.data());
            std::size_t i = 0;
            for (const auto& e : es) disk::encode_ledger_entry(e, p + disk::ledger_header_bytes + i++ * disk::ledger_entry_bytes);
            disk::encode_ledger_header(static_cast<std::uint32_t>(es.size()), p + disk::ledger_header_bytes, p);
            return b;
        };
        write("corpus/meta/ledger-empty.bin", ledger({}));
        write("corpus/meta/ledger-three-sources.bin",
              ledger({{SS_SOURCE_HOST, 1, 1069}, {SS_SOURCE_APP, 0xFFFFFFFF, 0}, {SS_SOURCE_CAN, 7, two56}}));
        Bytes torn = ledger({{SS_SOURCE_HOST, 1, 5}, {SS_SOURCE_HOST, 2, 6}});
        torn.pop_back();
        write("corpus/meta/ledger-torn.bin", torn);
    }

    // Compact upload batches (fuzz_compact): valid ones of both types, and hand-made refusals.
    {
        auto batch = [](RecordType type, std::vector<std::uint32_t> values, std::vector<std::uint64_t> times_ms,
                        std::uint64_t first_time, std::uint32_t period) {
            const std::size_t stride = sector::record_bytes(type);
            std::vector<std::byte> records(values.size() * stride);
            for (std::size_t i = 0; i < values.size(); ++i) {
                sector::store(records.data() + i * stride, values[i]);
                if (type == RecordType::evt) sector::store(records.data() + i * stride + 4, times_ms[i]);
            }
            upload::Batch b;
            b.gateway = "gw-01";
            b.boot = 3;
            b.source = SS_SOURCE_APP;
            b.sensor_id = 42;
            b.type = type;
            b.first_seq = 1000;
            b.count = static_cast<std::uint32_t>(values.size());
            b.channel = "temperature";
            b.unit = "cdegC";
            b.first_time_us = first_time;
            b.period_us = period;
            b.records = records.data();
            Bytes out(upload::compact_size(b).value());
            if (!upload::compact_encode(b, std::as_writable_bytes(std::span(out)))) std::exit(1);
            return out;
        };
        const std::uint64_t utc = sector::utc_flag | 1'733'300'000'000'000ull;
        write("corpus/compact/ts-ramp-utc.bin", batch(ts, {2150, 2151, 2151, 2152, 2150, 2149, 2150, 2151}, {}, utc, 1'000'000));
        write("corpus/compact/ts-one-unknown-time.bin", batch(ts, {7}, {}, sector::time_unknown, 0));
        write("corpus/compact/ts-extremes-monotonic.bin",
              batch(ts, {0x80000000u, 0x7FFFFFFFu, 0, 0xFFFFFFFFu}, {}, 123'456, 100));
        write("corpus/compact/evt-times-backwards.bin",
              batch(evt, {1, 2, 3, 0xFFFFFFFFu}, {1'733'300'000'000ull, 1'733'299'999'000ull, ~std::uint64_t{0}, 0}, 0, 0));
        {
            Bytes two = batch(ts, {1, 2}, {}, utc, 10);
            const Bytes second = batch(evt, {5}, {9}, 0, 0);
            two.insert(two.end(), second.begin(), second.end());
            write("corpus/compact/two-batches-back-to-back.bin", two);
        }
        Bytes good = batch(ts, {10, 11, 12}, {}, utc, 1000);
        Bytes b = good;
        b[b.size() - 1] ^= 0x01;
        write("regressions/compact/crc-mismatch.bin", b);
        b = good;
        b.resize(b.size() - 5);
        write("regressions/compact/truncated-in-values.bin", b);
        b = good;
        b[2] = 2;
        write("regressions/compact/unknown-version.bin", b);
        // boot 3 written as 0x83 0x00: not the shortest varint.
        b.assign(good.begin(), good.begin() + 4);
        b.push_back(0x83);
        b.push_back(0x00);
        b.insert(b.end(), good.begin() + 5, good.end());
        write("regressions/compact/non-minimal-varint.bin", b);
        // A count of 2^32 - 1 records in a few bytes: refused before anything is sized by it.
        b.assign(good.begin(), good.begin() + 4);
        for (std::uint8_t x : std::initializer_list<std::uint8_t>{0x03, 0x2A, 0xE8, 0x07, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F})
            b.push_back(x);
        write("regressions/compact/count-out-of-range.bin", b);
    }

    // Uplink byte streams (fuzz_uplink_frame): frames of one session in order, with a resend, an
    // ACK, garbage, and a second session; and hand-made refusals.
    {
        auto frame = [](uplink::FrameType type, std::uint32_t session, std::uint32_t seq, std::uint32_t aux,
                        Bytes payload) {
            std::vector<std::byte> out(uplink::frame::wire_bytes_max(payload.size()));
            const auto n = uplink::encode_frame(
                uplink::Frame{type, session, seq, aux, std::as_bytes(std::span(payload))}, out);
            if (!n) std::exit(1);
            Bytes b(n.value());
            std::memcpy(b.data(), out.data(), b.size());
            return b;
        };
        auto cat = [](std::initializer_list<Bytes> parts) {
            Bytes all;
            for (const Bytes& p : parts) all.insert(all.end(), p.begin(), p.end());
            return all;
        };
        using uplink::FrameType;
        const Bytes f0 = frame(FrameType::data, 0x0A0B0C0D, 0, 0, {0x53, 0x42, 0x01, 0x00, 0x07});
        const Bytes f1 = frame(FrameType::data, 0x0A0B0C0D, 1, 0, Bytes(40, 0x11));
        const Bytes f2 = frame(FrameType::data, 0x0A0B0C0D, 2, 1, Bytes(260, 0x22));
        const Bytes ack = frame(FrameType::ack, 0x0A0B0C0D, 2, 7, {});
        write("corpus/uplink/one-data-frame.bin", cat({{0}, f0}));
        write("corpus/uplink/three-in-order.bin", cat({{0}, f0, f1, f2}));
        write("corpus/uplink/resend-and-gap.bin", cat({f0, f2, f1, f1, f2}));
        write("corpus/uplink/ack.bin", ack);
        write("corpus/uplink/garbage-between.bin", cat({f0, {0x13, 0x37, 0xFF, 0x00}, f1, {0x55, 0x66}, f2}));
        write("corpus/uplink/two-sessions.bin",
              cat({f0, f1, frame(FrameType::data, 0x99, 5, 5, {1, 2, 3}), frame(FrameType::data, 0x99, 6, 5, {4})}));
        Bytes b = f0;
        b[b.size() - 3] ^= 0x40;
        write("regressions/uplink/crc-mismatch.bin", b);
        b = f1;
        b.erase(b.begin() + 10);
        write("regressions/uplink/byte-dropped.bin", b);
        // A first frame whose base lies past its seq: adopting that base would acknowledge frames
        // nobody received.
        write("regressions/uplink/base-past-seq.bin", frame(FrameType::data, 3, 1, 9, {1}));
        // The last seq, after which the receiver's next expected seq would wrap to 0.
        write("regressions/uplink/last-seq.bin", cat({frame(FrameType::data, 3, 0xFFFFFFFEu, 0xFFFFFFFEu, {1}),
                                                      frame(FrameType::data, 3, 0xFFFFFFFFu, 0xFFFFFFFEu, {2}),
                                                      frame(FrameType::data, 3, 0, 0, {3})}));
        write("regressions/uplink/overlong-run.bin", cat({Bytes(1000, 0x41), {0}, f0}));
    }

    std::printf("fuzz_corpus_gen: wrote %d files under %s\n", written, root.c_str());
    return 0;
}
