#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ss/crc32c.hpp"
#include "ss/disk_format.hpp"
#include "ss/sector_format.hpp"

using namespace ss;
using disk::MetaError;

namespace {

using MetaBytes = std::array<std::byte, disk::meta_bytes>;

constexpr std::uint64_t two_to_56 = std::uint64_t{1} << 56;

disk::Meta sample_meta() {
    disk::Meta m;
    m.source = SS_SOURCE_APP;
    m.type = RecordType::evt;
    m.sensor_id = 0x0102'0304;
    m.unit_bytes = 4096;
    m.head_seq = 1'000;
    m.seq_reserved = 5'000;
    m.dropped_quota = 7;
    m.corrupt_units = 3;
    return m;
}

MetaBytes encoded(const disk::Meta& m) {
    MetaBytes b{};
    disk::encode_meta(m, b.data());
    return b;
}

/// Recomputes the CRC after a field was edited, so that only the field check can reject it.
void reseal(MetaBytes& b) { sector::store<std::uint32_t>(b.data() + 76, crc32c(b.data(), 76)); }

template <class T>
MetaBytes with_field(const disk::Meta& m, std::size_t offset, T value) {
    MetaBytes b = encoded(m);
    sector::store<T>(b.data() + offset, value);
    reseal(b);
    return b;
}

bool same(const disk::Meta& a, const disk::Meta& b) {
    return a.source == b.source && a.type == b.type && a.sensor_id == b.sensor_id && a.unit_bytes == b.unit_bytes &&
           a.head_seq == b.head_seq && a.seq_reserved == b.seq_reserved && a.dropped_quota == b.dropped_quota &&
           a.corrupt_units == b.corrupt_units && a.lost_units == b.lost_units && a.lost_records == b.lost_records &&
           a.lost_until_seq == b.lost_until_seq;
}

MetaError decode(const MetaBytes& b, disk::Meta& out) { return disk::decode_meta(b.data(), b.size(), out); }

MetaError decode(const MetaBytes& b) {
    disk::Meta out;
    return decode(b, out);
}

// ---- data file images ----

using Slot = std::vector<std::byte>;

/// A sealed unit of unit_bytes holding count (<= capacity) records from first, with a valid CRC.
Slot make_unit(RecordType t, std::uint32_t unit_bytes, std::uint64_t first, std::uint16_t count) {
    REQUIRE(count <= sector::capacity(unit_bytes, t));
    Slot s(unit_bytes);
    sector::format(s.data(), t, first, 1);
    // Payload bytes are never zero, so that a write torn anywhere differs from the whole unit.
    const std::size_t used = count * sector::record_bytes(t);
    for (std::size_t k = 0; k < used; ++k)
        s[sector::header_bytes + k] = static_cast<std::byte>(0x40 + (k * 7 + first) % 0xBF);
    sector::seal(s.data(), count, t, true);
    return s;
}

Slot zero_slot(std::uint32_t unit_bytes) { return Slot(unit_bytes, std::byte{0}); }

struct Scan {
    std::vector<disk::UnitInfo> units;
    disk::ScanTotals totals;
    std::uint64_t end_seq = 0;
};

/// Feeds the slots in order, at offsets i * unit_bytes, as recovery does.
Scan scan(RecordType t, std::uint32_t unit_bytes, const std::vector<Slot>& slots) {
    disk::UnitScanner scanner(t, unit_bytes);
    Scan r;
    for (std::size_t i = 0; i < slots.size(); ++i) {
        REQUIRE(slots[i].size() == unit_bytes);
        disk::UnitInfo u{};
        if (scanner.feed(i * std::uint64_t{unit_bytes}, slots[i].data(), u)) r.units.push_back(u);
    }
    r.totals = scanner.totals();
    r.end_seq = scanner.end_seq();
    CHECK(r.totals.valid_units + r.totals.skipped_units + r.totals.empty_units == slots.size());
    CHECK(r.totals.valid_units == r.units.size());
    return r;
}

void check_unit(const disk::UnitInfo& u, std::uint64_t offset, std::uint64_t first, std::uint16_t count) {
    CHECK(u.offset == offset);
    CHECK(u.first_seq == first);
    CHECK(u.count == count);
}

} // namespace

// ---------------------------------------------------------------- meta record

TEST_CASE("a meta record decodes to exactly what was encoded") {
    disk::Meta m = sample_meta();
    SUBCASE("a typical record") {}
    SUBCASE("the smallest unit size and all-zero sequence numbers") {
        m.source = SS_SOURCE_HOST;
        m.type = RecordType::ts;
        m.unit_bytes = 48;
        m.head_seq = 0;
        m.seq_reserved = 0;
    }
    SUBCASE("the largest unit size and the sequence limit 2^56") {
        m.source = SS_SOURCE_CAN;
        m.unit_bytes = 65536;
        m.head_seq = two_to_56;
        m.seq_reserved = two_to_56;
    }
    SUBCASE("counters and sensor id at their maxima") {
        m.sensor_id = 0xFFFF'FFFF;
        m.dropped_quota = ~std::uint64_t{0};
        m.corrupt_units = ~std::uint64_t{0};
    }
    const MetaBytes b = encoded(m);
    CHECK(sector::load<std::uint32_t>(b.data()) == disk::meta_magic);
    for (std::size_t i = 48; i < 60; ++i) CHECK(b[i] == std::byte{0});
    disk::Meta out;
    REQUIRE(decode(b, out) == MetaError::none);
    CHECK(same(out, m));
}

TEST_CASE("encoding overwrites every byte of the output") {
    MetaBytes a{}, b{};
    b.fill(std::byte{0xEE});
    disk::encode_meta(sample_meta(), a.data());
    disk::encode_meta(sample_meta(), b.data());
    CHECK(a == b);
}

TEST_CASE("every single-bit flip of an encoded meta record is rejected") {
    const MetaBytes good = encoded(sample_meta());
    for (std::size_t byte = 0; byte < disk::meta_bytes; ++byte) {
        for (int bit = 0; bit < 8; ++bit) {
            MetaBytes b = good;
            b[byte] ^= std::byte{static_cast<unsigned char>(1u << bit)};
            INFO("byte " << byte << " bit " << bit);
            disk::Meta out = sample_meta();
            out.sensor_id = 99;
            CHECK(decode(b, out) != MetaError::none);
            CHECK(out.sensor_id == 99); // a rejected record leaves the output alone
        }
    }
}

TEST_CASE("a meta record shorter than 64 bytes is too short, whatever it holds") {
    const MetaBytes b = encoded(sample_meta());
    for (std::size_t len = 0; len < disk::meta_bytes; ++len) {
        INFO("length " << len);
        disk::Meta out;
        CHECK(disk::decode_meta(b.data(), len, out) == MetaError::too_short);
    }
}

TEST_CASE("a longer buffer decodes as its first 64 bytes") {
    std::array<std::byte, 100> b{};
    b.fill(std::byte{0x77});
    disk::encode_meta(sample_meta(), b.data());
    disk::Meta out;
    REQUIRE(disk::decode_meta(b.data(), b.size(), out) == MetaError::none);
    CHECK(same(out, sample_meta()));
}

TEST_CASE("a meta record with a wrong magic, version or CRC is rejected for that reason") {
    const disk::Meta m = sample_meta();
    SUBCASE("magic") {
        CHECK(decode(with_field<std::uint32_t>(m, 0, 0x544D5354)) == MetaError::bad_magic);
        CHECK(decode(MetaBytes{}) == MetaError::bad_magic); // an all-zero file
    }
    SUBCASE("version") {
        CHECK(decode(with_field<std::uint16_t>(m, 4, 0)) == MetaError::bad_version);
        CHECK(decode(with_field<std::uint16_t>(m, 4, 3)) == MetaError::bad_version);
    }
    SUBCASE("crc") {
        MetaBytes b = encoded(m);
        b[60] ^= std::byte{0x80};
        CHECK(decode(b) == MetaError::bad_crc);
        MetaBytes c = encoded(m);
        c[20] ^= std::byte{0x01}; // a field changed without resealing
        CHECK(decode(c) == MetaError::bad_crc);
        MetaBytes d = encoded(m);
        d[50] = std::byte{1}; // a reserved byte changed without resealing
        CHECK(decode(d) == MetaError::bad_crc);
    }
}

TEST_CASE("a meta record with a field out of range is rejected even though its CRC matches") {
    const disk::Meta m = sample_meta();
    SUBCASE("a source above SS_SOURCE_CAN") {
        CHECK(decode(with_field<std::uint8_t>(m, 6, 3)) == MetaError::bad_fields);
        CHECK(decode(with_field<std::uint8_t>(m, 6, 255)) == MetaError::bad_fields);
        CHECK(decode(with_field<std::uint8_t>(m, 6, 2)) == MetaError::none);
    }
    SUBCASE("a record type other than 1 (TS) or 2 (EVT)") {
        for (unsigned t : {0u, 3u, 0x11u, 0x21u, 255u}) {
            INFO("type " << t);
            CHECK(decode(with_field<std::uint8_t>(m, 7, static_cast<std::uint8_t>(t))) == MetaError::bad_fields);
        }
        CHECK(decode(with_field<std::uint8_t>(m, 7, 1)) == MetaError::none);
    }
    SUBCASE("a unit size under 48, over 65536 or not a multiple of 4") {
        for (std::uint32_t u : {0u, 4u, 16u, 28u, 32u, 44u, 34u, 4094u, 4097u, 65537u, 65540u, 131072u, 0xFFFF'FFFCu}) {
            INFO("unit_bytes " << u);
            CHECK(decode(with_field<std::uint32_t>(m, 12, u)) == MetaError::bad_fields);
        }
        for (std::uint32_t u : {48u, 52u, 4096u, 65532u, 65536u}) {
            INFO("unit_bytes " << u);
            CHECK(decode(with_field<std::uint32_t>(m, 12, u)) == MetaError::none);
        }
    }
    SUBCASE("a head above the reservation") {
        CHECK(decode(with_field<std::uint64_t>(m, 16, m.seq_reserved + 1)) == MetaError::bad_fields);
        CHECK(decode(with_field<std::uint64_t>(m, 16, ~std::uint64_t{0})) == MetaError::bad_fields);
        CHECK(decode(with_field<std::uint64_t>(m, 16, m.seq_reserved)) == MetaError::none);
    }
    SUBCASE("a reservation beyond 2^56") {
        disk::Meta z = m;
        z.head_seq = 0;
        CHECK(decode(with_field<std::uint64_t>(z, 24, two_to_56 + 1)) == MetaError::bad_fields);
        CHECK(decode(with_field<std::uint64_t>(z, 24, ~std::uint64_t{0})) == MetaError::bad_fields);
        CHECK(decode(with_field<std::uint64_t>(z, 24, two_to_56)) == MetaError::none);
    }
}

// ---------------------------------------------------------------- unit scanner

TEST_CASE("a scanner with nothing fed has found nothing") {
    disk::UnitScanner scanner(RecordType::ts, 256);
    CHECK(scanner.end_seq() == 0);
    CHECK(scanner.totals().valid_units == 0);
    CHECK(scanner.totals().skipped_units == 0);
    CHECK(scanner.totals().empty_units == 0);
}

TEST_CASE("valid units are found in file order with their offsets, sequence numbers and counts") {
    for (const RecordType t : {RecordType::ts, RecordType::evt}) {
        INFO("type " << static_cast<int>(t));
        const std::uint16_t cap = static_cast<std::uint16_t>(sector::capacity(256, t));
        const Scan r = scan(t, 256,
                            {make_unit(t, 256, 0, cap), make_unit(t, 256, cap, cap), make_unit(t, 256, 2 * cap, 5)});
        REQUIRE(r.units.size() == 3);
        check_unit(r.units[0], 0, 0, cap);
        check_unit(r.units[1], 256, cap, cap);
        check_unit(r.units[2], 512, 2 * cap, 5);
        CHECK(r.totals.valid_units == 3);
        CHECK(r.totals.skipped_units == 0);
        CHECK(r.totals.empty_units == 0);
        CHECK(r.end_seq == 2 * cap + 5);
    }
}

TEST_CASE("sequence numbers may jump forward between units, and a unit may start at the previous end") {
    const Scan r = scan(RecordType::ts, 80,
                        {make_unit(RecordType::ts, 80, 100, 12), make_unit(RecordType::ts, 80, 112, 3),
                         make_unit(RecordType::ts, 80, 5000, 1)});
    REQUIRE(r.units.size() == 3);
    CHECK(r.units[1].first_seq == 112);
    CHECK(r.units[2].first_seq == 5000);
    CHECK(r.end_seq == 5001);
}

TEST_CASE("all-zero slots are counted as empty and do not interrupt the scan") {
    const RecordType t = RecordType::evt;
    const Scan r = scan(t, 80,
                        {zero_slot(80), make_unit(t, 80, 0, 4), zero_slot(80), zero_slot(80), make_unit(t, 80, 4, 2),
                         zero_slot(80)});
    REQUIRE(r.units.size() == 2);
    check_unit(r.units[0], 80, 0, 4);
    check_unit(r.units[1], 320, 4, 2);
    CHECK(r.totals.empty_units == 4);
    CHECK(r.totals.skipped_units == 0);
    CHECK(r.end_seq == 6);
}

TEST_CASE("a torn unit is skipped and counted, and the next valid unit is still found") {
    for (const RecordType t : {RecordType::ts, RecordType::evt}) {
        for (const std::uint32_t ub : {80u, 272u}) {
            // A full unit: every byte is covered by the CRC, so any damage is detectable.
            const auto cap = static_cast<std::uint16_t>(sector::capacity(ub, t));
            REQUIRE(sector::header_bytes + cap * sector::record_bytes(t) == ub);
            const Slot before = make_unit(t, ub, 0, cap);
            const Slot good = make_unit(t, ub, cap, cap);
            const Slot after = make_unit(t, ub, 2 * cap, 1);
            for (std::size_t at = 1; at < ub; ++at) {
                INFO("type " << static_cast<int>(t) << ", unit " << ub << ", damage at byte " << at);
                Slot truncated = good; // the write stopped after `at` bytes: the rest reads as zero
                std::fill(truncated.begin() + static_cast<std::ptrdiff_t>(at), truncated.end(), std::byte{0});
                Slot garbage = good; // the rest is left-over garbage
                std::fill(garbage.begin() + static_cast<std::ptrdiff_t>(at), garbage.end(), std::byte{0xA5});
                Slot flipped = good; // one byte garbled in place
                flipped[at] ^= std::byte{0xFF};
                for (const Slot* bad : {&truncated, &garbage, &flipped}) {
                    if (*bad == good) continue; // the garbage happened to match
                    const Scan r = scan(t, ub, {before, *bad, after});
                    REQUIRE(r.units.size() == 2);
                    check_unit(r.units[0], 0, 0, cap);
                    check_unit(r.units[1], 2 * ub, 2 * cap, 1);
                    CHECK(r.totals.skipped_units == 1);
                    CHECK(r.totals.empty_units == 0);
                }
            }
            // Byte 0 garbled, the rest intact, is also a skipped unit.
            Slot b0 = good;
            b0[0] ^= std::byte{0xFF};
            CHECK(scan(t, ub, {before, b0, after}).totals.skipped_units == 1);
        }
    }
}

TEST_CASE("a torn unit rewritten in the next slot is found there") {
    const RecordType t = RecordType::ts;
    Slot torn = make_unit(t, 80, 12, 12);
    std::fill(torn.begin() + 20, torn.end(), std::byte{0});
    const Scan r = scan(t, 80, {make_unit(t, 80, 0, 12), torn, make_unit(t, 80, 12, 12)});
    REQUIRE(r.units.size() == 2);
    check_unit(r.units[1], 160, 12, 12);
    CHECK(r.totals.skipped_units == 1);
    CHECK(r.end_seq == 24);
}

TEST_CASE("a unit older than the last valid one is stale and skipped") {
    const RecordType t = RecordType::ts;
    SUBCASE("an entirely older unit") {
        const Scan r = scan(t, 80, {make_unit(t, 80, 100, 12), make_unit(t, 80, 0, 12), make_unit(t, 80, 112, 4)});
        REQUIRE(r.units.size() == 2);
        check_unit(r.units[0], 0, 100, 12);
        check_unit(r.units[1], 160, 112, 4);
        CHECK(r.totals.skipped_units == 1);
        CHECK(r.end_seq == 116);
    }
    SUBCASE("a unit overlapping the end of the previous one") {
        const Scan r = scan(t, 80, {make_unit(t, 80, 100, 12), make_unit(t, 80, 111, 12)});
        REQUIRE(r.units.size() == 1);
        CHECK(r.totals.skipped_units == 1);
        CHECK(r.end_seq == 112);
    }
    SUBCASE("a repeat of the previous unit") {
        const Slot u = make_unit(t, 80, 100, 12);
        const Scan r = scan(t, 80, {u, u});
        REQUIRE(r.units.size() == 1);
        CHECK(r.totals.skipped_units == 1);
    }
    SUBCASE("an older unit after a skipped one is still compared with the last valid unit") {
        Slot bad = make_unit(t, 80, 200, 12);
        bad[30] ^= std::byte{1};
        const Scan r = scan(t, 80, {make_unit(t, 80, 100, 12), bad, make_unit(t, 80, 50, 12)});
        REQUIRE(r.units.size() == 1);
        CHECK(r.totals.skipped_units == 2);
        CHECK(r.end_seq == 112);
    }
}

TEST_CASE("a unit of the other record type is skipped") {
    SUBCASE("an EVT unit in a TS file") {
        const Scan r = scan(RecordType::ts, 256,
                            {make_unit(RecordType::ts, 256, 0, 56), make_unit(RecordType::evt, 256, 56, 18),
                             make_unit(RecordType::ts, 256, 56, 1)});
        REQUIRE(r.units.size() == 2);
        CHECK(r.units[1].offset == 512);
        CHECK(r.totals.skipped_units == 1);
    }
    SUBCASE("a TS unit in an EVT file") {
        const Scan r = scan(RecordType::evt, 256, {make_unit(RecordType::ts, 256, 0, 18)});
        CHECK(r.units.empty());
        CHECK(r.totals.skipped_units == 1);
        CHECK(r.end_seq == 0);
    }
}

TEST_CASE("a unit with no records is skipped even though it verifies") {
    const RecordType t = RecordType::evt;
    const Slot empty = make_unit(t, 80, 4, 0);
    REQUIRE(sector::verify(empty.data(), t, 80));
    const Scan r = scan(t, 80, {make_unit(t, 80, 0, 4), empty, make_unit(t, 80, 4, 4)});
    REQUIRE(r.units.size() == 2);
    CHECK(r.totals.skipped_units == 1);
    CHECK(r.end_seq == 8);
}

TEST_CASE("a unit whose count exceeds its capacity is skipped even with the CRC such a count implies") {
    const RecordType t = RecordType::ts;
    // Build a 13-record unit in a larger buffer so that its CRC covers 13 records, then keep the
    // first 80 bytes: a 80-byte TS unit holds 12.
    Slot big = make_unit(t, 160, 12, 13);
    Slot over(big.begin(), big.begin() + 80);
    REQUIRE(sector::count(over.data()) == 13);
    const Scan r = scan(t, 80, {make_unit(t, 80, 0, 12), over, make_unit(t, 80, 12, 12)});
    REQUIRE(r.units.size() == 2);
    check_unit(r.units[1], 160, 12, 12);
    CHECK(r.totals.skipped_units == 1);
    Slot huge = make_unit(t, 80, 12, 12); // a count of 0xFFFF
    sector::store<std::uint16_t>(huge.data() + sector::offset::count, 0xFFFF);
    CHECK(scan(t, 80, {huge}).totals.skipped_units == 1);
}

TEST_CASE("a mixed data file is accounted slot by slot") {
    const RecordType t = RecordType::ts;
    Slot torn = make_unit(t, 80, 24, 12);
    std::fill(torn.begin() + 40, torn.end(), std::byte{0});
    const Scan r = scan(t, 80,
                        {make_unit(t, 80, 0, 12), zero_slot(80), make_unit(t, 80, 12, 12), torn,
                         make_unit(RecordType::evt, 80, 24, 4), make_unit(t, 80, 0, 12), make_unit(t, 80, 24, 0),
                         make_unit(t, 80, 24, 7), zero_slot(80)});
    CHECK(r.totals.valid_units == 3);
    CHECK(r.totals.skipped_units == 4);
    CHECK(r.totals.empty_units == 2);
    CHECK(r.end_seq == 31);
}

TEST_CASE("a meta record with a reserved byte set is rejected even though its CRC matches") {
    for (std::size_t at = 48; at < 60; ++at) {
        MetaBytes b = encoded(sample_meta());
        b[at] = std::byte{0x01};
        reseal(b);
        INFO("reserved byte " << at);
        CHECK(decode(b) == MetaError::bad_fields);
    }
}

TEST_CASE("a unit whose records would run past 2^56 is skipped, one that ends at 2^56 is kept") {
    const RecordType t = RecordType::ts;
    const Scan r = scan(t, 80, {make_unit(t, 80, two_to_56 - 12, 12), make_unit(t, 80, two_to_56 - 4, 12)});
    REQUIRE(r.units.size() == 1);
    check_unit(r.units[0], 0, two_to_56 - 12, 12);
    CHECK(r.totals.skipped_units == 1);
    CHECK(r.end_seq == two_to_56);
}

// ---- the shutdown ledger ------------------------------------------------------------------------

namespace {
std::vector<std::byte> make_ledger(const std::vector<ss::disk::LedgerEntry>& es) {
    std::vector<std::byte> b(ss::disk::ledger_header_bytes + es.size() * ss::disk::ledger_entry_bytes);
    for (std::size_t i = 0; i < es.size(); ++i)
        ss::disk::encode_ledger_entry(es[i], b.data() + ss::disk::ledger_header_bytes + i * ss::disk::ledger_entry_bytes);
    ss::disk::encode_ledger_header(static_cast<std::uint32_t>(es.size()), b.data() + ss::disk::ledger_header_bytes, b.data());
    return b;
}
} // namespace

TEST_CASE("a shutdown ledger reads back exactly what was written, and an empty one is valid") {
    const std::vector<ss::disk::LedgerEntry> es = {
        {SS_SOURCE_HOST, 1, 1069}, {SS_SOURCE_APP, 0xFFFFFFFFu, 0}, {SS_SOURCE_CAN, 7, ss::sector::max_seq + 1}};
    const auto b = make_ledger(es);
    std::uint32_t n = 0;
    REQUIRE(ss::disk::check_ledger(b.data(), b.size(), n) == ss::disk::LedgerError::none);
    REQUIRE(n == es.size());
    for (std::uint32_t i = 0; i < n; ++i) {
        const auto e = ss::disk::ledger_entry(b.data(), i);
        CHECK(e.source == es[i].source);
        CHECK(e.sensor_id == es[i].sensor_id);
        CHECK(e.next_seq == es[i].next_seq);
    }
    const auto empty = make_ledger({});
    CHECK(ss::disk::check_ledger(empty.data(), empty.size(), n) == ss::disk::LedgerError::none);
    CHECK(n == 0);
}

TEST_CASE("every single-bit flip, a missing or extra byte of a ledger is rejected") {
    const auto good = make_ledger({{SS_SOURCE_HOST, 3, 100}, {SS_SOURCE_CAN, 4, 200}});
    std::uint32_t n = 0;
    for (std::size_t bit = 0; bit < good.size() * 8; ++bit) {
        auto b = good;
        b[bit / 8] ^= std::byte{static_cast<unsigned char>(1u << (bit % 8))};
        CHECK(ss::disk::check_ledger(b.data(), b.size(), n) != ss::disk::LedgerError::none);
    }
    CHECK(ss::disk::check_ledger(good.data(), good.size() - 1, n) == ss::disk::LedgerError::too_short);
    auto longer = good;
    longer.push_back(std::byte{0});
    CHECK(ss::disk::check_ledger(longer.data(), longer.size(), n) == ss::disk::LedgerError::too_short);
    CHECK(ss::disk::check_ledger(good.data(), 31, n) == ss::disk::LedgerError::too_short);
}

TEST_CASE("a ledger entry with a source or sequence number out of range is rejected even though its CRCs match") {
    std::uint32_t n = 0;
    const auto bad_source = make_ledger({{static_cast<SsSource>(3), 1, 1}});
    CHECK(ss::disk::check_ledger(bad_source.data(), bad_source.size(), n) == ss::disk::LedgerError::bad_fields);
    const auto bad_seq = make_ledger({{SS_SOURCE_HOST, 1, ss::sector::max_seq + 2}});
    CHECK(ss::disk::check_ledger(bad_seq.data(), bad_seq.size(), n) == ss::disk::LedgerError::bad_fields);
}

// ---- the acknowledgement log --------------------------------------------------------------------

TEST_CASE("an acknowledgement log header and entries read back exactly what was written") {
    std::array<std::byte, disk::ack_log_header_bytes> h{};
    h.fill(std::byte{0xA5}); // encoding writes every byte
    disk::encode_ack_log_header(h.data());
    CHECK(disk::check_ack_log_header(h.data(), h.size()));
    CHECK_FALSE(disk::check_ack_log_header(h.data(), h.size() - 1));
    const std::vector<disk::AckEntry> es = {
        {SS_SOURCE_HOST, 1, 1069}, {SS_SOURCE_APP, 0xFFFFFFFFu, 0}, {SS_SOURCE_CAN, 7, sector::max_seq + 1}};
    for (const disk::AckEntry& e : es) {
        std::array<std::byte, disk::ack_entry_bytes> b{};
        b.fill(std::byte{0x5A});
        disk::encode_ack_entry(e, b.data());
        disk::AckEntry got;
        REQUIRE(disk::decode_ack_entry(b.data(), got));
        CHECK(got.source == e.source);
        CHECK(got.sensor_id == e.sensor_id);
        CHECK(got.head_seq == e.head_seq);
    }
}

TEST_CASE("every single-bit flip of an acknowledgement log header or entry is rejected") {
    std::array<std::byte, disk::ack_log_header_bytes> h{};
    disk::encode_ack_log_header(h.data());
    for (std::size_t bit = 0; bit < h.size() * 8; ++bit) {
        auto b = h;
        b[bit / 8] ^= std::byte{static_cast<unsigned char>(1u << (bit % 8))};
        CHECK_FALSE(disk::check_ack_log_header(b.data(), b.size()));
    }
    std::array<std::byte, disk::ack_entry_bytes> e{};
    disk::encode_ack_entry({SS_SOURCE_CAN, 42, 123456}, e.data());
    disk::AckEntry got;
    for (std::size_t bit = 0; bit < e.size() * 8; ++bit) {
        auto b = e;
        b[bit / 8] ^= std::byte{static_cast<unsigned char>(1u << (bit % 8))};
        CHECK_FALSE(disk::decode_ack_entry(b.data(), got));
    }
}

TEST_CASE("an acknowledgement entry with a field out of range is rejected even though its CRC matches") {
    const auto reencode = [](std::array<std::byte, disk::ack_entry_bytes>& b) {
        sector::store<std::uint32_t>(b.data() + 20, crc32c(b.data(), 20));
    };
    disk::AckEntry got;
    std::array<std::byte, disk::ack_entry_bytes> b{};
    disk::encode_ack_entry({SS_SOURCE_HOST, 1, 1}, b.data());
    b[0] = std::byte{3}; // no such source
    reencode(b);
    CHECK_FALSE(disk::decode_ack_entry(b.data(), got));
    disk::encode_ack_entry({SS_SOURCE_HOST, 1, sector::max_seq + 2}, b.data());
    CHECK_FALSE(disk::decode_ack_entry(b.data(), got));
    for (const std::size_t reserved : {std::size_t{1}, std::size_t{3}, std::size_t{16}, std::size_t{19}}) {
        disk::encode_ack_entry({SS_SOURCE_HOST, 1, 1}, b.data());
        b[reserved] = std::byte{1};
        reencode(b);
        CHECK_FALSE(disk::decode_ack_entry(b.data(), got));
    }
}
