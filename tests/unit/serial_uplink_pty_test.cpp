// The uplink link layer over a real tty: the MCU side (LinkSender, compact-coded batches) writes
// to a pseudo-terminal's master with seeded dropped, flipped and duplicated bytes; the gateway
// side reads the slave through SerialPort into a LinkReceiver and answers through it. Raw mode
// must carry the COBS delimiters and every other byte value as sent, and the link must turn the
// faults into retransmissions: every batch arrives once, in order, intact, and is acknowledged.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "posix/uplink/serial_port.hpp"
#include "ss/upload/compact_codec.hpp"
#include "ss/uplink/link_receiver.hpp"
#include "ss/uplink/link_sender.hpp"

namespace {

using Bytes = std::vector<std::byte>;
constexpr std::uint32_t records_per_batch = 20;

Bytes encode_batch(std::uint32_t index) {
    std::vector<std::uint32_t> values(records_per_batch);
    for (std::uint32_t i = 0; i < records_per_batch; ++i) values[i] = index * 1000 + i;
    ss::upload::Batch b;
    b.gateway = "mcu-1";
    b.source = SS_SOURCE_APP;
    b.sensor_id = 7;
    b.type = ss::RecordType::ts;
    b.first_seq = std::uint64_t{index} * records_per_batch;
    b.count = records_per_batch;
    b.channel = "vibration";
    b.records = reinterpret_cast<const std::byte*>(values.data());
    Bytes out(ss::upload::compact_size(b).value());
    REQUIRE(ss::upload::compact_encode(b, out).value() == out.size());
    return out;
}

std::uint32_t ms_since(std::chrono::steady_clock::time_point start) {
    return static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
}

} // namespace

TEST_CASE("compact batches cross a faulty pty link once each, in order, and are all acknowledged") {
    for (const std::uint64_t seed : {1u, 2u, 3u}) {
        CAPTURE(seed);
        std::mt19937_64 rng(seed);
        std::uniform_real_distribution<double> chance(0, 1);
        constexpr double drop = 0.002, flip = 0.002, duplicate = 0.002;

        int master = -1, slave = -1;
        std::array<char, 128> name{};
        REQUIRE(::openpty(&master, &slave, name.data(), nullptr, nullptr) == 0);
        // The MCU's end never waits: its loop is the test's loop.
        REQUIRE(::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK) == 0);
        auto port = ss::hal::SerialPort::open({name.data(), 921600, false});
        REQUIRE_MESSAGE(port.has_value(), port.error().message);

        constexpr std::uint32_t batch_count = 60;
        std::vector<Bytes> batches;
        std::size_t slot_bytes = 0;
        for (std::uint32_t i = 0; i < batch_count; ++i) {
            batches.push_back(encode_batch(i));
            slot_bytes = std::max(slot_bytes, batches.back().size());
        }
        std::vector<ss::uplink::SenderSlot> slots(4);
        Bytes payload_storage(slot_bytes * slots.size());
        Bytes tx(ss::uplink::LinkSender::tx_buffer_bytes(slot_bytes));
        auto sender = ss::uplink::LinkSender::make(slots, payload_storage, tx, 0x5e55'0000u + static_cast<std::uint32_t>(seed),
                                                   ss::uplink::SenderConfig{20, 200})
                          .value();
        Bytes frame_buffer(ss::uplink::LinkReceiver::frame_buffer_bytes(slot_bytes));
        auto receiver = ss::uplink::LinkReceiver::make(frame_buffer, 1).value();

        std::uint32_t submitted = 0, acked = 0, delivered = 0;
        std::uint64_t faults = 0;
        std::string broken;
        Bytes records(records_per_batch * 4);
        const auto start = std::chrono::steady_clock::now();
        while (acked < batch_count && broken.empty() && ms_since(start) < 20'000) {
            const std::uint32_t now = ms_since(start);
            // MCU: submit, transmit through the faults, take ACKs, count what was acknowledged.
            while (submitted < batch_count && sender.can_submit()) {
                REQUIRE(sender.submit(submitted, batches[submitted]).has_value());
                ++submitted;
            }
            std::array<std::byte, 64> out{};
            const std::size_t n = sender.pull(out, now);
            Bytes line;
            for (std::size_t i = 0; i < n; ++i) {
                if (chance(rng) < drop) { ++faults; continue; }
                std::byte b = out[i];
                if (chance(rng) < flip) { ++faults; b ^= std::byte(1u << (rng() % 8)); }
                line.push_back(b);
                if (chance(rng) < duplicate) { ++faults; line.push_back(b); }
            }
            if (!line.empty()) REQUIRE(::write(master, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
            std::array<std::byte, 256> in{};
            for (ssize_t got; (got = ::read(master, in.data(), in.size())) > 0;)
                sender.push(std::span(in.data(), static_cast<std::size_t>(got)), now);
            while (const auto id = sender.take_acked()) {
                if (*id != acked) broken = "acknowledged batch " + std::to_string(*id) + " when " + std::to_string(acked) + " was due";
                ++acked;
            }

            // Gateway: read the tty, hand new payloads up, make them "durable" at once, answer.
            pollfd p{port->fd(), POLLIN, 0};
            ::poll(&p, 1, n == 0 ? 2 : 0);
            auto got = port->read(in);
            REQUIRE_MESSAGE(got.has_value(), got.error().message);
            std::span<const std::byte> rest(in.data(), *got);
            while (!rest.empty()) {
                const auto step = receiver.push(rest);
                rest = rest.subspan(step.consumed);
                if (!step.delivered) continue;
                auto decoded = ss::upload::compact_decode(step.payload, records);
                if (!decoded) {
                    broken = "a delivered payload did not decode";
                    break;
                }
                if (decoded->batch.first_seq != std::uint64_t{delivered} * records_per_batch)
                    broken = "delivered first_seq " + std::to_string(decoded->batch.first_seq) + " out of order";
                if (decoded->batch.value(records_per_batch - 1) != delivered * 1000 + records_per_batch - 1)
                    broken = "a delivered batch's values differ";
                ++delivered;
                REQUIRE(receiver.mark_durable(step.session, step.seq).has_value());
            }
            std::array<std::byte, 64> ack{};
            for (std::size_t k; (k = receiver.pull(ack)) > 0;) {
                std::size_t written = 0;
                while (written < k) {
                    auto w = port->write(std::span(ack.data() + written, k - written));
                    REQUIRE_MESSAGE(w.has_value(), w.error().message);
                    written += *w;
                }
            }
        }
        ::close(master);
        ::close(slave);
        INFO("faults injected: " << faults << ", retransmitted: " << sender.counters().frames_retransmitted
                                 << ", receiver CRC failures: " << receiver.counters().crc_failures);
        CHECK_MESSAGE(broken.empty(), broken);
        CHECK(acked == batch_count);
        CHECK(delivered == batch_count);
        CHECK(faults > 0);
    }
}
