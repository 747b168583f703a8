#include "hdf5_support.hpp"

#include <mutex>

namespace ss::store_export::detail {

void silence_hdf5_error_printing() noexcept {
    static std::once_flag once;
    std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

namespace {

herr_t collect_description(unsigned, const H5E_error2_t* error, void* data) {
    auto* descriptions = static_cast<std::vector<std::string>*>(data);
    descriptions->emplace_back(error->desc != nullptr ? error->desc : "");
    return 0;
}

// HDF5 calls an enum member by name; the values are what the file stores.
H5Handle quality_enum() {
    H5Handle t(H5Tenum_create(H5T_NATIVE_UINT8), H5Tclose);
    const std::pair<const char*, std::uint8_t> members[] = {
        {"good", 0}, {"suspect", 1}, {"bad", 2}, {"interpolated", 3}, {"unknown", 255}};
    for (const auto& [name, value] : members) H5Tenum_insert(t.get(), name, &value);
    return t;
}

H5Handle clock_enum() {
    H5Handle t(H5Tenum_create(H5T_NATIVE_UINT8), H5Tclose);
    const std::pair<const char*, std::uint8_t> members[] = {{"unknown", 0}, {"monotonic", 1}, {"utc", 2}};
    for (const auto& [name, value] : members) H5Tenum_insert(t.get(), name, &value);
    return t;
}

bool write_attribute(hid_t object, const char* name, hid_t file_type, hid_t memory_type, const void* value,
                     hsize_t elements) {
    H5Handle space(elements == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &elements, nullptr), H5Sclose);
    if (!space.valid()) return false;
    H5Handle attribute(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!attribute.valid()) return false;
    return H5Awrite(attribute.get(), memory_type, value) >= 0;
}

// Opens a scalar (elements 0) or 1-D attribute of `elements` values; a message if it is not one.
std::pair<H5Handle, std::string> open_attribute(hid_t object, const char* name, hsize_t elements) {
    const htri_t exists = H5Aexists(object, name);
    if (exists <= 0) return {H5Handle{}, std::string("has no attribute \"") + name + "\""};
    H5Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    if (!attribute.valid()) return {H5Handle{}, std::string("attribute \"") + name + "\": " + take_hdf5_error()};
    H5Handle space(H5Aget_space(attribute.get()), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    hsize_t dims = 0;
    if (rank == 1) H5Sget_simple_extent_dims(space.get(), &dims, nullptr);
    const bool shaped = elements == 0 ? rank == 0 : (rank == 1 && dims == elements);
    if (!shaped)
        return {H5Handle{}, std::string("attribute \"") + name + "\" is not " +
                                (elements == 0 ? "a single value" : std::to_string(elements) + " values")};
    return {std::move(attribute), std::string()};
}

template <class T>
AttributeResult<T> read_numbers(hid_t object, const char* name, hid_t memory_type, T* out, hsize_t elements,
                                H5T_class_t wanted) {
    auto [attribute, problem] = open_attribute(object, name, elements);
    if (!attribute.valid()) return {std::nullopt, problem};
    H5Handle type(H5Aget_type(attribute.get()), H5Tclose);
    if (H5Tget_class(type.get()) != wanted)
        return {std::nullopt, std::string("attribute \"") + name + "\" is not " +
                                  (wanted == H5T_FLOAT ? "a floating-point number" : "an integer")};
    if (H5Aread(attribute.get(), memory_type, out) < 0)
        return {std::nullopt, std::string("attribute \"") + name + "\": " + take_hdf5_error()};
    return {T{}, std::string()};
}

} // namespace

std::string take_hdf5_error() {
    std::vector<std::string> descriptions;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_description, &descriptions);
    H5Eclear2(H5E_DEFAULT);
    if (descriptions.empty()) return "unknown HDF5 error";
    if (descriptions.size() == 1 || descriptions.front() == descriptions.back()) return descriptions.front();
    return descriptions.front() + " (" + descriptions.back() + ")";
}

const char* column_name(Column column) noexcept {
    switch (column) {
    case Column::seq: return "seq";
    case Column::time_us: return "time_us";
    case Column::clock: return "clock";
    case Column::boot: return "boot";
    case Column::raw: return "raw";
    case Column::value: return "value";
    case Column::quality: return "quality";
    case Column::event_ms: return "event_ms";
    }
    return "?";
}

H5Handle column_file_type(Column column) {
    switch (column) {
    case Column::seq:
    case Column::event_ms: return H5Handle(H5Tcopy(H5T_STD_U64LE), H5Tclose);
    case Column::time_us: return H5Handle(H5Tcopy(H5T_STD_I64LE), H5Tclose);
    case Column::boot:
    case Column::raw: return H5Handle(H5Tcopy(H5T_STD_U32LE), H5Tclose);
    case Column::value: return H5Handle(H5Tcopy(H5T_IEEE_F64LE), H5Tclose);
    case Column::clock: return clock_enum();
    case Column::quality: return quality_enum();
    }
    return {};
}

H5Handle column_memory_type(Column column) {
    switch (column) {
    case Column::seq:
    case Column::event_ms: return H5Handle(H5Tcopy(H5T_NATIVE_UINT64), H5Tclose);
    case Column::time_us: return H5Handle(H5Tcopy(H5T_NATIVE_INT64), H5Tclose);
    case Column::boot:
    case Column::raw: return H5Handle(H5Tcopy(H5T_NATIVE_UINT32), H5Tclose);
    case Column::value: return H5Handle(H5Tcopy(H5T_NATIVE_DOUBLE), H5Tclose);
    case Column::clock: return clock_enum();
    case Column::quality: return quality_enum();
    }
    return {};
}

H5Handle utf8_string_type() {
    H5Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(t.get(), H5T_VARIABLE);
    H5Tset_cset(t.get(), H5T_CSET_UTF8);
    return t;
}

bool write_string_attribute(hid_t object, const char* name, std::string_view value) {
    const H5Handle type = utf8_string_type();
    const std::string text(value); // NUL-terminated for HDF5
    const char* pointer = text.c_str();
    return write_attribute(object, name, type.get(), type.get(), &pointer, 0);
}

bool write_u32_attribute(hid_t object, const char* name, std::uint32_t value) {
    return write_attribute(object, name, H5T_STD_U32LE, H5T_NATIVE_UINT32, &value, 0);
}
bool write_u64_attribute(hid_t object, const char* name, std::uint64_t value) {
    return write_attribute(object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &value, 0);
}
bool write_i64_attribute(hid_t object, const char* name, std::int64_t value) {
    return write_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value, 0);
}
bool write_f64_attribute(hid_t object, const char* name, double value) {
    return write_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, 0);
}
bool write_range_attribute(hid_t object, const char* name, double low, double high) {
    const double values[2] = {low, high};
    return write_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values, 2);
}

bool has_attribute(hid_t object, const char* name) { return H5Aexists(object, name) > 0; }

AttributeResult<std::string> read_string_attribute(hid_t object, const char* name) {
    auto [attribute, problem] = open_attribute(object, name, 0);
    if (!attribute.valid()) return {std::nullopt, problem};
    H5Handle file_type(H5Aget_type(attribute.get()), H5Tclose);
    if (H5Tget_class(file_type.get()) != H5T_STRING)
        return {std::nullopt, std::string("attribute \"") + name + "\" is not a string"};
    if (H5Tis_variable_str(file_type.get()) > 0) {
        const H5Handle type = utf8_string_type();
        char* text = nullptr;
        if (H5Aread(attribute.get(), type.get(), &text) < 0)
            return {std::nullopt, std::string("attribute \"") + name + "\": " + take_hdf5_error()};
        std::string value = text != nullptr ? text : "";
        H5free_memory(text);
        return {std::move(value), std::string()};
    }
    // A fixed-length string (as other writers make them): its bytes up to the first NUL.
    const std::size_t size = H5Tget_size(file_type.get());
    std::string value(size, '\0');
    if (H5Aread(attribute.get(), file_type.get(), value.data()) < 0)
        return {std::nullopt, std::string("attribute \"") + name + "\": " + take_hdf5_error()};
    value.resize(value.find('\0') == std::string::npos ? size : value.find('\0'));
    return {std::move(value), std::string()};
}

AttributeResult<std::uint64_t> read_u64_attribute(hid_t object, const char* name) {
    std::uint64_t v = 0;
    auto r = read_numbers(object, name, H5T_NATIVE_UINT64, &v, 0, H5T_INTEGER);
    if (r.first) r.first = v;
    return r;
}
AttributeResult<std::int64_t> read_i64_attribute(hid_t object, const char* name) {
    std::int64_t v = 0;
    auto r = read_numbers(object, name, H5T_NATIVE_INT64, &v, 0, H5T_INTEGER);
    if (r.first) r.first = v;
    return r;
}
AttributeResult<double> read_f64_attribute(hid_t object, const char* name) {
    double v = 0;
    auto r = read_numbers(object, name, H5T_NATIVE_DOUBLE, &v, 0, H5T_FLOAT);
    if (r.first) r.first = v;
    return r;
}
AttributeResult<std::pair<double, double>> read_range_attribute(hid_t object, const char* name) {
    double v[2] = {0, 0};
    auto r = read_numbers(object, name, H5T_NATIVE_DOUBLE, v, 2, H5T_FLOAT);
    if (!r.first) return {std::nullopt, r.second};
    return {std::pair{v[0], v[1]}, std::string()};
}

namespace {
herr_t collect_attribute_name(hid_t, const char* name, const H5A_info_t*, void* data) {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
}
} // namespace

std::vector<std::string> attribute_names(hid_t object) {
    std::vector<std::string> names;
    hsize_t at = 0;
    H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &at, collect_attribute_name, &names);
    return names;
}

} // namespace ss::store_export::detail
