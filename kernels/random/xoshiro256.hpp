// xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number generators", 2021):
// the fast, reproducible generator used for simulation. Never used for key material.
#pragma once

#include <bit>
#include <cstdint>
#include <span>

namespace qkdpp::kernels {

// SplitMix64 step, used to expand a 64-bit seed into the 256-bit xoshiro state.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Xoshiro256StarStar {
 public:
  // Independent streams of one seed: stream k is the seed's sequence advanced by k jumps of 2^128.
  explicit constexpr Xoshiro256StarStar(std::uint64_t seed, std::uint64_t stream = 0) noexcept {
    std::uint64_t sm = seed;
    for (auto& w : s_) w = splitmix64(sm);
    for (std::uint64_t k = 0; k < stream; ++k) jump();
  }

  constexpr std::uint64_t next() noexcept {
    const std::uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }

  void fill(std::span<std::uint64_t> out) noexcept {
    for (auto& w : out) w = next();
  }

  // Uniform double in [0, 1) with 53 random bits.
  constexpr double next_double() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Advances the state by 2^128 steps (the reference jump polynomial).
  constexpr void jump() noexcept {
    constexpr std::uint64_t kJump[] = {0x180ec6d33cfd0abaULL, 0xd5a61266f0c9392cULL,
                                       0xa9582618e03fc9aaULL, 0x39abdc4529b1661cULL};
    std::uint64_t acc[4] = {0, 0, 0, 0};
    for (std::uint64_t j : kJump) {
      for (int b = 0; b < 64; ++b) {
        if (j & (std::uint64_t{1} << b)) {
          for (int i = 0; i < 4; ++i) acc[i] ^= s_[i];
        }
        next();
      }
    }
    for (int i = 0; i < 4; ++i) s_[i] = acc[i];
  }

 private:
  std::uint64_t s_[4] = {};
};

}  // namespace qkdpp::kernels
