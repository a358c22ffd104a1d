// Test helper: a BitVector of n uniformly random bits from a seeded std::mt19937_64.
#pragma once

#include <random>

#include "kernels/bits/bit_vector.hpp"

namespace qkdpp::test {

inline kernels::BitVector random_bits(std::mt19937_64& rng, std::size_t n) {
  kernels::BitVector v(n);
  for (auto& w : v.words()) w = rng();
  v.resize(n);  // clears the padding bits
  return v;
}

}  // namespace qkdpp::test
