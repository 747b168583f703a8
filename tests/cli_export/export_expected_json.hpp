// expected.json, what the export checkers (export_{h5py,h5dump,csv}_check.py) compare a file
// with: the file's facts, every sensor's identity and metadata, and every record's stored fields
// (not the calibrated value or quality, which the checkers compute from the metadata). Shared by
// the generators of the formats' own reference (export_reference_gen.cpp) and of what the
// ss-store executable exports from a store (tests/cli/export_reference_store.cpp).
#pragma once

#include <charconv>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ss/export/export_model.hpp"
#include "ss/source_name.hpp"

namespace ss::store_export::test {

inline std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

template <class Number>
std::string json_number(Number v) {
    char text[64];
    return std::string(text, std::to_chars(text, text + sizeof text, v).ptr);
}

/// The sensors of an export with their records, in file order.
using ExpectedSensors = std::vector<std::pair<ExportSensor, std::vector<ExportRecord>>>;

/// expected.json for a dataset export (info.dataset is set) of `all`.
inline std::string expected_json(const ExportFileInfo& info, const ExpectedSensors& all) {
    const DatasetInfo& d = *info.dataset;
    std::string j = "{\"tool_version\":" + json_string(info.tool_version) +
                    ",\"created_us\":" + json_number(info.created_utc_us) + ",\"dataset\":{\"name\":" +
                    json_string(d.name) + ",\"id\":" + json_string(d.id) +
                    ",\"description\":" + json_string(d.description) + ",\"metadata\":{";
    bool first = true;
    for (const auto& [k, v] : d.metadata) {
        j += (first ? "" : ",") + json_string(k) + ":" + json_string(v);
        first = false;
    }
    j += "}},\"sensors\":[";
    for (std::size_t k = 0; k < all.size(); ++k) {
        const ExportSensor& s = all[k].first;
        j += (k == 0 ? "" : ",");
        j += "{\"source\":" + json_string(ss::source_name(s.source)) + ",\"id\":" + json_number(s.id) +
             ",\"type\":" + json_string(s.type == ss::RecordType::evt ? "evt" : "ts") +
             ",\"config_name\":" + json_string(s.config_name) + ",\"metadata\":";
        if (!s.metadata) {
            j += "null";
        } else {
            const auto& m = *s.metadata;
            j += "{\"name\":" + json_string(m.name.view()) + ",\"unit\":" + json_string(m.unit.view()) +
                 ",\"valid\":[" + json_number(m.valid.low) + "," + json_number(m.valid.high) + "],\"plausible\":[" +
                 json_number(m.plausible.low) + "," + json_number(m.plausible.high) +
                 "],\"slope\":" + json_number(m.calibration.slope) + ",\"offset\":" + json_number(m.calibration.offset) +
                 ",\"calibrated_ms\":" + json_number(m.calibration.reference_date_ms) + ",\"encoding\":" +
                 json_string(m.encoding == ss::capture::RawEncoding::signed32 ? "signed32" : "unsigned32") + "}";
        }
        j += ",\"records\":[";
        for (std::size_t i = 0; i < all[k].second.size(); ++i) {
            const ExportRecord& r = all[k].second[i];
            const char* clock = r.clock == RecordClock::utc ? "utc" : r.clock == RecordClock::monotonic ? "mono" : "";
            j += (i == 0 ? "[" : ",[") + json_number(r.seq) + "," + json_number(r.time_us) + "," + json_string(clock) +
                 "," + json_number(r.boot) + "," + json_number(r.raw) + "," + json_number(r.event_ms) + "]";
        }
        j += "]}";
    }
    return j + "]}\n";
}

} // namespace ss::store_export::test
