// The capture side of a source's reading link: readings go into the open block, and a block goes
// to processing when it is full or when the capture flushes (at the end of a tick or a device
// callback). One writer per source at a time: the link is single-producer.
#pragma once

#include <cstdint>

#include "ss/actors/bindings.hpp"
#include "ss/hal/capture/clock.hpp"

namespace ss::actors {

/// Hands readings to processing in blocks; counts what finds no block.
class ReadingWriter {
public:
    explicit ReadingWriter(SourceBinding& source) : source_(source), link_(*source.readings) {}
    ~ReadingWriter() { flush(); }

    void put(const Reading& r) {
        if (!open_) {
            if (!link_.acquire(index_)) {
                source_.overflows.fetch_add(1, std::memory_order_relaxed);
                source_.samples_lost.fetch_add(1, std::memory_order_relaxed);
                return;
            }
            open_ = true;
            count_ = 0;
        }
        link_.block(index_)[count_++] = r;
        if (count_ == link_.block_length()) flush();
    }

    void flush() {
        if (!open_) return;
        open_ = false;
        source_.blocks.fetch_add(1, std::memory_order_relaxed);
        if (link_.publish(BlockRef{index_, count_, 0, capture::posix_monotonic_now_us()})) source_.wake();
    }

private:
    SourceBinding& source_;
    BlockLink<Reading>& link_;
    std::uint32_t index_ = 0;
    std::uint32_t count_ = 0;
    bool open_ = false;
};

} // namespace ss::actors
