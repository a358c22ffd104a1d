// Additive FFT over GF(2^64) (Lin, Chung, Han, FOCS 2014, "novel polynomial basis", with a Cantor
// basis as in Gao and Mateer, IEEE Trans. IT 2010), the O(n log n) binary-polynomial product behind
// the `fft` Toeplitz kernel.
//
// Field: GF(2^64) of kernels/gf2/gf64.hpp (the verification hash's field). A binary polynomial is
// cut into 32-bit chunks, each chunk an element of degree < 32; the product of two chunks has
// degree <= 62 < 64, so multiplying the chunk polynomials over GF(2^64) and adding the 63-bit chunk
// products back at 32-bit offsets gives the GF(2)[z] product exactly (no reduction ever applies to
// a chunk product; docs/toeplitz.md).
//
// Transform of dimension K (L = 2^K points): the evaluation of a polynomial of degree < L (its
// coefficients are the chunk polynomial's) at every point of V_K = span(v_0 .. v_{K-1}), the
// Cantor basis (v_0 = 1, v_i^2 + v_i = v_{i-1}). Pointwise products and the inverse give the
// product modulo s_K(y) = prod_{a in V_K} (y - a) = sum_{j submask of K} y^(2^j): coefficients
// >= L fold back onto lower ones at offsets L - 2^j.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/bits/bit_ops.hpp"
#include "kernels/dispatch/simd_level.hpp"
#include "kernels/gf2/gf64.hpp"

namespace qkdpp::kernels::detail {

// The Cantor basis v_0 .. v_63 of GF(2^64) over GF(2) (v_0 = 1; v_i is the root of
// v^2 + v = v_{i-1} with bit 0 clear).
const std::array<std::uint64_t, 64>& cantor_basis() noexcept;

// Largest transform dimension (2^24 points, 128 MiB per array).
inline constexpr unsigned kAfftMaxLog = 24;

// Per-SIMD-level loops. A level of the transform on a block of `len` words splits it into groups
// of 2h words; group g uses the constant consts[g]: forward butterfly a ^= c * b, b ^= a over the
// group's halves (a = first h words, b = second h words); inverse b ^= a, a ^= c * b.
struct AfftLoops {
  void (*forward_level)(std::uint64_t* f, std::size_t len, std::size_t h,
                        const std::uint64_t* consts) noexcept;
  void (*inverse_level)(std::uint64_t* f, std::size_t len, std::size_t h,
                        const std::uint64_t* consts) noexcept;
  // One group's butterflies over a[0, count), b[0, count) with constant c.
  void (*forward_butterflies)(std::uint64_t* a, std::uint64_t* b, std::uint64_t c,
                              std::size_t count) noexcept;
  void (*inverse_butterflies)(std::uint64_t* a, std::uint64_t* b, std::uint64_t c,
                              std::size_t count) noexcept;
  // out[j] = a[j] * b[j] (out may alias a), and acc[j] ^= a[j] * b[j], in GF(2^64).
  void (*mul)(std::uint64_t* out, const std::uint64_t* a, const std::uint64_t* b,
              std::size_t count) noexcept;
  void (*mul_acc)(std::uint64_t* acc, const std::uint64_t* a, const std::uint64_t* b,
                  std::size_t count) noexcept;
};
const AfftLoops& afft_loops_for(SimdLevel level) noexcept;
const AfftLoops& afft_loops() noexcept;

namespace scalar {
extern const AfftLoops kAfftLoops;
}
namespace sse41 {
extern const AfftLoops kAfftLoops;
}
namespace avx2 {
extern const AfftLoops kAfftLoops;
}
namespace avx512 {
extern const AfftLoops kAfftLoops;
}

// Group constants of a transform of dimension up to K: consts[g] = sum of v_{i+1} over the set
// bits i of g, for g < 2^(K-1). (The constant of group g at every level is s_{d-1}(beta_g) for the
// block's offset beta_g, which for the Cantor basis reduces to this.)
// The constants do not depend on K, so dimensions up to kAfftSharedLog share one table built on
// first use (4 MiB); larger ones build their own.
inline constexpr unsigned kAfftSharedLog = 20;
class AfftTables {
 public:
  explicit AfftTables(unsigned max_log);
  unsigned max_log() const noexcept { return max_log_; }
  const std::uint64_t* consts() const noexcept { return consts_; }

 private:
  unsigned max_log_;
  std::vector<std::uint64_t> own_;
  const std::uint64_t* consts_ = nullptr;
};

// Forward transform of dimension K in place: f holds 2^K polynomial coefficients (monomial
// basis), of which only the first `used` may be nonzero; on return f[t] is the value at the point
// sum_i bit_i(t) v_i. Runs in parallel in the caller's TBB arena for large K.
void afft_forward(std::span<std::uint64_t> f, unsigned log_len, std::size_t used,
                  const AfftTables& tables);
// The same for coefficients below 2^32 (the chunks of a binary polynomial): the basis conversion,
// which only XORs, runs on `coeffs` (2^K 32-bit words, overwritten) at half the memory traffic,
// then the coefficients are widened into f (2^K words) for the transform.
void afft_forward32(std::span<std::uint32_t> coeffs, std::span<std::uint64_t> f, unsigned log_len,
                    std::size_t used, const AfftTables& tables);
// Inverse: values in, the monomial coefficients of the unique polynomial of degree < 2^K out.
void afft_inverse(std::span<std::uint64_t> f, unsigned log_len, const AfftTables& tables);

// Basis conversions alone (monomial <-> novel basis), exposed for tests.
void afft_to_novel(std::span<std::uint64_t> f, unsigned log_len);
void afft_from_novel(std::span<std::uint64_t> f, unsigned log_len);

}  // namespace qkdpp::kernels::detail
