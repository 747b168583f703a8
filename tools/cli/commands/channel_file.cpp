#include "commands/channel_file.hpp"

#include <filesystem>
#include <system_error>

#include "ss/export/csv_export.hpp"

namespace ss::store_tool {

namespace ex = ss::store_export;

Result<void> write_channel_file(const std::string& root, const ex::ExportFileInfo& info,
                                const std::vector<ex::ExportSensor>& sensors) {
    auto writer = ex::make_csv_writer(root + "/" + channel_file, info);
    if (!writer) return std::unexpected(Failure{writer.error().message});
    for (const ex::ExportSensor& s : sensors) {
        if (auto b = (*writer)->begin_sensor(s); !b) return std::unexpected(Failure{b.error().message});
        if (auto e = (*writer)->end_sensor(); !e) return std::unexpected(Failure{e.error().message});
    }
    if (auto f = (*writer)->finish(); !f) return std::unexpected(Failure{f.error().message});
    return {};
}

Result<std::map<SensorKey, ex::ExportSensor>> read_channel_file(const std::string& root) {
    std::map<SensorKey, ex::ExportSensor> out;
    const std::string path = root + "/" + channel_file;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return out;
    auto reader = ex::open_csv_reader(path);
    if (!reader) return std::unexpected(Failure{reader.error().message});
    for (;;) {
        auto next = (*reader)->next_sensor();
        if (!next) return std::unexpected(Failure{next.error().message});
        if (!*next) break;
        const ex::ExportSensor& s = **next;
        out[SensorKey{static_cast<SsSource>(s.source), s.id}] = s;
    }
    return out;
}

} // namespace ss::store_tool
