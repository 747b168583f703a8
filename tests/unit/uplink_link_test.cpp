// The uplink's sender and receiver (ss/uplink/link_sender.hpp, link_receiver.hpp) over a simulated
// serial line in both directions (support/uplink_sim.hpp), driven by a simulated clock, carrying
// real compact-codec batches. The gateway's upper layer decodes each delivered batch, makes it
// durable after a random delay and only then marks it so; the MCU erases a batch only when its
// sender reports it acknowledged. Over many seeds of dropped, flipped, duplicated and inserted
// bytes, bursts, gateway restarts (receiver state and undurable batches lost) and MCU resets (a new
// session, every unerased batch sent again), it checks:
//  - a batch the sender reports acknowledged is durable at the gateway, byte-identical;
//  - the MCU's acknowledgements come in the order it submitted, so erasing is from the front;
//  - every delivered payload is byte-identical to a batch sent and decodes to its records;
//  - within one receiver's life and one session nothing is delivered twice;
//  - once faults stop, every batch is acknowledged.
// A failure names its seed; run one seed with UPLINK_SEED=<n>.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ss/upload/compact_codec.hpp"
#include "ss/uplink/link_receiver.hpp"
#include "ss/uplink/link_sender.hpp"
#include "support/upload_signals.hpp"
#include "support/uplink_sim.hpp"

using namespace ss;
using namespace ss::uplink;

namespace {

using Bytes = std::vector<std::byte>;

/// 921 600 baud, 10 bits a byte.
constexpr double byte_time_us = 1e7 / 921600.0;
constexpr std::uint32_t records_per_batch = 64;

std::uint32_t ms_at(std::uint64_t tick) { return static_cast<std::uint32_t>(double(tick) * byte_time_us / 1000.0); }

/// Compact batches of a slowly changing temperature, 64 records each, consecutive sequence numbers.
std::vector<Bytes> make_batches(std::size_t n, std::uint32_t seed) {
    const auto values = test::temperature_signal(n * records_per_batch, seed);
    std::vector<Bytes> out;
    for (std::size_t i = 0; i < n; ++i) {
        const std::vector<std::uint32_t> part(values.begin() + static_cast<std::ptrdiff_t>(i * records_per_batch),
                                              values.begin() + static_cast<std::ptrdiff_t>((i + 1) * records_per_batch));
        const auto b = test::ts_batch(part, i * records_per_batch);
        Bytes bytes(upload::compact_size(b.batch).value());
        REQUIRE(upload::compact_encode(b.batch, bytes));
        out.push_back(std::move(bytes));
    }
    return out;
}

struct Scenario {
    test::LineFaults up;   ///< MCU → gateway
    test::LineFaults down; ///< gateway → MCU
    double gateway_restarts_per_tick = 0;
    double mcu_resets_per_tick = 0;
    std::uint64_t fault_ticks = 0; ///< faults and restarts only before this
    std::size_t batches = 24;
    std::size_t window = 6;
    std::uint64_t latency_ticks = 184; ///< about 2 ms: a USB serial adapter's turnaround
    std::uint32_t max_durable_delay_ticks = 500;
};

struct Totals {
    std::uint64_t ticks = 0;
    std::uint64_t faulted_bytes = 0;
    std::uint64_t gateway_restarts = 0, mcu_resets = 0;
    SenderCounters sender;     ///< summed over the sender's lives
    ReceiverCounters receiver; ///< summed over the receiver's lives
};

void add(SenderCounters& a, const SenderCounters& b) {
    a.frames_sent += b.frames_sent;
    a.frames_retransmitted += b.frames_retransmitted;
    a.timeouts += b.timeouts;
    a.frames_acked += b.frames_acked;
    a.crc_failures += b.crc_failures;
    a.peer_restarts += b.peer_restarts;
    a.stale_acks += b.stale_acks;
}

void add(ReceiverCounters& a, const ReceiverCounters& b) {
    a.delivered += b.delivered;
    a.duplicates += b.duplicates;
    a.out_of_order += b.out_of_order;
    a.crc_failures += b.crc_failures;
    a.malformed += b.malformed;
    a.resyncs += b.resyncs;
    a.session_changes += b.session_changes;
    a.acks_sent += b.acks_sent;
}

/// Runs one seed; an empty string if every property held, else what broke.
std::string run(std::uint64_t seed, const Scenario& sc, Totals& totals) {
    std::mt19937_64 rng(seed);
    const std::vector<Bytes> batches = make_batches(sc.batches, static_cast<std::uint32_t>(seed));
    std::ostringstream why;

    test::SimLine up(sc.latency_ticks, seed * 2 + 1);
    test::SimLine down(sc.latency_ticks, seed * 2 + 2);

    // The MCU: batches not yet erased, in order; a sender per session.
    std::deque<std::size_t> flash;
    for (std::size_t i = 0; i < batches.size(); ++i) flash.push_back(i);
    std::size_t slot_bytes = 0;
    for (const auto& b : batches) slot_bytes = std::max(slot_bytes, b.size());
    std::vector<SenderSlot> slots(sc.window);
    Bytes payload_storage(slot_bytes * sc.window);
    Bytes tx(LinkSender::tx_buffer_bytes(slot_bytes));
    std::uint32_t session = static_cast<std::uint32_t>(seed << 8);
    const SenderConfig config{20, 400};
    std::optional<LinkSender> sender(LinkSender::make(slots, payload_storage, tx, session, config).value());
    std::size_t submitted = 0; // flash[0, submitted) are in the current sender

    // The gateway: a receiver per boot, the batches it was handed and not yet made durable, and
    // what is durable (survives restarts).
    Bytes frame_buffer(LinkReceiver::frame_buffer_bytes(slot_bytes));
    std::uint32_t boot = 1;
    std::optional<LinkReceiver> receiver(LinkReceiver::make(frame_buffer, boot).value());
    struct Pending {
        std::uint32_t session, seq;
        std::size_t batch;
        std::uint64_t durable_at;
    };
    std::deque<Pending> pending;
    std::uint64_t last_durable_at = 0;
    std::map<std::size_t, Bytes> durable;
    std::set<std::pair<std::uint32_t, std::uint32_t>> delivered_this_life; // (session, seq)
    std::set<std::pair<std::uint32_t, std::size_t>> batches_this_life;      // (session, batch)
    std::vector<std::byte> records(records_per_batch * 12);

    const std::uint64_t max_ticks = sc.fault_ticks + 2'000'000;
    std::uint64_t tick = 0;
    for (; tick < max_ticks && !flash.empty(); ++tick) {
        const bool faulty = tick < sc.fault_ticks;
        const std::uint32_t now = ms_at(tick);
        const test::LineFaults none;

        if (faulty && std::uniform_real_distribution<double>(0, 1)(rng) < sc.mcu_resets_per_tick) {
            add(totals.sender, sender->counters());
            ++totals.mcu_resets;
            sender.reset();
            sender.emplace(LinkSender::make(slots, payload_storage, tx, ++session, config).value());
            submitted = 0;
        }
        if (faulty && std::uniform_real_distribution<double>(0, 1)(rng) < sc.gateway_restarts_per_tick) {
            add(totals.receiver, receiver->counters());
            ++totals.gateway_restarts;
            receiver.reset();
            receiver.emplace(LinkReceiver::make(frame_buffer, ++boot).value());
            pending.clear();
            delivered_this_life.clear();
            batches_this_life.clear();
        }

        // MCU: fill the window, send a byte, take what arrived, erase what was acknowledged.
        while (submitted < flash.size() && sender->can_submit()) {
            if (!sender->submit(flash[submitted], batches[flash[submitted]])) return "submit refused";
            ++submitted;
        }
        std::byte b;
        if (sender->pull(std::span(&b, 1), now) == 1) up.send(b, tick, faulty ? sc.up : none);
        while (down.receive(tick, b)) sender->push(std::span(&b, 1), now);
        while (const auto id = sender->take_acked()) {
            if (flash.empty() || *id != flash.front()) {
                why << "tick " << tick << ": batch " << *id << " acknowledged out of order";
                return why.str();
            }
            const auto d = durable.find(*id);
            if (d == durable.end() || d->second != batches[*id]) {
                why << "tick " << tick << ": batch " << *id << " acknowledged but not durable";
                return why.str();
            }
            flash.pop_front();
            --submitted;
        }

        // Gateway: take what arrived, hand new batches up, make them durable, acknowledge.
        while (up.receive(tick, b)) {
            const ReceiveStep step = receiver->push(std::span(&b, 1));
            if (!step.delivered) continue;
            const auto decoded = upload::compact_decode(step.payload, records);
            if (!decoded || decoded->bytes != step.payload.size()) {
                why << "tick " << tick << ": a delivered payload does not decode";
                return why.str();
            }
            const std::size_t index = decoded->batch.first_seq / records_per_batch;
            if (index >= batches.size() || !std::equal(step.payload.begin(), step.payload.end(),
                                                        batches[index].begin(), batches[index].end())) {
                why << "tick " << tick << ": delivered payload differs from every batch sent";
                return why.str();
            }
            if (!delivered_this_life.emplace(step.session, step.seq).second ||
                !batches_this_life.emplace(step.session, index).second) {
                why << "tick " << tick << ": session " << step.session << " seq " << step.seq << " delivered twice";
                return why.str();
            }
            last_durable_at = std::max(last_durable_at, tick + rng() % sc.max_durable_delay_ticks);
            pending.push_back({step.session, step.seq, index, last_durable_at});
        }
        while (!pending.empty() && pending.front().durable_at <= tick) {
            const Pending p = pending.front();
            pending.pop_front();
            const auto [it, added] = durable.emplace(p.batch, batches[p.batch]);
            if (!added && it->second != batches[p.batch]) return "a batch stored twice with different bytes";
            if (!receiver->mark_durable(p.session, p.seq)) {
                why << "tick " << tick << ": mark_durable refused a delivered seq";
                return why.str();
            }
        }
        if (receiver->pull(std::span(&b, 1)) == 1) down.send(b, tick, faulty ? sc.down : none);
    }
    totals.ticks += tick;
    totals.faulted_bytes += up.faulted() + down.faulted();
    add(totals.sender, sender->counters());
    add(totals.receiver, receiver->counters());
    if (!flash.empty()) {
        why << flash.size() << " batches never acknowledged after faults stopped (tick " << tick << ")";
        return why.str();
    }
    if (durable.size() != batches.size()) return "not every batch is durable";
    return {};
}

std::optional<std::uint64_t> seed_from_env() {
    const char* s = std::getenv("UPLINK_SEED");
    if (s == nullptr) return std::nullopt;
    return std::strtoull(s, nullptr, 10);
}

void run_seeds(const Scenario& base, std::uint64_t first, std::uint64_t count, Totals& totals, bool vary = true) {
    const auto only = seed_from_env();
    for (std::uint64_t seed = first; seed < first + count; ++seed) {
        if (only && *only != seed) continue;
        Scenario sc = base;
        if (vary) {
            // Each seed its own fault intensity, a tenth to three times the base.
            std::mt19937_64 r(seed ^ 0x5eedu);
            const double k = 0.1 + std::uniform_real_distribution<double>(0, 2.9)(r);
            for (auto* f : {&sc.up, &sc.down}) {
                f->drop *= k;
                f->flip *= k;
                f->duplicate *= k;
                f->garbage *= k;
                f->burst *= k;
            }
            sc.window = 1 + r() % 8;
        }
        const std::string failure = run(seed, sc, totals);
        CHECK_MESSAGE(failure.empty(), "seed " << seed << " (UPLINK_SEED=" << seed << "): " << failure);
    }
}

test::LineFaults byte_faults() {
    test::LineFaults f;
    f.drop = 5e-4;
    f.flip = 5e-4;
    f.duplicate = 5e-4;
    f.garbage = 2e-4;
    f.burst = 1e-4;
    return f;
}

} // namespace

TEST_CASE("on a clean line every batch goes once and is acknowledged once") {
    Scenario sc;
    Totals t;
    run_seeds(sc, 1, 1, t, false);
    CHECK(t.sender.frames_sent == sc.batches);
    CHECK(t.sender.frames_retransmitted == 0);
    CHECK(t.sender.timeouts == 0);
    CHECK(t.sender.frames_acked == sc.batches);
    CHECK(t.receiver.delivered == sc.batches);
    CHECK(t.receiver.duplicates + t.receiver.crc_failures + t.receiver.malformed + t.receiver.resyncs == 0);
}

TEST_CASE("byte faults in both directions cost retransmissions, never data") {
    Scenario sc;
    sc.up = sc.down = byte_faults();
    sc.fault_ticks = 200'000;
    Totals t;
    run_seeds(sc, 100, 60, t);
    MESSAGE("ticks " << t.ticks << ", faulted bytes " << t.faulted_bytes << ", retransmitted "
                     << t.sender.frames_retransmitted << ", CRC failures " << t.receiver.crc_failures << "+"
                     << t.sender.crc_failures << ", malformed " << t.receiver.malformed << ", duplicates "
                     << t.receiver.duplicates);
    // The faults did happen, and were paid for in retransmissions.
    CHECK(t.faulted_bytes > 0);
    CHECK(t.sender.frames_retransmitted > 0);
    CHECK(t.receiver.crc_failures + t.receiver.malformed > 0);
    CHECK(t.sender.crc_failures > 0);
    CHECK(t.receiver.duplicates > 0);
}

TEST_CASE("gateway restarts and MCU resets among byte faults cost retransmissions, never data") {
    Scenario sc;
    sc.up = sc.down = byte_faults();
    sc.fault_ticks = 300'000;
    sc.gateway_restarts_per_tick = 1e-5;
    sc.mcu_resets_per_tick = 1e-5;
    sc.batches = 48;
    Totals t;
    run_seeds(sc, 1000, 60, t);
    MESSAGE("gateway restarts " << t.gateway_restarts << ", MCU resets " << t.mcu_resets << ", session changes seen "
                                << t.receiver.session_changes << ", peer restarts seen " << t.sender.peer_restarts);
    CHECK(t.gateway_restarts > 0);
    CHECK(t.mcu_resets > 0);
    CHECK(t.receiver.session_changes > 0);
    CHECK(t.sender.peer_restarts > 0);
}

TEST_CASE("without acknowledgements the sender backs off exponentially to its cap and reports nothing") {
    // The same from 0 and across the wrap of the millisecond counter.
    for (const std::uint32_t start : {0u, 0xFFFFFF80u}) {
        CAPTURE(start);
        std::vector<SenderSlot> slots(2);
        Bytes storage(200);
        Bytes tx(LinkSender::tx_buffer_bytes(100));
        auto sender = LinkSender::make(slots, storage, tx, 9, SenderConfig{10, 80}).value();
        REQUIRE(sender.submit(1, Bytes(50, std::byte{7})));
        std::vector<std::uint32_t> resent_at;
        std::uint64_t sent_before = 0;
        Bytes out(4096);
        for (std::uint32_t t = 0; t < 1000; ++t) {
            sender.pull(out, start + t);
            if (sender.counters().frames_retransmitted != sent_before) {
                sent_before = sender.counters().frames_retransmitted;
                resent_at.push_back(t);
            }
            CHECK_FALSE(sender.take_acked());
        }
        REQUIRE(resent_at.size() >= 5);
        // Sent at 0; then after 10, 20, 40, 80, 80, ... ms.
        CHECK(resent_at[0] == 10);
        CHECK(resent_at[1] == 30);
        CHECK(resent_at[2] == 70);
        CHECK(resent_at[3] == 150);
        CHECK(resent_at[4] == 230);
        CHECK(sender.counters().timeouts == resent_at.size());
        CHECK(sender.counters().frames_sent == 1);
    }
}

TEST_CASE("the receiver acknowledges only what is durable; the sender reports exactly what was acknowledged") {
    std::vector<SenderSlot> slots(4);
    Bytes storage(400);
    Bytes tx(LinkSender::tx_buffer_bytes(100));
    auto sender = LinkSender::make(slots, storage, tx, 5).value();
    Bytes frame_buffer(LinkReceiver::frame_buffer_bytes(100));
    auto receiver = LinkReceiver::make(frame_buffer, 77).value();
    for (std::uint64_t id = 10; id < 13; ++id) REQUIRE(sender.submit(id, Bytes(30, std::byte(id))));
    Bytes wire(4096);
    wire.resize(sender.pull(wire, 0));
    std::vector<std::uint32_t> seqs;
    for (std::span<const std::byte> in = wire; !in.empty();) {
        const ReceiveStep s = receiver.push(in);
        in = in.subspan(s.consumed);
        if (s.delivered) {
            CHECK(s.session == 5);
            CHECK(s.payload.size() == 30);
            seqs.push_back(s.seq);
        }
    }
    CHECK(seqs == std::vector<std::uint32_t>{0, 1, 2});
    // Delivered is not durable: no ACK yet.
    Bytes acks(256);
    CHECK(receiver.pull(acks) == 0);
    REQUIRE(receiver.mark_durable(5, 1));
    acks.resize(receiver.pull(acks));
    CHECK(acks.size() == frame::wire_bytes_max(0));
    sender.push(acks, 1);
    CHECK(sender.take_acked() == 10);
    CHECK(sender.take_acked() == 11);
    CHECK_FALSE(sender.take_acked());
    CHECK(sender.unacked() == 1);
    // The sender times out and resends seq 2, which the receiver already handed up: dropped as a
    // duplicate, and not acknowledged while it is not durable.
    Bytes again(4096);
    again.resize(sender.pull(again, 1000));
    CHECK(sender.counters().frames_retransmitted == 1);
    const ReceiveStep dup = receiver.push(again);
    CHECK_FALSE(dup.delivered);
    CHECK(receiver.counters().duplicates == 1);
    CHECK(receiver.pull(acks) == 0);
    REQUIRE(receiver.mark_durable(5, 2));
    Bytes last(256);
    last.resize(receiver.pull(last));
    sender.push(last, 1001);
    CHECK(sender.take_acked() == 12);
    CHECK(sender.unacked() == 0);
    CHECK(receiver.counters().acks_sent == 2);
}

TEST_CASE("a lost frame is answered by one NAK and resent without waiting for the timeout") {
    std::vector<SenderSlot> slots(4);
    Bytes storage(400);
    Bytes tx(LinkSender::tx_buffer_bytes(100));
    auto sender = LinkSender::make(slots, storage, tx, 5, SenderConfig{1000, 4000}).value();
    Bytes frame_buffer(LinkReceiver::frame_buffer_bytes(100));
    auto receiver = LinkReceiver::make(frame_buffer, 77).value();
    for (std::uint64_t id = 0; id < 4; ++id) REQUIRE(sender.submit(id, Bytes(30, std::byte(id + 1))));
    // Four frames, each pulled alone; the second is lost on the line.
    std::vector<Bytes> frames;
    for (int i = 0; i < 4; ++i) {
        Bytes f(frame::wire_bytes_max(30) + 1);
        std::size_t n = 0;
        // Pull exactly one frame: up to and including its delimiter.
        while (n == 0 || f[n - 1] != std::byte{0} || (i == 0 && n == 1)) n += sender.pull(std::span(f).subspan(n, 1), 0);
        f.resize(n);
        frames.push_back(f);
    }
    std::vector<std::uint32_t> delivered;
    auto deliver = [&](const Bytes& wire) {
        for (std::span<const std::byte> in = wire; !in.empty();) {
            const ReceiveStep s = receiver.push(in);
            in = in.subspan(s.consumed);
            if (s.delivered) delivered.push_back(s.seq);
        }
    };
    deliver(frames[0]);
    deliver(frames[2]);
    deliver(frames[3]);
    CHECK(delivered == std::vector<std::uint32_t>{0});
    CHECK(receiver.counters().out_of_order == 2);
    CHECK(receiver.counters().naks_sent == 0); // not pulled yet
    Bytes back(256);
    back.resize(receiver.pull(back));
    CHECK(receiver.counters().naks_sent == 1); // one for the gap, not one per frame past it
    sender.push(back, 1);
    CHECK(sender.counters().naks == 1);
    // Long before the 1 s timeout the window goes again from seq 1.
    Bytes again(4096);
    again.resize(sender.pull(again, 2));
    CHECK(sender.counters().timeouts == 0);
    CHECK(sender.counters().frames_retransmitted == 3);
    deliver(again);
    CHECK(delivered == std::vector<std::uint32_t>{0, 1, 2, 3});
}

TEST_CASE("a restarted receiver that took its session from a stale frame catches up with the sender's base") {
    std::vector<SenderSlot> slots(4);
    Bytes storage(400);
    Bytes tx(LinkSender::tx_buffer_bytes(100));
    auto sender = LinkSender::make(slots, storage, tx, 5, SenderConfig{100, 400}).value();
    Bytes frame_buffer(LinkReceiver::frame_buffer_bytes(100));
    auto old_gateway = LinkReceiver::make(frame_buffer, 77).value();
    for (std::uint64_t id = 10; id < 13; ++id) REQUIRE(sender.submit(id, Bytes(30, std::byte(id))));
    // All three frames go out with window base 0; a copy of the last one is still on its way
    // (in a socket, a USB adapter) when the gateway restarts.
    Bytes wire(4096);
    wire.resize(sender.pull(wire, 0));
    Bytes late_copy;
    for (std::size_t i = wire.size() - 1; i-- > 0;)
        if (wire[i] == std::byte{0}) {
            late_copy.assign(wire.begin() + static_cast<std::ptrdiff_t>(i) + 1, wire.end());
            break;
        }
    for (std::span<const std::byte> in = wire; !in.empty();) in = in.subspan(old_gateway.push(in).consumed);
    // The old gateway made seqs 0 and 1 durable; the sender's base moves to 2.
    REQUIRE(old_gateway.mark_durable(5, 1));
    Bytes ack(256);
    ack.resize(old_gateway.pull(ack));
    sender.push(ack, 1);
    CHECK(sender.take_acked() == 10);
    CHECK(sender.take_acked() == 11);
    // The new gateway's first frame is the late copy of seq 2, base 0: it takes the session from it.
    auto gateway = LinkReceiver::make(frame_buffer, 78).value();
    const auto deliver = [&](const Bytes& bytes) {
        std::vector<std::uint32_t> seqs;
        for (std::span<const std::byte> in = bytes; !in.empty();) {
            const ReceiveStep s = gateway.push(in);
            in = in.subspan(s.consumed);
            if (s.delivered) seqs.push_back(s.seq);
        }
        return seqs;
    };
    CHECK(deliver(late_copy).empty()); // seq 2 is past the base 0 it adopted: a gap
    Bytes nak(256);
    nak.resize(gateway.pull(nak));
    sender.push(nak, 2); // names seq 0, acknowledged long ago: stale
    // The sender goes back to its base, 2, and resends it with base 2: the gateway goes on there.
    Bytes again(4096);
    again.resize(sender.pull(again, 500));
    CHECK(deliver(again) == std::vector<std::uint32_t>{2});
    REQUIRE(gateway.mark_durable(5, 2));
    Bytes last(256);
    last.resize(gateway.pull(last));
    sender.push(last, 501);
    CHECK(sender.take_acked() == 12);
    CHECK(sender.unacked() == 0);
}
