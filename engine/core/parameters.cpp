// Differences between two JSON parameter sets.
#include "engine/core/parameters.hpp"

#include <nlohmann/json.hpp>

namespace qkdpp::engine {

std::string parameter_differences(const std::string& found, const std::string& expected) {
  if (found == expected) return {};
  std::string out;
  try {
    const auto a = nlohmann::json::parse(found), b = nlohmann::json::parse(expected);
    for (const auto& [key, value] : b.items()) {
      if (!a.contains(key) || a[key] != value) {
        out += (out.empty() ? "" : ", ") + key + " (" +
               (a.contains(key) ? a[key].dump() : "absent") + " vs " + value.dump() + ")";
      }
    }
    for (const auto& [key, value] : a.items()) {
      if (!b.contains(key))
        out += (out.empty() ? "" : ", ") + key + " (" + value.dump() + " vs absent)";
    }
  } catch (const nlohmann::json::exception&) {
    return "unreadable parameters";
  }
  return out.empty() ? "parameter set differs" : out;
}

}  // namespace qkdpp::engine
