#include "quarantine_command.hpp"

#include "ss/source_name.hpp"
#include "text_out.hpp"

namespace ss::daemon {

namespace {

std::string list_json(const hal::Quarantine& q) {
    std::string out = "[";
    bool first = true;
    for (const auto& e : q.entries()) {
        out += first ? "\n" : ",\n";
        first = false;
        out += R"({"file":)";
        append_json_string(out, e.file);
        out += R"(,"source":)";
        append_json_string(out, source_name(e.batch.source));
        out += R"(,"sensor":)";
        append_uint(out, e.batch.sensor_id);
        out += R"(,"type":)";
        append_json_string(out, e.batch.type == RecordType::ts ? "ts" : "evt");
        out += R"(,"first_seq":)";
        append_uint(out, e.batch.first_seq);
        out += R"(,"count":)";
        append_uint(out, e.batch.count);
        out += R"(,"reason":)";
        append_uint(out, e.reason);
        out += R"(,"quarantined_at_ms":)";
        append_uint(out, e.quarantined_at_ms);
        out += R"(,"released":)";
        out += e.released ? "true" : "false";
        out += '}';
    }
    out += first ? "]\n" : "\n]\n";
    return out;
}

} // namespace

std::pair<unsigned, std::string> run_quarantine_command(hal::Quarantine& quarantine, std::string_view action,
                                                        std::string_view file) {
    if (action == "list") return {200, list_json(quarantine)};
    const std::string name(file);
    Expected<void> done = std::unexpected(Errc::invalid_argument);
    if (action == "release") done = quarantine.release(name);
    else if (action == "drop") done = quarantine.drop(name);
    else return {404, "unknown command\n"};
    if (done) return {200, std::string(action == "release" ? "released " : "dropped ") + name + "\n"};
    if (done.error() == Errc::invalid_argument)
        return {404, "no such held batch: " + name + (action == "release" ? " (or released already)\n" : "\n")};
    return {500, "the file system refused: " + name + " is unchanged\n"};
}

} // namespace ss::daemon
