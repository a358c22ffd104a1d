// Run parameters as a JSON object (journals, network hellos): naming what differs between two.
#pragma once

#include <string>

namespace qkdpp::engine {

// "key (was A, now B), ..." for the keys of `expected` whose values differ in `found` (both JSON
// objects); empty when equal, "unreadable parameters" when one does not parse.
std::string parameter_differences(const std::string& found, const std::string& expected);

}  // namespace qkdpp::engine
