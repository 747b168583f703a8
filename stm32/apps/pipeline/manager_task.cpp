// The manager task: the store's periodic work (sealing, scrubbing, statistics) on the 100 ms
// tick the sample clock interrupt posts, at the lowest priority — it never delays a half-buffer.
#include "pipeline.hpp"

namespace ss::stm32::pipeline {

namespace {

std::uint32_t ticks = 0;

void on_tick(void*, ss::stm32::Event) {
    ss_manager_tick();
    ++ticks;
}

} // namespace

ss::stm32::Task<2> manager_task{on_tick, nullptr};

std::uint32_t manager_ticks() noexcept { return ticks; }

} // namespace ss::stm32::pipeline
