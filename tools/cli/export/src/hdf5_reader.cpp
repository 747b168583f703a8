// The HDF5 import: the sensor groups are listed when the file opens (names only, a few bytes
// per sensor); each sensor's columns are then read in slabs of at most one chunk.
#include <algorithm>
#include <array>
#include <cmath>

#include "hdf5_support.hpp"
#include "number_text.hpp"
#include "record_rules.hpp"
#include "ss/export/hdf5_export.hpp"
#include "ss/source_name.hpp"

namespace ss::store_export {

namespace {

using detail::Column;
using detail::H5Handle;

herr_t collect_link_name(hid_t, const char* name, const H5L_info_t*, void* data) {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
}

std::vector<std::string> link_names(hid_t group) {
    std::vector<std::string> names;
    hsize_t at = 0;
    H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &at, collect_link_name, &names);
    return names;
}

// The class a column's file type must have: HDF5 would convert any integer to any other, and a
// column of the wrong kind is a different file, not one to convert.
H5T_class_t column_class(Column c) {
    switch (c) {
    case Column::value: return H5T_FLOAT;
    case Column::clock:
    case Column::quality: return H5T_ENUM;
    default: return H5T_INTEGER;
    }
}

class Hdf5Reader final : public ExportReader {
public:
    explicit Hdf5Reader(std::string path) : path_(std::move(path)) {
        for (std::size_t c = 0; c < detail::column_count; ++c)
            memory_types_[c] = detail::column_memory_type(static_cast<Column>(c));
    }

    ExportResult<void> open() {
        // Without eviction on close, the metadata of every sensor read stays cached (some
        // 100 KiB each: 250 MiB for 2048 sensors); with it, memory stays flat.
        H5Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
        if (!access.valid() || H5Pset_evict_on_close(access.get(), 1) < 0)
            return std::unexpected(ExportError{path_ + ": " + detail::take_hdf5_error()});
        file_ = H5Handle(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, access.get()), H5Fclose);
        if (!file_.valid()) return std::unexpected(ExportError{path_ + ": cannot open as HDF5: " + detail::take_hdf5_error()});
        const hid_t root = file_.get();
        auto format = detail::read_string_attribute(root, "format");
        if (!format.first || *format.first != detail::hdf5_format_name)
            return fail("/", "is not a sensor-storage HDF5 export (attribute format is not \"" +
                                 std::string(detail::hdf5_format_name) + "\")");
        auto version = detail::read_u64_attribute(root, "format_version");
        if (!version.first) return fail("/", version.second);
        if (*version.first != hdf5_format_version)
            return fail("/", "has format_version " + std::to_string(*version.first) + "; this reader knows " +
                                 std::to_string(hdf5_format_version));
        auto tool = detail::read_string_attribute(root, "tool_version");
        auto created = detail::read_i64_attribute(root, "created_us");
        if (!tool.first) return fail("/", tool.second);
        if (!created.first) return fail("/", created.second);
        info_.tool_version = *tool.first;
        info_.created_utc_us = *created.first;
        if (detail::has_attribute(root, "dataset_id")) {
            DatasetInfo d;
            for (auto [field, name] : {std::pair{&d.name, "dataset_name"}, std::pair{&d.id, "dataset_id"},
                                       std::pair{&d.description, "dataset_description"}}) {
                auto text = detail::read_string_attribute(root, name);
                if (!text.first) return fail("/", text.second);
                *field = *text.first;
            }
            if (H5Lexists(root, detail::dataset_metadata_group, H5P_DEFAULT) > 0) {
                H5Handle group(H5Gopen2(root, detail::dataset_metadata_group, H5P_DEFAULT), H5Gclose);
                const std::string where = std::string("/") + detail::dataset_metadata_group;
                if (!group.valid()) return hdf5_fail(where, "cannot open it");
                for (const std::string& key : detail::attribute_names(group.get())) {
                    auto value = detail::read_string_attribute(group.get(), key.c_str());
                    if (!value.first) return fail(where, value.second);
                    d.metadata.emplace(key, *value.first);
                }
            }
            info_.dataset = std::move(d);
        }
        // Sensors in source order, then by id as a number (the link order is by name: "10" < "9").
        for (const std::string& name : link_names(root)) {
            int source = -1;
            for (int s = 0; s < source_count; ++s)
                if (name == source_name(s)) source = s;
            if (source < 0) {
                if (name == detail::dataset_metadata_group && info_.dataset) continue;
                return fail("/" + name, "is not a source group (host, app, can) of this format");
            }
            H5Handle group(H5Gopen2(root, name.c_str(), H5P_DEFAULT), H5Gclose);
            if (!group.valid()) return hdf5_fail("/" + name, "cannot open it as a group");
            for (const std::string& id_text : link_names(group.get())) {
                const auto id = detail::parse_number<std::uint32_t>(id_text);
                if (!id) return fail("/" + name + "/" + id_text, "is not a sensor id");
                sensors_.emplace_back(static_cast<std::uint8_t>(source), *id);
            }
        }
        std::sort(sensors_.begin(), sensors_.end());
        return {};
    }

    const ExportFileInfo& file_info() const noexcept override { return info_; }

    ExportResult<std::optional<ExportSensor>> next_sensor() override {
        for (H5Handle& c : columns_) c.reset();
        group_.reset();
        if (next_ == sensors_.size()) return std::optional<ExportSensor>{};
        const auto [source, id] = sensors_[next_++];
        object_ = std::string("/") + source_name(source) + "/" + std::to_string(id);
        group_ = H5Handle(H5Gopen2(file_.get(), object_.c_str(), H5P_DEFAULT), H5Gclose);
        if (!group_.valid()) return hdf5_fail(object_, "cannot open it as a group");
        auto sensor = read_sensor(source, id);
        if (!sensor) return std::unexpected(sensor.error());
        sensor_ = *sensor;
        if (auto ok = open_columns(); !ok) return std::unexpected(ok.error());
        last_seq_.reset();
        read_ = 0;
        return std::optional<ExportSensor>{std::move(*sensor)};
    }

    ExportResult<std::size_t> read(std::span<ExportRecord> out) override {
        if (!group_.valid()) return std::size_t{0};
        const std::uint64_t n = std::min<std::uint64_t>({out.size(), records_ - read_, hdf5_chunk_records});
        if (n == 0) return std::size_t{0};
        seq_.resize(n), time_us_.resize(n), clock_.resize(n), boot_.resize(n), raw_.resize(n), value_.resize(n),
            quality_.resize(n), event_ms_.assign(n, 0);
        void* targets[] = {seq_.data(), time_us_.data(), clock_.data(),   boot_.data(),
                           raw_.data(), value_.data(),   quality_.data(), event_ms_.data()};
        const hsize_t count = n;
        H5Handle memory(H5Screate_simple(1, &count, nullptr), H5Sclose);
        for (std::size_t c = 0; c < detail::column_count; ++c) {
            if (!columns_[c].valid()) continue;
            H5Handle space(H5Dget_space(columns_[c].get()), H5Sclose);
            const hsize_t start = read_;
            if (H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr) < 0 ||
                H5Dread(columns_[c].get(), memory_types_[c].get(), memory.get(), space.get(), H5P_DEFAULT, targets[c]) < 0)
                return hdf5_fail(object_ + "/" + detail::column_name(static_cast<Column>(c)), "cannot read it");
        }
        for (std::uint64_t i = 0; i < n; ++i) {
            const auto where = [&] { return object_ + " record " + std::to_string(read_ + i); };
            ExportRecord& r = out[i];
            r.seq = seq_[i];
            r.time_us = time_us_[i];
            if (clock_[i] > static_cast<std::uint8_t>(RecordClock::utc)) return fail(where(), "clock is not unknown, monotonic or utc");
            r.clock = static_cast<RecordClock>(clock_[i]);
            r.boot = boot_[i];
            r.raw = raw_[i];
            r.event_ms = event_ms_[i];
            if (auto problem = detail::record_problem(sensor_, r, last_seq_)) return fail(where(), *problem);
            // value and quality follow from raw and the metadata; where they do not, the file was
            // changed or damaged, and importing raw would silently change the data.
            const double expected = export_value(sensor_, r.raw);
            if (!(value_[i] == expected || (std::isnan(value_[i]) && std::isnan(expected))))
                return fail(where(), "value is not raw " + std::to_string(r.raw) + " calibrated");
            if (quality_[i] != static_cast<std::uint8_t>(export_quality(sensor_, r.raw)))
                return fail(where(), "quality is not what the channel's rules give raw " + std::to_string(r.raw));
            last_seq_ = r.seq;
        }
        read_ += n;
        return static_cast<std::size_t>(n);
    }

private:
    ExportResult<ExportSensor> read_sensor(std::uint8_t source, std::uint32_t id) {
        const hid_t g = group_.get();
        ExportSensor s;
        s.source = source;
        s.id = id;
        auto type = detail::read_string_attribute(g, "type");
        auto config_name = detail::read_string_attribute(g, "config_name");
        auto metadata = detail::read_string_attribute(g, "metadata");
        for (const auto* text : {&type, &config_name, &metadata})
            if (!text->first) return fail(object_, text->second);
        if (*type.first != "ts" && *type.first != "evt") return fail(object_, "type \"" + *type.first + "\" is not ts or evt");
        s.type = *type.first == "evt" ? RecordType::evt : RecordType::ts;
        s.config_name = *config_name.first;
        if (*metadata.first == "known") {
            capture::ChannelMetadata m;
            auto name = detail::read_string_attribute(g, "name");
            auto unit = detail::read_string_attribute(g, "unit");
            auto encoding = detail::read_string_attribute(g, "encoding");
            for (const auto* text : {&name, &unit, &encoding})
                if (!text->first) return fail(object_, text->second);
            if (!m.name.assign(*name.first)) return fail(object_, "name \"" + *name.first + "\" is longer than 31 bytes");
            if (!m.unit.assign(*unit.first)) return fail(object_, "unit \"" + *unit.first + "\" is longer than 15 bytes");
            if (*encoding.first != "unsigned32" && *encoding.first != "signed32")
                return fail(object_, "encoding \"" + *encoding.first + "\" is not unsigned32 or signed32");
            m.encoding = *encoding.first == "signed32" ? capture::RawEncoding::signed32 : capture::RawEncoding::unsigned32;
            auto valid = detail::read_range_attribute(g, "valid_range");
            auto plausible = detail::read_range_attribute(g, "plausible_range");
            if (!valid.first) return fail(object_, valid.second);
            if (!plausible.first) return fail(object_, plausible.second);
            m.valid = {valid.first->first, valid.first->second};
            m.plausible = {plausible.first->first, plausible.first->second};
            auto slope = detail::read_f64_attribute(g, "calibration_slope");
            auto offset = detail::read_f64_attribute(g, "calibration_offset");
            auto date = detail::read_u64_attribute(g, "calibration_date_ms");
            if (!slope.first) return fail(object_, slope.second);
            if (!offset.first) return fail(object_, offset.second);
            if (!date.first) return fail(object_, date.second);
            m.calibration = {*slope.first, *offset.first, *date.first};
            s.metadata = m;
        } else if (*metadata.first != "none") {
            return fail(object_, "metadata \"" + *metadata.first + "\" is not known or none");
        }
        if (auto problem = detail::sensor_problem(s)) return fail(object_, *problem);
        auto records = detail::read_u64_attribute(g, "records");
        if (!records.first) return fail(object_, records.second);
        records_ = *records.first;
        s.expected_records = records_;
        return s;
    }

    ExportResult<void> open_columns() {
        for (std::size_t c = 0; c < detail::column_count; ++c) {
            const auto column = static_cast<Column>(c);
            const char* name = detail::column_name(column);
            const std::string where = object_ + "/" + name;
            const bool wanted = column != Column::event_ms || sensor_.type == RecordType::evt;
            const bool present = H5Lexists(group_.get(), name, H5P_DEFAULT) > 0;
            if (!wanted) {
                if (present) return fail(where, "a time-series sensor has no event_ms dataset");
                continue;
            }
            if (!present) return fail(object_, std::string("has no dataset \"") + name + "\"");
            columns_[c] = H5Handle(H5Dopen2(group_.get(), name, H5P_DEFAULT), H5Dclose);
            if (!columns_[c].valid()) return hdf5_fail(where, "cannot open it as a dataset");
            H5Handle type(H5Dget_type(columns_[c].get()), H5Tclose);
            if (H5Tget_class(type.get()) != column_class(column))
                return fail(where, "has the wrong type class for this column");
            H5Handle space(H5Dget_space(columns_[c].get()), H5Sclose);
            hsize_t length = 0;
            if (H5Sget_simple_extent_ndims(space.get()) != 1 || H5Sget_simple_extent_dims(space.get(), &length, nullptr) < 0)
                return fail(where, "is not one-dimensional");
            if (length != records_)
                return fail(where, "has " + std::to_string(length) + " elements; the group's records attribute says " +
                                       std::to_string(records_));
        }
        return {};
    }

    std::unexpected<ExportError> fail(const std::string& where, const std::string& problem) const {
        return std::unexpected(ExportError{path_ + ": " + where + ": " + problem});
    }
    std::unexpected<ExportError> hdf5_fail(const std::string& where, const std::string& what) const {
        return fail(where, what + ": " + detail::take_hdf5_error());
    }

    std::string path_;
    H5Handle file_;
    H5Handle group_;
    std::array<H5Handle, detail::column_count> columns_;
    std::array<H5Handle, detail::column_count> memory_types_;
    ExportFileInfo info_;
    std::vector<std::pair<std::uint8_t, std::uint32_t>> sensors_;
    std::size_t next_ = 0;
    ExportSensor sensor_;
    std::string object_;
    std::uint64_t records_ = 0, read_ = 0;
    std::optional<std::uint64_t> last_seq_;
    std::vector<std::uint64_t> seq_, event_ms_;
    std::vector<std::int64_t> time_us_;
    std::vector<std::uint8_t> clock_, quality_;
    std::vector<std::uint32_t> boot_, raw_;
    std::vector<double> value_;
};

} // namespace

ExportResult<std::unique_ptr<ExportReader>> open_hdf5_reader(const std::string& path) {
    detail::silence_hdf5_error_printing();
    auto reader = std::make_unique<Hdf5Reader>(path);
    if (auto ok = reader->open(); !ok) return std::unexpected(ok.error());
    return reader;
}

} // namespace ss::store_export
