#include "ss/hal/capture/sim_can.hpp"

#include <algorithm>
#include <cerrno>

#include "realtime.hpp"

namespace ss::capture {

namespace {
constexpr std::uint32_t max_frames_per_second = 100'000;

void put_le32(std::uint8_t* out, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
} // namespace

SimCan::SimCan(const SimCanConfig& cfg) noexcept : cfg_(cfg) {
    ids_fit_ = cfg.ids.size() <= SimCanConfig::max_ids;
    id_count_ = std::min(cfg.ids.size(), SimCanConfig::max_ids);
    std::copy_n(cfg.ids.begin(), id_count_, ids_);
    cfg_.ids = std::span<const std::uint32_t>(ids_, id_count_); // the caller's array may go away
}

SimCan::~SimCan() { stop(); }

int SimCan::start(CanRxFn fn, void* ctx) noexcept {
    if (fn == nullptr || !ids_fit_ || id_count_ == 0) return -EINVAL;
    if (cfg_.frames_per_second == 0 || cfg_.frames_per_second > max_frames_per_second) return -EINVAL;
    const std::uint32_t max_id = cfg_.extended ? can_max_extended_id : can_max_standard_id;
    if (std::any_of(ids_, ids_ + id_count_, [&](std::uint32_t id) { return id > max_id; })) return -EINVAL;
    if (running() || thread_.on_device_thread()) return -EBUSY;
    thread_.stop(); // joins a thread that stopped itself from its callback
    fn_ = fn;
    ctx_ = ctx;
    frames_.store(0, std::memory_order_relaxed);
    lateness_.reset();
    return thread_.start([](void* self) { static_cast<SimCan*>(self)->run(); }, this);
}

void SimCan::stop() noexcept { thread_.stop(); }

CanStats SimCan::stats() const noexcept {
    CanStats s;
    s.frames = frames_.load(std::memory_order_relaxed);
    s.lateness = lateness_.snapshot();
    return s;
}

void SimCan::run() noexcept {
    const std::uint64_t t0 = detail::monotonic_ns();
    std::uint64_t previous = t0;
    for (std::uint64_t k = 0;; ++k) {
        // Nominal times from one origin (no drift); jitter only delays, and never reorders.
        std::uint64_t due = t0 + detail::units_to_ns(k + 1, cfg_.frames_per_second);
        if (cfg_.jitter_us != 0) {
            const std::uint64_t r = detail::mix64(cfg_.seed ^ detail::mix64(k)) % (std::uint64_t{cfg_.jitter_us} * 1000 + 1);
            due += r;
        }
        due = std::max(due, previous);
        previous = due;
        if (!detail::sleep_until_ns(due, thread_.stop_flag())) return;

        CanFrame frame;
        frame.id = ids_[k % id_count_];
        frame.extended = cfg_.extended;
        frame.timestamp_us = due / 1000; // a controller stamps the end of reception
        if (cfg_.payload != nullptr) {
            cfg_.payload(cfg_.payload_ctx, k, frame);
            frame.dlc = std::min<std::uint8_t>(frame.dlc, 8);
            std::fill(frame.data + frame.dlc, frame.data + 8, std::uint8_t{0});
        } else {
            frame.dlc = 8;
            put_le32(frame.data, static_cast<std::uint32_t>(k / id_count_));
            put_le32(frame.data + 4, static_cast<std::uint32_t>(k));
        }
        const std::uint64_t now = detail::monotonic_ns();
        lateness_.record(now - due);
        frames_.fetch_add(1, std::memory_order_relaxed);
        fn_(ctx_, frame);
        if (thread_.stop_requested()) return;
    }
}

} // namespace ss::capture
