#include "store/meta_read.hpp"

#include <cstring>

#include "posix/disk/file_names.hpp"

namespace ss::store_tool {

Result<MetaRead> read_meta(const StoreRoot& root, SensorKey key) {
    MetaRead r;
    const SensorFiles* f = root.find(key);
    if (f == nullptr || !f->meta) return r;
    r.present = true;
    auto fd = root.open_sensor_file(key, hal::tier::meta_ext);
    if (!fd) return std::unexpected(fd.error());
    auto bytes = read_whole(fd->get(), root.sensor_path(key, hal::tier::meta_ext));
    if (!bytes) return std::unexpected(bytes.error());
    const auto* data = reinterpret_cast<const std::byte*>(bytes->data());
    if (bytes->size() >= 6) std::memcpy(&r.version, data + 4, sizeof r.version);
    r.error = disk::decode_meta(data, bytes->size(), r.meta);
    if (r.error == disk::MetaError::none) r.names_other = r.meta.source != key.source || r.meta.sensor_id != key.id;
    return r;
}

const char* meta_error_text(disk::MetaError e) noexcept {
    switch (e) {
    case disk::MetaError::none: return "valid";
    case disk::MetaError::too_short: return "too short";
    case disk::MetaError::bad_magic: return "bad magic";
    case disk::MetaError::bad_version: return "unknown format version";
    case disk::MetaError::bad_crc: return "bad CRC";
    case disk::MetaError::bad_fields: return "fields out of range";
    }
    return "?";
}

} // namespace ss::store_tool
