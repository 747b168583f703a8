// The one batch-consume loop body, shared by the RAM store and the cold tier: records are
// copied out of consecutive segments (a RAM sector, a disk unit) into the uploader's buffer
// until it is full, the sequence jumps (a batch never spans a gap: the receiver learns of
// losses from first_seq and count alone) or the sequence limit is reached (numbers not yet
// durably reserved are never handed out).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ss/sector_format.hpp"

namespace ss {

/// A batch handed out by consume: records [first_seq, first_seq + count), and the time base of
/// the first of them: its time (sector::utc_flag for UTC; time_unknown), the sample period and
/// the boot that wrote it (whose monotonic clock a non-UTC time is on).
struct Batch {
    std::uint32_t count = 0;
    std::uint64_t first_seq = 0;
    std::uint64_t first_time = sector::time_unknown;
    std::uint32_t period_us = 0;
    std::uint32_t boot = 0;
};

/// Whether a batch may span segments of different time bases. first_segment: yes, and its time
/// base is the first segment's (the batch's time fields say nothing of later records).
/// continuous: no; the batch ends where the next segment's boot, period or first time does not
/// continue the batch's exactly, so every record's time is first_time + i × period_us.
enum class BatchTime : std::uint8_t { first_segment, continuous };

class BatchCopy {
public:
    BatchCopy(void* out, std::size_t record_bytes, std::uint32_t max, std::uint64_t seq_limit,
              BatchTime time = BatchTime::first_segment) noexcept
        : out_(static_cast<std::byte*>(out)), record_bytes_(record_bytes), max_(max), seq_limit_(seq_limit),
          time_(time) {}

    /// Whether a record numbered seq would be taken (checked before a segment is read, so that
    /// nothing is read for a batch that ends here).
    bool wants(std::uint64_t seq) const noexcept {
        return !full() && (batch_.count == 0 || seq == next_seq_) && seq < seq_limit_;
    }

    /// Offers `available` records starting at sequence number seq, packed at `records`. Returns
    /// how many were taken: 0 if the batch ends before them (full, a gap, the limit).
    std::uint32_t take(std::uint64_t seq, const std::byte* records, std::uint32_t available) noexcept {
        if (!wants(seq)) return 0;
        std::uint64_t n = available;
        if (n > max_ - batch_.count) n = max_ - batch_.count;
        if (n > seq_limit_ - seq) n = seq_limit_ - seq;
        const auto taken = static_cast<std::uint32_t>(n);
        std::memcpy(out_ + std::size_t{batch_.count} * record_bytes_, records, std::size_t{taken} * record_bytes_);
        if (batch_.count == 0) batch_.first_seq = seq;
        batch_.count += taken;
        next_seq_ = seq + taken;
        return taken;
    }

    /// Offers the records of a sealed sector (a RAM sector, a disk unit) from record `offset`
    /// on, `available` of them: take() with the sector's sequence numbers and time base.
    std::uint32_t take_sector(const std::byte* sector, std::uint32_t offset, std::uint32_t available) noexcept {
        const std::uint64_t time = sector::record_time(sector::first_time(sector), sector::period_us(sector), offset);
        const std::uint32_t period = sector::period_us(sector);
        const std::uint32_t boot = sector::boot(sector);
        if (batch_.count != 0 && time_ == BatchTime::continuous &&
            (boot != batch_.boot || period != batch_.period_us ||
             time != sector::record_time(batch_.first_time, batch_.period_us, batch_.count)))
            return 0;
        const bool first = batch_.count == 0;
        const std::uint32_t taken =
            take(sector::first_seq(sector) + offset,
                 sector::payload(sector) + std::size_t{offset} * record_bytes_, available);
        if (first && taken != 0) {
            batch_.first_time = time;
            batch_.period_us = period;
            batch_.boot = boot;
        }
        return taken;
    }

    bool full() const noexcept { return batch_.count == max_; }
    bool empty() const noexcept { return batch_.count == 0; }
    const Batch& batch() const noexcept { return batch_; }

private:
    std::byte* out_;
    std::size_t record_bytes_;
    std::uint32_t max_;
    std::uint64_t seq_limit_;
    BatchTime time_;
    std::uint64_t next_seq_ = 0;
    Batch batch_{};
};

} // namespace ss
