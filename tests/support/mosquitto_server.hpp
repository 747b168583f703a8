// A real MQTT broker for a test: Debian's mosquitto (2.0) on free loopback ports in a temporary
// directory of its own, with persistence there, anonymous or with a password file made by
// mosquitto_passwd, and optionally a TLS listener with certificates the test makes
// (test_pki.hpp). Ready when every listener accepts a connection. kill() and restart() give a
// broker crash: sessions and queued QoS 1 messages come back from its persistence file.
#pragma once

#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "support/local_server.hpp"
#include "support/test_pki.hpp"

namespace ss::test {

class MosquittoServer {
public:
    struct Options {
        /// Empty: anonymous clients are allowed. Else only this user, with password, is: the
        /// password file is made with mosquitto_passwd.
        std::string username;
        std::string password;
        /// A second listener that speaks TLS only, with a server certificate from make_test_pki.
        bool tls_listener = false;
        /// mosquitto saves its database after every change, so a SIGKILL loses at most what
        /// the broker took in since its last loop pass (its default, every 30 min, would lose
        /// everything a crash test sends). Turn off to test with the default.
        bool save_after_every_change = true;
        /// TCP_NODELAY on the broker's sockets (mosquitto's set_tcp_nodelay, off by default):
        /// with Nagle on, a PUBACK that follows an unacknowledged one waits for the client's
        /// delayed ACK (up to 40 ms on Linux) when the client sends nothing meanwhile.
        bool tcp_nodelay = false;
        std::chrono::milliseconds ready_timeout{10000};
    };

    /// An anonymous broker without TLS.
    static std::expected<std::unique_ptr<MosquittoServer>, std::string> start() { return start(Options{}); }

    static std::expected<std::unique_ptr<MosquittoServer>, std::string> start(const Options& options) {
        auto broker = std::unique_ptr<MosquittoServer>(new MosquittoServer(options));
        LocalServerSpec spec;
        spec.program = "mosquitto";
        spec.port_count = options.tls_listener ? 2 : 1;
        spec.prepare = [broker = broker.get()](const LocalServer& server) { return broker->prepare(server); };
        spec.ready = accepts_tcp_on_every_port();
        spec.ready_timeout = options.ready_timeout;
        auto server = LocalServer::start(std::move(spec));
        if (!server) return std::unexpected(server.error());
        broker->server_ = std::move(*server);
        return broker;
    }

    /// The plain MQTT listener's port.
    std::uint16_t port() const { return server_->port(0); }
    /// The TLS listener's port (Options::tls_listener).
    std::uint16_t tls_port() const { return server_->port(1); }
    /// The certificates of the TLS listener (Options::tls_listener).
    const TestPki& pki() const { return pki_.value(); }
    const std::filesystem::path& directory() const { return server_->directory(); }
    std::filesystem::path persistence_file() const { return directory() / "mosquitto.db"; }
    std::string log() const { return server_->log(); }
    std::string log_tail() const { return server_->log_tail(); }
    LocalServer& server() { return *server_; }

    /// Waits until the persistence file holds bytes (a message's payload); false on timeout.
    /// PUBACK does not wait for the save, and the "Saving" log line comes before the write: a
    /// test that must know a message survives a SIGKILL waits for this. mosquitto writes the
    /// file under another name and renames it, so what is seen here is a complete save.
    bool wait_until_persisted(std::string_view bytes, std::chrono::milliseconds timeout) const {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (read_text_file(persistence_file()).find(bytes) == std::string::npos) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return true;
    }

    int stop() { return server_->stop(); }
    int kill() { return server_->kill(); }
    std::expected<void, std::string> restart() { return server_->restart(); }

private:
    explicit MosquittoServer(Options options) : options_(std::move(options)) {}

    std::expected<std::vector<std::string>, std::string> prepare(const LocalServer& server) {
        const auto& dir = server.directory();
        if (options_.tls_listener && !pki_) {
            auto pki = make_test_pki(dir);
            if (!pki) return std::unexpected(pki.error());
            pki_ = std::move(*pki);
        }
        if (!options_.username.empty()) {
            if (auto made = make_password_file(dir / "passwords"); !made) return std::unexpected(made.error());
        }
        std::ofstream config(dir / "mosquitto.conf");
        // Settings apply to every listener (per_listener_settings false, the default).
        config << "listener " << server.port(0) << " 127.0.0.1\n";
        if (options_.tls_listener)
            config << "listener " << server.port(1) << " 127.0.0.1\n"
                   << "cafile " << pki_->ca_cert.string() << "\n"
                   << "certfile " << pki_->server_cert.string() << "\n"
                   << "keyfile " << pki_->server_key.string() << "\n";
        if (options_.username.empty())
            config << "allow_anonymous true\n";
        else
            config << "allow_anonymous false\npassword_file " << (dir / "passwords").string() << "\n";
        config << "persistence true\n"
               << "persistence_location " << dir.string() << "/\n"
               << "persistence_file mosquitto.db\n";
        if (options_.save_after_every_change) config << "autosave_on_changes true\nautosave_interval 1\n";
        if (options_.tcp_nodelay) config << "set_tcp_nodelay true\n";
        // Started as root, mosquitto would switch to the user "mosquitto", who cannot write
        // this directory; it keeps the user it runs as when told that user's name.
        if (const passwd* user = ::getpwuid(::geteuid()); user != nullptr) config << "user " << user->pw_name << "\n";
        config << "log_dest stderr\n"
               << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
               << "connection_messages true\n";
        config.close();
        if (!config) return std::unexpected("cannot write " + (dir / "mosquitto.conf").string());
        return std::vector<std::string>{"-c", (dir / "mosquitto.conf").string()};
    }

    std::expected<void, std::string> make_password_file(const std::filesystem::path& path) const {
        const auto tool = find_on_path("mosquitto_passwd");
        if (tool.empty()) return std::unexpected(std::string("mosquitto_passwd is not on PATH (package mosquitto)"));
        auto run = run_to_completion(tool, {"-c", "-b", path.string(), options_.username, options_.password}, {},
                                     path.parent_path() / "mosquitto_passwd.log", std::chrono::seconds(10));
        if (!run) return std::unexpected(run.error());
        if (run->status != 0) return std::unexpected("mosquitto_passwd failed: " + run->output);
        return {};
    }

    Options options_;
    std::optional<TestPki> pki_;
    std::unique_ptr<LocalServer> server_;
};

} // namespace ss::test
