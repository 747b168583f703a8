// Reads back what a daemon run left: the archive's batches per sensor and the store's own
// figures (opened offline with the library), and checks the accounting the daemon promises:
// every sequence number a sensor handed out is uploaded, still stored, quarantined, or inside a
// counted loss — or, after SIGKILLs, inside the one run per kill that a kill may cost (account()).
#pragma once

#include <algorithm>
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

/// A sensor's own figures, read from its store after the last run.
struct StoreFigures {
    std::uint64_t next_seq = 0; ///< numbers handed out: [0, next_seq)
    std::uint64_t head_seq = 0; ///< below it everything was erased (acknowledged or dropped)
    std::uint64_t retained = 0; ///< records still stored
    std::uint64_t dropped = 0;  ///< records the store counted as dropped or lost, by every cause
};

using SeqSets = std::map<SensorKey, std::set<std::uint64_t>>;

/// Where every sequence number the gateway handed out ended up. The first four are what the
/// daemon promises; skipped_in_kills is what SIGKILLs cost on top, by design: the records that
/// were only in RAM when the process died, and the numbers the numbering's reservation jumped past
/// on restart (most of them: nothing tells the two apart afterwards, which is why the records a
/// killed gateway generated cannot be counted exactly from outside it). It is what is left when
/// the others are taken from `numbered`, so the test of it is that it is never negative on any
/// sensor (nothing counted twice) and that it lies in at most one run of numbers per kill and
/// sensor (most_gap_runs).
struct Accounting {
    std::uint64_t numbered = 0;      ///< sum of next_seq
    std::uint64_t at_receiver = 0;   ///< distinct numbers the receiver holds
    std::uint64_t stored = 0;        ///< still in the store and not at the receiver
    std::uint64_t quarantined = 0;   ///< in quarantine files and not at the receiver
    std::uint64_t dropped = 0;       ///< counted by the store
    std::uint64_t skipped_in_kills = 0;
    std::uint32_t most_gap_runs = 0; ///< on any sensor: runs of numbers below its head in no category
    std::uint64_t beyond_next_seq = 0;  ///< numbers at the receiver the gateway never handed out
    std::uint64_t overcounted = 0;      ///< over all sensors where the categories exceed next_seq
};

/// Numbers in the quarantine directory's held batches, by their file names
/// (<source>-<sensor>-<first_seq>-<count>.qb; hal/posix/upload/quarantine.hpp).
inline SeqSets read_quarantine(const std::filesystem::path& dir) {
    SeqSets out;
    if (!std::filesystem::exists(dir)) return out;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".qb") continue;
        const std::string name = entry.path().stem().string();
        std::vector<std::string> parts;
        for (std::size_t from = 0;;) {
            const auto dash = name.find('-', from);
            parts.push_back(name.substr(from, dash - from));
            if (dash == std::string::npos) break;
            from = dash + 1;
        }
        if (parts.size() != 4) continue;
        const std::uint64_t first = std::stoull(parts[2]);
        const std::uint64_t count = std::stoull(parts[3]);
        auto& seqs = out[{parts[0], static_cast<std::uint32_t>(std::stoul(parts[1]))}];
        for (std::uint64_t s = first; s < first + count; ++s) seqs.insert(s);
    }
    return out;
}

inline Accounting account(const std::map<SensorKey, StoreFigures>& store, const SeqSets& received, const SeqSets& quarantined) {
    Accounting a;
    const std::set<std::uint64_t> none;
    for (const auto& [key, fig] : store) {
        const auto r = received.find(key);
        const auto q = quarantined.find(key);
        const std::set<std::uint64_t>& got = r == received.end() ? none : r->second;
        const std::set<std::uint64_t>& held = q == quarantined.end() ? none : q->second;
        std::uint64_t at_receiver = 0, quarantined_only = 0, received_still_stored = 0;
        for (std::uint64_t s : got) {
            if (s >= fig.next_seq) ++a.beyond_next_seq;
            else ++at_receiver;
            if (s >= fig.head_seq && s < fig.next_seq) ++received_still_stored; // sent; its erase was not durable yet
        }
        for (std::uint64_t s : held)
            if (!got.contains(s) && s < fig.next_seq) ++quarantined_only;
        const std::uint64_t stored_only = fig.retained > received_still_stored ? fig.retained - received_still_stored : 0;
        const std::uint64_t claimed = at_receiver + quarantined_only + stored_only + fig.dropped;
        if (claimed > fig.next_seq) a.overcounted += claimed - fig.next_seq;
        else a.skipped_in_kills += fig.next_seq - claimed;
        a.numbered += fig.next_seq;
        a.at_receiver += at_receiver;
        a.quarantined += quarantined_only;
        a.stored += stored_only;
        a.dropped += fig.dropped;
        // Below the head, every number in no category is one a kill skipped (or a drop there).
        std::uint32_t runs = 0;
        bool in_run = false;
        auto g = got.begin();
        auto h = held.begin();
        for (std::uint64_t s = 0; s < fig.head_seq; ++s) {
            while (g != got.end() && *g < s) ++g;
            while (h != held.end() && *h < s) ++h;
            const bool claimed_here = (g != got.end() && *g == s) || (h != held.end() && *h == s);
            if (!claimed_here && !in_run) ++runs;
            in_run = !claimed_here;
        }
        a.most_gap_runs = std::max(a.most_gap_runs, runs);
    }
    return a;
}

} // namespace daemon_test
