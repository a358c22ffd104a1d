// GF(2^64) = GF(2)[t] / (t^64 + t^4 + t^3 + t + 1), elements as 64-bit words (bit i = coefficient
// of t^i): the reduction shared by the verification hash and the additive FFT, and a portable
// product. Reference product for tests: kernels::gf64_mul (kernels/hash/polynomial_hash.hpp).
#pragma once

#include <cstdint>

#include "kernels/gf2/clmul.hpp"

namespace qkdpp::kernels {

// Low part of the field polynomial: t^64 = t^4 + t^3 + t + 1.
inline constexpr std::uint64_t kGf64Poly = 0x1B;

// hi * t^64 reduced, for hi the high word of a 128-bit carry-less product. With
// r = t^4 + t^3 + t + 1, hi r = (hi r mod t^64) + o t^64 where o = hi >> 60 ^ hi >> 61 ^ hi >> 63
// is the overflow of at most 4 bits and o r < 2^64; so hi t^64 = (hi + o) r mod t^64, one
// shift-and-xor product.
constexpr std::uint64_t gf64_fold(std::uint64_t hi) noexcept {
  const std::uint64_t g = hi ^ (hi >> 63) ^ (hi >> 61) ^ (hi >> 60);
  return g ^ (g << 1) ^ (g << 3) ^ (g << 4);
}

constexpr std::uint64_t gf64_mul_portable(std::uint64_t a, std::uint64_t b) noexcept {
  const Clmul128 p = clmul64_portable(a, b);
  return p.lo ^ gf64_fold(p.hi);
}

}  // namespace qkdpp::kernels
