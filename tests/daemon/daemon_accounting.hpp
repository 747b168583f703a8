// Reads back what a daemon run left: the archive's batches per sensor and the store's own
// figures (opened offline with the library), and checks the accounting the daemon promises:
// every sequence number a sensor handed out is uploaded, still stored, or inside a counted loss.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace daemon_test {

struct ArchivedBatch {
    std::string key;
    std::uint64_t first_seq = 0;
    std::uint32_t count = 0;
    std::vector<std::uint64_t> values; ///< time series: the values; events: value and time mixed in
};

/// The numbers of a line's "values":[...] or "events":[[v,t],...] array, in order.
inline std::vector<std::uint64_t> numbers_of(const std::string& line) {
    std::vector<std::uint64_t> out;
    auto at = line.find("\"values\":[");
    if (at == std::string::npos) at = line.find("\"events\":[");
    if (at == std::string::npos) return out;
    std::uint64_t v = 0;
    bool in_number = false;
    for (std::size_t i = line.find('[', at); i < line.size(); ++i) {
        const char c = line[i];
        if (c >= '0' && c <= '9') {
            v = v * 10 + static_cast<std::uint64_t>(c - '0');
            in_number = true;
            continue;
        }
        if (in_number) out.push_back(v);
        v = 0;
        in_number = false;
        if (c == '}') break;
    }
    return out;
}

using SensorKey = std::pair<std::string, std::uint32_t>; ///< (source name, sensor id)

inline std::string field(const std::string& line, const std::string& name) {
    const std::string tag = "\"" + name + "\":";
    const auto at = line.find(tag);
    if (at == std::string::npos) return {};
    auto from = at + tag.size();
    if (line[from] == '"') {
        const auto end = line.find('"', from + 1);
        return line.substr(from + 1, end - from - 1);
    }
    const auto end = line.find_first_of(",}", from);
    return line.substr(from, end - from);
}

/// Every batch in every archive-*.jsonl file under dir, per sensor.
inline std::map<SensorKey, std::vector<ArchivedBatch>> read_archive(const std::filesystem::path& dir) {
    std::map<SensorKey, std::vector<ArchivedBatch>> out;
    if (!std::filesystem::exists(dir)) return out;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".jsonl") continue;
        std::ifstream in(entry.path());
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            ArchivedBatch b;
            b.key = field(line, "key");
            b.first_seq = std::stoull(field(line, "first_seq"));
            b.count = static_cast<std::uint32_t>(std::stoul(field(line, "count")));
            b.values = numbers_of(line);
            out[{field(line, "source"), static_cast<std::uint32_t>(std::stoul(field(line, "sensor")))}].push_back(b);
        }
    }
    return out;
}

} // namespace daemon_test
