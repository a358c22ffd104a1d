// Random sources: xoshiro256** for simulation, libsodium for key material.
#include "engine/random/random_source.hpp"

#include <sodium.h>

#include "engine/core/error.hpp"

namespace qkdpp::engine {

std::uint64_t RandomSource::next_u64() {
  std::uint64_t w = 0;
  fill({&w, 1});
  return w;
}

kernels::BitVector RandomSource::random_bits(std::size_t bits) {
  kernels::BitVector v(bits);
  fill(v.words());
  v.resize(bits);  // restores the zero-padding invariant of the last word
  return v;
}

SeededRandom::SeededRandom(std::uint64_t seed, std::uint64_t stream)
    : rng_(seed, stream), seed_(seed), stream_(stream) {}

void SeededRandom::fill(std::span<std::uint64_t> words) { rng_.fill(words); }

std::string SeededRandom::description() const {
  return "xoshiro256** seed=" + std::to_string(seed_) + " stream=" + std::to_string(stream_) +
         " (simulation only, not cryptographic)";
}

SystemRandom::SystemRandom() {
  if (sodium_init() < 0) throw IoError("libsodium failed to initialise its random generator");
}

void SystemRandom::fill(std::span<std::uint64_t> words) {
  if (words.empty()) return;
  randombytes_buf(words.data(), words.size_bytes());
}

std::string SystemRandom::description() const {
  return std::string("os-csprng libsodium ") + sodium_version_string() + " randombytes (" +
         randombytes_implementation_name() + ")";
}

}  // namespace qkdpp::engine
