// Number-theoretic transform modulo p = 15 * 2^27 + 1 (Montgomery form, R = 2^32), used by the
// O(n log n) Toeplitz kernel. Lengths are powers of two up to 2^27. Convolutions of 0/1 sequences
// are exact while every coefficient (at most min(n, m) <= 2^28 < p) stays below p.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernels/dispatch/simd_level.hpp"

namespace qkdpp::kernels::detail {

inline constexpr std::uint32_t kNttPrime = 2013265921u;        // 15 * 2^27 + 1
inline constexpr std::uint32_t kNttPrimeNegInv = 2013265919u;  // -p^-1 mod 2^32
inline constexpr std::uint32_t kNttGenerator = 31u;            // primitive root mod p
inline constexpr unsigned kNttMaxLog = 27;

// Scalar Montgomery arithmetic mod kNttPrime; inputs and outputs in [0, p).
constexpr std::uint32_t ntt_mont_mul(std::uint32_t a, std::uint32_t b) noexcept {
  const std::uint64_t t = static_cast<std::uint64_t>(a) * b;
  const std::uint32_t q = static_cast<std::uint32_t>(t) * kNttPrimeNegInv;
  const std::uint32_t u =
      static_cast<std::uint32_t>((t + static_cast<std::uint64_t>(q) * kNttPrime) >> 32);
  return u >= kNttPrime ? u - kNttPrime : u;
}
constexpr std::uint32_t ntt_add(std::uint32_t a, std::uint32_t b) noexcept {
  const std::uint32_t s = a + b;
  return s >= kNttPrime ? s - kNttPrime : s;
}
constexpr std::uint32_t ntt_sub(std::uint32_t a, std::uint32_t b) noexcept {
  return a >= b ? a - b : a + kNttPrime - b;
}

// Per-SIMD-level loops. All arrays hold values in [0, p).
struct NttLoops {
  // lo[j], hi[j] = lo[j] + hi[j], (lo[j] - hi[j]) * tw[j]       (decimation in frequency)
  void (*dif)(std::uint32_t* lo, std::uint32_t* hi, const std::uint32_t* tw,
              std::size_t count) noexcept;
  // v = hi[j] * tw[j]; lo[j], hi[j] = lo[j] + v, lo[j] - v       (decimation in time)
  void (*dit)(std::uint32_t* lo, std::uint32_t* hi, const std::uint32_t* tw,
              std::size_t count) noexcept;
  // acc[j] = acc[j] + a[j] * b[j]   (Montgomery product)
  void (*mul_acc)(std::uint32_t* acc, const std::uint32_t* a, const std::uint32_t* b,
                  std::size_t count) noexcept;
  // out[j] = in[j] * c               (Montgomery product)
  void (*mul_scalar)(std::uint32_t* out, const std::uint32_t* in, std::uint32_t c,
                     std::size_t count) noexcept;
  // The three smallest levels (blocks of 8, 4, 2 points) of a forward transform of `len` points
  // (a multiple of 8), or the three first levels of an inverse one. `table` is the twiddle table
  // with table[half + j] = w_{2 half}^j (forward or inverse roots respectively); the vector paths
  // rely on table[1] = w_2^0 = 1 and skip that multiplication.
  void (*dif_tail)(std::uint32_t* a, std::size_t len, const std::uint32_t* table) noexcept;
  void (*dit_head)(std::uint32_t* a, std::size_t len, const std::uint32_t* table) noexcept;
  // Two levels fused (radix 4) on a block of 4q points, butterflies j0 .. j0+count-1: the level of
  // 4q points with twiddles tw[j - j0] = w^j and w^(j+q) = w^j * quarter (w = w_{4q}, quarter =
  // w^q), then the level of 2q points with w^(2j). Forward (dif4) or inverse (dit4, reverse order).
  void (*dif4)(std::uint32_t* a, std::size_t q, const std::uint32_t* tw, std::uint32_t quarter,
               std::size_t j0, std::size_t count) noexcept;
  void (*dit4)(std::uint32_t* a, std::size_t q, const std::uint32_t* tw, std::uint32_t quarter,
               std::size_t j0, std::size_t count) noexcept;
};
const NttLoops& ntt_loops_for(SimdLevel level) noexcept;

namespace scalar {
extern const NttLoops kNttLoops;
}
namespace sse41 {
extern const NttLoops kNttLoops;
}
namespace avx2 {
extern const NttLoops kNttLoops;
}

// Forward transform in place: natural order in, bit-reversed order out.
void ntt_forward(std::span<std::uint32_t> a);
// Inverse transform in place: bit-reversed order in, natural order out, unnormalised.
void ntt_inverse(std::span<std::uint32_t> a);
// After mul_acc products of two forward transforms and ntt_inverse of length L, an entry holds
// L * c * R^-1 for the cyclic convolution coefficient c; ntt_mont_mul(entry, ntt_plain_factor(L)) =
// c.
std::uint32_t ntt_plain_factor(std::size_t length) noexcept;
const NttLoops& ntt_loops() noexcept;

}  // namespace qkdpp::kernels::detail
