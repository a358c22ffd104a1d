// Test helpers shared by the decoder, protocol and pipeline suites: simulated key pairs and the
// bundled 2^16-bit code family (loaded once).
#pragma once

#include <memory>
#include <string>

#include "engine/protocol/code_family.hpp"
#include "engine/simulation/correlated_keys.hpp"

namespace qkdpp::test {

struct KeyPair {
  kernels::BitVector alice, bob;  // bob = alice through a BSC
};

inline KeyPair simulated_keys(std::size_t n, double qber, std::uint64_t seed) {
  engine::CorrelatedKeySource source(n, engine::QberProfile::constant(qber), seed);
  KeyPair k;
  source.next(n, k.alice, k.bob);
  return k;
}

inline std::shared_ptr<const engine::CodeFamily> family16() {
  static const auto family = std::make_shared<const engine::CodeFamily>(
      engine::CodeFamily::bundled(std::string(QKDPP_SOURCE_DIR) + "/datasets/codes", 16));
  return family;
}

}  // namespace qkdpp::test
