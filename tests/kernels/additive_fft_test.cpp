// The additive FFT behind the `fft` Toeplitz kernel: GF(2^64) arithmetic against a bit-serial
// definition, the Cantor basis, the transform against direct polynomial evaluation, round trips,
// and every SIMD level of its loops against the scalar one.
#include "kernels/toeplitz/detail/additive_fft.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "kernels/gf2/gf64.hpp"
#include "kernels/hash/polynomial_hash.hpp"

namespace qkdpp::kernels {
namespace {

constexpr std::uint64_t kSeed = 0xaff7;

std::uint64_t gf64_pow(std::uint64_t a, unsigned e) {
  std::uint64_t r = 1;
  while (e--) r = gf64_mul_portable(r, a);
  return r;
}

// The folded product (kernels/gf2/gf64.hpp) against the verification hash's bit-serial reference
// (whose field laws and irreducibility polynomial_hash_test checks).
TEST(Gf64, FoldedProductMatchesBitSerialReference) {
  std::mt19937_64 rng(kSeed);
  for (int t = 0; t < 5000; ++t) {
    const std::uint64_t a = rng(), b = t < 64 ? std::uint64_t{1} << t : rng();
    ASSERT_EQ(gf64_mul_portable(a, b), gf64_mul(a, b)) << a << " * " << b;
  }
  // t^63 * t = t^64 = t^4 + t^3 + t + 1; all-ones squared has the largest overflow.
  EXPECT_EQ(gf64_mul_portable(std::uint64_t{1} << 63, 2), kGf64Poly);
  EXPECT_EQ(gf64_mul_portable(~0ULL, ~0ULL), gf64_mul(~0ULL, ~0ULL));
  EXPECT_EQ(gf64_pow(2, 64), kGf64Poly);
}

TEST(AdditiveFft, CantorBasisSatisfiesItsRecurrenceAndIsIndependent) {
  const auto& v = detail::cantor_basis();
  EXPECT_EQ(v[0], 1u);
  for (unsigned i = 1; i < 64; ++i)
    ASSERT_EQ(gf64_mul_portable(v[i], v[i]) ^ v[i], v[i - 1]) << "v_" << i;
  // Rank 64 over GF(2).
  std::vector<std::uint64_t> rows(v.begin(), v.end());
  unsigned rank = 0;
  for (unsigned bit = 0; bit < 64; ++bit) {
    auto p = std::find_if(rows.begin() + rank, rows.end(),
                          [&](std::uint64_t r) { return (r >> bit) & 1u; });
    if (p == rows.end()) continue;
    std::swap(*p, rows[rank]);
    for (unsigned r = 0; r < 64; ++r)
      if (r != rank && ((rows[r] >> bit) & 1u)) rows[r] ^= rows[rank];
    ++rank;
  }
  EXPECT_EQ(rank, 64u);
}

// The point the transform puts at index t: sum of v_i over the set bits i of t.
std::uint64_t point(std::size_t t) {
  std::uint64_t w = 0;
  for (unsigned i = 0; t >> i; ++i)
    if ((t >> i) & 1u) w ^= detail::cantor_basis()[i];
  return w;
}

std::uint64_t horner(const std::vector<std::uint64_t>& coeffs, std::uint64_t w) {
  std::uint64_t r = 0;
  for (std::size_t i = coeffs.size(); i-- > 0;) r = gf64_mul_portable(r, w) ^ coeffs[i];
  return r;
}

TEST(AdditiveFft, ForwardTransformEvaluatesThePolynomialAtTheSubspacePoints) {
  std::mt19937_64 rng(kSeed + 2);
  for (unsigned k = 0; k <= 9; ++k) {
    const std::size_t len = std::size_t{1} << k;
    const detail::AfftTables tables(k);
    for (std::size_t used : {len, (len + 1) / 2, std::size_t{1}}) {
      std::vector<std::uint64_t> f(len, 0);
      for (std::size_t i = 0; i < used; ++i) f[i] = rng();
      std::vector<std::uint64_t> values = f;
      detail::afft_forward(values, k, used, tables);
      for (std::size_t t = 0; t < len; ++t)
        ASSERT_EQ(values[t], horner(f, point(t))) << "K=" << k << " used=" << used << " t=" << t;
    }
  }
}

// Sizes above the in-cache leaf and the parallel split (2^13, 2^15 words): inverse(forward(f)) = f,
// and the two conversions invert each other; the product of two transforms inverts to the product
// of the polynomials modulo s_K, checked here on a polynomial pair whose product has degree < 2^K.
TEST(AdditiveFft, LargeTransformsRoundTripAndMultiply) {
  std::mt19937_64 rng(kSeed + 3);
  for (unsigned k : {12u, 14u, 17u}) {
    const std::size_t len = std::size_t{1} << k;
    const detail::AfftTables tables(k);
    std::vector<std::uint64_t> f(len);
    for (auto& w : f) w = rng();
    std::vector<std::uint64_t> g = f;
    detail::afft_to_novel(g, k);
    EXPECT_NE(g, f);
    detail::afft_from_novel(g, k);
    ASSERT_EQ(g, f) << "conversion round trip, K=" << k;
    detail::afft_forward(g, k, len, tables);
    detail::afft_inverse(g, k, tables);
    ASSERT_EQ(g, f) << "transform round trip, K=" << k;
  }
  // (a0 + a1 y) * (b0 + b1 y^(L/2)) spread over the whole transform.
  const unsigned k = 16;
  const std::size_t len = std::size_t{1} << k;
  const detail::AfftTables tables(k);
  std::vector<std::uint64_t> a(len, 0), b(len, 0);
  a[0] = rng(), a[1] = rng(), b[0] = rng(), b[len / 2] = rng();
  std::vector<std::uint64_t> expect(len, 0);
  expect[0] = gf64_mul_portable(a[0], b[0]);
  expect[1] = gf64_mul_portable(a[1], b[0]);
  expect[len / 2] = gf64_mul_portable(a[0], b[len / 2]);
  expect[len / 2 + 1] = gf64_mul_portable(a[1], b[len / 2]);
  detail::afft_forward(a, k, 2, tables);
  detail::afft_forward(b, k, len / 2 + 1, tables);
  detail::afft_loops().mul(a.data(), a.data(), b.data(), len);
  detail::afft_inverse(a, k, tables);
  EXPECT_EQ(a, expect);
}

TEST(AdditiveFft, EverySimdLevelIsBitExactWithScalarLoops) {
  std::mt19937_64 rng(kSeed + 4);
  const auto& ref = detail::afft_loops_for(SimdLevel::kScalar);
  for (SimdLevel level : {SimdLevel::kSse41, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (static_cast<int>(level) > static_cast<int>(cpu_simd_level())) continue;
    const auto& fast = detail::afft_loops_for(level);
    for (std::size_t count : {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000}) {
      std::vector<std::uint64_t> a(count), b(count), acc(count);
      for (std::size_t i = 0; i < count; ++i) a[i] = rng(), b[i] = rng(), acc[i] = rng();
      const std::uint64_t c = count % 3 == 0 ? 0 : rng();  // c = 0 takes the add-only path
      auto a1 = a, b1 = b, a2 = a, b2 = b;
      ref.forward_butterflies(a1.data(), b1.data(), c, count);
      fast.forward_butterflies(a2.data(), b2.data(), c, count);
      ASSERT_EQ(a1, a2) << to_string(level) << " count=" << count;
      ASSERT_EQ(b1, b2);
      ref.inverse_butterflies(a1.data(), b1.data(), c, count);
      fast.inverse_butterflies(a2.data(), b2.data(), c, count);
      ASSERT_EQ(a1, a);  // the inverse butterfly undoes the forward one
      ASSERT_EQ(a2, a);
      ASSERT_EQ(b2, b);
      auto m1 = acc, m2 = acc;
      ref.mul_acc(m1.data(), a.data(), b.data(), count);
      fast.mul_acc(m2.data(), a.data(), b.data(), count);
      ASSERT_EQ(m1, m2);
      ref.mul(m1.data(), a.data(), b.data(), count);
      fast.mul(m2.data(), a.data(), b.data(), count);
      ASSERT_EQ(m1, m2);
      for (std::size_t i = 0; i < count; ++i) ASSERT_EQ(m1[i], gf64_mul(a[i], b[i]));
    }
    // Whole levels (groups of 2h words with distinct constants) on blocks of 2 to 128 words:
    // shorter than, equal to and longer than one 16-word step of the AVX-512 narrow levels.
    for (std::size_t len : {2, 4, 8, 16, 32, 64, 128}) {
      for (std::size_t h : {1, 2, 4, 8, 32}) {
        if (2 * h > len) continue;
        std::vector<std::uint64_t> f(len), consts(len / (2 * h));
        for (auto& w : f) w = rng();
        for (auto& w : consts) w = rng();
        auto f1 = f, f2 = f;
        ref.forward_level(f1.data(), len, h, consts.data());
        fast.forward_level(f2.data(), len, h, consts.data());
        ASSERT_EQ(f1, f2) << to_string(level) << " len=" << len << " h=" << h;
        fast.inverse_level(f2.data(), len, h, consts.data());
        ASSERT_EQ(f2, f) << to_string(level) << " len=" << len << " h=" << h;
      }
    }
  }
}

TEST(AdditiveFft, RejectsBadSizes) {
  const detail::AfftTables tables(4);
  std::vector<std::uint64_t> f(16), g(15), big(32);
  EXPECT_THROW(detail::afft_forward(g, 4, 15, tables), std::invalid_argument);
  EXPECT_THROW(detail::afft_forward(big, 5, 32, tables), std::invalid_argument);  // tables for 4
  EXPECT_THROW(detail::AfftTables(detail::kAfftMaxLog + 1), std::invalid_argument);
  EXPECT_NO_THROW(detail::afft_forward(f, 4, 16, tables));
}

}  // namespace
}  // namespace qkdpp::kernels
