// The capture side of a bus source (sim_uart, sim_spi, sim_can, socketcan): it owns the device,
// decodes on the device's own thread (the UART's receive events, the SPI master's completions,
// the CAN receiver's frames) and hands the readings to processing through the source's reading
// link, flushing a block at the end of each callback so a reading waits for no later one. The
// device thread is the link's only producer while the device runs; the capture stage's actor only
// starts and stops the device and, for sim_spi, starts each scan.
#pragma once

#include <memory>
#include <vector>

#include "ss/actors/bindings.hpp"

namespace ss::actors {

class BusCapture {
public:
    virtual ~BusCapture() = default;
    /// Starts the device: 0 or a negative errno value (nothing runs then).
    virtual int start() noexcept = 0;
    /// The stage's tick, on the actor's thread (sim_spi: starts a scan).
    virtual void tick() noexcept {}
    /// Whether tick() is wanted, every source's `period`.
    virtual bool ticks() const noexcept { return false; }
};

/// Whether `kind` is captured by a BusCapture.
bool is_bus_kind(SourceKind kind) noexcept;

/// The capture of `source` (a bus kind); `sensors` are the pipeline's, both outlive it.
std::unique_ptr<BusCapture> make_bus_capture(SourceBinding& source, const std::vector<std::unique_ptr<SensorBinding>>& sensors);

} // namespace ss::actors
