#include "commands/config_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ss/config/gateway_config.hpp"

namespace ss::store_tool {

Result<actors::PipelineSpec> load_config_spec(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(path, std::string("cannot read the config file: ") + std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    config::GatewayConfig cfg;
    config::ConfigError error;
    if (!cfg.load_text({}, path, text.str(), error)) return std::unexpected(Failure{error.to_string()});
    return cfg.spec();
}

} // namespace ss::store_tool
