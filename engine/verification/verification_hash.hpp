// Verification of reconciled keys: Alice and Bob compare tags of a polynomial hash under a fresh
// uniformly random key per block (kernels/hash/polynomial_hash.hpp); the tag is disclosed and
// counts in leak_EC, the collision bound is the block's epsilon_cor.
#pragma once

#include <cstddef>

#include "engine/random/random_source.hpp"
#include "kernels/bits/bit_vector.hpp"
#include "kernels/hash/polynomial_hash.hpp"

namespace qkdpp::engine {

struct VerificationKey {
  unsigned tag_bits = 64;  // 64 or 128
  kernels::Gf128 key{0, 0};

  // A fresh key; `random` must be cryptographic in a real run (SystemRandom).
  static VerificationKey draw(RandomSource& random, unsigned tag_bits = 64);
};

struct VerificationTag {
  unsigned bits = 64;
  kernels::Gf128 value{0, 0};
  friend bool operator==(const VerificationTag&, const VerificationTag&) = default;
};

// Tag of `key_bits` under `key`. Throws InputError for a tag size other than 64 or 128.
VerificationTag verification_tag(const kernels::BitVector& key_bits, const VerificationKey& key);

// epsilon_cor: probability that two different keys of `key_bits` bits get equal tags.
double verification_epsilon(std::size_t key_bits, unsigned tag_bits);

}  // namespace qkdpp::engine
