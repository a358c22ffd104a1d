// Verification hash: polynomial evaluation over GF(2^64) or GF(2^128), an almost-universal family
// (Carter-Wegman). A key k selects h_k(M) = sum_{i=1}^{L+1} M_i k^{L+2-i}, where M_1..M_L are the
// message's b-bit blocks (SPEC section 1 packing, zero-padded) and M_{L+1} is its bit length.
// Two different messages of at most L blocks collide for at most L + 1 of the 2^b keys, so for a
// uniform key: epsilon_cor <= (L + 1) / 2^b (docs/verification.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "kernels/bits/bit_ops.hpp"
#include "kernels/dispatch/simd_level.hpp"

namespace qkdpp::kernels {

// Field elements: GF(2^64) = GF(2)[x]/(x^64 + x^4 + x^3 + x + 1) and
// GF(2^128) = GF(2)[x]/(x^128 + x^7 + x^2 + x + 1); bit i of word w is the coefficient of
// x^(64w+i).
using Gf128 = std::array<std::uint64_t, 2>;

// Field multiplication, portable reference.
std::uint64_t gf64_mul(std::uint64_t a, std::uint64_t b) noexcept;
Gf128 gf128_mul(const Gf128& a, const Gf128& b) noexcept;

// The hash with a 64- or 128-bit tag; `bits` bits of `message` are hashed (bits beyond ignored).
std::uint64_t polynomial_hash64(std::span<const Word> message, std::size_t bits,
                                std::uint64_t key) noexcept;
Gf128 polynomial_hash128(std::span<const Word> message, std::size_t bits,
                         const Gf128& key) noexcept;

// Collision probability bound (L + 1) / 2^tag_bits for messages of `bits` bits, tag_bits 64 or 128.
double polynomial_hash_collision_bound(std::size_t bits, unsigned tag_bits) noexcept;

namespace detail {
struct PolynomialHashFns {
  std::uint64_t (*hash64)(const Word* message, std::size_t bits, std::uint64_t key) noexcept;
  Gf128 (*hash128)(const Word* message, std::size_t bits, Gf128 key) noexcept;
};
const PolynomialHashFns& polynomial_hash_for(SimdLevel level) noexcept;
namespace scalar {
extern const PolynomialHashFns kPolynomialHash;
}
namespace sse41 {
extern const PolynomialHashFns kPolynomialHash;
}
namespace avx2 {
extern const PolynomialHashFns kPolynomialHash;
}
}  // namespace detail

}  // namespace qkdpp::kernels
