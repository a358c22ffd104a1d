// Middle product over GF(2) by transposed Karatsuba (Hanrot, Quercia, Zimmermann, "The middle
// product algorithm I", AAECC 2004), the core of the CLMUL Toeplitz kernel.
//
// MP_k(s, x) for k = 64 * kw: s has 2k - 1 bits (2 * kw words, top bit ignored), x has k bits;
// the result is coefficients k-1 .. 2k-2 of s(z) * x(z), i.e. y_i = XOR_j s[i + k - 1 - j] x_j.
#pragma once

#include <cstddef>

#include "kernels/bits/bit_ops.hpp"
#include "kernels/dispatch/simd_level.hpp"

namespace qkdpp::kernels::detail {

// Block sizes (in words) at or below which the schoolbook base case runs; odd sizes above it are
// never produced by choose_middle_product_words().
inline constexpr std::size_t kMpBaseWords = 8;

// Workspace (words) middle_product() needs for size kw.
std::size_t middle_product_work_words(std::size_t kw) noexcept;

// Smallest kw >= min_words of the form b * 2^r with b <= kMpBaseWords.
std::size_t choose_middle_product_words(std::size_t min_words) noexcept;

// y[0, kw) ^= MP(s[0, 2kw), x[0, kw)); `work` holds middle_product_work_words(kw) words. kw must
// be b * 2^r with b <= kMpBaseWords (as choose_middle_product_words() returns).
using MiddleProductFn = void (*)(const Word* s, const Word* x, Word* y, std::size_t kw, Word* work);
MiddleProductFn middle_product_for(SimdLevel level) noexcept;

namespace scalar {
void middle_product(const Word* s, const Word* x, Word* y, std::size_t kw, Word* work) noexcept;
}
namespace sse41 {
void middle_product(const Word* s, const Word* x, Word* y, std::size_t kw, Word* work) noexcept;
}
namespace avx2 {
void middle_product(const Word* s, const Word* x, Word* y, std::size_t kw, Word* work) noexcept;
}

}  // namespace qkdpp::kernels::detail
