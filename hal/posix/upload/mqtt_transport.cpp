#include "posix/upload/mqtt_transport.hpp"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <vector>

#include "ss/source_name.hpp"

namespace ss::hal {

namespace {

struct LibInit {
    LibInit() { mosquitto_lib_init(); }
};

/// What a PUBACK's reason code (MQTT v5 §3.4.2.1) means for the batch.
UploadOutcome outcome_of_reason(int reason) {
    switch (reason) {
    case MQTT_RC_SUCCESS:
    case MQTT_RC_NO_MATCHING_SUBSCRIBERS: // the broker has it; nobody listens yet
        return UploadOutcome::acknowledged;
    case MQTT_RC_NOT_AUTHORIZED:
    case MQTT_RC_TOPIC_NAME_INVALID:
    case MQTT_RC_PAYLOAD_FORMAT_INVALID:
        return UploadOutcome::rejected; // will not succeed as sent
    default:
        return UploadOutcome::retry;    // quota exceeded, unspecified, implementation specific
    }
}

void replace_all(std::string& s, const std::string& what, const std::string& with) {
    for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size()))
        s.replace(at, what.size(), with);
}

} // namespace

struct MqttTransport::Impl {
    Settings settings;
    PayloadEncoder& encoder;
    std::expected<BodyCompressor, CompressionError> compressor;
    /// Kept from call to call: once grown to a batch's size, encoding and compressing allocate nothing.
    std::string payload, compressed;
    mosquitto* mosq = nullptr;
    bool loop_running = false;

    std::mutex lock;
    std::condition_variable changed;
    bool connected = false;
    std::uint64_t generation = 0; ///< connections made: a publish of an older one is lost with it
    std::uint64_t connection_events = 0; ///< CONNACKs (refusals too) and disconnections
    /// mid → index into the current call's results; acknowledged before publish returned: early.
    std::map<int, std::size_t> waiting;
    std::map<int, int> early;
    std::span<UploadResult> results;
    Stats stats{};

    Impl(Settings s, PayloadEncoder& e)
        : settings(std::move(s)), encoder(e), compressor(BodyCompressor::create(settings.compression, settings.compression_level)) {
        static LibInit once;
        if (settings.window == 0) settings.window = 1;
        // The session is the client id's: persistent (clean session off).
        mosq = mosquitto_new(settings.client_id.empty() ? nullptr : settings.client_id.c_str(),
                             settings.client_id.empty(), this);
        if (mosq == nullptr) return;
        mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, settings.v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
        mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM, static_cast<int>(settings.window));
        mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
        mosquitto_reconnect_delay_set(mosq, 1, 60, true);
        if (!settings.username.empty())
            mosquitto_username_pw_set(mosq, settings.username.c_str(),
                                      settings.password.empty() ? nullptr : settings.password.c_str());
        if (settings.tls) {
            mosquitto_tls_set(mosq, settings.ca_file.empty() ? nullptr : settings.ca_file.c_str(),
                              settings.ca_file.empty() ? "/etc/ssl/certs" : nullptr,
                              settings.client_cert.empty() ? nullptr : settings.client_cert.c_str(),
                              settings.client_key.empty() ? nullptr : settings.client_key.c_str(), nullptr);
            mosquitto_tls_insecure_set(mosq, !settings.verify_tls);
        }
        mosquitto_connect_v5_callback_set(mosq, [](mosquitto*, void* self, int rc, int, const mosquitto_property*) {
            static_cast<Impl*>(self)->on_connect(rc);
        });
        mosquitto_disconnect_v5_callback_set(mosq, [](mosquitto*, void* self, int, const mosquitto_property*) {
            static_cast<Impl*>(self)->on_disconnect();
        });
        mosquitto_publish_v5_callback_set(mosq, [](mosquitto*, void* self, int mid, int reason, const mosquitto_property*) {
            static_cast<Impl*>(self)->on_publish(mid, reason);
        });
    }

    ~Impl() {
        if (mosq == nullptr) return;
        mosquitto_disconnect(mosq);
        if (loop_running) mosquitto_loop_stop(mosq, false);
        mosquitto_destroy(mosq);
    }

    void on_connect(int rc) {
        std::lock_guard g(lock);
        ++connection_events;
        if (rc == 0) {
            connected = true;
            ++generation;
            ++stats.connects;
        } else {
            ++stats.connect_failures;
        }
        changed.notify_all();
    }

    void on_disconnect() {
        std::lock_guard g(lock);
        ++connection_events;
        connected = false;
        // What waits for a PUBACK is sent again by the uploader (same key): not waited for.
        for (auto& [mid, i] : waiting) {
            results[i] = UploadResult{UploadOutcome::retry, 0};
            ++stats.timed_out;
        }
        waiting.clear();
        changed.notify_all();
    }

    /// Acknowledges at once what the loop thread just read, instead of after the delayed-ACK
    /// timer (up to 40 ms on Linux). A broker with Nagle on (mosquitto's default:
    /// set_tcp_nodelay false) holds each PUBACK until its previous one is acknowledged at the TCP
    /// level; at the end of a send_many the transport only waits and sends nothing an ACK could
    /// ride on, so every call stalled for that timer (ss_bench_upload --transport=mqtt: 0.07x of
    /// plain libmosquitto, 0.9x with this). Quick-ACK mode is not sticky: set again each time.
    void acknowledge_tcp_at_once() {
#ifdef TCP_QUICKACK
        const int fd = mosquitto_socket(mosq);
        const int on = 1;
        if (fd >= 0) (void)::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
#endif
    }

    void on_publish(int mid, int reason) {
        acknowledge_tcp_at_once();
        std::lock_guard g(lock);
        auto it = waiting.find(mid);
        if (it == waiting.end()) {
            early[mid] = reason; // publish() has not returned its mid yet, or a late ack
            return;
        }
        settle(it->second, reason);
        waiting.erase(it);
        changed.notify_all();
    }

    void settle(std::size_t i, int reason) {
        const UploadOutcome o = outcome_of_reason(reason);
        results[i] = UploadResult{o, 0, static_cast<std::uint32_t>(reason)};
        if (o == UploadOutcome::acknowledged) ++stats.acknowledged;
        else ++stats.refused;
    }

    /// Connected (or the library's thread is on it) within the connect timeout.
    bool ensure_connected(std::unique_lock<std::mutex>& g) {
        if (connected) return true;
        if (!loop_running) {
            g.unlock();
            int rc = MOSQ_ERR_INVAL;
            if (mosq != nullptr) {
                mosquitto_property* props = nullptr;
                if (settings.v5)
                    mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, settings.session_expiry_s);
                rc = mosquitto_connect_bind_v5(mosq, settings.host.c_str(), settings.port,
                                               static_cast<int>(settings.keepalive_s), nullptr, props);
                mosquitto_property_free_all(&props);
                // From here on the library's thread reads, keeps alive and reconnects.
                if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_start(mosq);
            }
            g.lock();
            if (rc != MOSQ_ERR_SUCCESS) {
                ++stats.connect_failures;
                return false;
            }
            loop_running = true;
        }
        // A refusal (bad credentials, a TLS failure) ends the wait as soon as it is known.
        const std::uint64_t events = connection_events;
        changed.wait_for(g, std::chrono::milliseconds(settings.connect_timeout_ms),
                         [&] { return connected || connection_events != events; });
        return connected;
    }

    std::string topic_of(const UploadBatch& batch) const {
        std::string t = settings.topic_template;
        replace_all(t, "{gateway}", settings.gateway);
        replace_all(t, "{source}", source_name(batch.source));
        replace_all(t, "{sensor}", std::to_string(batch.sensor_id));
        replace_all(t, "{type}", batch.type == RecordType::ts ? "ts" : "evt");
        return t;
    }

    std::size_t send_many(std::span<const UploadBatch> batches, std::span<UploadResult> out) {
        const std::size_t n = std::min(batches.size(), out.size());
        std::unique_lock g(lock);
        results = out.first(n);
        if (!compressor) {
            // A level the library does not take will not change by retrying: quarantined, visible.
            for (auto& r : results) r = UploadResult{UploadOutcome::rejected, 0};
            results = {};
            return n;
        }
        for (auto& r : results) r = UploadResult{UploadOutcome::retry, 0};
        early.clear();
        if (!ensure_connected(g)) return n;
        const std::uint64_t gen = generation;
        const std::string_view coding = content_encoding_of(settings.compression);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(settings.ack_timeout_ms);
        for (std::size_t i = 0; i < n; ++i) {
            if (!changed.wait_until(g, deadline, [&] { return waiting.size() < settings.window || !connected; }) ||
                !connected || generation != gen)
                break;
            payload.clear();
            const std::string key = encoder.key(batches[i]);
            if (key.empty() || !encoder.append(batches[i], payload)) {
                results[i] = UploadResult{UploadOutcome::rejected, 0};
                continue;
            }
            std::string_view wire = payload;
            if (settings.compression != BodyCompression::none) {
                if (!compressor->compress(payload, compressed)) {
                    ++stats.compression_errors; // out of memory: nothing published, retry
                    break;
                }
                wire = compressed;
            }
            const std::string topic = topic_of(batches[i]);
            mosquitto_property* props = nullptr;
            if (settings.v5) {
                mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, "Idempotency-Key", key.c_str());
                mosquitto_property_add_string(&props, MQTT_PROP_CONTENT_TYPE, std::string(encoder.content_type()).c_str());
                if (!coding.empty())
                    mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, "Content-Encoding",
                                                       std::string(coding).c_str());
            }
            int mid = 0;
            g.unlock(); // the library's thread takes its own locks and then calls back into ours
            const int rc = mosquitto_publish_v5(mosq, &mid, topic.c_str(), static_cast<int>(wire.size()),
                                                wire.data(), 1, false, props);
            mosquitto_property_free_all(&props);
            g.lock();
            if (rc != MOSQ_ERR_SUCCESS) break; // not connected any more, or out of memory: retry
            ++stats.published;
            stats.bytes_published += wire.size();
            stats.bytes_encoded += payload.size();
            if (auto e = early.find(mid); e != early.end()) {
                settle(i, e->second);
                early.erase(e);
            } else {
                waiting[mid] = i;
            }
        }
        changed.wait_until(g, deadline, [&] { return waiting.empty(); });
        stats.timed_out += waiting.size();
        waiting.clear(); // late PUBACKs find nothing: those batches are retry and go again
        results = {};
        return n;
    }
};

MqttTransport::MqttTransport(Settings settings, PayloadEncoder& encoder)
    : impl_(std::make_unique<Impl>(std::move(settings), encoder)) {}

MqttTransport::~MqttTransport() = default;

UploadResult MqttTransport::send(const UploadBatch& batch) noexcept {
    UploadResult r{};
    send_many(std::span<const UploadBatch>(&batch, 1), std::span<UploadResult>(&r, 1));
    return r;
}

std::size_t MqttTransport::send_many(std::span<const UploadBatch> batches, std::span<UploadResult> results) noexcept {
    try {
        return impl_->send_many(batches, results);
    } catch (...) {
        for (auto& r : results) r = UploadResult{UploadOutcome::retry, 0};
        return std::min(batches.size(), results.size());
    }
}

MqttTransport::Stats MqttTransport::stats() const noexcept {
    std::lock_guard g(impl_->lock);
    return impl_->stats;
}

WireCounts MqttTransport::wire_counts() const noexcept {
    const Stats st = stats();
    return WireCounts{st.bytes_published, st.bytes_encoded, 0, st.compression_errors};
}

std::string MqttTransport::topic_of(const UploadBatch& batch) const { return impl_->topic_of(batch); }

} // namespace ss::hal
