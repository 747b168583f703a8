// A processor of the user's own, run on a channel after its chain's filters (seed 001: "a
// documented interface for a user's own processor"). A gateway registers a factory under a name
// before starting the pipeline, and a chain names it (`processor = "name"` in the config file).
// Each processing stage makes its own instance per channel, so an instance is only ever called
// from one thread, and a restarted stage starts with fresh ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>

namespace ss::actors {

class UserProcessor {
public:
    virtual ~UserProcessor() = default;
    /// Transforms one block's records of a channel in place and returns how many to keep (the
    /// first ones; at most values.size()). Records are raw values before calibration. May throw:
    /// the processing stage then fails, its block goes back to the pool and it is restarted.
    virtual std::size_t process(std::span<std::uint32_t> values) = 0;
};

using UserProcessorFactory = std::function<std::unique_ptr<UserProcessor>()>;

/// Factories by name.
class ProcessorRegistry {
public:
    void add(std::string name, UserProcessorFactory factory) { factories_[std::move(name)] = std::move(factory); }
    bool contains(const std::string& name) const { return factories_.count(name) != 0; }
    /// A fresh instance, or nullptr if nothing is registered under the name.
    std::unique_ptr<UserProcessor> make(const std::string& name) const {
        auto it = factories_.find(name);
        return it == factories_.end() ? nullptr : it->second();
    }

private:
    std::map<std::string, UserProcessorFactory> factories_;
};

} // namespace ss::actors
