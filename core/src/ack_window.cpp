// The ack window's bookkeeping (ss/ack_window.hpp): a ring of batches in sequence order, searched
// by first_seq, released from the front.
#include "ss/ack_window.hpp"

namespace ss {

Expected<void> AckWindowRef::sent(std::uint64_t first_seq, std::uint64_t end_seq) noexcept {
    // Batches are consumed in sequence order and never overlap: anything else is a caller bug
    // that would make a later release erase records nobody acknowledged.
    if (end_seq <= first_seq || first_seq < sent_until()) return std::unexpected(Errc::invalid_argument);
    if (full()) return std::unexpected(Errc::no_space);
    slots_[slot(count_)] = InFlightBatch{first_seq, end_seq, false};
    ++count_;
    return {};
}

Expected<AckRelease> AckWindowRef::ack(std::uint64_t first_seq, std::uint64_t end_seq) noexcept {
    if (end_seq <= first_seq) return std::unexpected(Errc::invalid_argument);
    // Released (or forgotten) already: the cloud said it twice.
    if (end_seq <= released_until_) return AckRelease{};
    // In flight: the batches are sorted by first_seq, so a binary search finds it.
    std::uint32_t lo = 0;
    std::uint32_t hi = count_;
    while (lo < hi) {
        const std::uint32_t mid = lo + (hi - lo) / 2;
        if (at(mid).first_seq < first_seq) lo = mid + 1;
        else hi = mid;
    }
    if (lo == count_ || at(lo).first_seq != first_seq || at(lo).end_seq != end_seq)
        return std::unexpected(Errc::invalid_argument);
    slots_[slot(lo)].acked = true;
    AckRelease r;
    while (count_ != 0 && at(0).acked) {
        r.erase_until = at(0).end_seq;
        ++r.batches;
        front_ = slot(1);
        --count_;
    }
    if (r.released()) released_until_ = r.erase_until;
    return r;
}

void AckWindowRef::forget_in_flight(std::uint64_t next_seq) noexcept {
    released_until_ = next_seq;
    front_ = 0;
    count_ = 0;
}

} // namespace ss
