// Batches as the uploader hands them to a transport (ss::hal::UploadBatch), over records this
// owns: built from the codec tests' batches (upload_signals.hpp), with the sensor they belong to
// and the boot that wrote them. The transport and encoder tests build theirs with it.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "ss/hal/upload_transport.hpp"
#include "support/upload_signals.hpp"

namespace ss::test {

struct UploadBatches {
    std::deque<OwnedBatch> owned; // a deque: adding never moves the records a batch points at
    std::vector<hal::UploadBatch> batches;

    /// Adds `o`'s records as a batch of sensor `id` of `source`, with o's sequence numbers and
    /// time base (none for events) and `boot`.
    void add(SsSource source, std::uint32_t id, OwnedBatch o, std::uint32_t boot) {
        owned.push_back(std::move(o));
        const upload::Batch& b = owned.back().batch;
        hal::UploadBatch u{source, id, b.type, b.first_seq, b.count, b.records};
        if (b.type == RecordType::ts) {
            u.first_time = b.first_time_us;
            u.period_us = b.period_us;
        }
        u.boot = boot;
        batches.push_back(u);
    }
};

} // namespace ss::test
