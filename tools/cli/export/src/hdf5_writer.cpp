// The HDF5 writer: records are gathered column by column and written a chunk at a time (the
// dataset extended, one hyperslab per column), so every chunk is compressed once, whole, and
// memory holds at most one chunk of each column.
#include <algorithm>
#include <array>
#include <set>

#include "hdf5_support.hpp"
#include "record_rules.hpp"
#include "ss/export/hdf5_export.hpp"
#include "ss/source_name.hpp"
#include "ss/export/time_text.hpp"

namespace ss::store_export {

namespace {

using detail::Column;
using detail::H5Handle;

// deflate level 1 of 9. On 2 Mi noisy 12-bit values with UTC times levels 1 to 9 gave the same
// size within 0.01 %; on pseudo-random 32-bit values (bench/store_tool_bench.sh) level 1 took
// 0.88 s where 4 took 1.42 s for 12 % more bytes, zlib being three quarters of an export's time.
constexpr unsigned deflate_level = 1;
// A sensor known (ExportSensor::expected_records) or found (it ends before one chunk is full) to
// have few records gets chunks its size, down to this, not 64 Ki elements of mostly nothing.
constexpr std::uint64_t smallest_chunk = 256;

std::uint64_t chunk_records_for(std::uint64_t expected) {
    if (expected == 0) return hdf5_chunk_records;
    return std::clamp(expected, smallest_chunk, hdf5_chunk_records);
}

/// The columns of one sensor's buffered records.
struct ColumnBuffers {
    std::vector<std::uint64_t> seq, event_ms;
    std::vector<std::int64_t> time_us;
    std::vector<std::uint8_t> clock, quality;
    std::vector<std::uint32_t> boot, raw;
    std::vector<double> value;

    void clear() {
        seq.clear(), event_ms.clear(), time_us.clear(), clock.clear(), quality.clear(), boot.clear(), raw.clear(),
            value.clear();
    }
    const void* data(Column c) const {
        switch (c) {
        case Column::seq: return seq.data();
        case Column::time_us: return time_us.data();
        case Column::clock: return clock.data();
        case Column::boot: return boot.data();
        case Column::raw: return raw.data();
        case Column::value: return value.data();
        case Column::quality: return quality.data();
        case Column::event_ms: return event_ms.data();
        }
        return nullptr;
    }
};

class Hdf5Writer final : public ExportWriter {
public:
    explicit Hdf5Writer(std::string path) : path_(std::move(path)) {
        for (std::size_t c = 0; c < detail::column_count; ++c)
            memory_types_[c] = detail::column_memory_type(static_cast<Column>(c));
    }

    ExportResult<void> create(const ExportFileInfo& info) {
        // A finished sensor's metadata leaves the cache when its objects close, so memory does
        // not grow with the number of sensors.
        H5Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
        // The 1.10 file format, fixed (not "latest", which moves with the library): its chunk
        // indexes for one unlimited dimension (extensible arrays) take a fraction of the 1.8
        // format's B-trees, which made up most of a file of many small sensors (45 MB against
        // 14 MB for 2 Mi records over 2048 sensors). Readers need HDF5 1.10 or later.
        if (!access.valid() || H5Pset_evict_on_close(access.get(), 1) < 0 ||
            H5Pset_libver_bounds(access.get(), H5F_LIBVER_V110, H5F_LIBVER_V110) < 0)
            return hdf5_fail("cannot set up file access");
        file_ = H5Handle(H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose);
        if (!file_.valid()) return hdf5_fail("cannot create the file");
        const hid_t root = file_.get();
        bool ok = detail::write_string_attribute(root, "format", detail::hdf5_format_name) &&
                  detail::write_u32_attribute(root, "format_version", hdf5_format_version) &&
                  detail::write_string_attribute(root, "tool_version", info.tool_version) &&
                  detail::write_string_attribute(root, "created", utc_iso_text(info.created_utc_us)) &&
                  detail::write_i64_attribute(root, "created_us", info.created_utc_us);
        if (ok && info.dataset) {
            const DatasetInfo& d = *info.dataset;
            ok = detail::write_string_attribute(root, "dataset_name", d.name) &&
                 detail::write_string_attribute(root, "dataset_id", d.id) &&
                 detail::write_string_attribute(root, "dataset_description", d.description);
            H5Handle group(H5Gcreate2(root, detail::dataset_metadata_group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                           H5Gclose);
            ok = ok && group.valid();
            for (const auto& [key, value] : d.metadata)
                ok = ok && detail::write_string_attribute(group.get(), key.c_str(), value);
        }
        if (!ok) return hdf5_fail("cannot write the file's attributes");
        return {};
    }

    ExportResult<void> begin_sensor(const ExportSensor& sensor) override {
        if (group_.valid()) return fail("begin_sensor while " + label_ + " is open");
        if (!file_.valid()) return fail("written after finish");
        if (auto problem = detail::begin_sensor_problem(sensor, seen_)) return fail(*problem);
        sensor_ = sensor;
        label_ = sensor_label(sensor.source, sensor.id);
        object_ = std::string("/") + source_name(sensor.source) + "/" + std::to_string(sensor.id);
        last_seq_.reset();
        written_ = 0;
        buffers_.clear();
        columns_created_ = false;
        chunk_ = chunk_records_for(sensor.expected_records);

        const char* source = source_name(sensor.source);
        if (H5Lexists(file_.get(), source, H5P_DEFAULT) <= 0) {
            H5Handle made(H5Gcreate2(file_.get(), source, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
            if (!made.valid()) return hdf5_fail(std::string("cannot create group /") + source);
        }
        group_ = H5Handle(H5Gcreate2(file_.get(), object_.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
        if (!group_.valid()) return hdf5_fail("cannot create group " + object_);
        if (!write_sensor_attributes()) return hdf5_fail(object_ + ": cannot write its attributes");
        return {};
    }

    ExportResult<void> append(std::span<const ExportRecord> records) override {
        if (!group_.valid()) return fail("append without begin_sensor");
        for (const ExportRecord& r : records) {
            if (auto problem = detail::record_problem(sensor_, r, last_seq_)) return fail(label_ + ": " + *problem);
            last_seq_ = r.seq;
            buffers_.seq.push_back(r.seq);
            buffers_.time_us.push_back(r.time_us);
            buffers_.clock.push_back(static_cast<std::uint8_t>(r.clock));
            buffers_.boot.push_back(r.boot);
            buffers_.raw.push_back(r.raw);
            buffers_.value.push_back(export_value(sensor_, r.raw));
            buffers_.quality.push_back(static_cast<std::uint8_t>(export_quality(sensor_, r.raw)));
            if (sensor_.type == RecordType::evt) buffers_.event_ms.push_back(r.event_ms);
            if (buffers_.seq.size() == chunk_) {
                if (auto ok = flush(); !ok) return ok;
            }
        }
        return {};
    }

    ExportResult<void> end_sensor() override {
        if (!group_.valid()) return fail("end_sensor without begin_sensor");
        if (auto ok = flush(); !ok) return ok;
        if (!detail::write_u64_attribute(group_.get(), "records", written_))
            return hdf5_fail(object_ + ": cannot write its record count");
        bool closed = true;
        for (H5Handle& column : columns_) closed = column.reset() && closed;
        closed = group_.reset() && closed;
        if (!closed) return hdf5_fail(object_ + ": cannot close it");
        return {};
    }

    ExportResult<void> finish() override {
        if (group_.valid()) return fail("finish while " + label_ + " is open");
        if (!file_.valid()) return fail("finish called twice");
        const bool flushed = H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) >= 0;
        if (!file_.reset() || !flushed) return hdf5_fail("cannot complete the file");
        return {};
    }

private:
    bool write_sensor_attributes() {
        const hid_t g = group_.get();
        bool ok = detail::write_string_attribute(g, "source", source_name(sensor_.source)) &&
                  detail::write_u32_attribute(g, "source_byte", sensor_.source) &&
                  detail::write_u32_attribute(g, "id", sensor_.id) &&
                  detail::write_string_attribute(g, "type", sensor_.type == RecordType::evt ? "evt" : "ts") &&
                  detail::write_string_attribute(g, "config_name", sensor_.config_name) &&
                  detail::write_string_attribute(g, "metadata", sensor_.metadata ? "known" : "none");
        if (!ok || !sensor_.metadata) return ok;
        const capture::ChannelMetadata& m = *sensor_.metadata;
        const std::uint64_t date_ms = m.calibration.reference_date_ms;
        return detail::write_string_attribute(g, "name", m.name.view()) &&
               detail::write_string_attribute(g, "unit", m.unit.view()) &&
               detail::write_range_attribute(g, "valid_range", m.valid.low, m.valid.high) &&
               detail::write_range_attribute(g, "plausible_range", m.plausible.low, m.plausible.high) &&
               detail::write_f64_attribute(g, "calibration_slope", m.calibration.slope) &&
               detail::write_f64_attribute(g, "calibration_offset", m.calibration.offset) &&
               detail::write_u64_attribute(g, "calibration_date_ms", date_ms) &&
               detail::write_string_attribute(
                   g, "calibration_date",
                   date_ms == 0 ? std::string() : utc_iso_text(static_cast<std::int64_t>(date_ms) * 1000)) &&
               detail::write_string_attribute(
                   g, "encoding", m.encoding == capture::RawEncoding::signed32 ? "signed32" : "unsigned32");
    }

    // The datasets are made when the first chunk is full or the sensor ends, whichever comes
    // first: a sensor that ends before filling one chunk gets a chunk of its own size (at least
    // smallest_chunk), so that a store of many small sensors is not written as 64 Ki-element
    // chunks that are mostly empty (ten times slower to compress, measured).
    ExportResult<void> create_columns(std::uint64_t chunk_records) {
        H5Handle properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        const hsize_t chunk = chunk_records;
        if (H5Pset_chunk(properties.get(), 1, &chunk) < 0 || H5Pset_shuffle(properties.get()) < 0 ||
            H5Pset_deflate(properties.get(), deflate_level) < 0)
            return hdf5_fail("cannot set chunking and compression");
        const hsize_t empty = 0, unlimited = H5S_UNLIMITED;
        H5Handle space(H5Screate_simple(1, &empty, &unlimited), H5Sclose);
        for (std::size_t c = 0; c < detail::column_count; ++c) {
            const auto column = static_cast<Column>(c);
            columns_[c] = H5Handle{};
            if (column == Column::event_ms && sensor_.type != RecordType::evt) continue;
            const H5Handle type = detail::column_file_type(column);
            columns_[c] = H5Handle(H5Dcreate2(group_.get(), detail::column_name(column), type.get(), space.get(),
                                              H5P_DEFAULT, properties.get(), H5P_DEFAULT),
                                   H5Dclose);
            if (!columns_[c].valid()) return hdf5_fail(object_ + ": cannot create dataset " + detail::column_name(column));
        }
        columns_created_ = true;
        return {};
    }

    ExportResult<void> flush() {
        const hsize_t n = buffers_.seq.size();
        if (!columns_created_) {
            // Here with a full chunk, or at the end of a sensor smaller than one.
            const std::uint64_t chunk = n == chunk_ ? chunk_ : std::clamp<std::uint64_t>(n, smallest_chunk, chunk_);
            if (auto made = create_columns(chunk); !made) return made;
        }
        if (n == 0) return {};
        const hsize_t new_size = written_ + n;
        H5Handle memory(H5Screate_simple(1, &n, nullptr), H5Sclose);
        for (std::size_t c = 0; c < detail::column_count; ++c) {
            if (!columns_[c].valid()) continue;
            const hid_t dataset = columns_[c].get();
            if (H5Dset_extent(dataset, &new_size) < 0) return hdf5_fail(object_ + ": cannot extend its datasets");
            H5Handle space(H5Dget_space(dataset), H5Sclose);
            const hsize_t start = written_;
            if (H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr) < 0 ||
                H5Dwrite(dataset, memory_types_[c].get(), memory.get(), space.get(), H5P_DEFAULT,
                         buffers_.data(static_cast<Column>(c))) < 0)
                return hdf5_fail(object_ + ": cannot write dataset " + detail::column_name(static_cast<Column>(c)));
        }
        written_ = new_size;
        buffers_.clear();
        return {};
    }

    ExportResult<void> fail(const std::string& problem) const {
        return std::unexpected(ExportError{path_ + ": " + problem});
    }
    ExportResult<void> hdf5_fail(const std::string& what) const {
        return std::unexpected(ExportError{path_ + ": " + what + ": " + detail::take_hdf5_error()});
    }

    std::string path_;
    H5Handle file_;
    H5Handle group_;
    std::array<H5Handle, detail::column_count> columns_;
    std::array<H5Handle, detail::column_count> memory_types_;
    ExportSensor sensor_;
    std::string label_, object_;
    std::optional<std::uint64_t> last_seq_;
    std::uint64_t written_ = 0;
    std::uint64_t chunk_ = hdf5_chunk_records;
    bool columns_created_ = false;
    ColumnBuffers buffers_;
    detail::SeenSensors seen_;
};

} // namespace

ExportResult<std::unique_ptr<ExportWriter>> make_hdf5_writer(const std::string& path, const ExportFileInfo& info) {
    if (auto problem = detail::file_info_problem(info)) return std::unexpected(ExportError{path + ": " + *problem});
    detail::silence_hdf5_error_printing();
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0)
        return std::unexpected(ExportError{path + ": this HDF5 library has no deflate filter"});
    auto writer = std::make_unique<Hdf5Writer>(path);
    if (auto ok = writer->create(info); !ok) return std::unexpected(ok.error());
    return writer;
}

} // namespace ss::store_export
