#include "ss/actors/bindings.hpp"

#include <caf/all.hpp>

namespace ss::actors {

void SourceBinding::wake() noexcept {
    processing_actor target;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        target = processing_;
    }
    if (target) caf::anon_send(target, wake_atom::value);
}

void SourceBinding::set_processing(processing_actor handle) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    processing_ = std::move(handle);
}

void SourceBinding::hand_over() noexcept { std::lock_guard<std::mutex> lock(mutex_); }

} // namespace ss::actors
