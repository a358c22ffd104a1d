// Transposed-Karatsuba middle product with a carry-less-multiply base case. Compiled once per
// SIMD level (cmake/QkdppSimd.cmake); clmul() is PCLMULQDQ or the portable table method.
#include <algorithm>
#include <cassert>
#include <utility>

#include "kernels/gf2/clmul_arch.hpp"
#include "kernels/toeplitz/detail/middle_product.hpp"

namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL {

namespace {

using kernels::QKDPP_SIMD_LEVEL::Acc128;
using kernels::QKDPP_SIMD_LEVEL::clmul;

// Schoolbook middle product of B words. Product words w in [B-1, 2B-1] are needed; the 128-bit
// partial products s_t * x_j with t + j = d land in diagonal d, whose low half is product word d
// and high half word d + 1. Diagonals d = B-2 .. 2B-1 are summed in registers, one at a time.
template <std::size_t B>
void base_case(const Word* s, const Word* x, Word* y) noexcept {
  Acc128 diag[B + 2];
  for (std::size_t a = 0; a < B + 2; ++a) {  // diagonal d = a + B - 2
    Acc128 sum;
    const std::size_t j_end = std::min(B, a + B - 1);  // t = d - j must be >= 0
    for (std::size_t j = 0; j < j_end; ++j) sum ^= clmul(s[a + B - 2 - j], x[j]);
    diag[a] = sum;
  }
  for (std::size_t i = 0; i < B; ++i) {
    const Word low = diag[i + 1].lo() ^ diag[i].hi();       // product word B - 1 + i
    const Word high = diag[i + 2].lo() ^ diag[i + 1].hi();  // product word B + i
    y[i] ^= (low >> 63) | (high << 1);
  }
}

template <std::size_t... Bs>
void base_case_dispatch(const Word* s, const Word* x, Word* y, std::size_t b,
                        std::index_sequence<Bs...>) noexcept {
  ((b == Bs + 1 ? base_case<Bs + 1>(s, x, y) : void()), ...);
}

}  // namespace

// With s = sA | sB | sC in half-blocks of h words (windows of 2h words starting at 0, h, 2h) and
// x = x0 | x1: y0 = MP(sB, x0) + MP(sA, x1) and y1 = MP(sC, x0) + MP(sB, x1), computed as
//   alpha = MP(sA + sB, x1), beta = MP(sB, x0 + x1), gamma = MP(sB + sC, x0),
//   y0 = alpha + beta, y1 = gamma + beta   (three half-size products instead of four).
void middle_product(const Word* s, const Word* x, Word* y, std::size_t kw, Word* work) noexcept {
  if (kw <= kMpBaseWords || kw % 2 != 0) {
    assert(kw >= 1 && kw <= kMpBaseWords);
    base_case_dispatch(s, x, y, kw, std::make_index_sequence<kMpBaseWords>{});
    return;
  }
  const std::size_t h = kw / 2;
  Word* s_ab = work;
  Word* s_bc = s_ab + 2 * h;
  Word* x01 = s_bc + 2 * h;
  Word* beta = x01 + h;
  Word* child = beta + h;
  for (std::size_t i = 0; i < 2 * h; ++i) {
    s_ab[i] = s[i] ^ s[h + i];
    s_bc[i] = s[h + i] ^ s[2 * h + i];
  }
  for (std::size_t i = 0; i < h; ++i) {
    x01[i] = x[i] ^ x[h + i];
    beta[i] = 0;
  }
  middle_product(s_ab, x + h, y, h, child);
  middle_product(s_bc, x, y + h, h, child);
  middle_product(s + h, x01, beta, h, child);
  for (std::size_t i = 0; i < h; ++i) {
    y[i] ^= beta[i];
    y[h + i] ^= beta[i];
  }
}

}  // namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL
