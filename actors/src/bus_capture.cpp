#include "ss/actors/bus_capture.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "reading_writer.hpp"
#include "ss/actors/bus_config.hpp"
#include "ss/actors/capture.hpp"
#include "ss/capture/can_signal.hpp"
#include "ss/capture/time_base.hpp"
#include "ss/capture/uart_frame.hpp"
#include "ss/hal/capture/clock.hpp"
#include "ss/hal/capture/sim_can.hpp"
#include "ss/hal/capture/sim_spi.hpp"
#include "ss/hal/capture/sim_uart.hpp"
#include "ss/hal/capture/socket_can.hpp"
#include "ss/text.hpp"

namespace ss::actors {

namespace {

using Sensors = std::vector<std::unique_ptr<SensorBinding>>;
constexpr std::uint32_t no_sensor = 0xFFFF'FFFFu;

// What every bus capture shares: the source, its writer, and the time base that stamps events.
// The time base learns UTC before the device starts (so event records carry UTC ms, as sim_events'
// do); from then on only the device thread stamps.
class BusBase : public BusCapture {
protected:
    BusBase(SourceBinding& source, const Sensors& sensors) : source_(source), sensors_(sensors), writer_(source) {}
    // Runs after the derived capture stopped its device (joining its thread). What the device
    // published last is processing's now: wake it (the shutdown's drain would find it anyway).
    // The wake's lock also orders the device thread's last use of the source before whoever frees
    // it later (Pipeline::shutdown locks it too), as CAF's own exit signalling does, but in a way
    // ThreadSanitizer sees: libcaf_core is not instrumented.
    ~BusBase() override {
        writer_.flush();
        source_.wake();
    }

    void begin() noexcept {
        start_us_ = capture::posix_monotonic_now_us();
        (void)time_.set_utc(start_us_, capture::posix_utc_now_ms());
    }
    /// The simulated signal's time: ms since the device started.
    std::uint64_t elapsed_ms() const noexcept { return (capture::posix_monotonic_now_us() - start_us_) / 1000; }
    std::uint32_t sensor_id(std::uint32_t sensor) const noexcept { return sensors_[sensor]->id; }
    const SourceSpec& spec() const noexcept { return *source_.spec; }

    SourceBinding& source_;
    const Sensors& sensors_;
    ReadingWriter writer_;
    capture::TimeBase time_;
    std::uint64_t start_us_ = 0;
};

// ---- sim_uart ------------------------------------------------------------------------------------

class UartCapture final : public BusBase {
public:
    UartCapture(SourceBinding& source, const Sensors& sensors)
        : BusBase(source, sensors),
          decoder_(static_cast<std::uint32_t>((10'000'000ull + source.spec->baud - 1) / source.spec->baud)),
          uart_(capture::SimUartConfig{source.spec->baud, &UartCapture::generate, this}) {
        by_channel_.fill(no_sensor);
        for (std::uint32_t i : source.sensors) by_channel_[sensors[i]->channel & 0xFF] = i;
        // The gap after each frame that makes frame_rate frames a second at this baud.
        const std::uint64_t period_us = 1'000'000ull / std::max<std::uint32_t>(1, source.spec->frame_rate);
        const std::uint64_t frame_us = std::uint64_t{bus::uart_frame_bits} * 1'000'000ull / source.spec->baud;
        idle_us_ = static_cast<std::uint32_t>(period_us > frame_us ? period_us - frame_us : 0);
    }
    ~UartCapture() override { uart_.stop(); }

    int start() noexcept override {
        begin();
        return uart_.start(dma_, &UartCapture::on_rx, this);
    }

private:
    // The sender at the other end of the line: one frame per sensor in turn, the n-th of every
    // `corrupt_every` with one bit flipped (line noise the CRC must catch).
    static capture::UartBurst generate(void* ctx, std::uint8_t* out, std::size_t) noexcept {
        auto& self = *static_cast<UartCapture*>(ctx);
        const auto& members = self.source_.sensors;
        if (members.empty()) return {};
        const std::uint32_t sensor = members[self.sent_ % members.size()];
        const auto& b = *self.sensors_[sensor];
        const std::uint32_t value = simulated_reading(self.spec(), b.id, self.elapsed_ms());
        const auto frame = capture::encode_uart_frame(static_cast<std::uint8_t>(b.channel), value);
        std::memcpy(out, frame.data(), frame.size());
        const std::uint32_t every = self.spec().corrupt_every;
        if (every != 0 && (self.sent_ + 1) % every == 0) {
            const std::uint64_t n = self.sent_ / every;
            out[2 + n % 9] ^= static_cast<std::uint8_t>(1u << (n % 8)); // past the sync: channel, value or CRC
        }
        ++self.sent_;
        return {frame.size(), self.idle_us_};
    }

    static void on_rx(void* ctx, const capture::UartRxEvent& ev) noexcept {
        auto& self = *static_cast<UartCapture*>(ctx);
        const std::size_t size = self.dma_.size();
        const std::size_t pos = ev.position % size;
        // At most half the buffer arrives between two events, so equal positions mean no bytes.
        std::span<const std::uint8_t> first, second;
        if (pos >= self.last_) {
            first = std::span<const std::uint8_t>(self.dma_).subspan(self.last_, pos - self.last_);
        } else {
            first = std::span<const std::uint8_t>(self.dma_).subspan(self.last_);
            second = std::span<const std::uint8_t>(self.dma_).first(pos);
        }
        self.read_total_ += first.size() + second.size();
        self.last_ = pos;
        while (!first.empty() || !second.empty()) {
            const auto r = self.decoder_.decode(first, second, ev.time_us, self.time_, self.events_);
            for (std::size_t i = 0; i < r.produced; ++i) {
                const capture::CapturedEvent& e = self.events_[i];
                const std::uint32_t sensor = self.by_channel_[e.channel & 0xFF];
                if (sensor == no_sensor) {
                    self.source_.frames_unmatched.fetch_add(1, std::memory_order_relaxed);
                    continue;
                }
                self.writer_.put(Reading{sensor, e.value, e.timestamp.ms});
            }
            // Whatever was taken is gone from the front of first, then second.
            std::size_t taken = r.consumed;
            const std::size_t from_first = std::min(taken, first.size());
            first = first.subspan(from_first);
            second = second.subspan(taken - from_first);
        }
        self.uart_.consumed(self.read_total_);
        self.writer_.flush();
        const capture::UartCounters& c = self.decoder_.counters();
        self.source_.frames_bad.store(c.frames_bad, std::memory_order_relaxed);
        self.source_.bytes_discarded.store(c.bytes_discarded, std::memory_order_relaxed);
        self.source_.device_overruns.store(ev.bytes_dropped, std::memory_order_relaxed);
    }

    std::array<std::uint32_t, 256> by_channel_{};
    capture::UartFrameDecoder decoder_;
    std::array<capture::CapturedEvent, 32> events_{};
    // Half a buffer (128 bytes, 11 frames) is the most a burst of frames waits for its event.
    std::array<std::uint8_t, 256> dma_{};
    std::size_t last_ = 0;
    std::size_t read_total_ = 0;
    std::uint64_t sent_ = 0;
    std::uint32_t idle_us_ = 0;
    capture::SimUart uart_; // last: stopped and gone before what its thread touches
};

// ---- sim_spi -------------------------------------------------------------------------------------

class SpiCapture final : public BusBase {
public:
    SpiCapture(SourceBinding& source, const Sensors& sensors)
        : BusBase(source, sensors), spi_(capture::SimSpiConfig{source.spec->spi_clock_hz, &SpiCapture::converter, this}) {
        by_channel_.fill(no_sensor);
        for (std::uint32_t i : source.sensors) by_channel_[sensors[i]->channel & bus::max_spi_channel] = i;
    }
    ~SpiCapture() override { spi_.stop(); }

    int start() noexcept override {
        begin();
        return spi_.start();
    }
    bool ticks() const noexcept override { return true; }

    // One scan: a transfer per sensor, each started by the completion of the one before.
    void tick() noexcept override {
        if (source_.sensors.empty()) return;
        if (scanning_.exchange(true, std::memory_order_acq_rel)) {
            source_.device_overruns.fetch_add(1, std::memory_order_relaxed); // the last scan still runs
            return;
        }
        next_ = 0;
        if (request() != 0) scanning_.store(false, std::memory_order_release);
    }

private:
    int request() noexcept {
        const SensorBinding& b = *sensors_[source_.sensors[next_]];
        tx_ = {static_cast<std::uint8_t>(bus::spi_read_command | (b.channel & bus::max_spi_channel)), 0, 0, 0};
        return spi_.transfer(tx_, rx_, &SpiCapture::on_done, this);
    }

    // The converter on the bus: answers a read command with the channel's result.
    static void converter(void* ctx, const std::uint8_t* mosi, std::uint8_t* miso, std::size_t n) noexcept {
        auto& self = *static_cast<SpiCapture*>(ctx);
        std::memset(miso, 0, n);
        if (n != bus::spi_transfer_bytes || (mosi[0] & bus::spi_read_command) == 0) return;
        const std::uint32_t channel = mosi[0] & bus::max_spi_channel;
        const std::uint32_t sensor = self.by_channel_[channel];
        // An unrouted channel converts nothing in this simulation: the status says so.
        if (sensor == no_sensor) {
            miso[0] = 0xFF;
            return;
        }
        const std::uint32_t value =
            std::min(simulated_reading(self.spec(), self.sensor_id(sensor), self.elapsed_ms()), bus::spi_full_scale);
        miso[0] = static_cast<std::uint8_t>(channel);
        miso[1] = static_cast<std::uint8_t>(value >> 16);
        miso[2] = static_cast<std::uint8_t>(value >> 8);
        miso[3] = static_cast<std::uint8_t>(value);
    }

    static void on_done(void* ctx, const capture::SpiTransferDone& done) noexcept {
        auto& self = *static_cast<SpiCapture*>(ctx);
        const std::uint32_t sensor = self.source_.sensors[self.next_];
        if (done.status != 0) { // stopped mid-scan
            self.writer_.flush();
            self.scanning_.store(false, std::memory_order_release);
            return;
        }
        if (self.rx_[0] == (self.tx_[0] & bus::max_spi_channel)) {
            const std::uint32_t value =
                std::uint32_t{self.rx_[1]} << 16 | std::uint32_t{self.rx_[2]} << 8 | std::uint32_t{self.rx_[3]};
            self.writer_.put(Reading{sensor, value, self.time_.stamp(done.time_us).ms});
        } else {
            self.source_.frames_unmatched.fetch_add(1, std::memory_order_relaxed); // status names another channel
        }
        if (++self.next_ < self.source_.sensors.size() && self.request() == 0) return;
        self.writer_.flush();
        self.scanning_.store(false, std::memory_order_release);
    }

    std::array<std::uint32_t, bus::max_spi_channel + 1> by_channel_{};
    std::array<std::uint8_t, bus::spi_transfer_bytes> tx_{}, rx_{};
    std::size_t next_ = 0; // the sensor being read; the scan's thread owns it
    std::atomic<bool> scanning_{false};
    capture::SimSpi spi_; // last: stopped and gone before what its thread touches
};

// ---- sim_can, socketcan --------------------------------------------------------------------------

class CanCapture final : public BusBase {
public:
    CanCapture(SourceBinding& source, const Sensors& sensors) : BusBase(source, sensors) {
        // Each signal delivers to its sensor's index.
        for (std::uint32_t i : source.sensors) {
            const SensorBinding& b = *sensors[i];
            signals_.push_back(bus::can_signal(*b.spec, b.id - b.spec->id, i));
        }
        if (source.spec->kind == SourceKind::socketcan) {
            can_ = std::make_unique<capture::SocketCan>(source.spec->interface);
            return;
        }
        for (const capture::CanSignal& s : signals_)
            if (std::find(ids_.begin(), ids_.end(), s.id) == ids_.end()) ids_.push_back(s.id);
        capture::SimCanConfig c;
        c.frames_per_second = source.spec->frame_rate;
        c.ids = ids_;
        c.extended = !signals_.empty() && signals_.front().extended;
        c.seed = source.spec->seed;
        c.payload = &CanCapture::payload;
        c.payload_ctx = this;
        can_ = std::make_unique<capture::SimCan>(c);
    }
    ~CanCapture() override { can_->stop(); }

    int start() noexcept override {
        Text why;
        if (!decoder_.configure(signals_, why)) return -EINVAL; // the config check refuses these first
        // A simulated bus with no sensor has no identifier to send (SimCan needs one): nothing runs.
        if (signals_.empty() && spec().kind == SourceKind::sim_can) return 0;
        begin();
        return can_->start(&CanCapture::on_frame, this);
    }

private:
    // The senders on the simulated bus: every signal the frame's id carries, at its value now.
    static void payload(void* ctx, std::uint64_t, capture::CanFrame& frame) noexcept {
        auto& self = *static_cast<CanCapture*>(ctx);
        frame.dlc = 8;
        std::memset(frame.data, 0, sizeof frame.data);
        const std::uint64_t t = self.elapsed_ms();
        for (const capture::CanSignal& s : self.signals_)
            if (s.id == frame.id && s.extended == frame.extended)
                bus::can_insert(s, simulated_reading(self.spec(), self.sensor_id(s.channel), t), frame.data);
    }

    static void on_frame(void* ctx, const capture::CanFrame& frame) noexcept {
        auto& self = *static_cast<CanCapture*>(ctx);
        const std::size_t n = self.decoder_.decode(frame, self.time_, self.events_);
        for (std::size_t i = 0; i < n; ++i)
            self.writer_.put(Reading{self.events_[i].channel, self.events_[i].value, self.events_[i].timestamp.ms});
        self.writer_.flush();
        const capture::CanCounters& c = self.decoder_.counters();
        self.source_.frames_unmatched.store(c.frames_unmatched + c.frames_remote, std::memory_order_relaxed);
        self.source_.frames_bad.store(c.signals_short, std::memory_order_relaxed);
        self.source_.device_overruns.store(self.can_->stats().errors, std::memory_order_relaxed);
    }

    std::vector<capture::CanSignal> signals_;
    std::vector<std::uint32_t> ids_;
    capture::CanDecoder decoder_;
    // A frame carries at most 64 one-bit signals.
    std::array<capture::CapturedEvent, 64> events_{};
    std::unique_ptr<capture::CanSource> can_; // last: stopped and gone before what its thread touches
};

} // namespace

bool is_bus_kind(SourceKind kind) noexcept {
    return kind == SourceKind::sim_uart || kind == SourceKind::sim_spi || kind == SourceKind::sim_can ||
           kind == SourceKind::socketcan;
}

std::unique_ptr<BusCapture> make_bus_capture(SourceBinding& source, const Sensors& sensors) {
    switch (source.spec->kind) {
    case SourceKind::sim_uart: return std::make_unique<UartCapture>(source, sensors);
    case SourceKind::sim_spi: return std::make_unique<SpiCapture>(source, sensors);
    case SourceKind::sim_can:
    case SourceKind::socketcan: return std::make_unique<CanCapture>(source, sensors);
    default: return nullptr;
    }
}

} // namespace ss::actors
