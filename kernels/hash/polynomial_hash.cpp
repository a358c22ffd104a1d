// Field arithmetic references, dispatch and the collision bound of the verification hash.
#include "kernels/hash/polynomial_hash.hpp"

#include <cmath>

#include "kernels/gf2/clmul.hpp"

namespace qkdpp::kernels {

namespace {

// Reduction by repeated folding with the bit-serial product: slow, obviously right.
std::uint64_t reduce64_reference(std::uint64_t lo, std::uint64_t hi) noexcept {
  for (int bit = 63; bit >= 0; --bit) {
    if ((hi >> bit) & 1) {
      // x^(64 + bit) = x^bit * (x^4 + x^3 + x + 1)
      const Clmul128 t = clmul64_bitwise(std::uint64_t{1} << bit, 0x1b);
      lo ^= t.lo;
      hi ^= std::uint64_t{1} << bit;
      hi ^= t.hi;
    }
  }
  return lo;
}

}  // namespace

std::uint64_t gf64_mul(std::uint64_t a, std::uint64_t b) noexcept {
  const Clmul128 p = clmul64_bitwise(a, b);
  return reduce64_reference(p.lo, p.hi);
}

Gf128 gf128_mul(const Gf128& a, const Gf128& b) noexcept {
  // Schoolbook 256-bit product, then fold bits 255..128 with x^128 = x^7 + x^2 + x + 1.
  std::uint64_t w[4] = {0, 0, 0, 0};
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      const Clmul128 p = clmul64_bitwise(a[i], b[j]);
      w[i + j] ^= p.lo;
      w[i + j + 1] ^= p.hi;
    }
  }
  for (int bit = 255; bit >= 128; --bit) {
    if ((w[bit / 64] >> (bit % 64)) & 1) {
      w[bit / 64] ^= std::uint64_t{1} << (bit % 64);
      for (int e : {7, 2, 1, 0}) {
        const int t = bit - 128 + e;
        w[t / 64] ^= std::uint64_t{1} << (t % 64);
      }
    }
  }
  return {w[0], w[1]};
}

namespace detail {
const PolynomialHashFns& polynomial_hash_for(SimdLevel level) noexcept {
  return *select_by_level(level, &scalar::kPolynomialHash, &sse41::kPolynomialHash,
                          &avx2::kPolynomialHash);
}
}  // namespace detail

std::uint64_t polynomial_hash64(std::span<const Word> message, std::size_t bits,
                                std::uint64_t key) noexcept {
  return detail::polynomial_hash_for(active_simd_level()).hash64(message.data(), bits, key);
}

Gf128 polynomial_hash128(std::span<const Word> message, std::size_t bits,
                         const Gf128& key) noexcept {
  return detail::polynomial_hash_for(active_simd_level()).hash128(message.data(), bits, key);
}

double polynomial_hash_collision_bound(std::size_t bits, unsigned tag_bits) noexcept {
  const std::size_t blocks = (bits + tag_bits - 1) / tag_bits;
  return static_cast<double>(blocks + 1) * std::ldexp(1.0, -static_cast<int>(tag_bits));
}

}  // namespace qkdpp::kernels
