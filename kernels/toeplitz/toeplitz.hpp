// Toeplitz hashing for privacy amplification, bit-exact with SPEC section 2:
//   y_i = XOR_{j<n} s[i + n - 1 - j] AND x_j,  0 <= i < m,  seed s of n + m - 1 bits,
// i.e. coefficients n-1 .. n+m-2 of the carry-less product s(z) x(z). Bits are packed as in SPEC
// section 1. Three kernels give identical output; kAuto picks by size.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "kernels/bits/bit_ops.hpp"

namespace qkdpp::kernels {

enum class ToeplitzKernel {
  kAuto,   // fastest for the size (see choose_toeplitz_kernel)
  kNaive,  // one dot product per output bit, O(n m / 64): reference, small sizes
  kClmul,  // transposed-Karatsuba middle product on 64-bit carry-less multiplies, O(n m^0.58)
  kNtt,    // number-theoretic transform, O(n log n), exact for n <= 2^28
  kFft,    // additive FFT over GF(2^64) on 32-bit chunks, O(n log n), exact
};

std::string_view to_string(ToeplitzKernel kernel) noexcept;
std::optional<ToeplitzKernel> parse_toeplitz_kernel(std::string_view name) noexcept;

// Largest input length the kernels accept.
inline constexpr std::size_t kToeplitzMaxInputBits = std::size_t{1} << 28;

// The kernel kAuto uses for these sizes.
ToeplitzKernel choose_toeplitz_kernel(std::size_t n, std::size_t m) noexcept;

// y = T(seed) x. Requires 1 <= m <= n <= kToeplitzMaxInputBits, seed.size() >= words for n+m-1
// bits, x.size() >= words for n bits, y.size() >= words for m bits (std::invalid_argument
// otherwise). Bits of `seed` and `x` beyond their lengths are ignored; y's padding bits are zeroed.
// Large inputs run in parallel in the calling thread's TBB arena.
void toeplitz_hash(std::span<const Word> seed, std::span<const Word> x, std::size_t n,
                   std::size_t m, std::span<Word> y, ToeplitzKernel kernel = ToeplitzKernel::kAuto);

// Output bits y_i for the given rows alone, one O(n / 64) dot product each (the naive kernel's
// rows): spot checks of hashes too large for the naive kernel. Rows must be < m for a seed of
// n + m - 1 bits.
std::vector<bool> toeplitz_output_bits(std::span<const Word> seed, std::span<const Word> x,
                                       std::size_t n, std::span<const std::size_t> rows);

// How the fft kernel splits a hash of these sizes: transforms of 2^log_len points, and either one
// product of the whole seed and input (block_bits = 0) or input_blocks x output_blocks blocks of
// block_bits bits (docs/toeplitz.md).
struct FftPlanSummary {
  unsigned log_len = 0;
  std::size_t block_bits = 0;
  std::size_t input_blocks = 1;
  std::size_t output_blocks = 1;
};
// Requires 1 <= m <= n <= kToeplitzMaxInputBits (std::invalid_argument otherwise).
FftPlanSummary fft_plan_summary(std::size_t n, std::size_t m);

namespace detail {
// The NTT kernel with a chosen maximum transform length (a power of two <= 2^27): inputs with
// n + m - 1 above it take the blocked path. Exposed so tests can exercise that path at small sizes.
void toeplitz_ntt(std::span<const Word> seed, std::span<const Word> x, std::size_t n, std::size_t m,
                  std::span<Word> y, std::size_t max_length);
// The additive-FFT kernel with transforms of at most 2^max_log points (max_log <= 24): small
// values force the blocked path at small sizes, for tests.
void toeplitz_fft(std::span<const Word> seed, std::span<const Word> x, std::size_t n, std::size_t m,
                  std::span<Word> y, unsigned max_log);
}  // namespace detail

}  // namespace qkdpp::kernels
