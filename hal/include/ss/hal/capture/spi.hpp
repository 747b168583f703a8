// An SPI master doing full-duplex DMA transfers, shaped after STM32 HAL_SPI_TransmitReceive_DMA
// with HAL_SPI_TxRxCpltCallback (and HAL_SPI_ErrorCallback / HAL_SPI_AbortCpltCallback for a
// transfer that does not complete). One transfer at a time: the peripheral is busy until the
// completion callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ss/hal/capture/lateness.hpp"

namespace ss::capture {

/// The end of one transfer.
struct SpiTransferDone {
    std::size_t bytes = 0;   ///< bytes exchanged in each direction
    int status = 0;          ///< 0, or a negative errno value (-ECANCELED: stopped before the end)
    std::uint64_t time_us = 0; ///< monotonic µs at which the callback fired
};

/// Called once per transfer, from the DMA interrupt (STM32) or the simulation's thread. The
/// master is no longer busy when it runs, so the callback may start the next transfer.
using SpiDoneFn = void (*)(void* ctx, const SpiTransferDone& done) noexcept;

/// Counters of an SPI master since its last start.
struct SpiStats {
    std::uint64_t transfers = 0;       ///< transfers completed
    std::uint64_t bytes = 0;           ///< bytes exchanged by completed transfers
    std::uint64_t cancelled = 0;       ///< transfers ended by stop()
    LatenessStats lateness;            ///< completion callback vs the end of the last bit
};

/// A full-duplex SPI master with DMA.
class SpiMaster {
public:
    virtual ~SpiMaster() = default;

    /// Starts a transfer: tx[i] goes out while rx[i] comes in. Both spans have the same, non-zero
    /// size and stay untouched by the caller until `fn` runs; rx is written only if the transfer
    /// completes. Returns 0, -EINVAL, -EBUSY (a transfer is running) or -ENOTCONN (not started).
    virtual int transfer(std::span<const std::uint8_t> tx, std::span<std::uint8_t> rx, SpiDoneFn fn,
                         void* ctx) noexcept = 0;
    /// true from an accepted transfer() until just before its callback.
    virtual bool busy() const noexcept = 0;
    /// Counters; safe to read at any time.
    virtual SpiStats stats() const noexcept = 0;
};

} // namespace ss::capture
