// DMA double buffering (ping-pong): the DMA fills one half of a buffer while software owns the
// other, and an overrun (the DMA reaching a half software still holds) is detected and counted,
// never silently overwritten.
//
// DmaDoubleBuffer is shaped for STM32 circular DMA: one contiguous buffer of 2 x HalfLength
// samples, e.g.
//     HAL_ADC_Start_DMA(&hadc, reinterpret_cast<uint32_t*>(db.dma_target()), db.dma_length());
//     void HAL_ADC_ConvHalfCpltCallback(ADC_HandleTypeDef*) { if (db.on_half_complete().overrun) stop(); }
//     void HAL_ADC_ConvCpltCallback(ADC_HandleTypeDef*)     { if (db.on_complete().overrun) stop(); }
//
// PooledDmaCapture is the zero-copy variant for a DMA that takes two memory addresses (STM32
// double-buffer mode, M0AR/M1AR): the DMA writes straight into buffer-pool buffers and each
// completion swaps a fresh pool buffer into the slot it just finished.
//
// Which side may call what:
//   hardware side (the DMA ISR): on_half_complete, on_complete, on_dma_restart, start,
//                                on_buffer_complete, dma_target, dma_length
//   software side (one thread or one lower-priority ISR at a time): try_take, release
//   anyone: stats
// The hardware side is wait-free (plain loads and stores); so is the software side apart from
// release(), whose one read-modify-write is lock-free (a store-exclusive retry on Cortex-M).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "ss/capture/buffer_pool.hpp"
#include "ss/capture/spsc_ring.hpp"
#include "ss/expected.hpp"

namespace ss::capture {

/// What the DMA ISR learns from a completion event.
struct [[nodiscard]] DmaEventResult {
    bool handed_over = false; ///< the finished half/buffer went to software (false: dropped and counted)
    bool overrun = false;     ///< the DMA is now writing memory software still holds: stop or skip it
};

/// A snapshot of a double buffer's counters (32-bit counts wrap after 2^32 events).
struct DoubleBufferStats {
    std::uint32_t halves_completed = 0;   ///< completion events that handed a half to software
    std::uint32_t halves_taken = 0;       ///< halves software took with try_take
    std::uint32_t halves_released = 0;    ///< halves software gave back with release
    std::uint32_t overruns = 0;           ///< events where the DMA started on a half software still held
    std::uint32_t halves_dropped = 0;     ///< fills not handed over because an overrun hit them
    std::uint32_t halves_overwritten = 0; ///< handed-over halves the DMA rewrote before software was done
    std::uint32_t bad_releases = 0;       ///< release() of a half that is out of range or not taken
    std::uint32_t missed_events = 0;      ///< completion events out of the half/full alternation
    std::uint64_t samples_overrun = 0;    ///< samples lost to overruns: (dropped + overwritten) x HalfLength
};

/// A half that software has taken: its index (0 = first half, 1 = second) and its samples.
template <class T, std::size_t HalfLength>
struct TakenHalf {
    std::uint32_t half = 0;            ///< pass it to release()
    std::span<T, HalfLength> samples;  ///< valid until release()
};

/// Ping-pong buffer of 2 x HalfLength samples filled by a circular DMA.
///
/// Overruns: when a completion event finds that the half the DMA is now entering is still held
/// by software (handed over, taken or not), the event returns overrun = true and counts it. What
/// happens to the samples, all of it counted in samples_overrun:
///  - the held half's contents are being overwritten: if software had not taken it yet, try_take
///    skips it; if it had, release() returns Errc::io_error so software discards what it made of
///    them (HalfLength samples, counted as overwritten);
///  - the fill the DMA writes into that half meanwhile is not handed over at its completion even
///    if software has given the half back by then, because software may have read or written it
///    while the DMA filled it (HalfLength samples, counted as dropped).
/// The driver may instead stop the DMA on overrun and call on_dma_restart() before restarting.
/// The check is as exact as the interrupt: the DMA crosses into a half before its ISR runs.
template <class T, std::size_t HalfLength>
class DmaDoubleBuffer {
public:
    static_assert(HalfLength >= 1, "a half holds at least one sample");

    /// The DMA will start with the first half; software holds nothing.
    DmaDoubleBuffer() noexcept { started_[0].store(1, std::memory_order_relaxed); }

    DmaDoubleBuffer(const DmaDoubleBuffer&) = delete;
    DmaDoubleBuffer& operator=(const DmaDoubleBuffer&) = delete;

    // ---- hardware side -------------------------------------------------------------------------

    /// Where the DMA writes: 2 x HalfLength contiguous samples, first half first.
    [[nodiscard]] T* dma_target() noexcept { return samples_; }

    /// Samples in the whole DMA buffer (both halves): the transfer length of a circular DMA.
    [[nodiscard]] static constexpr std::size_t dma_length() noexcept { return 2 * HalfLength; }

    /// Samples in one half.
    [[nodiscard]] static constexpr std::size_t half_length() noexcept { return HalfLength; }

    /// ISR, half-transfer event: the first half is full and the DMA moves on to the second.
    DmaEventResult on_half_complete() noexcept { return on_half_done(0); }

    /// ISR, transfer-complete event: the second half is full and the DMA wraps to the first.
    DmaEventResult on_complete() noexcept { return on_half_done(1); }

    /// Hardware side, with the DMA stopped (e.g. after an overrun): prepares for a restart that
    /// begins with the first half. False (nothing changed; wait and retry) while software still
    /// holds either half, since the DMA would write into it at once.
    [[nodiscard]] bool on_dma_restart() noexcept {
        if (held(0) || held(1)) return false;
        expected_half_ = 0;
        poisoned_[0] = poisoned_[1] = false;
        begin_fill(0);
        return true;
    }

    // ---- software side -------------------------------------------------------------------------

    /// Software: the oldest completed half not yet taken, or nullopt. Halves the DMA has already
    /// started to rewrite (an overrun hit them before they were taken) are skipped and counted.
    [[nodiscard]] std::optional<TakenHalf<T, HalfLength>> try_take() noexcept {
        std::uint32_t token = 0;
        while (ready_.try_pop(token)) {
            const std::uint32_t half = token & 1u;
            const std::uint32_t fill = token >> 1;
            if (fill_of(half) != fill) {
                give_back(half);
                bump(software_.halves_overwritten);
                continue;
            }
            taken_[half] = true;
            taken_fill_[half] = fill;
            bump(software_.halves_taken);
            return TakenHalf<T, HalfLength>{half, std::span<T, HalfLength>(samples_ + half * HalfLength, HalfLength)};
        }
        return std::nullopt;
    }

    /// Software: gives a taken half back to the DMA. Errc::invalid_argument (counted as a bad
    /// release, nothing changed) if `half` is not 0 or 1 or is not taken; Errc::io_error if the
    /// DMA rewrote the half while software held it (an overrun): the half is back, but whatever
    /// software read from it is not trustworthy.
    Expected<void> release(std::uint32_t half) noexcept {
        if (half > 1 || !taken_[half]) {
            bump(software_.bad_releases);
            return std::unexpected(Errc::invalid_argument);
        }
        const bool overwritten = fill_after_reading(half) != taken_fill_[half];
        taken_[half] = false;
        give_back(half);
        bump(software_.halves_released);
        if (overwritten) {
            bump(software_.halves_overwritten);
            return std::unexpected(Errc::io_error);
        }
        return {};
    }

    // ---- anyone --------------------------------------------------------------------------------

    /// A snapshot of the counters (each read individually).
    [[nodiscard]] DoubleBufferStats stats() const noexcept {
        DoubleBufferStats s;
        s.halves_completed = hardware_.halves_completed.load(std::memory_order_relaxed);
        s.overruns = hardware_.overruns.load(std::memory_order_relaxed);
        s.halves_dropped = hardware_.halves_dropped.load(std::memory_order_relaxed);
        s.missed_events = hardware_.missed_events.load(std::memory_order_relaxed);
        s.halves_taken = software_.halves_taken.load(std::memory_order_relaxed);
        s.halves_released = software_.halves_released.load(std::memory_order_relaxed);
        s.halves_overwritten = software_.halves_overwritten.load(std::memory_order_relaxed);
        s.bad_releases = software_.bad_releases.load(std::memory_order_relaxed);
        s.samples_overrun = (std::uint64_t{s.halves_dropped} + s.halves_overwritten) * HalfLength;
        return s;
    }

private:
    using Counter = std::atomic<std::uint32_t>;

    // Fill generations travel in the ready ring's token next to the half index, so they are
    // compared modulo 2^31.
    static constexpr std::uint32_t fill_mask = 0x7FFF'FFFFu;

    /// One writer per counter: load + store instead of a read-modify-write instruction.
    static void bump(Counter& c) noexcept { c.store(c.load(std::memory_order_relaxed) + 1u, std::memory_order_relaxed); }

    /// Hardware side: software holds `half` (handed over and not given back, taken or not).
    bool held(std::uint32_t half) const noexcept {
        // Acquire: pairs with give_back, so software is done with the half before the DMA is
        // declared free to write it.
        return handed_[half] != returned_[half].load(std::memory_order_acquire);
    }

    /// Hardware side: the DMA begins a new fill of `half`.
    void begin_fill(std::uint32_t half) noexcept {
        started_[half].store(started_[half].load(std::memory_order_relaxed) + 1u, std::memory_order_release);
    }

    /// Software side: the generation of the DMA's latest fill of `half`.
    std::uint32_t fill_of(std::uint32_t half) const noexcept {
        return started_[half].load(std::memory_order_acquire) & fill_mask;
    }

    /// Software side, done reading `half`: the generation of the DMA's latest fill, read after
    /// every earlier access to the half (the closing check of a sequence lock). A release
    /// read-modify-write that adds nothing does that without a fence, which ThreadSanitizer
    /// would not model; an ISR that bumps the count in between makes the store-exclusive retry.
    std::uint32_t fill_after_reading(std::uint32_t half) noexcept {
        return started_[half].fetch_add(0u, std::memory_order_acq_rel) & fill_mask;
    }

    /// Software side: the half is the hardware's again.
    void give_back(std::uint32_t half) noexcept {
        returned_[half].store(returned_[half].load(std::memory_order_relaxed) + 1u, std::memory_order_release);
    }

    DmaEventResult on_half_done(std::uint32_t half) noexcept {
        DmaEventResult result;
        if (half != expected_half_) bump(hardware_.missed_events); // an interrupt was lost or doubled
        const std::uint32_t next = half ^ 1u;
        expected_half_ = next;

        if (poisoned_[half] || held(half)) {
            bump(hardware_.halves_dropped);
        } else {
            ++handed_[half];
            const std::uint32_t token = ((started_[half].load(std::memory_order_relaxed) & fill_mask) << 1) | half;
            // Cannot fail: a half is pushed only while not held, so the ring never holds more
            // than one token per half.
            if (ready_.try_push(token)) {
                bump(hardware_.halves_completed);
                result.handed_over = true;
            } else {
                --handed_[half];
                bump(hardware_.halves_dropped);
            }
        }
        poisoned_[half] = false;

        begin_fill(next);
        if (held(next)) {
            poisoned_[next] = true;
            bump(hardware_.overruns);
            result.overrun = true;
        }
        return result;
    }

    struct alignas(cache_line_size) HardwareCounters {
        Counter halves_completed{0};
        Counter overruns{0};
        Counter halves_dropped{0};
        Counter missed_events{0};
    };
    struct alignas(cache_line_size) SoftwareCounters {
        Counter halves_taken{0};
        Counter halves_released{0};
        Counter halves_overwritten{0};
        Counter bad_releases{0};
    };

    static constexpr std::size_t sample_alignment = alignof(T) > cache_line_size ? alignof(T) : cache_line_size;

    // Hardware side (the ISR) only.
    std::uint32_t handed_[2] = {0, 0};     ///< hand-overs of each half
    bool poisoned_[2] = {false, false};    ///< the current fill began while software held the half
    std::uint32_t expected_half_ = 0;      ///< the half whose completion comes next
    Counter started_[2] = {0, 0};          ///< fills begun per half (written by the hardware side)
    HardwareCounters hardware_;
    // Software side only.
    bool taken_[2] = {false, false};       ///< software has taken the half
    std::uint32_t taken_fill_[2] = {0, 0}; ///< fill generation of the taken half
    Counter returned_[2] = {0, 0};         ///< give-backs of each half (written by the software side)
    SoftwareCounters software_;
    // Shared: completed halves as (fill generation << 1 | half); hardware pushes, software pops.
    SpscRing<std::uint32_t, 2> ready_;
    alignas(sample_alignment) T samples_[2 * HalfLength]{};
};

/// A snapshot of a pooled capture's counters (32-bit counts wrap after 2^32 events).
struct PooledCaptureStats {
    std::uint32_t buffers_completed = 0; ///< completion events that handed a buffer to software
    std::uint32_t buffers_taken = 0;     ///< buffers software took with try_take
    std::uint32_t overruns = 0;          ///< completions that found no free pool buffer to swap in
    std::uint64_t samples_overrun = 0;   ///< samples lost to overruns: overruns x Length
};

/// Zero-copy DMA capture into buffer-pool buffers, for a DMA with two memory address slots
/// (STM32 double-buffer mode: slot 0 = M0AR, slot 1 = M1AR).
///
/// The hardware side is the pool's acquire side and software the release side: a taken buffer
/// is a pool Handle, and destroying it returns the buffer. Overrun: if the pool has no free
/// buffer when a slot completes, the full buffer stays in the slot (the DMA will overwrite it),
/// its Length samples are counted lost and the event says overrun. The two buffers in the slots
/// stay acquired while the capture runs.
template <class T, std::size_t Length, std::size_t Count>
class PooledDmaCapture {
public:
    using Pool = BufferPool<T, Length, Count>;
    using index_type = typename Pool::index_type;

    static_assert(Count >= 3, "two buffers sit in the DMA slots; at least one must be free to swap in");

    /// The result of a completion: the event, plus the buffer to program into the slot.
    struct [[nodiscard]] Refill {
        DmaEventResult event;       ///< handed over / overrun
        T* next_target = nullptr;   ///< program this into the completed slot's memory address register
    };

    /// A capture drawing on `pool` (which must outlive it). Call start() before the DMA runs.
    explicit PooledDmaCapture(Pool& pool) noexcept : pool_(pool) {}

    PooledDmaCapture(const PooledDmaCapture&) = delete;
    PooledDmaCapture& operator=(const PooledDmaCapture&) = delete;

    // ---- hardware side -------------------------------------------------------------------------

    /// Hardware side, before the DMA starts: acquires the buffers for both slots. Errc::no_space
    /// if the pool cannot give both now (a buffer already acquired is kept for the next call).
    /// Calling it again once both are held changes nothing.
    Expected<void> start() noexcept {
        while (slots_filled_ < 2) {
            const Expected<index_type> index = pool_.try_acquire_index();
            if (!index) return std::unexpected(index.error());
            slot_[slots_filled_++] = *index;
        }
        return {};
    }

    /// The buffer in `slot` (0 or 1) for the DMA's memory address register; nullptr before
    /// start() or for another slot.
    [[nodiscard]] T* dma_target(std::uint32_t slot) noexcept {
        if (slots_filled_ < 2 || slot > 1) return nullptr;
        return pool_.data(slot_[slot]).data();
    }

    /// Samples per buffer: the DMA transfer length.
    [[nodiscard]] static constexpr std::size_t dma_length() noexcept { return Length; }

    /// ISR, transfer complete for `slot` (0 or 1): hands the full buffer to software and swaps a
    /// fresh one into the slot. On overrun (pool empty) the slot keeps its buffer. A call before
    /// start() or for another slot returns next_target = nullptr and changes nothing.
    Refill on_buffer_complete(std::uint32_t slot) noexcept {
        Refill r;
        if (slots_filled_ < 2 || slot > 1) return r;
        const Expected<index_type> fresh = pool_.try_acquire_index();
        if (!fresh) {
            bump(overruns_);
            r.event.overrun = true;
        } else {
            // Cannot fail: the ring holds Count and only acquired indices go in.
            if (ready_.try_push(slot_[slot])) {
                bump(buffers_completed_);
                r.event.handed_over = true;
            }
            slot_[slot] = *fresh;
        }
        r.next_target = pool_.data(slot_[slot]).data();
        return r;
    }

    // ---- software side -------------------------------------------------------------------------

    /// Software: the oldest full buffer as a pool Handle (destroy it to return the buffer), or
    /// nullopt when none is waiting.
    [[nodiscard]] std::optional<typename Pool::Handle> try_take() noexcept {
        index_type index = 0;
        while (ready_.try_pop(index)) {
            Expected<typename Pool::Handle> handle = pool_.adopt(index);
            if (!handle) continue; // cannot happen: only acquired indices are posted
            bump(buffers_taken_);
            return std::optional<typename Pool::Handle>(std::move(*handle));
        }
        return std::nullopt;
    }

    // ---- anyone --------------------------------------------------------------------------------

    /// A snapshot of the counters.
    [[nodiscard]] PooledCaptureStats stats() const noexcept {
        PooledCaptureStats s;
        s.buffers_completed = buffers_completed_.load(std::memory_order_relaxed);
        s.buffers_taken = buffers_taken_.load(std::memory_order_relaxed);
        s.overruns = overruns_.load(std::memory_order_relaxed);
        s.samples_overrun = std::uint64_t{s.overruns} * Length;
        return s;
    }

private:
    using Counter = std::atomic<std::uint32_t>;

    static void bump(Counter& c) noexcept { c.store(c.load(std::memory_order_relaxed) + 1u, std::memory_order_relaxed); }

    Pool& pool_;
    // Hardware side only.
    std::uint32_t slots_filled_ = 0; ///< slots holding an acquired buffer (2 once started)
    index_type slot_[2] = {0, 0};
    Counter buffers_completed_{0};
    Counter overruns_{0};
    // Software side only.
    alignas(cache_line_size) Counter buffers_taken_{0};
    // Full buffers' indices: hardware pushes, software pops.
    SpscRing<index_type, Count> ready_;
};

} // namespace ss::capture
