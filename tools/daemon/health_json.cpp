#include "daemon/health_json.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "daemon/health_flags.hpp"
#include "daemon/text_out.hpp"

namespace ss::daemon {
namespace {

/// Appends `"key":` after a comma unless it opens the object.
class JsonObjectWriter {
public:
    explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }

    std::string& key(std::string_view name) {
        if (!first_) out_ += ',';
        first_ = false;
        append_json_string(out_, name);
        out_ += ':';
        return out_;
    }

    void field(std::string_view name, std::string_view value) { append_json_string(key(name), value); }
    void field(std::string_view name, std::uint64_t value) { append_uint(key(name), value); }
    void field_seconds(std::string_view name, std::uint64_t ms) {
        append_double(key(name), static_cast<double>(ms) / 1000.0);
    }

    void close() { out_ += '}'; }

private:
    std::string& out_;
    bool first_ = true;
};

/// Appends ["a","b",…].
template <class Range>
void append_json_string_array(std::string& out, const Range& values) {
    out += '[';
    bool first = true;
    for (const auto& v : values) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, v);
    }
    out += ']';
}

std::vector<std::string> health_flag_list(std::uint32_t flags) {
    std::vector<std::string> names;
    for (const auto& f : health_flag_names)
        if ((flags & f.bit) != 0) names.emplace_back(f.name);
    const std::uint32_t unnamed = unnamed_health_bits(flags);
    for (unsigned bit = 0; bit < 32; ++bit)
        if ((unnamed >> bit) & 1u) names.push_back(unnamed_health_flag_name(bit));
    return names;
}

} // namespace

bool health_ok(const actors::RuntimeSnapshot& snapshot) noexcept { return snapshot.healthy; }

std::string render_health_json(const actors::RuntimeSnapshot& snapshot) {
    std::uint64_t oldest_unsent_age_ms = 0;
    for (const auto& s : snapshot.sensors) oldest_unsent_age_ms = std::max(oldest_unsent_age_ms, s.oldest_unsent_age_ms);

    std::string out;
    out.reserve(512 + snapshot.gateway.size() + 64 * snapshot.problems.size());
    JsonObjectWriter root(out);
    root.field("status", health_ok(snapshot) ? "ok" : "degraded");
    root.field("gateway", snapshot.gateway);
    root.field_seconds("uptime_s", snapshot.uptime_ms);
    append_json_string_array(root.key("problems"), snapshot.problems);
    append_json_string_array(root.key("health_flags"), health_flag_list(snapshot.system.health_flags));
    root.field("sensors", snapshot.system.sensors);
    root.field("records_retained", snapshot.system.records_retained);
    root.field("ram_used_pct", snapshot.system.ram_used_pct);
    root.field("disk_bytes_used", snapshot.system.disk_bytes_used);
    root.field_seconds("oldest_unsent_age_s", oldest_unsent_age_ms);

    JsonObjectWriter upload(root.key("upload"));
    upload.field("batches_sent", snapshot.upload.batches_sent);
    upload.field("batches_acked", snapshot.upload.batches_acked);
    upload.field("records_acked", snapshot.upload.records_acked);
    upload.field("retries", snapshot.upload.retries);
    upload.close();

    root.close();
    out += '\n';
    return out;
}

} // namespace ss::daemon
