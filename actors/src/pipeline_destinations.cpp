// The pipeline with several [destinations] (ss/actors/pipeline.hpp, docs/upload-protocol.md
// "Several destinations"): a transport, a quarantine and a persisted cursor file per
// destination, and the fanout they all read the engine's stores through.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>

#include "destination_transport.hpp"
#include "ss/actors/pipeline.hpp"

namespace ss::actors {

namespace {

// The fanout's two locks (ss::port::LockOps over std::mutex objects the pipeline owns).
const port::LockOps fanout_lock_ops{
    sizeof(std::mutex), alignof(std::mutex), [](void*) {}, [](void*) {},
    [](void* m) { static_cast<std::mutex*>(m)->lock(); }, [](void* m) { static_cast<std::mutex*>(m)->unlock(); },
    [](void* m) { return static_cast<std::mutex*>(m)->try_lock(); }};

} // namespace

bool Pipeline::open_destinations(std::string& why) {
    Engine& engine = host_->engine();
    hal::ChannelDirectory channels;
    for (const auto& sensor : sensors_) channels[{sensor->bus, sensor->id}] = hal::Channel{sensor->name, sensor->spec->unit};
    std::string quarantine_root = spec_.uploader.quarantine_dir;
    if (quarantine_root.empty() && !spec_.data_dir.empty()) quarantine_root = spec_.data_dir + "/quarantine";
    for (const DestinationSpec& spec : spec_.destinations) {
        FannedDestination dest;
        dest.name = spec.name;
        DestinationTransport t;
        if (!make_destination_transport(spec_.gateway, spec, channels, t, why)) return false;
        dest.encoder = std::move(t.encoder);
        dest.transport = std::move(t.transport);
        if (!quarantine_root.empty()) {
            // One quarantine per destination: a batch one receiver refuses may suit another.
            const std::string dir = quarantine_root + "/" + spec.name;
            std::error_code ec; // the quarantine opens (and names) what is still missing
            std::filesystem::create_directories(quarantine_root, ec);
            dest.quarantine = std::make_unique<hal::Quarantine>(dir);
            if (dest.quarantine->status() != 0) {
                why = "destinations." + spec.name + ": cannot open the quarantine directory " + dir + ": " +
                      std::strerror(-dest.quarantine->status());
                return false;
            }
        }
        if (!spec_.data_dir.empty())
            dest.cursors = std::make_unique<hal::DestinationCursorFile>(spec_.data_dir + "/destinations", spec.name);
        fanned_.push_back(std::move(dest));
    }
    const auto destinations = static_cast<std::uint32_t>(fanned_.size());
    // Room for every store the engine may hold, not only those registered by now.
    const std::uint32_t sensors = std::max<std::uint32_t>({1, engine.sensor_count(), spec_.storage.max_sensors});
    fanout_ = std::make_unique<DestinationFanout>();
    fanout_cursors_.resize(DestinationFanout::cursors_needed(sensors, destinations));
    fanout_scratch_.resize(std::size_t{spec_.uploader.batch_records < 64 ? 64 : spec_.uploader.batch_records} *
                           sector::evt_record_bytes);
    fanout_locks_ = std::make_unique<std::mutex[]>(2);
    // The fanout lays its two locks out at lock_stride apart: sizeof(std::mutex), as an array's.
    if (!fanout_->init(engine, destinations, sensors, fanout_cursors_.data(), fanout_cursors_.size(),
                       fanout_scratch_.data(), fanout_scratch_.size(), fanout_lock_ops, fanout_locks_.get())) {
        why = "destinations: " + std::to_string(destinations) + " destinations are more than the " +
              std::to_string(DestinationFanout::max_destinations) + " supported";
        return false;
    }
    // Each destination goes on from what it had acknowledged before the restart.
    for (std::uint32_t d = 0; d < destinations; ++d) {
        if (fanned_[d].cursors == nullptr) continue;
        std::uint64_t damaged = 0;
        const auto acked = fanned_[d].cursors->load(damaged);
        if (damaged != 0)
            log(1, "destinations." + fanned_[d].name + ": " + std::to_string(damaged) + " damaged entries in " +
                       fanned_[d].cursors->path() + " (those sensors are sent again from the store's head)");
        for (std::uint32_t i = 0; i < engine.sensor_count(); ++i) {
            const SensorStore& store = engine.store_at(i);
            const auto it = acked.find({static_cast<int>(store.source()), store.id()});
            if (it != acked.end()) fanout_->restore(d, store, it->second);
        }
    }
    return true;
}

void Pipeline::save_destination_cursors() {
    if (fanout_ == nullptr) return;
    Engine& engine = host_->engine();
    for (std::uint32_t d = 0; d < fanned_.size(); ++d) {
        if (fanned_[d].cursors == nullptr) continue;
        std::vector<hal::DestinationCursorFile::Entry> entries;
        for (std::uint32_t i = 0; i < engine.sensor_count(); ++i) {
            const SensorStore& store = engine.store_at(i);
            entries.push_back({store.source(), store.id(), fanout_->cursor(d, store).acked_seq});
        }
        if (const int r = fanned_[d].cursors->save(entries); r != 0)
            log(1, "destinations." + fanned_[d].name + ": cannot write " + fanned_[d].cursors->path() + ": " +
                       std::strerror(-r) + " (a restart sends again what it acknowledged since the last write)");
    }
}

hal::Quarantine* Pipeline::quarantine(std::string_view destination) noexcept {
    for (auto& d : fanned_)
        if (d.name == destination) return d.quarantine.get();
    return destination.empty() || (spec_.destinations.size() == 1 && spec_.destinations.front().name == destination)
               ? quarantine_.get()
               : nullptr;
}

} // namespace ss::actors
