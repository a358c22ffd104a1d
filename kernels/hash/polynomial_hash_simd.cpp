// Horner evaluation of the polynomial hash, compiled per SIMD level: clmul() is PCLMULQDQ or the
// portable table method, so every level computes the same field products.
#include "kernels/gf2/clmul_arch.hpp"
#include "kernels/gf2/gf64.hpp"
#include "kernels/hash/polynomial_hash.hpp"

namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL {

namespace {

using kernels::QKDPP_SIMD_LEVEL::clmul;

inline std::uint64_t reduce64(std::uint64_t lo, std::uint64_t hi) noexcept {
  return lo ^ gf64_fold(hi);
}

inline std::uint64_t mul64(std::uint64_t a, std::uint64_t b) noexcept {
  const auto p = clmul(a, b);
  return reduce64(p.lo(), p.hi());
}

// x^128 = x^7 + x^2 + x + 1, applied to the 256-bit product (w0..w3).
inline Gf128 reduce128(std::uint64_t w0, std::uint64_t w1, std::uint64_t w2,
                       std::uint64_t w3) noexcept {
  // x^(192+i) = x^(64+i) x^128 folds word 3 into words 1-2; then x^(128+i) folds word 2 into 0-1.
  const auto fold = [](std::uint64_t h, std::uint64_t& low, std::uint64_t& high) {
    low ^= h ^ (h << 1) ^ (h << 2) ^ (h << 7);
    high ^= (h >> 63) ^ (h >> 62) ^ (h >> 57);
  };
  fold(w3, w1, w2);
  fold(w2, w0, w1);
  return {w0, w1};
}

inline Gf128 mul128(const Gf128& a, const Gf128& b) noexcept {
  const auto p00 = clmul(a[0], b[0]);
  const auto p11 = clmul(a[1], b[1]);
  auto mid = clmul(a[0], b[1]);
  mid ^= clmul(a[1], b[0]);
  return reduce128(p00.lo(), p00.hi() ^ mid.lo(), p11.lo() ^ mid.hi(), p11.hi());
}

std::uint64_t hash64(const Word* message, std::size_t bits, std::uint64_t key) noexcept {
  std::uint64_t acc = 0;
  const std::size_t words = words_for_bits(bits);
  for (std::size_t i = 0; i < words; ++i) {
    const Word block =
        (i + 1 == words && bits % 64 != 0) ? message[i] & low_mask(bits % 64) : message[i];
    acc = mul64(acc ^ block, key);
  }
  return mul64(acc ^ static_cast<std::uint64_t>(bits), key);
}

Gf128 hash128(const Word* message, std::size_t bits, Gf128 key) noexcept {
  Gf128 acc{0, 0};
  const std::size_t words = words_for_bits(bits);
  for (std::size_t i = 0; i < words; i += 2) {
    Word b0 = message[i];
    Word b1 = i + 1 < words ? message[i + 1] : 0;
    if (bits % 64 != 0) {
      if (i + 1 == words) b0 &= low_mask(bits % 64);
      if (i + 2 == words) b1 &= low_mask(bits % 64);
    }
    acc = mul128({acc[0] ^ b0, acc[1] ^ b1}, key);
  }
  return mul128({acc[0] ^ static_cast<std::uint64_t>(bits), acc[1]}, key);
}

}  // namespace

const PolynomialHashFns kPolynomialHash = {&hash64, &hash128};

}  // namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL
