// The gateway's serial uplink source (ss/actors/serial_uplink.hpp) against a simulated MCU on a
// real pseudo-terminal: the MCU side is the link layer the firmware runs (LinkSender, compact
// batches), the gateway side a SerialUplink over an engine with a disk tier on the fault file
// system, ticked as the daemon's manager ticks it. What the MCU is promised:
//  - each batch is stored under the MCU sensor's own numbers, with the gaps the MCU left;
//  - a batch is acknowledged only once its records are durable (the MCU erases on the ACK);
//  - batches sent again (an MCU reset, a partial overlap) are kept once;
//  - after a gateway crash, records lost from RAM come again under the same numbers, so that an
//    upload before and after the crash carries one identity;
//  - a batch that cannot be stored is quarantined and acknowledged, and the link goes on.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <pty.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <thread>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "fault/fault_file_system.hpp"
#include "ss/actors/serial_uplink.hpp"
#include "ss/config.hpp"
#include "ss/upload/compact_codec.hpp"
#include "ss/uplink/link_sender.hpp"
#include "support/disk_engine_session.hpp"
#include "support/temp_data_root.hpp"

namespace {

using Bytes = std::vector<std::byte>;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t id_base = 100;
constexpr std::uint32_t period_us = 1000;

std::uint32_t value_of(std::uint32_t sensor, std::uint64_t seq) {
    return 1000u * sensor + static_cast<std::uint32_t>((seq * seq) % 4096u);
}

/// One batch as the MCU sends it: MCU sensor, numbers [first, first + count), values by
/// value_of; time series at period_us from first * period_us on the MCU's clock.
struct McuBatch {
    std::uint32_t sensor;
    std::uint64_t first;
    std::uint32_t count;
    ss::RecordType type = ss::RecordType::ts;
    std::uint64_t end() const { return first + count; }
};

Bytes encode(const McuBatch& m) {
    std::vector<std::byte> recs(m.count * ss::sector::record_bytes(m.type));
    for (std::uint32_t i = 0; i < m.count; ++i) {
        const std::uint32_t v = value_of(m.sensor, m.first + i);
        std::byte* at = recs.data() + std::size_t{i} * ss::sector::record_bytes(m.type);
        std::memcpy(at, &v, 4);
        if (m.type == ss::RecordType::evt) {
            const std::uint64_t ts = 5000 + (m.first + i) * 7;
            std::memcpy(at + 4, &ts, 8);
        }
    }
    ss::upload::Batch b;
    b.gateway = "mcu-test";
    b.boot = 3;
    b.source = SS_SOURCE_APP;
    b.sensor_id = m.sensor;
    b.type = m.type;
    b.first_seq = m.first;
    b.count = m.count;
    b.channel = "ch";
    if (m.type == ss::RecordType::ts) {
        b.first_time_us = 1'000'000 + m.first * period_us;
        b.period_us = period_us;
    } else {
        b.first_time_us = 0;
    }
    b.records = recs.data();
    Bytes out(ss::upload::compact_size(b).value());
    REQUIRE(ss::upload::compact_encode(b, out).value() == out.size());
    return out;
}

std::uint32_t ms_since(Clock::time_point start) {
    return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

/// The MCU: a LinkSender on the pty's master; batches are submitted in order and reported
/// acknowledged by index.
struct Mcu {
    int master = -1;
    std::vector<ss::uplink::SenderSlot> slots = std::vector<ss::uplink::SenderSlot>(4);
    Bytes storage = Bytes(1024 * 4);
    Bytes tx = Bytes(ss::uplink::LinkSender::tx_buffer_bytes(1024));
    ss::uplink::LinkSender sender;
    std::vector<Bytes> payloads;
    std::size_t submitted = 0;
    std::vector<std::size_t> acked;

    Mcu(int master_fd, std::uint32_t session)
        : master(master_fd),
          sender(ss::uplink::LinkSender::make(slots, storage, tx, session, ss::uplink::SenderConfig{30, 300}).value()) {}

    void add(const Bytes& payload) { payloads.push_back(payload); }
    /// Submits, transmits, takes ACKs; returns the indices acknowledged by this call.
    std::vector<std::size_t> pump(std::uint32_t now) {
        while (submitted < payloads.size() && sender.can_submit()) {
            REQUIRE(sender.submit(submitted, payloads[submitted]).has_value());
            ++submitted;
        }
        std::array<std::byte, 512> out{};
        if (const std::size_t n = sender.pull(out, now); n > 0) {
            // A full master is the line's loss: the link layer resends.
            (void)!::write(master, out.data(), n);
        }
        std::array<std::byte, 256> in{};
        for (ssize_t got; (got = ::read(master, in.data(), in.size())) > 0;)
            sender.push(std::span(in.data(), static_cast<std::size_t>(got)), now);
        std::vector<std::size_t> now_acked;
        while (const auto id = sender.take_acked()) {
            acked.push_back(*id);
            now_acked.push_back(*id);
        }
        return now_acked;
    }
    bool all_acked() const { return acked.size() == payloads.size(); }
};

struct Pty {
    int master = -1, slave = -1;
    std::string name;
    Pty() {
        std::array<char, 128> n{};
        REQUIRE(::openpty(&master, &slave, n.data(), nullptr, nullptr) == 0);
        REQUIRE(::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK) == 0);
        name = n.data();
    }
    ~Pty() {
        ::close(master);
        ::close(slave);
    }
};

SsInitCfg disk_cfg() {
    SsInitCfg cfg{};
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
    cfg.disk_root = "/data";
    cfg.max_sensors = 16;
    cfg.ram_pool_bytes = 64 * 4096;
    return cfg;
}

/// The gateway: an engine with a disk tier on the fault file system, and the uplink.
struct Gateway {
    ss::test::DiskEngineSession session;
    ss::actors::SerialUplink uplink;
    Clock::time_point ticked = Clock::now();
    Clock::time_point start = Clock::now();
    bool ticking = true;

    static ss::actors::SerialUplinkSettings settings(const std::string& device, const std::string& quarantine) {
        ss::actors::SerialUplinkSettings s;
        s.spec.name = "mcu0";
        s.spec.device = device;
        s.spec.bus = SS_SOURCE_APP;
        s.spec.id_base = id_base;
        s.spec.ids = 4;
        s.quarantine_dir = quarantine;
        s.flush_period = std::chrono::milliseconds(10);
        s.log = [](int, const std::string&) {};
        return s;
    }
    Gateway(ss::hal::FileSystem& fs, const std::string& device, const std::string& quarantine = "")
        : session(disk_cfg(), fs), uplink(session.engine, settings(device, quarantine)) {}

    void pump() {
        uplink.step(std::chrono::milliseconds(1));
        if (ticking && Clock::now() - ticked >= std::chrono::milliseconds(10)) {
            ticked = Clock::now();
            session.engine.tick(ms_since(start) + 1'000'000);
        }
    }
    ss::SensorStore* store(std::uint32_t mcu_sensor) { return session.engine.find(SS_SOURCE_APP, id_base + mcu_sensor); }
    /// Every retained record of the store, by number.
    std::map<std::uint64_t, std::uint32_t> records(std::uint32_t mcu_sensor) {
        std::map<std::uint64_t, std::uint32_t> out;
        ss::SensorStore* s = store(mcu_sensor);
        REQUIRE(s != nullptr);
        std::vector<std::byte> buf(64 * 12);
        std::uint64_t from = 0;
        for (;;) {
            auto b = session.engine.read_range(*s, from, buf.data(), 64);
            if (!b) break;
            const std::size_t rb = ss::sector::record_bytes(s->type());
            for (std::uint32_t i = 0; i < b->count; ++i) {
                std::uint32_t v;
                std::memcpy(&v, buf.data() + i * rb, 4);
                out[b->first_seq + i] = v;
            }
            from = b->first_seq + b->count;
        }
        return out;
    }
};

/// Runs MCU and gateway until every batch is acknowledged (or the time runs out); at each ACK
/// the acknowledged batch must be durable at the gateway.
void run_until_acked(Mcu& mcu, Gateway& gw, const std::vector<McuBatch>& batches, std::uint32_t limit_ms = 15'000) {
    const auto start = Clock::now();
    while (!mcu.all_acked() && ms_since(start) < limit_ms) {
        for (std::size_t i : mcu.pump(ms_since(start))) {
            const McuBatch& b = batches.at(i);
            ss::SensorStore* s = gw.store(b.sensor);
            REQUIRE(s != nullptr);
            // The ACK frees the MCU to erase: the records must survive a crash from now on.
            CHECK_MESSAGE(gw.session.engine.durable_end(*s) >= b.end(), "batch " << i << " acknowledged before durable");
        }
        gw.pump();
    }
    REQUIRE_MESSAGE(mcu.all_acked(), "acknowledged " << mcu.acked.size() << " of " << mcu.payloads.size());
}

void check_exact(Gateway& gw, std::uint32_t sensor, const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges) {
    const auto held = gw.records(sensor);
    std::size_t expected = 0;
    for (const auto& [first, end] : ranges) {
        for (std::uint64_t seq = first; seq < end; ++seq) {
            const auto at = held.find(seq);
            REQUIRE_MESSAGE(at != held.end(), "sensor " << sensor << " seq " << seq << " missing");
            CHECK(at->second == value_of(sensor, seq));
        }
        expected += end - first;
    }
    CHECK(held.size() == expected);
}

} // namespace

TEST_CASE("MCU batches are stored under the MCU's numbers, gaps kept, and acknowledged only once durable") {
    ss::test::FaultFileSystem fs;
    Pty pty;
    Gateway gw(fs, pty.name);
    Mcu mcu(pty.master, 0xA1);
    std::vector<McuBatch> batches;
    // Sensor 0 (time series) and sensor 1 (events), interleaved; sensor 0 skips 50 numbers at
    // its 10th batch (the MCU dropped them).
    std::uint64_t next0 = 0, next1 = 0;
    for (int i = 0; i < 24; ++i) {
        if (i == 10) next0 += 50;
        batches.push_back({0, next0, 16});
        next0 += 16;
        batches.push_back({1, next1, 8, ss::RecordType::evt});
        next1 += 8;
    }
    for (const auto& b : batches) mcu.add(encode(b));
    run_until_acked(mcu, gw, batches);
    check_exact(gw, 0, {{0, 160}, {210, 434}});
    check_exact(gw, 1, {{0, 192}});
    CHECK(gw.uplink.stats().records_stored == 24 * 16 + 24 * 8);
    CHECK(gw.uplink.stats().records_skipped == 0);
    CHECK(gw.uplink.stats().batches_acked == batches.size());

    SUBCASE("consecutive batches continue one time base: the uploader's batch spans them") {
        ss::SensorStore* s = gw.store(0);
        std::vector<std::byte> buf(400 * 4);
        auto b = gw.session.engine.consume(*s, buf.data(), 400, ss::BatchTime::continuous);
        REQUIRE(b.has_value());
        CHECK(b->first_seq == 0);
        CHECK(b->count == 160); // up to the gap, across ten batches and several sectors
        CHECK(b->period_us == period_us);
        CHECK(b->first_time != ss::sector::time_unknown);
    }
    SUBCASE("an MCU reset sends its unerased batches again in a new session: kept once") {
        Mcu again(pty.master, 0xB2);
        std::vector<McuBatch> resent(batches.end() - 6, batches.end());
        // A batch that half overlaps what is held: its first 8 records are kept already.
        resent.push_back({0, next0 - 8, 16});
        for (const auto& b : resent) again.add(encode(b));
        run_until_acked(again, gw, resent);
        check_exact(gw, 0, {{0, 160}, {210, 442}});
        CHECK(gw.uplink.stats().records_skipped == 3 * 16 + 3 * 8 + 8);
        CHECK(gw.uplink.stats().records_stored == 24 * 16 + 24 * 8 + 8);
    }
}

TEST_CASE("after a gateway crash the records lost from RAM come again under the same numbers") {
    ss::test::FaultFileSystem fs;
    Pty pty;
    Mcu mcu(pty.master, 0xC3);
    std::vector<McuBatch> batches;
    for (std::uint64_t i = 0; i < 40; ++i) batches.push_back({0, i * 16, 16});
    for (const auto& b : batches) mcu.add(encode(b));

    std::map<std::uint64_t, std::uint32_t> uploaded_before_crash;
    std::uint64_t next_before_crash = 0;
    {
        auto gw = std::make_unique<Gateway>(fs, pty.name);
        const auto start = Clock::now();
        // Half the batches with a working manager: durable and acknowledged.
        while (mcu.acked.size() < 20 && ms_since(start) < 10'000) {
            mcu.pump(ms_since(start));
            gw->pump();
        }
        REQUIRE(mcu.acked.size() >= 20);
        // Then the manager stops (a stall before a crash): what comes in stays in RAM, never
        // durable, never acknowledged.
        gw->ticking = false;
        const std::size_t acked_before = mcu.acked.size();
        const auto stalled = Clock::now();
        while (ms_since(stalled) < 800) {
            mcu.pump(ms_since(start));
            gw->pump();
        }
        CHECK(mcu.acked.size() == acked_before);
        ss::SensorStore* s = gw->store(0);
        // The uploader took what RAM holds to the cloud (consumed) just before the crash.
        std::vector<std::byte> buf(64 * 4);
        for (;;) {
            auto b = gw->session.engine.consume(*s, buf.data(), 64);
            if (!b) break;
            for (std::uint32_t i = 0; i < b->count; ++i) {
                std::uint32_t v;
                std::memcpy(&v, buf.data() + i * 4, 4);
                uploaded_before_crash[b->first_seq + i] = v;
            }
        }
        SsSensorStats st{};
        gw->session.engine.stats(*s, st);
        next_before_crash = st.next_seq;
        REQUIRE(next_before_crash > mcu.acked.size() * 16); // records beyond the acknowledged ones
    }
    fs.crash();

    Gateway gw(fs, pty.name);
    // The MCU never saw those acknowledged: it sends them again (the new gateway's boot in its
    // first ACK, or its timeout, makes it go back to its window's base).
    const auto start = Clock::now();
    while (!mcu.all_acked() && ms_since(start) < 15'000) {
        mcu.pump(ms_since(start) + 20'000);
        gw.pump();
    }
    REQUIRE(mcu.all_acked());
    check_exact(gw, 0, {{0, 640}});
    // Same number, same record: what the cloud got before the crash has the identity it has now.
    const auto held = gw.records(0);
    for (const auto& [seq, v] : uploaded_before_crash) {
        CAPTURE(seq);
        REQUIRE(held.count(seq) == 1);
        CHECK(held.at(seq) == v);
    }
    CHECK(gw.uplink.stats().records_stored > 0);
}

TEST_CASE("a batch that cannot be stored is quarantined and acknowledged, and the link goes on") {
    ss::test::FaultFileSystem fs;
    ss::test::TempDataRoot dir;
    const std::string quarantine = dir.base + "/uplink-quarantine";
    Pty pty;
    Gateway gw(fs, pty.name, quarantine);
    Mcu mcu(pty.master, 0xD4);
    std::vector<McuBatch> batches;
    batches.push_back({0, 0, 16});
    mcu.add(encode(batches.back()));
    // Not a compact batch at all (the link's CRC passed: the MCU sent these very bytes).
    const Bytes junk{std::byte{0x53}, std::byte{0x53}, std::byte{0x7F}, std::byte{0}, std::byte{1}};
    batches.push_back({0, 16, 0});
    mcu.add(junk);
    // An MCU sensor past the uplink's ids (4).
    batches.push_back({9, 0, 16});
    mcu.add(encode(batches.back()));
    batches.push_back({0, 16, 16});
    mcu.add(encode(batches.back()));

    const auto start = Clock::now();
    while (!mcu.all_acked() && ms_since(start) < 10'000) {
        mcu.pump(ms_since(start));
        gw.pump();
    }
    REQUIRE(mcu.all_acked());
    check_exact(gw, 0, {{0, 32}});
    CHECK(gw.uplink.stats().batches_quarantined == 2);
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(quarantine)) files.push_back(e.path().string());
    REQUIRE(files.size() == 2);
    std::sort(files.begin(), files.end());
    std::ifstream first(files[0], std::ios::binary);
    const std::string content((std::istreambuf_iterator<char>(first)), std::istreambuf_iterator<char>());
    CHECK(content.size() == junk.size());
    CHECK(std::memcmp(content.data(), junk.data(), junk.size()) == 0);
}

TEST_CASE("without a quarantine an unstorable batch is not acknowledged: the MCU keeps it") {
    ss::test::FaultFileSystem fs;
    Pty pty;
    Gateway gw(fs, pty.name);
    Mcu mcu(pty.master, 0xE5);
    mcu.add(encode({7, 0, 16})); // sensor 7 is past the uplink's ids
    const auto start = Clock::now();
    while (ms_since(start) < 500) {
        mcu.pump(ms_since(start));
        gw.pump();
    }
    CHECK(mcu.acked.empty());
    CHECK(gw.uplink.stats().batches == 1);
    CHECK(gw.uplink.stats().batches_quarantined == 0);
}

TEST_CASE("a device that is not there is retried, and the uplink reads it once it appears") {
    ss::test::FaultFileSystem fs;
    ss::test::TempDataRoot dir;
    const std::string link = dir.base + "/ttyMCU";
    ss::test::DiskEngineSession session(disk_cfg(), fs);
    auto settings = Gateway::settings(link, "");
    settings.reopen_period = std::chrono::milliseconds(50);
    std::vector<std::string> lines;
    settings.log = [&](int, const std::string& l) { lines.push_back(l); };
    ss::actors::SerialUplink uplink(session.engine, settings);
    for (int i = 0; i < 5; ++i) uplink.step(std::chrono::milliseconds(20));
    CHECK_FALSE(uplink.stats().connected);
    CHECK(uplink.stats().port_errors >= 2);
    // Logged once per outage, naming the device and the errno.
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("uplink mcu0: " + link + ": open") == 0);
    CHECK(lines[0].find("ENOENT") != std::string::npos);

    Pty pty;
    std::filesystem::create_symlink(pty.name, link);
    for (int i = 0; i < 10 && !uplink.stats().connected; ++i) uplink.step(std::chrono::milliseconds(20));
    CHECK(uplink.stats().connected);
    CHECK(uplink.stats().port_opens == 1);
}

TEST_CASE("with the manager and an uploader on threads of their own, as in the daemon") {
    ss::test::FaultFileSystem fs;
    Pty pty;
    Gateway gw(fs, pty.name);
    gw.ticking = false; // the manager thread ticks
    Mcu mcu(pty.master, 0xF6);
    std::vector<McuBatch> batches;
    for (std::uint64_t i = 0; i < 48; ++i) batches.push_back({static_cast<std::uint32_t>(i % 3), (i / 3) * 16, 16});
    for (const auto& b : batches) mcu.add(encode(b));

    std::atomic<bool> stop{false};
    std::thread manager([&] {
        const auto start = Clock::now();
        while (!stop.load()) {
            gw.session.engine.tick(ms_since(start) + 1'000'000);
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });
    // The uploader: takes what is unsent, "sends" it, and acknowledges it (erasing it).
    std::map<std::pair<std::uint32_t, std::uint64_t>, std::uint32_t> uploaded;
    std::uint64_t uploaded_twice = 0;
    std::atomic<std::size_t> uploaded_count{0};
    std::atomic<bool> erase_failed{false};
    std::thread uploader([&] {
        std::vector<std::byte> buf(64 * 4);
        while (!stop.load()) {
            for (std::uint32_t k = 0; k < 3; ++k) {
                ss::SensorStore* s = gw.session.engine.find(SS_SOURCE_APP, id_base + k);
                if (s == nullptr) continue;
                auto b = gw.session.engine.consume(*s, buf.data(), 64);
                if (!b) continue;
                for (std::uint32_t i = 0; i < b->count; ++i) {
                    std::uint32_t v;
                    std::memcpy(&v, buf.data() + i * 4, 4);
                    if (!uploaded.emplace(std::make_pair(k, b->first_seq + i), v).second) ++uploaded_twice;
                }
                uploaded_count = uploaded.size();
                if (!gw.session.engine.erase_pending_until(*s, b->first_seq + b->count)) erase_failed = true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
    const auto start = Clock::now();
    while (!mcu.all_acked() && ms_since(start) < 15'000) {
        mcu.pump(ms_since(start));
        gw.uplink.step(std::chrono::milliseconds(1));
    }
    // Everything acknowledged is durable or uploaded: let the uploader take the rest.
    const auto drain = Clock::now();
    while (uploaded_count.load() < 48 * 16 && ms_since(drain) < 5'000) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    stop = true;
    manager.join();
    uploader.join();
    REQUIRE(mcu.all_acked());
    CHECK_FALSE(erase_failed.load());
    CHECK(uploaded_twice == 0);
    REQUIRE(uploaded.size() == 48 * 16);
    for (const auto& [key, v] : uploaded) CHECK(v == value_of(key.first, key.second));
}
