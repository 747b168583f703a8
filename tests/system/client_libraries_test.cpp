// The C client libraries the uploader's transports are to use (issue 12), linked through
// pkg-config as the transports will be, against the test servers: libcurl keeps one connection
// alive across uploads, reads a scripted Retry-After in seconds and as an HTTP date, and
// verifies the receiver's certificate against the test CA (and refuses it with another);
// libmosquitto publishes at QoS 1 over MQTT v5 with the batch's idempotency key as a user
// property, and the subscriber gets the property with the message. What the transports may
// rely on in the real libraries and servers, before they are written.
#include <doctest/doctest.h>

#include <curl/curl.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "support/http_receiver.hpp"
#include "support/mosquitto_server.hpp"

namespace {

using namespace std::chrono_literals;

/// One libcurl easy handle, reused across uploads as a transport would (its connection cache).
class CurlUploader {
public:
    CurlUploader() : handle_(curl_easy_init()) { REQUIRE(handle_ != nullptr); }
    ~CurlUploader() {
        curl_slist_free_all(headers_);
        curl_easy_cleanup(handle_);
    }
    CurlUploader(const CurlUploader&) = delete;
    CurlUploader& operator=(const CurlUploader&) = delete;

    CURL* handle() const { return handle_; }

    /// POSTs body with an Idempotency-Key; curl's result code.
    CURLcode post(const std::string& url, const std::string& body, const std::string& key) {
        curl_slist_free_all(headers_);
        headers_ = curl_slist_append(nullptr, ("Idempotency-Key: " + key).c_str());
        headers_ = curl_slist_append(headers_, "Content-Type: application/x-ndjson");
        curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
        curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers_);
        curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, &discard);
        curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, 10000L);
        return curl_easy_perform(handle_);
    }

    long status() const {
        long code = 0;
        curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &code);
        return code;
    }

    /// New connections the last transfer opened (0 when it reused a kept-alive one).
    long new_connections() const {
        long count = -1;
        curl_easy_getinfo(handle_, CURLINFO_NUM_CONNECTS, &count);
        return count;
    }

    /// The last response's Retry-After in seconds (libcurl converts an HTTP date); 0 without one.
    curl_off_t retry_after_seconds() const {
        curl_off_t seconds = -1;
        curl_easy_getinfo(handle_, CURLINFO_RETRY_AFTER, &seconds);
        return seconds;
    }

private:
    static std::size_t discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

    CURL* handle_;
    curl_slist* headers_ = nullptr;
};

std::unique_ptr<ss::test::HttpReceiver> start_receiver(const ss::test::HttpReceiver::Options& options) {
    auto receiver = ss::test::HttpReceiver::start(options);
    REQUIRE_MESSAGE(receiver.has_value(), (receiver ? std::string() : receiver.error()));
    return std::move(*receiver);
}

/// What an MQTT v5 client saw, filled in by libmosquitto's callbacks on the test's thread.
struct MqttClientState {
    bool connected = false;
    bool subscribed = false;
    int published_mid = -1;  ///< the publish's message id; PUBACK for it sets acknowledged
    bool acknowledged = false;
    std::string payload;
    std::string idempotency_key;
};

/// A libmosquitto client speaking MQTT v5, driven by mosquitto_loop on the test's thread.
class MqttClient {
public:
    MqttClient(const char* id, MqttClientState& client_state) : mosq_(mosquitto_new(id, true, &client_state)) {
        REQUIRE(mosq_ != nullptr);
        REQUIRE(mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5) == MOSQ_ERR_SUCCESS);
        mosquitto_connect_v5_callback_set(mosq_, [](mosquitto*, void* s, int rc, int, const mosquitto_property*) {
            static_cast<MqttClientState*>(s)->connected = rc == 0;
        });
        mosquitto_subscribe_v5_callback_set(mosq_, [](mosquitto*, void* s, int, int, const int*, const mosquitto_property*) {
            static_cast<MqttClientState*>(s)->subscribed = true;
        });
        mosquitto_publish_v5_callback_set(mosq_, [](mosquitto*, void* s, int mid, int reason, const mosquitto_property*) {
            auto* state = static_cast<MqttClientState*>(s);
            state->acknowledged = mid == state->published_mid && reason < 0x80;
        });
        mosquitto_message_v5_callback_set(mosq_, [](mosquitto*, void* s, const mosquitto_message* m, const mosquitto_property* props) {
            auto* state = static_cast<MqttClientState*>(s);
            state->payload.assign(static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen));
            char* name = nullptr;
            char* value = nullptr;
            for (const mosquitto_property* p = props; p != nullptr; p = mosquitto_property_next(p))
                if (mosquitto_property_identifier(p) == MQTT_PROP_USER_PROPERTY &&
                    mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value, false) != nullptr) {
                    if (std::strcmp(name, "idempotency-key") == 0) state->idempotency_key = value;
                    std::free(name);
                    std::free(value);
                }
        });
    }
    ~MqttClient() {
        mosquitto_disconnect(mosq_);
        mosquitto_destroy(mosq_);
    }
    MqttClient(const MqttClient&) = delete;
    MqttClient& operator=(const MqttClient&) = delete;

    mosquitto* get() const { return mosq_; }

    /// Runs the client's network loop until done() or timeout; whether done() came true.
    template <class Done>
    bool loop_until(Done done, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            const int rc = mosquitto_loop(mosq_, 20, 1);
            if (rc != MOSQ_ERR_SUCCESS) return false;
        }
        return true;
    }

private:
    mosquitto* mosq_;
};

} // namespace

TEST_CASE("libcurl keeps one connection alive across uploads and reads Retry-After in seconds and as an HTTP date") {
    auto receiver = start_receiver({});
    REQUIRE(receiver->script_faults("200\n200\n429 retry-after=3\n503 retry-after-date=90\n").has_value());
    CurlUploader uploader;
    const std::string url = receiver->url("/v1/batches");
    REQUIRE(uploader.post(url, "{\"seq\":0}\n", "gw:adc0:1:0:1") == CURLE_OK);
    CHECK(uploader.status() == 200);
    CHECK(uploader.new_connections() == 1);
    REQUIRE(uploader.post(url, "{\"seq\":1}\n", "gw:adc0:1:1:1") == CURLE_OK);
    CHECK(uploader.status() == 200);
    CHECK(uploader.new_connections() == 0); // the kept-alive connection
    REQUIRE(uploader.post(url, "{\"seq\":2}\n", "gw:adc0:1:2:1") == CURLE_OK);
    CHECK(uploader.status() == 429);
    CHECK(uploader.retry_after_seconds() == 3);
    REQUIRE(uploader.post(url, "{\"seq\":2}\n", "gw:adc0:1:2:1") == CURLE_OK);
    CHECK(uploader.status() == 503);
    // An HTTP date has one-second resolution, the clock moves on between the two ends, and
    // libcurl's time() reads the coarse clock, which may still show the previous second.
    CHECK(uploader.retry_after_seconds() >= 88);
    CHECK(uploader.retry_after_seconds() <= 91);
    auto stats = receiver->stats();
    REQUIRE(stats.has_value());
    CHECK(stats->accepted == 2);
    CHECK(stats->unique_keys == 2);
}

TEST_CASE("libcurl verifies the receiver's certificate against the test CA and refuses it with another CA") {
    ss::test::HttpReceiver::Options options;
    options.tls = true;
    auto receiver = start_receiver(options);
    {
        CurlUploader uploader;
        curl_easy_setopt(uploader.handle(), CURLOPT_CAINFO, receiver->pki().ca_cert.c_str());
        CHECK(uploader.post(receiver->url(), "over tls", "k1") == CURLE_OK);
        CHECK(uploader.status() == 200);
    }
    {
        CurlUploader uploader;
        curl_easy_setopt(uploader.handle(), CURLOPT_CAINFO, receiver->pki().wrong_ca_cert.c_str());
        CHECK(uploader.post(receiver->url(), "must not arrive", "k2") == CURLE_PEER_FAILED_VERIFICATION);
    }
    auto stats = receiver->stats();
    REQUIRE(stats.has_value());
    CHECK(stats->requests == 1);
}

TEST_CASE("libmosquitto publishes at QoS 1 over MQTT v5 and the subscriber gets the idempotency key as a user property") {
    auto started = ss::test::MosquittoServer::start();
    REQUIRE_MESSAGE(started.has_value(), (started ? std::string() : started.error()));
    auto& broker = **started;
    mosquitto_lib_init();
    {
        MqttClientState subscriber_state, publisher_state;
        MqttClient subscriber("ss-test-subscriber", subscriber_state);
        MqttClient publisher("ss-test-publisher", publisher_state);
        REQUIRE(mosquitto_connect_bind_v5(subscriber.get(), "127.0.0.1", broker.port(), 30, nullptr, nullptr) == MOSQ_ERR_SUCCESS);
        REQUIRE(subscriber.loop_until([&] { return subscriber_state.connected; }, 5s));
        REQUIRE(mosquitto_subscribe_v5(subscriber.get(), nullptr, "ss/gw-7/adc0/+", 1, 0, nullptr) == MOSQ_ERR_SUCCESS);
        REQUIRE(subscriber.loop_until([&] { return subscriber_state.subscribed; }, 5s));

        REQUIRE(mosquitto_connect_bind_v5(publisher.get(), "127.0.0.1", broker.port(), 30, nullptr, nullptr) == MOSQ_ERR_SUCCESS);
        REQUIRE(publisher.loop_until([&] { return publisher_state.connected; }, 5s));
        mosquitto_property* properties = nullptr;
        REQUIRE(mosquitto_property_add_string_pair(&properties, MQTT_PROP_USER_PROPERTY, "idempotency-key", "gw-7:adc0:3:120:60") ==
                MOSQ_ERR_SUCCESS);
        const std::string payload = "{\"first_seq\":120,\"count\":60}";
        const int sent = mosquitto_publish_v5(publisher.get(), &publisher_state.published_mid, "ss/gw-7/adc0/3",
                                              static_cast<int>(payload.size()), payload.data(), 1, false, properties);
        mosquitto_property_free_all(&properties);
        REQUIRE(sent == MOSQ_ERR_SUCCESS);
        CHECK_MESSAGE(publisher.loop_until([&] { return publisher_state.acknowledged; }, 5s), "no PUBACK\n" << broker.log_tail());
        CHECK_MESSAGE(subscriber.loop_until([&] { return !subscriber_state.payload.empty(); }, 5s), broker.log_tail());
        CHECK(subscriber_state.payload == payload);
        CHECK(subscriber_state.idempotency_key == "gw-7:adc0:3:120:60");
    }
    mosquitto_lib_cleanup();
}
