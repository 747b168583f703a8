// What the HDF5 writer and reader share: owning handles, HDF5's error stack as a sentence, the
// layout's names and types (docs/export-formats.md, "HDF5"), attributes as values. HDF5 (the
// Debian serial build) is not thread-safe: one thread at a time uses these.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ss::store_export::detail {

/// An HDF5 identifier closed with its kind's close function when it goes.
class H5Handle {
public:
    using Close = herr_t (*)(hid_t);
    H5Handle() = default;
    H5Handle(hid_t id, Close close) noexcept : id_(id), close_(close) {}
    H5Handle(H5Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), close_(o.close_) {}
    H5Handle& operator=(H5Handle&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = std::exchange(o.id_, H5I_INVALID_HID);
            close_ = o.close_;
        }
        return *this;
    }
    ~H5Handle() { reset(); }
    /// Closes it now; false if HDF5 reported an error closing (data not written).
    bool reset() noexcept {
        bool ok = true;
        if (id_ >= 0 && close_ != nullptr) ok = close_(id_) >= 0;
        id_ = H5I_INVALID_HID;
        return ok;
    }
    hid_t get() const noexcept { return id_; }
    bool valid() const noexcept { return id_ >= 0; }

private:
    hid_t id_ = H5I_INVALID_HID;
    Close close_ = nullptr;
};

/// Switches HDF5's automatic printing of its error stack off (once per process): errors come
/// back as messages instead.
void silence_hdf5_error_printing() noexcept;

/// The HDF5 error stack as one sentence (its outermost and innermost descriptions), cleared
/// after; "unknown HDF5 error" if it is empty.
std::string take_hdf5_error();

/// The names of the layout.
inline constexpr std::string_view hdf5_format_name = "ss-export-hdf5";
inline constexpr const char* dataset_metadata_group = "dataset_metadata";

/// Column datasets of a sensor group, in the order they are written.
enum class Column : std::uint8_t { seq, time_us, clock, boot, raw, value, quality, event_ms };
inline constexpr std::size_t column_count = 8;
/// The dataset's name.
const char* column_name(Column column) noexcept;
/// Its type in the file (little-endian fixed types; enums for clock and quality). The caller
/// owns the returned handle.
H5Handle column_file_type(Column column);
/// Its type in memory (native order; the same enums).
H5Handle column_memory_type(Column column);

/// A variable-length UTF-8 string type (owned by the caller).
H5Handle utf8_string_type();

/// Attribute writers; false on an HDF5 error (left on its stack).
bool write_string_attribute(hid_t object, const char* name, std::string_view value);
bool write_u32_attribute(hid_t object, const char* name, std::uint32_t value);
bool write_u64_attribute(hid_t object, const char* name, std::uint64_t value);
bool write_i64_attribute(hid_t object, const char* name, std::int64_t value);
bool write_f64_attribute(hid_t object, const char* name, double value);
/// A 1-D attribute of two f64 values (a [low, high] range).
bool write_range_attribute(hid_t object, const char* name, double low, double high);

/// Attribute readers: the value, or (first empty) a message saying what is wrong: missing, not
/// a scalar (a 2-element array for a range), or of a type HDF5 cannot convert to the one asked.
template <class T>
using AttributeResult = std::pair<std::optional<T>, std::string>;

bool has_attribute(hid_t object, const char* name);
AttributeResult<std::string> read_string_attribute(hid_t object, const char* name);
AttributeResult<std::uint64_t> read_u64_attribute(hid_t object, const char* name);
AttributeResult<std::int64_t> read_i64_attribute(hid_t object, const char* name);
AttributeResult<double> read_f64_attribute(hid_t object, const char* name);
AttributeResult<std::pair<double, double>> read_range_attribute(hid_t object, const char* name);
/// Every attribute name of an object, in creation or name order.
std::vector<std::string> attribute_names(hid_t object);

} // namespace ss::store_export::detail
