// The CSV writer: every row is built in one string and written with one fwrite, so a record
// costs no allocation once the string has grown to a row's size.
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
#include "ss/export/time_text.hpp"

namespace ss::store_export {

namespace {

using detail::append_csv_field;
using detail::append_number;

const char* encoding_word(capture::RawEncoding e) { return e == capture::RawEncoding::signed32 ? "signed32" : "unsigned32"; }

class CsvWriter final : public ExportWriter {
public:
    CsvWriter(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
    ~CsvWriter() override {
        if (file_ != nullptr) std::fclose(file_);
    }

    ExportResult<void> write_preamble(const ExportFileInfo& info) {
        line_.clear();
        line_.append(detail::csv_magic);
        line_.push_back(',');
        append_number(line_, csv_format_version);
        end_line();
        line_.append(detail::csv_file_line);
        line_.append(",tool_version,");
        append_csv_field(line_, info.tool_version);
        line_.append(",created,");
        line_.append(utc_iso_text(info.created_utc_us));
        end_line();
        if (info.dataset) {
            line_.append(detail::csv_dataset_line);
            for (const std::string* field : {&info.dataset->name, &info.dataset->id, &info.dataset->description}) {
                line_.push_back(',');
                append_csv_field(line_, *field);
            }
            end_line();
            for (const auto& [key, value] : info.dataset->metadata) {
                line_.append(detail::csv_dataset_metadata_line);
                line_.push_back(',');
                append_csv_field(line_, key);
                line_.push_back(',');
                append_csv_field(line_, value);
                end_line();
            }
        }
        for (std::size_t i = 0; i < detail::csv_columns.size(); ++i) {
            if (i != 0) line_.push_back(',');
            line_.append(detail::csv_columns[i]);
        }
        end_line();
        return flush_line();
    }

    ExportResult<void> begin_sensor(const ExportSensor& sensor) override {
        if (open_) return fail("begin_sensor while " + sensor_label(sensor_.source, sensor_.id) + " is open");
        if (auto problem = detail::begin_sensor_problem(sensor, seen_)) return fail(*problem);
        sensor_ = sensor;
        label_ = sensor_label(sensor.source, sensor.id);
        last_seq_.reset();
        open_ = true;
        line_.clear();
        line_.append(detail::csv_sensor_line);
        line_.push_back(',');
        line_.append(label_);
        line_.append(sensor.type == RecordType::evt ? ",evt," : ",ts,");
        append_csv_field(line_, sensor.config_name);
        if (!sensor.metadata) {
            line_.append(",none");
        } else {
            const capture::ChannelMetadata& m = *sensor.metadata;
            line_.append(",metadata,");
            append_csv_field(line_, m.name.view());
            line_.push_back(',');
            append_csv_field(line_, m.unit.view());
            for (double v : {m.valid.low, m.valid.high, m.plausible.low, m.plausible.high, m.calibration.slope,
                             m.calibration.offset}) {
                line_.push_back(',');
                append_number(line_, v);
            }
            line_.push_back(',');
            append_number(line_, m.calibration.reference_date_ms);
            line_.push_back(',');
            line_.append(encoding_word(m.encoding));
        }
        end_line();
        // The row's first two fields are the same for every record of the sensor.
        row_prefix_.clear();
        append_csv_field(row_prefix_, label_);
        row_prefix_.push_back(',');
        append_csv_field(row_prefix_, sensor.config_name);
        row_prefix_.push_back(',');
        return flush_line();
    }

    ExportResult<void> append(std::span<const ExportRecord> records) override {
        if (!open_) return fail("append without begin_sensor");
        line_.clear();
        for (const ExportRecord& r : records) {
            if (auto problem = detail::record_problem(sensor_, r, last_seq_)) return fail(label_ + ": " + *problem);
            last_seq_ = r.seq;
            line_.append(row_prefix_);
            append_number(line_, r.seq);
            line_.push_back(',');
            line_.append(record_time_text(r));
            line_.push_back(',');
            if (r.clock != RecordClock::unknown) append_number(line_, r.time_us);
            line_.append(r.clock == RecordClock::utc ? ",utc," : r.clock == RecordClock::monotonic ? ",mono," : ",,");
            append_number(line_, r.boot);
            line_.push_back(',');
            append_number(line_, r.raw);
            line_.push_back(',');
            append_number(line_, export_value(sensor_, r.raw));
            line_.push_back(',');
            line_.append(export_quality_name(export_quality(sensor_, r.raw)));
            line_.push_back(',');
            if (sensor_.type == RecordType::evt) append_number(line_, r.event_ms);
            line_.append("\r\n");
            // Written in pieces of about 64 KiB: few calls, bounded memory for any span.
            if (line_.size() >= 1 << 16) {
                if (auto w = flush_line(); !w) return w;
            }
        }
        return flush_line();
    }

    ExportResult<void> end_sensor() override {
        if (!open_) return fail("end_sensor without begin_sensor");
        open_ = false;
        return {};
    }

    ExportResult<void> finish() override {
        if (open_) return fail("finish while " + label_ + " is open");
        if (file_ == nullptr) return fail("finish called twice");
        std::FILE* file = std::exchange(file_, nullptr);
        const bool flushed = std::fflush(file) == 0;
        const int flush_errno = errno;
        if (std::fclose(file) != 0 || !flushed)
            return std::unexpected(ExportError{path_ + ": cannot write: " + std::strerror(flushed ? errno : flush_errno)});
        return {};
    }

private:
    void end_line() { line_.append("\r\n"); }

    ExportResult<void> flush_line() {
        if (file_ == nullptr) return fail("written after finish");
        if (!line_.empty() && std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size())
            return std::unexpected(ExportError{path_ + ": cannot write: " + std::strerror(errno)});
        line_.clear();
        return {};
    }

    ExportResult<void> fail(const std::string& problem) const {
        return std::unexpected(ExportError{path_ + ": " + problem});
    }

    std::string path_;
    std::FILE* file_;
    std::string line_;
    std::string row_prefix_;
    ExportSensor sensor_;
    std::string label_;
    std::optional<std::uint64_t> last_seq_;
    detail::SeenSensors seen_;
    bool open_ = false;
};

} // namespace

ExportResult<std::unique_ptr<ExportWriter>> make_csv_writer(const std::string& path, const ExportFileInfo& info) {
    if (auto problem = detail::file_info_problem(info)) return std::unexpected(ExportError{path + ": " + *problem});
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) return std::unexpected(ExportError{path + ": cannot create: " + std::strerror(errno)});
    auto writer = std::make_unique<CsvWriter>(path, file);
    if (auto ok = writer->write_preamble(info); !ok) return std::unexpected(ok.error());
    return writer;
}

} // namespace ss::store_export
