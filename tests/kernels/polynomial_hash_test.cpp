// Verification hash: field arithmetic against bit-serial references, irreducibility of the
// GF(2^64) modulus, every SIMD level bit-exact with scalar, and detection of differences.
#include "kernels/hash/polynomial_hash.hpp"

#include <gtest/gtest.h>

#include <random>

#include "kernels/bits/bit_vector.hpp"
#include "kernels/gf2/clmul.hpp"
#include "tests/kernels/random_bits.hpp"

namespace qkdpp::kernels {
namespace {

constexpr std::uint64_t kSeed = 0x4a54;

using test::random_bits;

// GF(2)[x] remainder and gcd on polynomials of degree < 128 (unsigned __int128 bit vectors).
__extension__ typedef unsigned __int128 Poly;
int degree(Poly p) {
  int d = -1;
  for (int i = 0; i < 128; ++i) {
    if ((p >> i) & 1) d = i;
  }
  return d;
}
Poly poly_mod(Poly a, Poly m) {
  const int dm = degree(m);
  for (int d = degree(a); d >= dm; d = degree(a)) a ^= m << (d - dm);
  return a;
}
Poly poly_gcd(Poly a, Poly b) {
  while (b != 0) {
    a = poly_mod(a, b);
    std::swap(a, b);
  }
  return a;
}

TEST(Gf64, ModulusIsIrreducibleByRabinsTest) {
  // P = x^64 + x^4 + x^3 + x + 1 is irreducible iff x^(2^64) = x mod P and gcd(x^(2^32) - x, P) = 1
  // (64's only prime divisor is 2).
  std::uint64_t x = 2;  // the element x
  std::uint64_t power = x;
  std::uint64_t at32 = 0;
  for (int i = 1; i <= 64; ++i) {
    power = gf64_mul(power, power);  // x^(2^i)
    if (i == 32) at32 = power;
  }
  EXPECT_EQ(power, x);
  const Poly p = (Poly{1} << 64) | 0x1b;
  EXPECT_EQ(poly_gcd(p, Poly{at32 ^ x}), Poly{1});
}

TEST(Gf128, FrobeniusFixesXAfter128Squarings) {
  Gf128 power{2, 0};
  Gf128 at64{};
  for (int i = 1; i <= 128; ++i) {
    power = gf128_mul(power, power);
    if (i == 64) at64 = power;
  }
  EXPECT_EQ(power, (Gf128{2, 0}));
  EXPECT_NE(at64, (Gf128{2, 0}));
}

TEST(Gf64, MultiplicationIsAFieldProduct) {
  std::mt19937_64 rng(kSeed);
  for (int t = 0; t < 300; ++t) {
    const std::uint64_t a = rng(), b = rng(), c = rng();
    EXPECT_EQ(gf64_mul(a, b), gf64_mul(b, a));
    EXPECT_EQ(gf64_mul(a, b ^ c), gf64_mul(a, b) ^ gf64_mul(a, c));
    EXPECT_EQ(gf64_mul(gf64_mul(a, b), c), gf64_mul(a, gf64_mul(b, c)));
    EXPECT_EQ(gf64_mul(a, 1), a);
  }
}

TEST(PolynomialHash, Hash64MatchesHornerWithReferenceField) {
  std::mt19937_64 rng(kSeed + 1);
  for (std::size_t n : {0, 1, 63, 64, 65, 127, 128, 129, 1000, 4097}) {
    const BitVector m = random_bits(rng, n);
    const std::uint64_t key = rng();
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i < m.word_count(); ++i) acc = gf64_mul(acc ^ m.words()[i], key);
    acc = gf64_mul(acc ^ n, key);
    EXPECT_EQ(polynomial_hash64(m.words(), n, key), acc) << n;

    Gf128 key2{rng(), rng()}, acc2{0, 0};
    for (std::size_t i = 0; i < m.word_count(); i += 2) {
      const Word hi = i + 1 < m.word_count() ? m.words()[i + 1] : 0;
      acc2 = gf128_mul({acc2[0] ^ m.words()[i], acc2[1] ^ hi}, key2);
    }
    acc2 = gf128_mul({acc2[0] ^ n, acc2[1]}, key2);
    EXPECT_EQ(polynomial_hash128(m.words(), n, key2), acc2) << n;
  }
}

TEST(PolynomialHash, EverySimdLevelIsBitExactWithScalar) {
  std::mt19937_64 rng(kSeed + 2);
  const auto& ref = detail::polynomial_hash_for(SimdLevel::kScalar);
  for (SimdLevel level : {SimdLevel::kSse41, SimdLevel::kAvx2}) {
    if (static_cast<int>(level) > static_cast<int>(cpu_simd_level())) continue;
    const auto& fast = detail::polynomial_hash_for(level);
    for (std::size_t n : {0, 1, 63, 64, 65, 1 << 16, 100003}) {
      const BitVector m = random_bits(rng, n);
      const std::uint64_t k = rng();
      const Gf128 k2{rng(), rng()};
      EXPECT_EQ(ref.hash64(m.words().data(), n, k), fast.hash64(m.words().data(), n, k));
      EXPECT_EQ(ref.hash128(m.words().data(), n, k2), fast.hash128(m.words().data(), n, k2));
    }
  }
}

TEST(PolynomialHash, DetectsEverySingleBitFlipAndRandomDifferences) {
  std::mt19937_64 rng(kSeed + 3);
  const std::size_t n = 1001;
  const BitVector m = random_bits(rng, n);
  const std::uint64_t key = rng() | 1;
  const Gf128 key2{rng(), rng()};
  const std::uint64_t tag = polynomial_hash64(m.words(), n, key);
  const Gf128 tag2 = polynomial_hash128(m.words(), n, key2);
  for (std::size_t i = 0; i < n; ++i) {
    BitVector f = m;
    f.flip(i);
    // A fixed key fails to separate a given pair with probability <= 17 / 2^64 (resp. 10 / 2^128).
    ASSERT_NE(polynomial_hash64(f.words(), n, key), tag) << "bit " << i;
    ASSERT_NE(polynomial_hash128(f.words(), n, key2), tag2) << "bit " << i;
  }
  for (int t = 0; t < 1000; ++t) {
    const BitVector other = random_bits(rng, n);
    ASSERT_NE(polynomial_hash64(other.words(), n, key), tag);
  }
  // Same bits, different length (a trailing zero) must not collide either.
  BitVector longer = m;
  longer.resize(n + 1);
  EXPECT_NE(polynomial_hash64(longer.words(), n + 1, key), tag);
  // Bits beyond the length are ignored.
  BitVector dirty = m;
  dirty.resize(n + 10);
  dirty.set(n + 3, true);
  EXPECT_EQ(polynomial_hash64(dirty.words(), n, key), tag);
}

TEST(PolynomialHash, CollisionBoundCountsBlocksPlusLength) {
  EXPECT_DOUBLE_EQ(polynomial_hash_collision_bound(64, 64), 2.0 / 18446744073709551616.0);
  EXPECT_DOUBLE_EQ(polynomial_hash_collision_bound(1 << 20, 64),
                   (16384.0 + 1) / 18446744073709551616.0);
  EXPECT_DOUBLE_EQ(polynomial_hash_collision_bound(129, 128), 3.0 * std::ldexp(1.0, -128));
}

}  // namespace
}  // namespace qkdpp::kernels
