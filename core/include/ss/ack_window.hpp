// The uploader's window of batches in flight for one sensor, and the order acknowledgements
// free them in.
//
// With several batches of a sensor in flight (HTTP requests in parallel, an MQTT receive
// window), acknowledgements may come back in any order, but the store can only erase pending
// records from the front (ss_erase_pending_until): a batch acknowledged before the ones ahead of
// it is held here until they are acknowledged too, and then the whole acknowledged prefix is
// released at once. Batches are [first_seq, end_seq) ranges of sequence numbers, registered in
// the order they were consumed (so in sequence order, gaps between them allowed).
//
// Freestanding (no heap, no exceptions): AckWindow<N> owns room for N batches; functions that
// should not depend on N take an AckWindowRef, which works on storage the caller provides.
// Not thread-safe: the uploader that sends and receives acks for the sensor owns it.
#pragma once

#include <cstdint>

#include "ss/expected.hpp"

namespace ss {

/// One batch in flight: records [first_seq, end_seq) of one sensor.
struct InFlightBatch {
    std::uint64_t first_seq = 0;
    std::uint64_t end_seq = 0;
    bool acked = false; ///< acknowledged, held until the batches ahead of it are
};

/// What an acknowledgement released from the front of the window.
struct AckRelease {
    std::uint32_t batches = 0;   ///< batches released (0: the front is not acknowledged yet)
    std::uint64_t erase_until = 0; ///< if batches != 0: erase pending records below this
    bool released() const noexcept { return batches != 0; }
};

/// The window over caller-provided storage for `capacity` batches.
class AckWindowRef {
public:
    AckWindowRef(InFlightBatch* slots, std::uint32_t capacity) noexcept : slots_(slots), capacity_(capacity) {}
    AckWindowRef(const AckWindowRef&) = delete;
    AckWindowRef& operator=(const AckWindowRef&) = delete;

    /// Registers a batch just handed to the transport. invalid_argument if it is empty or does
    /// not come after every batch registered before (nothing changed); no_space if the window
    /// is full: wait for acks before sending more.
    Expected<void> sent(std::uint64_t first_seq, std::uint64_t end_seq) noexcept;

    /// Records the acknowledgement of batch [first_seq, end_seq) and releases the acknowledged
    /// prefix of the window, if the front batch now is one: the caller then erases pending
    /// records below AckRelease::erase_until. A duplicate (a batch acknowledged already, held or
    /// released) releases nothing and is no error. invalid_argument for a batch that was never
    /// registered, or whose bounds differ from the registered ones (nothing changed).
    Expected<AckRelease> ack(std::uint64_t first_seq, std::uint64_t end_seq) noexcept;

    /// Forgets every batch in flight. The next batch registered starts at next_seq or later,
    /// and acks for records below next_seq count as duplicates (others of the forgotten batches
    /// as unknown). After ss_erase_all_pending pass the pending cursor (SsSensorStats::
    /// pending_seq: everything handed out was acknowledged); after a restart, which makes the
    /// pending records unsent again, pass head_seq (they go out again as new batches).
    void forget_in_flight(std::uint64_t next_seq) noexcept;

    std::uint32_t in_flight() const noexcept { return count_; }
    std::uint32_t capacity() const noexcept { return capacity_; }
    bool full() const noexcept { return count_ == capacity_; }
    /// Every record below this was released (or forgotten): acks for it are duplicates.
    std::uint64_t released_until() const noexcept { return released_until_; }
    /// Batch i from the front (i < in_flight()), the oldest first.
    const InFlightBatch& at(std::uint32_t i) const noexcept { return slots_[slot(i)]; }

private:
    std::uint32_t slot(std::uint32_t i) const noexcept {
        const std::uint32_t s = front_ + i;
        return s >= capacity_ ? s - capacity_ : s;
    }
    /// The end of the newest batch registered (released_until_ if none is in flight).
    std::uint64_t sent_until() const noexcept { return count_ == 0 ? released_until_ : at(count_ - 1).end_seq; }

    InFlightBatch* slots_;
    std::uint32_t capacity_;
    std::uint32_t front_ = 0;
    std::uint32_t count_ = 0;
    std::uint64_t released_until_ = 0;
};

/// A window that owns room for Capacity batches (e.g. the MQTT receive maximum).
template <std::uint32_t Capacity>
class AckWindow : public AckWindowRef {
    static_assert(Capacity > 0, "an ack window holds at least one batch");

public:
    AckWindow() noexcept : AckWindowRef(storage_, Capacity) {}

private:
    InFlightBatch storage_[Capacity];
};

} // namespace ss
