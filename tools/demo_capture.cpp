#include "demo_capture.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>

namespace demo {

namespace {

ss::capture::SimAdcConfig adc_config() {
    ss::capture::SimAdcConfig c;
    c.sample_rate_hz = CaptureStage::rate_hz;
    c.samples_per_half = CaptureStage::half_samples;
    c.signal = ss::capture::AdcSignal::sine;
    c.frequency_hz = 120.0; // a motor's hum
    c.amplitude = 1500.0;
    c.offset = 2048.0;
    return c;
}

std::uint64_t now_us() { return ss::capture::posix_monotonic_now_us(); }

ss::HandleSink sink_of(SensorStore* store) {
    auto sink = ss::HandleSink::open(store);
    if (!sink) {
        std::fprintf(stderr, "capture pipeline: the store is not a registered sensor\n");
        std::exit(1);
    }
    return *sink;
}

} // namespace

CaptureStage::CaptureStage(SensorStore* store, std::atomic<std::uint64_t>& records_offered)
    : sink_(sink_of(store)), adc_(adc_config()), offered_(records_offered) {
    sem_init(&ready_, 0, 0);
    ss::capture::AdcRoute route{0, {}, &sink_};
    route.processing.sample_rate_hz = rate_hz;
    route.processing.stages[0].kind = ss::capture::FilterKind::decimate;
    route.processing.stages[0].factor = decimation;
    route.processing.stages[0].mode = ss::capture::DecimationMode::average;
    ss::Text why;
    if (!pipeline_.configure(1, {&route, 1}, why)) {
        std::fprintf(stderr, "capture pipeline: %s\n", why.c_str());
        std::exit(1);
    }
    worker_ = std::thread([this] { process_loop(); });
    if (const int rc = adc_.start(dma_, &CaptureStage::on_half, this); rc != 0) {
        std::fprintf(stderr, "simulated ADC: %d\n", rc);
        std::exit(1);
    }
}

CaptureStage::~CaptureStage() {
    stop();
    sem_destroy(&ready_);
}

bool CaptureStage::on_half(void* self, const ss::capture::AdcHalfEvent& e) noexcept {
    // The "DMA interrupt": copy the finished half into a pool buffer, queue its index, wake the
    // processing thread. The half is free again at once.
    auto& s = *static_cast<CaptureStage*>(self);
    if (!e.lost) (void)s.pipeline_.on_capture({e.values, std::size_t{e.samples} * e.channels}, e.first_sample, e.time_us);
    else s.pipeline_.drop_block(std::size_t{e.samples} * e.channels);
    sem_post(&s.ready_);
    return true;
}

void CaptureStage::process_loop() {
    std::size_t offered_so_far = 0;
    for (;;) {
        sem_wait(&ready_);
        pipeline_.drain(now_us);
        const auto st = pipeline_.stats();
        const std::size_t offered = st.records_stored + st.records_dropped;
        offered_.fetch_add(offered - offered_so_far, std::memory_order_relaxed);
        offered_so_far = offered;
        if (stopping_.load(std::memory_order_acquire) && st.buffers_pending == 0) return;
    }
}

void CaptureStage::stop() {
    if (stopped_) return;
    stopped_ = true;
    adc_.stop();
    stopping_.store(true, std::memory_order_release);
    sem_post(&ready_);
    worker_.join();
}

void CaptureStage::print_status() const {
    const auto st = pipeline_.stats();
    std::printf("        adc 100 kHz  captured %9zu samples  lost %zu  -> %7zu records (avg of %u)  latency p50 %" PRIu64
                " us, p99 %" PRIu64 " us\n",
                st.samples_captured, st.samples_lost, st.records_stored, decimation,
                pipeline_.latency().quantile_us(0.5), pipeline_.latency().quantile_us(0.99));
}

} // namespace demo
