// The CSV import: reads a file make_csv_writer wrote (or one written by hand to the same
// columns) record by record, with one record of look-ahead to see where a sensor ends.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <utility>

#include "csv_fields.hpp"
#include "csv_layout.hpp"
#include "number_text.hpp"
#include "record_rules.hpp"
#include "ss/export/csv_export.hpp"
#include "ss/source_name.hpp"
#include "ss/export/time_text.hpp"

namespace ss::store_export {

namespace {

using detail::parse_number;
using Status = detail::CsvRecordReader::Status;

/// (source, id) of a label "host:1"; none if it is not one.
std::optional<std::pair<std::uint8_t, std::uint32_t>> parse_label(std::string_view label) {
    const std::size_t colon = label.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto id = parse_number<std::uint32_t>(label.substr(colon + 1));
    if (!id) return std::nullopt;
    for (int s = 0; s < source_count; ++s)
        if (label.substr(0, colon) == source_name(s)) return std::pair{static_cast<std::uint8_t>(s), *id};
    return std::nullopt;
}

struct Row {
    std::vector<std::string> fields;
    char first_byte = 0;
    std::uint64_t line = 0;
    bool comment() const { return first_byte == '#'; }
};

class CsvReader final : public ExportReader {
public:
    CsvReader(std::string path, std::FILE* file) : path_(std::move(path)), records_(file) {}

    ExportResult<void> read_preamble() {
        auto first = fetch();
        if (!first) return std::unexpected(first.error());
        if (!*first || (*first)->fields.size() != 2 || (*first)->fields[0] != detail::csv_magic)
            return fail(1, "is not a sensor-storage CSV export (no \"" + std::string(detail::csv_magic) + ",N\" line)");
        if ((*first)->fields[1] != std::to_string(csv_format_version))
            return fail(1, "has CSV format version " + (*first)->fields[1] + "; this reader knows " +
                               std::to_string(csv_format_version));
        for (;;) {
            auto next = fetch();
            if (!next) return std::unexpected(next.error());
            if (!*next) return fail(0, "ends before the header row");
            const Row& row = **next;
            const std::vector<std::string>& f = row.fields;
            if (!row.comment()) {
                if (f.size() != detail::csv_columns.size() || !std::equal(f.begin(), f.end(), detail::csv_columns.begin()))
                    return fail(row.line, "the header row is not the export's columns");
                return {};
            }
            if (f[0] == detail::csv_file_line) {
                if (f.size() != 5 || f[1] != "tool_version" || f[3] != "created")
                    return fail(row.line, "a #file line needs tool_version,V,created,TIME");
                const auto created = parse_utc_iso_text(f[4]);
                if (!created) return fail(row.line, "created \"" + f[4] + "\" is not an ISO-8601 UTC time");
                info_.tool_version = f[2];
                info_.created_utc_us = *created;
            } else if (f[0] == detail::csv_dataset_line) {
                if (f.size() != 4) return fail(row.line, "a #dataset line needs name,id,description");
                info_.dataset = DatasetInfo{f[1], f[2], f[3], {}};
            } else if (f[0] == detail::csv_dataset_metadata_line) {
                if (f.size() != 3 || !info_.dataset) return fail(row.line, "a #dataset-metadata line needs key,value after #dataset");
                if (!info_.dataset->metadata.emplace(f[1], f[2]).second)
                    return fail(row.line, "dataset metadata \"" + f[1] + "\" is given twice");
            } else {
                return fail(row.line, "\"" + f[0] + "\" is not a line this format has before the header row");
            }
        }
    }

    const ExportFileInfo& file_info() const noexcept override { return info_; }

    ExportResult<std::optional<ExportSensor>> next_sensor() override {
        for (;;) {
            auto row = peek();
            if (!row) return std::unexpected(row.error());
            if (!*row) return std::optional<ExportSensor>{};
            if (!(*row)->comment() && in_sensor_ && (*row)->fields.size() > 0 && (*row)->fields[0] == label_) {
                pending_.reset(); // an unread record of the sensor before
                continue;
            }
            break;
        }
        const Row& row = *pending_;
        auto sensor = row.comment() ? sensor_from_line(row) : sensor_from_row(row);
        if (!sensor) return std::unexpected(sensor.error());
        if (row.comment()) pending_.reset();
        if (!seen_.emplace(sensor->source, sensor->id).second)
            return fail(row.line, sensor_label(sensor->source, sensor->id) + " appears twice");
        sensor_ = *sensor;
        label_ = sensor_label(sensor->source, sensor->id);
        in_sensor_ = true;
        last_seq_.reset();
        return std::optional<ExportSensor>{std::move(*sensor)};
    }

    ExportResult<std::size_t> read(std::span<ExportRecord> out) override {
        std::size_t n = 0;
        while (in_sensor_ && n < out.size()) {
            auto row = peek();
            if (!row) return std::unexpected(row.error());
            if (!*row || (*row)->comment() || (*row)->fields[0] != label_) break;
            auto record = record_from_row(**row);
            if (!record) return std::unexpected(record.error());
            out[n++] = *record;
            last_seq_ = record->seq;
            pending_.reset();
        }
        return n;
    }

private:
    // The next row, consumed; none at the end of the file.
    ExportResult<std::optional<Row>> fetch() {
        Row row;
        switch (records_.next(row.fields, row.first_byte, row.line)) {
        case Status::record: return std::optional<Row>{std::move(row)};
        case Status::end: return std::optional<Row>{};
        case Status::malformed: return fail(row.line, "malformed CSV (a stray or unclosed quote)");
        case Status::io_error: break;
        }
        return std::unexpected(ExportError{path_ + ": cannot read: " + std::strerror(errno)});
    }

    // The next row, kept in pending_ until taken; none at the end.
    ExportResult<const Row*> peek() {
        if (!pending_) {
            auto row = fetch();
            if (!row) return std::unexpected(row.error());
            if (!*row) return nullptr;
            pending_ = std::move(**row);
            if (pending_->comment() && pending_->fields[0] != detail::csv_sensor_line)
                return fail(pending_->line, "\"" + pending_->fields[0] + "\" is not a line this format has among records");
        }
        return &*pending_;
    }

    ExportResult<ExportSensor> sensor_from_line(const Row& row) {
        const std::vector<std::string>& f = row.fields;
        const std::size_t with_metadata = 5 + detail::csv_channel_fields.size();
        if (f.size() < 5 || !((f[4] == "none" && f.size() == 5) || (f[4] == "metadata" && f.size() == with_metadata)))
            return fail(row.line, "a #sensor line needs SOURCE:ID,TYPE,NAME then none, or metadata and " +
                                      std::to_string(detail::csv_channel_fields.size()) + " channel fields");
        const auto label = parse_label(f[1]);
        if (!label) return fail(row.line, "\"" + f[1] + "\" is not a sensor (host|app|can:ID)");
        ExportSensor s;
        s.source = label->first;
        s.id = label->second;
        if (f[2] != "ts" && f[2] != "evt") return fail(row.line, "type \"" + f[2] + "\" is not ts or evt");
        s.type = f[2] == "evt" ? RecordType::evt : RecordType::ts;
        s.config_name = f[3];
        if (f[4] == "metadata") {
            capture::ChannelMetadata m;
            if (!m.name.assign(f[5])) return fail(row.line, "channel name \"" + f[5] + "\" is longer than 31 bytes");
            if (!m.unit.assign(f[6])) return fail(row.line, "unit \"" + f[6] + "\" is longer than 15 bytes");
            double* numbers[] = {&m.valid.low, &m.valid.high, &m.plausible.low, &m.plausible.high,
                                 &m.calibration.slope, &m.calibration.offset};
            for (std::size_t i = 0; i < 6; ++i) {
                const auto v = parse_number<double>(f[7 + i]);
                if (!v)
                    return fail(row.line, std::string(detail::csv_channel_fields[2 + i]) + " \"" + f[7 + i] + "\" is not a number");
                *numbers[i] = *v;
            }
            const auto date = parse_number<std::uint64_t>(f[13]);
            if (!date) return fail(row.line, "calibrated_ms \"" + f[13] + "\" is not a whole number");
            m.calibration.reference_date_ms = *date;
            if (f[14] != "unsigned32" && f[14] != "signed32")
                return fail(row.line, "encoding \"" + f[14] + "\" is not unsigned32 or signed32");
            m.encoding = f[14] == "signed32" ? capture::RawEncoding::signed32 : capture::RawEncoding::unsigned32;
            s.metadata = m;
        }
        if (auto problem = detail::sensor_problem(s)) return fail(row.line, f[1] + ": " + *problem);
        return s;
    }

    // A sensor whose rows come without a #sensor line (a file written by hand): no metadata, an
    // event sensor if its first row has an event time.
    ExportResult<ExportSensor> sensor_from_row(const Row& row) {
        if (row.fields.size() != detail::csv_columns.size()) return wrong_width(row);
        const auto label = parse_label(row.fields[0]);
        if (!label) return fail(row.line, "\"" + row.fields[0] + "\" is not a sensor (host|app|can:ID)");
        ExportSensor s;
        s.source = label->first;
        s.id = label->second;
        s.type = row.fields[10].empty() ? RecordType::ts : RecordType::evt;
        s.config_name = row.fields[1];
        return s;
    }

    ExportResult<ExportRecord> record_from_row(const Row& row) {
        const std::vector<std::string>& f = row.fields;
        if (f.size() != detail::csv_columns.size()) return wrong_width(row);
        if (f[1] != sensor_.config_name)
            return fail(row.line, "name \"" + f[1] + "\" is not the sensor's (\"" + sensor_.config_name + "\")");
        ExportRecord r;
        const auto seq = parse_number<std::uint64_t>(f[2]);
        if (!seq) return fail(row.line, "seq \"" + f[2] + "\" is not a whole number");
        r.seq = *seq;
        if (f[5] == "utc" || f[5] == "mono") {
            r.clock = f[5] == "utc" ? RecordClock::utc : RecordClock::monotonic;
            const auto t = parse_number<std::int64_t>(f[4]);
            if (!t) return fail(row.line, "time_us \"" + f[4] + "\" is not a whole number");
            r.time_us = *t;
        } else if (!f[5].empty() || !f[4].empty()) {
            return fail(row.line, "clock \"" + f[5] + "\" is not utc, mono or empty (with time_us empty)");
        }
        const auto boot = parse_number<std::uint32_t>(f[6]);
        if (!boot) return fail(row.line, "boot \"" + f[6] + "\" is not a 32-bit whole number");
        r.boot = *boot;
        const auto raw = parse_number<std::uint32_t>(f[7]);
        if (!raw) return fail(row.line, "raw \"" + f[7] + "\" is not a 32-bit whole number");
        r.raw = *raw;
        if (sensor_.type == RecordType::evt) {
            const auto ms = parse_number<std::uint64_t>(f[10]);
            if (!ms) return fail(row.line, "event_ms \"" + f[10] + "\" is not a whole number");
            r.event_ms = *ms;
        } else if (!f[10].empty()) {
            return fail(row.line, "a time-series sensor's row has an event_ms");
        }
        if (auto problem = detail::record_problem(sensor_, r, last_seq_)) return fail(row.line, *problem);
        if (f[3] != record_time_text(r))
            return fail(row.line, "time \"" + f[3] + "\" is not time_us " + f[4] + " on clock \"" + f[5] + "\"");
        // value and quality follow from raw and the metadata; a row where they do not was edited
        // or damaged, and importing its raw value would silently change the data.
        const auto value = parse_number<double>(f[8]);
        const double expected = export_value(sensor_, r.raw);
        if (!value || !(*value == expected || (*value != *value && expected != expected)))
            return fail(row.line, "value \"" + f[8] + "\" is not raw " + f[7] + " calibrated");
        if (f[9] != export_quality_name(export_quality(sensor_, r.raw)))
            return fail(row.line, "quality \"" + f[9] + "\" is not what the channel's rules give raw " + f[7]);
        return r;
    }

    std::unexpected<ExportError> wrong_width(const Row& row) const {
        return fail(row.line, "has " + std::to_string(row.fields.size()) + " fields; the header row has " +
                                  std::to_string(detail::csv_columns.size()));
    }

    std::unexpected<ExportError> fail(std::uint64_t line, const std::string& problem) const {
        return std::unexpected(ExportError{line == 0 ? path_ + ": " + problem
                                                     : path_ + ":" + std::to_string(line) + ": " + problem});
    }

    std::string path_;
    detail::CsvRecordReader records_;
    ExportFileInfo info_;
    std::optional<Row> pending_;
    ExportSensor sensor_;
    std::string label_;
    bool in_sensor_ = false;
    std::optional<std::uint64_t> last_seq_;
    std::set<std::pair<std::uint8_t, std::uint32_t>> seen_;
};

} // namespace

ExportResult<std::unique_ptr<ExportReader>> open_csv_reader(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) return std::unexpected(ExportError{path + ": cannot open: " + std::strerror(errno)});
    auto reader = std::make_unique<CsvReader>(path, file);
    if (auto ok = reader->read_preamble(); !ok) return std::unexpected(ok.error());
    return reader;
}

} // namespace ss::store_export
