// One interface for the two kinds of randomness: a seeded, reproducible generator for simulation
// and the operating system's CSPRNG for anything that ends up in a real key run.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "kernels/bits/bit_vector.hpp"
#include "kernels/random/xoshiro256.hpp"

namespace qkdpp::engine {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(std::span<std::uint64_t> words) = 0;
  // Recorded in outputs so a run states which generator produced its seeds.
  virtual std::string description() const = 0;
  // True only for a source fit for key material (privacy-amplification seeds, hash keys).
  virtual bool is_cryptographic() const noexcept = 0;

  std::uint64_t next_u64();
  kernels::BitVector random_bits(std::size_t bits);
};

// xoshiro256** from a 64-bit seed; `stream` selects an independent sequence of the same seed.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed, std::uint64_t stream = 0);
  void fill(std::span<std::uint64_t> words) override;
  std::string description() const override;
  bool is_cryptographic() const noexcept override { return false; }

 private:
  kernels::Xoshiro256StarStar rng_;
  std::uint64_t seed_;
  std::uint64_t stream_;
};

// libsodium's randombytes_buf (getrandom(2) on Linux). Throws IoError if libsodium cannot start.
class SystemRandom final : public RandomSource {
 public:
  SystemRandom();
  void fill(std::span<std::uint64_t> words) override;
  std::string description() const override;
  bool is_cryptographic() const noexcept override { return true; }
};

}  // namespace qkdpp::engine
