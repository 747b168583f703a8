// The uploader stand-in: after a channel's records are stored it reads every unsent record of
// that channel in batches (ss_consume_batch_ex, as an uploader fills a message), checks each
// batch against what the pipeline must have produced — it starts where the last ended (no gap,
// nothing twice) and every value is the reference's — and acknowledges it at once
// (ss_erase_pending_until the batch's end), as a cloud that never fails would. That keeps the
// store in a steady state, and the pool's spare sectors free for the next channel. When every
// channel has read back all its records, the run is over.
#include <cerrno>

#include "expected_records.hpp"
#include "pipeline.hpp"

namespace ss::stm32::pipeline {

namespace {

constexpr std::uint32_t batch_records = 64;

UploaderFigures figures;
std::uint64_t next_seq[channels] = {};
std::uint32_t batch[batch_records];

void check_batch(std::uint32_t channel, std::uint64_t first_seq, std::uint32_t n) {
    if (first_seq != next_seq[channel]) ++figures.sequence_gaps[channel];
    for (std::uint32_t k = 0; k < n; ++k) {
        const std::uint64_t seq = first_seq + k;
        if (batch[k] == expected_record(channel, seq)) continue;
        if (figures.wrong_values[channel]++ == 0) {
            figures.first_wrong_seq[channel] = seq;
            figures.first_wrong_value[channel] = batch[k];
        }
    }
    next_seq[channel] = first_seq + n;
    figures.read_back[channel] += n;
}

bool all_read_back() {
    for (std::uint32_t channel = 0; channel < channels; ++channel)
        if (figures.read_back[channel] < records_expected(channel)) return false;
    return true;
}

void on_event(void*, ss::stm32::Event channel) {
    SensorStore* const store = channel_store[channel];
    for (;;) {
        std::uint32_t n = 0;
        std::uint64_t first_seq = 0;
        const int rc = ss_consume_batch_ex(store, batch, batch_records, &n, &first_seq);
        if (rc == -EAGAIN) break;
        if (rc != 0 || n == 0) {
            ++figures.api_errors;
            break;
        }
        ++figures.batches;
        check_batch(channel, first_seq, n);
        if (ss_erase_pending_until(store, first_seq + n) != 0) ++figures.api_errors;
    }
    if (all_read_back()) scheduler.stop();
}

} // namespace

ss::stm32::Task<channels> uploader_task{on_event, nullptr};

const UploaderFigures& uploader_figures() noexcept { return figures; }

} // namespace ss::stm32::pipeline
