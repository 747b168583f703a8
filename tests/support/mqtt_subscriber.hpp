// A QoS 1 MQTT v5 subscriber for tests, on libmosquitto: what a cloud consumer of the gateway's
// topics sees. It keeps every message with its topic, payload and the user properties and
// content type the publisher set; a persistent session (clean start off, a session expiry) gets
// the messages the broker queued while it was away.
#pragma once

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ss::test {

class MqttSubscriber {
public:
    struct Message {
        std::string topic;
        std::string payload;
        std::map<std::string, std::string> user_properties;
        std::string content_type;
    };

    /// Connects to 127.0.0.1:port as client_id and subscribes to `filter` at QoS 1.
    static std::expected<std::unique_ptr<MqttSubscriber>, std::string> start(std::uint16_t port, const std::string& client_id,
                                                                            const std::string& filter) {
        mosquitto_lib_init();
        auto s = std::unique_ptr<MqttSubscriber>(new MqttSubscriber);
        s->filter_ = filter;
        s->mosq_ = mosquitto_new(client_id.c_str(), false, s.get());
        if (s->mosq_ == nullptr) return std::unexpected("mosquitto_new failed");
        mosquitto_int_option(s->mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
        mosquitto_connect_v5_callback_set(s->mosq_, [](mosquitto* m, void* self, int rc, int, const mosquitto_property*) {
            auto* me = static_cast<MqttSubscriber*>(self);
            if (rc == 0) mosquitto_subscribe_v5(m, nullptr, me->filter_.c_str(), 1, 0, nullptr);
        });
        mosquitto_subscribe_v5_callback_set(s->mosq_, [](mosquitto*, void* self, int, int, const int*, const mosquitto_property*) {
            auto* me = static_cast<MqttSubscriber*>(self);
            std::lock_guard g(me->lock_);
            me->subscribed_ = true;
            me->changed_.notify_all();
        });
        mosquitto_message_v5_callback_set(s->mosq_, [](mosquitto*, void* self, const mosquitto_message* msg,
                                                       const mosquitto_property* props) {
            auto* me = static_cast<MqttSubscriber*>(self);
            Message m;
            m.topic = msg->topic;
            m.payload.assign(static_cast<const char*>(msg->payload), static_cast<std::size_t>(msg->payloadlen));
            for (const mosquitto_property* p = props; p != nullptr; p = mosquitto_property_next(p)) {
                const int id = mosquitto_property_identifier(p);
                char* name = nullptr;
                char* value = nullptr;
                if (id == MQTT_PROP_USER_PROPERTY &&
                    mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value, false) != nullptr) {
                    m.user_properties[name] = value;
                } else if (id == MQTT_PROP_CONTENT_TYPE &&
                           mosquitto_property_read_string(p, MQTT_PROP_CONTENT_TYPE, &value, false) != nullptr) {
                    m.content_type = value;
                }
                std::free(name);
                std::free(value);
            }
            std::lock_guard g(me->lock_);
            me->messages_.push_back(std::move(m));
            me->changed_.notify_all();
        });
        mosquitto_property* props = nullptr;
        mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, 3600);
        const int rc = mosquitto_connect_bind_v5(s->mosq_, "127.0.0.1", port, 30, nullptr, props);
        mosquitto_property_free_all(&props);
        if (rc != MOSQ_ERR_SUCCESS) return std::unexpected(std::string("connect: ") + mosquitto_strerror(rc));
        mosquitto_reconnect_delay_set(s->mosq_, 1, 2, false);
        if (mosquitto_loop_start(s->mosq_) != MOSQ_ERR_SUCCESS) return std::unexpected("loop_start failed");
        std::unique_lock g(s->lock_);
        if (!s->changed_.wait_for(g, std::chrono::seconds(10), [&] { return s->subscribed_; }))
            return std::unexpected("no SUBACK within 10 s");
        return s;
    }

    ~MqttSubscriber() {
        if (mosq_ == nullptr) return;
        mosquitto_disconnect(mosq_);
        mosquitto_loop_stop(mosq_, false);
        mosquitto_destroy(mosq_);
    }

    /// Waits until at least n messages arrived; false on timeout.
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout) {
        std::unique_lock g(lock_);
        return changed_.wait_for(g, timeout, [&] { return messages_.size() >= n; });
    }

    std::vector<Message> messages() {
        std::lock_guard g(lock_);
        return messages_;
    }

private:
    MqttSubscriber() = default;
    mosquitto* mosq_ = nullptr;
    std::string filter_;
    std::mutex lock_;
    std::condition_variable changed_;
    bool subscribed_ = false;
    std::vector<Message> messages_;
};

} // namespace ss::test
