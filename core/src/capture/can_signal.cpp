#include "ss/capture/can_signal.hpp"

#include "ss/text.hpp"

namespace ss::capture {

namespace {

std::uint64_t mask_of(std::uint8_t length) noexcept {
    return length >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << length) - 1;
}

// Position of a Motorola signal's least significant bit when the payload is read as one
// big-endian 64-bit number (byte 0 most significant): its MSB sits at (7 − byte)·8 + bit.
int motorola_lsb(const CanSignal& s) noexcept {
    const int msb = (7 - s.start_bit / 8) * 8 + s.start_bit % 8;
    return msb - (s.length - 1);
}

bool key_less(const CanSignal& a, bool extended, std::uint32_t id) noexcept {
    if (a.extended != extended) return !a.extended; // standard ids first
    return a.id < id;
}

Expected<void> reject(Text& why, std::size_t index, const char* field, const char* rule) noexcept {
    why.clear();
    why << "CAN signal " << static_cast<std::uint64_t>(index) << ": " << field << ' ' << rule;
    return std::unexpected(Errc::invalid_argument);
}

Expected<void> check(const CanSignal& s, std::size_t index, Text& why) noexcept {
    if (s.id > (s.extended ? can_max_extended_id : can_max_standard_id)) {
        return reject(why, index, "id", s.extended ? "must fit 29 bits" : "must fit 11 bits (or set extended)");
    }
    if (s.length < 1 || s.length > 32) return reject(why, index, "length", "must be within 1 .. 32 bits");
    if (s.start_bit > 63) return reject(why, index, "start_bit", "must be within 0 .. 63");
    if (s.order == ByteOrder::little_endian) {
        if (s.start_bit + s.length > 64) return reject(why, index, "start_bit", "puts the signal past byte 7");
    } else if (s.order == ByteOrder::big_endian) {
        if (motorola_lsb(s) < 0) return reject(why, index, "start_bit", "puts the signal past byte 7");
    } else {
        return reject(why, index, "order", "must be little_endian or big_endian");
    }
    return {};
}

} // namespace

Expected<void> validate(const CanSignal& signal, Text& why) noexcept { return check(signal, 0, why); }

std::uint8_t bytes_needed(const CanSignal& s) noexcept {
    if (s.order == ByteOrder::little_endian) return static_cast<std::uint8_t>((s.start_bit + s.length - 1) / 8 + 1);
    return static_cast<std::uint8_t>(8 - motorola_lsb(s) / 8);
}

std::uint32_t extract(const CanSignal& s, const std::uint8_t (&data)[8]) noexcept {
    std::uint64_t payload = 0;
    std::uint64_t raw = 0;
    if (s.order == ByteOrder::little_endian) {
        for (int i = 7; i >= 0; --i) payload = (payload << 8) | data[i];
        raw = (payload >> s.start_bit) & mask_of(s.length);
    } else {
        for (int i = 0; i < 8; ++i) payload = (payload << 8) | data[i];
        raw = (payload >> motorola_lsb(s)) & mask_of(s.length);
    }
    if (s.is_signed && s.length < 32 && ((raw >> (s.length - 1)) & 1u) != 0) {
        raw |= ~mask_of(s.length); // sign-extend to 32 bits
    }
    return static_cast<std::uint32_t>(raw);
}

Expected<void> CanDecoder::configure(std::span<CanSignal> signals, Text& why) noexcept {
    for (std::size_t i = 0; i < signals.size(); ++i) {
        if (auto ok = check(signals[i], i, why); !ok) return ok;
    }
    // Insertion sort: stable (signals of one frame keep the caller's order) and allocation-free.
    for (std::size_t i = 1; i < signals.size(); ++i) {
        const CanSignal s = signals[i];
        std::size_t j = i;
        while (j > 0 && key_less(s, signals[j - 1].extended, signals[j - 1].id)) {
            signals[j] = signals[j - 1];
            --j;
        }
        signals[j] = s;
    }
    signals_ = signals;
    counters_ = CanCounters{};
    return {};
}

std::size_t CanDecoder::decode(const CanFrame& frame, TimeBase& time, std::span<CapturedEvent> out) noexcept {
    ++counters_.frames;
    if (frame.remote) {
        ++counters_.frames_remote;
        return 0;
    }
    // First signal whose key is not below the frame's.
    std::size_t lo = 0, hi = signals_.size();
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (key_less(signals_[mid], frame.extended, frame.id)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    const std::uint8_t dlc = frame.dlc > 8 ? 8 : frame.dlc;
    std::size_t produced = 0;
    bool matched = false;
    Timestamp stamp{};
    for (std::size_t i = lo; i < signals_.size() && signals_[i].id == frame.id && signals_[i].extended == frame.extended;
         ++i) {
        const CanSignal& s = signals_[i];
        if (!matched) {
            matched = true;
            stamp = time.stamp(frame.timestamp_us);
        }
        if (bytes_needed(s) > dlc) {
            ++counters_.signals_short;
            continue;
        }
        if (produced == out.size()) {
            ++counters_.events_dropped;
            continue;
        }
        out[produced++] = CapturedEvent{s.channel, extract(s, frame.data), stamp};
        ++counters_.signals_decoded;
    }
    if (matched) {
        ++counters_.frames_matched;
    } else {
        ++counters_.frames_unmatched;
    }
    return produced;
}

} // namespace ss::capture
