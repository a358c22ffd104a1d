// Transposed-Karatsuba middle product with a carry-less-multiply base case. Compiled once per
// SIMD level (cmake/QkdppSimd.cmake); clmul() is PCLMULQDQ or the portable table method.
#include <cassert>

#include "kernels/gf2/clmul_arch.hpp"
#include "kernels/toeplitz/detail/middle_product.hpp"

namespace qkdpp::kernels::detail::QKDPP_SIMD_LEVEL {

namespace {

using kernels::QKDPP_SIMD_LEVEL::Acc128;
using kernels::QKDPP_SIMD_LEVEL::clmul;

// Schoolbook middle product of b words. Product words w in [b-1, 2b-1] are needed; the 128-bit
// partial products s_t * x_j land in acc[t + j - (b - 2)], whose low half is product word t + j
// and high half word t + j + 1.
void base_case(const Word* s, const Word* x, Word* y, std::size_t b) noexcept {
  assert(b >= 1 && b <= kMpBaseWords);
  Acc128 acc[kMpBaseWords + 2];
  for (std::size_t j = 0; j < b; ++j) {
    const std::size_t t_first = j + 2 >= b ? 0 : b - 2 - j;
    const std::size_t t_last = 2 * b - 1 - j;
    const Word xj = x[j];
    for (std::size_t t = t_first; t <= t_last; ++t) acc[t + j + 2 - b] ^= clmul(s[t], xj);
  }
  for (std::size_t i = 0; i < b; ++i) {
    const Word low = acc[i + 1].lo() ^ acc[i].hi();       // product word b - 1 + i
    const Word high = acc[i + 2].lo() ^ acc[i + 1].hi();  // product word b + i
    y[i] ^= (low >> 63) | (high << 1);
  }
}

}  // namespace

// With s = sA | sB | sC in half-blocks of h words (windows of 2h words starting at 0, h, 2h) and
// x = x0 | x1: y0 = MP(sB, x0) + MP(sA, x1) and y1 = MP(sC, x0) + MP(sB, x1), computed as
//   alpha = MP(sA + sB, x1), beta = MP(sB, x0 + x1), gamma = MP(sB + sC, x0),
//   y0 = alpha + beta, y1 = gamma + beta   (three half-size products instead of four).
void middle_product(const Word* s, const Word* x, Word* y, std::size_t kw, Word* work) noexcept {
  if (kw <= kMpBaseWords || kw % 2 != 0) {
    base_case(s, x, y, kw);
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
