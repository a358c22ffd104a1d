// Verification tags and their collision bound.
#include "engine/verification/verification_hash.hpp"

#include <string>

#include "engine/core/error.hpp"

namespace qkdpp::engine {

namespace {
void check_tag_bits(unsigned tag_bits) {
  if (tag_bits != 64 && tag_bits != 128) {
    throw InputError("verification tag size must be 64 or 128 bits, got " +
                     std::to_string(tag_bits));
  }
}
}  // namespace

VerificationKey VerificationKey::draw(RandomSource& random, unsigned tag_bits) {
  check_tag_bits(tag_bits);
  VerificationKey k;
  k.tag_bits = tag_bits;
  random.fill(k.key);
  if (tag_bits == 64) k.key[1] = 0;
  return k;
}

VerificationTag verification_tag(const kernels::BitVector& key_bits, const VerificationKey& key) {
  check_tag_bits(key.tag_bits);
  VerificationTag tag;
  tag.bits = key.tag_bits;
  if (key.tag_bits == 64) {
    tag.value = {kernels::polynomial_hash64(key_bits.words(), key_bits.size(), key.key[0]), 0};
  } else {
    tag.value = kernels::polynomial_hash128(key_bits.words(), key_bits.size(), key.key);
  }
  return tag;
}

double verification_epsilon(std::size_t key_bits, unsigned tag_bits) {
  check_tag_bits(tag_bits);
  return kernels::polynomial_hash_collision_bound(key_bits, tag_bits);
}

}  // namespace qkdpp::engine
