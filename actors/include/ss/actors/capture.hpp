// The capture stage: one per configured source. It owns the source — a simulated DMA ADC runs on
// its own device thread; slow sensors (sim_poll) and event sensors (sim_events) are read on the
// stage's own tick; a bus source (UART, SPI, CAN, SocketCAN) decodes on its device's thread
// (bus_capture.hpp) — and puts what it captures into blocks of the source's pool, handing their
// indices to the processing stage (bindings.hpp). When no block is free it counts the overflow
// and the samples lost, and goes on: capture never waits for processing.
#pragma once

#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "ss/actors/bindings.hpp"
#include "ss/actors/bus_capture.hpp"
#include "ss/actors/sim_adc_config.hpp"
#include "ss/actors/stage_board.hpp"
#include "ss/hal/capture/sim_adc.hpp"

namespace ss::actors {

using capture_actor = caf::typed_actor<caf::reacts_to<caf::tick_atom>>;

using SensorBindings = std::vector<std::unique_ptr<SensorBinding>>;

struct CaptureState {
    static inline const char* name = "capture";
    SourceBinding* source = nullptr;
    const SensorBindings* sensors = nullptr;
    StageBoard* board = nullptr;
    std::string stage;                       ///< "capture:<source>"
    // sim_adc
    std::unique_ptr<capture::SimAdc> adc;
    std::vector<std::uint16_t> dma;          ///< the DMA buffer's two halves
    // sim_uart, sim_spi, sim_can, socketcan
    std::unique_ptr<BusCapture> bus;
    // sim_poll, sim_events (and sim_spi's scans)
    caf::timespan period{};
    caf::actor_clock::time_point next{};
    std::vector<std::uint64_t> due_ms;       ///< per sensor of the source: next reading (sim_poll)
    std::vector<std::uint32_t> event_value;  ///< per sensor: the last event's value (sim_events)
    std::mt19937_64 rng;

    ~CaptureState();
};

/// Spawn with sys.spawn(capture, &source, &sensors, &board); all three must outlive it.
capture_actor::behavior_type capture(capture_actor::stateful_pointer<CaptureState> self, SourceBinding* source,
                                     const SensorBindings* sensors, StageBoard* board);

/// The value a simulated slow sensor reads at `t_ms` (a pure function, so runs are reproducible).
std::uint32_t simulated_reading(const SourceSpec& spec, std::uint32_t sensor_id, std::uint64_t t_ms) noexcept;

} // namespace ss::actors
