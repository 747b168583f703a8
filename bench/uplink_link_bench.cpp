// The MCU uplink's link layer (ss/uplink/, docs/uplink-protocol.md) over a simulated 921 600-baud
// serial line (10 bits a byte, so 92 160 bytes/s each way): goodput as a fraction of the line rate
// and bytes on the wire per record, against a baseline computed in the same run — the same
// compact-codec batches sent back to back with no link at all (no framing, no CRC, no ACKs, no
// waiting), which is what the line could carry at best.
//
// The line is the tests' simulation (tests/support/uplink_sim.hpp): a byte per byte time each
// way, each byte arriving `latency` later; the figures measure the protocol (framing overhead,
// window stalls, retransmissions), not CPU speed. Assumptions, printed with the results: a
// one-way latency of 1 ms (a USB serial adapter's latency timer plus the gateway's read loop), the
// gateway making a batch durable 2 ms after it arrives (a group commit), batches of 64 records of
// a slowly changing temperature (1.8 bytes a record in the compact codec, header included) and of
// 12-bit noise (the codec's worst case for an ADC). Plain main:
//   cmake --build build/default --target ss_bench_uplink && ./build/default/bench/ss_bench_uplink
#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "ss/upload/compact_codec.hpp"
#include "ss/uplink/link_receiver.hpp"
#include "ss/uplink/link_sender.hpp"
#include "support/upload_signals.hpp"
#include "support/uplink_sim.hpp"

using namespace ss;
using Bytes = std::vector<std::byte>;

namespace {

constexpr double baud = 921600;
constexpr double byte_time_us = 10e6 / baud;
constexpr double line_bytes_per_s = baud / 10;
constexpr std::uint32_t records_per_batch = 64;
constexpr std::size_t batch_count = 400;

std::vector<Bytes> make_batches(const std::vector<std::uint32_t>& values) {
    std::vector<Bytes> out;
    for (std::size_t i = 0; i + records_per_batch <= values.size(); i += records_per_batch) {
        const std::vector<std::uint32_t> part(values.begin() + static_cast<std::ptrdiff_t>(i),
                                              values.begin() + static_cast<std::ptrdiff_t>(i + records_per_batch));
        const auto b = test::ts_batch(part, i);
        Bytes bytes(upload::compact_size(b.batch).value());
        if (!upload::compact_encode(b.batch, bytes)) std::abort();
        out.push_back(std::move(bytes));
    }
    return out;
}

struct Result {
    double seconds = 0;
    std::uint64_t wire_up = 0, wire_down = 0, payload = 0;
    std::uint64_t retransmitted = 0;
};

Result run(const std::vector<Bytes>& batches, std::size_t window, double latency_ms, double durable_ms,
           const test::LineFaults& faults) {
    std::size_t slot_bytes = 0;
    for (const auto& b : batches) slot_bytes = std::max(slot_bytes, b.size());
    std::vector<uplink::SenderSlot> slots(window);
    Bytes storage(slot_bytes * window), tx(uplink::LinkSender::tx_buffer_bytes(slot_bytes));
    auto sender = uplink::LinkSender::make(slots, storage, tx, 1, uplink::SenderConfig{50, 1000}).value();
    Bytes frame_buffer(uplink::LinkReceiver::frame_buffer_bytes(slot_bytes));
    auto receiver = uplink::LinkReceiver::make(frame_buffer, 1).value();
    const auto latency = static_cast<std::uint64_t>(latency_ms * 1000 / byte_time_us);
    const auto durable_delay = static_cast<std::uint64_t>(durable_ms * 1000 / byte_time_us);
    test::SimLine up(latency, 1), down(latency, 2);
    struct Pending {
        std::uint32_t session, seq;
        std::uint64_t at;
    };
    std::deque<Pending> pending;
    Result r;
    std::size_t submitted = 0, acked = 0;
    std::uint64_t tick = 0;
    const test::LineFaults none;
    for (; acked < batches.size(); ++tick) {
        const auto now = static_cast<std::uint32_t>(double(tick) * byte_time_us / 1000);
        while (submitted < batches.size() && sender.can_submit())
            if (sender.submit(submitted, batches[submitted])) ++submitted;
        std::byte b;
        if (sender.pull(std::span(&b, 1), now) == 1) {
            up.send(b, tick, faults);
            ++r.wire_up;
        }
        while (down.receive(tick, b)) sender.push(std::span(&b, 1), now);
        while (sender.take_acked()) {
            r.payload += batches[acked].size();
            ++acked;
        }
        while (up.receive(tick, b)) {
            const auto step = receiver.push(std::span(&b, 1));
            if (step.delivered) pending.push_back({step.session, step.seq, tick + durable_delay});
        }
        while (!pending.empty() && pending.front().at <= tick) {
            if (!receiver.mark_durable(pending.front().session, pending.front().seq)) std::abort();
            pending.pop_front();
        }
        if (receiver.pull(std::span(&b, 1)) == 1) {
            down.send(b, tick, none);
            ++r.wire_down;
        }
    }
    r.seconds = double(tick) * byte_time_us / 1e6;
    r.retransmitted = sender.counters().frames_retransmitted;
    return r;
}

void report(const char* signal, const std::vector<Bytes>& batches) {
    std::uint64_t raw = 0;
    for (const auto& b : batches) raw += b.size();
    const double records = double(batches.size()) * records_per_batch;
    // The baseline: the compact bytes alone, back to back, the line never idle.
    const double base_seconds = double(raw) / line_bytes_per_s;
    std::printf("\n%s: %zu batches of %u records, compact codec %.1f bytes/batch, %.2f bytes/record\n", signal,
                batches.size(), records_per_batch, double(raw) / double(batches.size()), double(raw) / records);
    std::printf("  baseline (raw compact bytes, no link): %.0f records/s, 1.000 of the line rate, %.2f bytes/record\n",
                records / base_seconds, double(raw) / records);
    std::printf("  %-34s %7s %10s %9s %12s %11s %9s\n", "link", "window", "records/s", "goodput", "vs baseline",
                "wire B/rec", "resent");
    struct Case {
        const char* name;
        double latency_ms, durable_ms, flip;
    };
    for (const Case c : {Case{"1 ms latency, durable in 2 ms", 1, 2, 0}, Case{"1 ms latency, 1e-4 flips/byte", 1, 2, 1e-4},
                         Case{"10 ms latency, durable in 2 ms", 10, 2, 0}}) {
        for (const std::size_t window : {1u, 2u, 4u, 8u, 16u}) {
            test::LineFaults f;
            f.flip = c.flip;
            const Result r = run(batches, window, c.latency_ms, c.durable_ms, f);
            // Goodput: compact-codec bytes acknowledged per second as a fraction of the line rate.
            const double goodput = double(r.payload) / r.seconds / line_bytes_per_s;
            std::printf("  %-34s %7zu %10.0f %9.3f %11.3fx %11.2f %9llu\n", c.name, window, records / r.seconds, goodput,
                        (records / r.seconds) / (records / base_seconds), double(r.wire_up) / records,
                        static_cast<unsigned long long>(r.retransmitted));
        }
    }
}

} // namespace

int main() {
    std::printf("uplink link layer over a simulated %.0f-baud line (10 bits/byte, %.0f bytes/s each way)\n", baud,
                line_bytes_per_s);
    std::printf("goodput = compact-codec bytes acknowledged per second / line bytes per second; wire B/rec counts\n"
                "every byte the MCU sent (framing, CRC, stuffing, retransmissions), ACKs go the other way\n");
    report("temperature (slowly changing, 1 Hz)", make_batches(test::temperature_signal(batch_count * records_per_batch)));
    report("12-bit ADC noise (the codec's worst case)", make_batches(test::noise_signal(batch_count * records_per_batch)));
    return 0;
}
