// Toeplitz kernels against the naive reference (SPEC section 2), every SIMD level of the
// middle-product and NTT loops against the scalar one, and the large-n kernel at its limit.
#include "kernels/toeplitz/toeplitz.hpp"

#include <gtest/gtest.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <random>
#include <vector>

#include "kernels/bits/bit_vector.hpp"
#include "kernels/gf2/clmul.hpp"
#include "kernels/toeplitz/detail/additive_fft.hpp"
#include "kernels/toeplitz/detail/middle_product.hpp"
#include "kernels/toeplitz/detail/ntt.hpp"
#include "tests/kernels/random_bits.hpp"

namespace qkdpp::kernels {
namespace {

constexpr std::uint64_t kSeed = 0x70e9117;

using test::random_bits;

BitVector hash(const BitVector& seed, const BitVector& x, std::size_t m, ToeplitzKernel k) {
  BitVector y(m);
  toeplitz_hash(seed.words(), x.words(), x.size(), m, y.words(), k);
  return y;
}

// Direct transcription of SPEC section 2.
BitVector definition(const BitVector& s, const BitVector& x, std::size_t m) {
  const std::size_t n = x.size();
  BitVector y(m);
  for (std::size_t i = 0; i < m; ++i) {
    bool acc = false;
    for (std::size_t j = 0; j < n; ++j) acc ^= s.get(i + n - 1 - j) && x.get(j);
    y.set(i, acc);
  }
  return y;
}

TEST(Toeplitz, SpecWorkedExamples) {
  const std::vector<std::uint8_t> s1 = {0b01101}, x1 = {0b1011};
  const BitVector seed1 = BitVector::from_bytes(s1, 5), in1 = BitVector::from_bytes(x1, 4);
  const std::vector<std::uint8_t> s2 = {0xb5, 0x0f, 0xd4, 0x63}, x2 = {0x17, 0xdd, 0x08};
  const BitVector seed2 = BitVector::from_bytes(s2, 31), in2 = BitVector::from_bytes(x2, 20);
  for (ToeplitzKernel k : {ToeplitzKernel::kNaive, ToeplitzKernel::kClmul, ToeplitzKernel::kNtt,
                           ToeplitzKernel::kFft, ToeplitzKernel::kAuto}) {
    const BitVector y1 = hash(seed1, in1, 2, k);
    EXPECT_TRUE(y1.get(0) && y1.get(1)) << to_string(k);
    EXPECT_EQ(hash(seed2, in2, 12, k).to_bytes(), (std::vector<std::uint8_t>{0x68, 0x01}))
        << to_string(k);
  }
}

TEST(Toeplitz, NaiveMatchesDefinitionOnSmallRandomInputs) {
  std::mt19937_64 rng(kSeed);
  for (int t = 0; t < 60; ++t) {
    const std::size_t n = 1 + rng() % 200, m = 1 + rng() % n;
    const BitVector s = random_bits(rng, n + m - 1), x = random_bits(rng, n);
    ASSERT_EQ(hash(s, x, m, ToeplitzKernel::kNaive), definition(s, x, m))
        << "n=" << n << " m=" << m;
  }
}

TEST(Toeplitz, AllKernelsAgreeOnAwkwardSizes) {
  std::mt19937_64 rng(kSeed + 1);
  SCOPED_TRACE("seed " + std::to_string(kSeed + 1));
  for (std::size_t n : {1, 2, 63, 64, 65, 127, 128, 129, 1000, 4097, 10007}) {
    for (std::size_t m :
         {std::size_t{1}, std::max<std::size_t>(1, n / 4), std::max<std::size_t>(1, n / 2),
          std::max<std::size_t>(1, 3 * n / 4), n - (n > 1), n}) {
      const BitVector s = random_bits(rng, n + m - 1), x = random_bits(rng, n);
      const BitVector ref = hash(s, x, m, ToeplitzKernel::kNaive);
      ASSERT_EQ(hash(s, x, m, ToeplitzKernel::kClmul), ref) << "clmul n=" << n << " m=" << m;
      ASSERT_EQ(hash(s, x, m, ToeplitzKernel::kNtt), ref) << "ntt n=" << n << " m=" << m;
      ASSERT_EQ(hash(s, x, m, ToeplitzKernel::kFft), ref) << "fft n=" << n << " m=" << m;
    }
  }
}

TEST(Toeplitz, AllKernelsAgreeOnRandomSizes) {
  std::mt19937_64 rng(kSeed + 2);
  for (int t = 0; t < 25; ++t) {
    const std::size_t n = 1 + rng() % 40000, m = 1 + rng() % n;
    const BitVector s = random_bits(rng, n + m - 1), x = random_bits(rng, n);
    const BitVector ref = hash(s, x, m, ToeplitzKernel::kNaive);
    ASSERT_EQ(hash(s, x, m, ToeplitzKernel::kClmul), ref) << "n=" << n << " m=" << m;
    ASSERT_EQ(hash(s, x, m, ToeplitzKernel::kNtt), ref) << "n=" << n << " m=" << m;
    ASSERT_EQ(hash(s, x, m, ToeplitzKernel::kFft), ref) << "fft n=" << n << " m=" << m;
  }
}

TEST(Toeplitz, ClmulNttAndFftAgreeUpToMillionsOfBitsWithSpotChecks) {
  std::mt19937_64 rng(kSeed + 3);
  for (std::size_t n : {std::size_t{1} << 20, std::size_t{3'000'017}}) {
    const std::size_t m = n / 2 + rng() % (n / 2);
    const BitVector s = random_bits(rng, n + m - 1), x = random_bits(rng, n);
    const BitVector a = hash(s, x, m, ToeplitzKernel::kClmul);
    ASSERT_EQ(hash(s, x, m, ToeplitzKernel::kNtt), a) << "n=" << n;
    ASSERT_EQ(hash(s, x, m, ToeplitzKernel::kFft), a) << "n=" << n;
    std::vector<std::size_t> rows = {0, m - 1};
    for (int k = 0; k < 14; ++k) rows.push_back(rng() % m);
    const std::vector<bool> bits = toeplitz_output_bits(s.words(), x.words(), n, rows);
    for (std::size_t r = 0; r < rows.size(); ++r)
      ASSERT_EQ(a.get(rows[r]), bits[r]) << "bit " << rows[r];
  }
}

TEST(Toeplitz, BlockedNttAndFftPathsMatchClmulOnRandomSizes) {
  // Small transforms force the blocked paths (several input and output blocks). For the fft
  // kernel, dimensions with one set bit fold at offset 1, others (3, 5, 6, 7, 9, 10) at up to half
  // the transform.
  std::mt19937_64 rng(kSeed + 9);
  for (int t = 0; t < 40; ++t) {
    const std::size_t n = 1 + rng() % 30000, m = 1 + rng() % n;
    const std::size_t ntt_len = std::size_t{1} << (7 + rng() % 5);
    const unsigned fft_log = 3 + static_cast<unsigned>(rng() % 8);
    const BitVector s = random_bits(rng, n + m - 1), x = random_bits(rng, n);
    const BitVector ref = hash(s, x, m, ToeplitzKernel::kClmul);
    BitVector y(m);
    detail::toeplitz_ntt(s.words(), x.words(), n, m, y.words(), ntt_len);
    ASSERT_EQ(y, ref) << "ntt n=" << n << " m=" << m << " L=" << ntt_len;
    detail::toeplitz_fft(s.words(), x.words(), n, m, y.words(), fft_log);
    ASSERT_EQ(y, ref) << "fft n=" << n << " m=" << m << " max_log=" << fft_log;
  }
}

TEST(Toeplitz, FftPlansAreConsistentAndFitTheDocumentedCases) {
  // docs/toeplitz.md: a 2^20-bit hash at m/n = 50 % is one product of 2^16 points; 2^27 uses
  // blocks.
  const FftPlanSummary one = fft_plan_summary(std::size_t{1} << 20, std::size_t{1} << 19);
  EXPECT_EQ(one.log_len, 16u);
  EXPECT_EQ(one.block_bits, 0u);
  for (auto [n, m] : {std::pair<std::size_t, std::size_t>{1, 1},
                      {64, 1},
                      {4097, 2000},
                      {std::size_t{1} << 27, std::size_t{1} << 26},
                      {kToeplitzMaxInputBits, kToeplitzMaxInputBits}}) {
    const FftPlanSummary p = fft_plan_summary(n, m);
    EXPECT_LE(p.log_len, detail::kAfftMaxLog);
    if (p.block_bits != 0) {
      EXPECT_EQ(p.block_bits % 64, 0u);
      EXPECT_EQ(p.input_blocks, (n + p.block_bits - 1) / p.block_bits) << n;
      EXPECT_EQ(p.output_blocks, (m + p.block_bits - 1) / p.block_bits) << n;
      // Transform arrays: input blocks, accumulators and a window, within 512 MiB.
      EXPECT_LE((p.input_blocks + p.output_blocks + 1) << p.log_len, std::size_t{1} << 26);
    }
  }
  EXPECT_GT(fft_plan_summary(std::size_t{1} << 27, std::size_t{1} << 26).block_bits, 0u);
  EXPECT_THROW(fft_plan_summary(10, 11), std::invalid_argument);
}

// The fft kernel reuses each thread's transform arrays without clearing them: a sequence of
// hashes on one thread whose plans alternate between the single product and blocked plans of
// other block counts and transform sizes (larger, then smaller) must each equal the clmul
// kernel's result, whatever the earlier hashes left in the arrays.
TEST(Toeplitz, FftHashesOnOneThreadDoNotSeeEachOthersArrays) {
  std::mt19937_64 rng(kSeed + 17);
  const std::pair<std::size_t, std::size_t> sizes[] = {
      {943'719, 526'000},  // the protocol's 2^20-bit blocks at 3 % QBER: 16 x 9 blocks, 2^12 points
      {std::size_t{1} << 20, 700'000},  // one product of 2^16 points
      {58'983, 30'000},                 // a 2^16-bit block: small blocked plan
      {943'719, 100'000},               // 16 x 2 blocks
      {200'000, 150'000},
      {943'719, 526'000}};
  tbb::task_arena one(1);
  one.execute([&] {
    for (const auto& [n, m] : sizes) {
      const BitVector s = random_bits(rng, n + m - 1), x = random_bits(rng, n);
      const FftPlanSummary plan = fft_plan_summary(n, m);
      ASSERT_EQ(hash(s, x, m, ToeplitzKernel::kFft), hash(s, x, m, ToeplitzKernel::kClmul))
          << "n=" << n << " m=" << m << " log_len=" << plan.log_len
          << " blocks=" << plan.input_blocks << "x" << plan.output_blocks;
    }
  });
}

// Hashes running as concurrent TBB tasks, each itself parallel inside: a thread that waits inside
// one hash may run another hash's task meanwhile (TBB work stealing), so a kernel must not share
// per-thread state across that wait. Every result must equal the same hash computed alone.
TEST(Toeplitz, ConcurrentNestedHashesEqualSequentialOnes) {
  std::mt19937_64 rng(kSeed + 13);
  constexpr int kJobs = 24;
  std::vector<BitVector> seeds, inputs, expected(kJobs);
  std::vector<std::size_t> outs;
  for (int j = 0; j < kJobs; ++j) {
    const std::size_t n = (std::size_t{1} << 17) + rng() % 5000, m = n / 4 + rng() % (n / 2);
    seeds.push_back(random_bits(rng, n + m - 1));
    inputs.push_back(random_bits(rng, n));
    outs.push_back(m);
  }
  for (int j = 0; j < kJobs; ++j)
    expected[j] = hash(seeds[j], inputs[j], outs[j], ToeplitzKernel::kClmul);
  tbb::task_arena arena(8);  // more threads than cores: many steals, whatever the machine
  for (ToeplitzKernel k : {ToeplitzKernel::kFft, ToeplitzKernel::kClmul, ToeplitzKernel::kNtt}) {
    for (int round = 0; round < 4; ++round) {
      std::vector<BitVector> got(kJobs);
      arena.execute([&] {
        tbb::parallel_for(0, kJobs, [&](int j) { got[j] = hash(seeds[j], inputs[j], outs[j], k); });
      });
      for (int j = 0; j < kJobs; ++j)
        ASSERT_EQ(got[j], expected[j]) << to_string(k) << " job " << j;
    }
  }
}

// The FFT kernel at the largest input the kernels accept, n = 2^28, m = n / 2, against direct dot
// products of the naive kernel's rows.
TEST(Toeplitz, FftAtLargestClaimedSizeMatchesNaiveRows) {
  std::mt19937_64 rng(kSeed + 12);
  const std::size_t n = kToeplitzMaxInputBits, m = n / 2 + 777;
  const BitVector s = random_bits(rng, n + m - 1), x = random_bits(rng, n);
  const BitVector y = hash(s, x, m, ToeplitzKernel::kFft);
  std::vector<std::size_t> rows = {0, 1, 63, 64, m / 2, m - 1};
  for (int k = 0; k < 26; ++k) rows.push_back(rng() % m);
  const std::vector<bool> bits = toeplitz_output_bits(s.words(), x.words(), n, rows);
  for (std::size_t r = 0; r < rows.size(); ++r)
    ASSERT_EQ(y.get(rows[r]), bits[r]) << "row " << rows[r];
}

// The NTT kernel at its largest claimed input, n = 2^28 (blocked path, about 3 GB), against
// direct dot products of the naive kernel's rows.
TEST(Toeplitz, NttAtLargestClaimedSizeMatchesNaiveRows) {
  std::mt19937_64 rng(kSeed + 10);
  const std::size_t n = kToeplitzMaxInputBits, m = (std::size_t{1} << 20) + 12345;
  const BitVector s = random_bits(rng, n + m - 1), x = random_bits(rng, n);
  const BitVector y = hash(s, x, m, ToeplitzKernel::kNtt);
  std::vector<std::size_t> rows = {0, 1, 63, 64, m - 1};
  for (int k = 0; k < 27; ++k) rows.push_back(rng() % m);
  const std::vector<bool> bits = toeplitz_output_bits(s.words(), x.words(), n, rows);
  for (std::size_t r = 0; r < rows.size(); ++r)
    ASSERT_EQ(y.get(rows[r]), bits[r]) << "row " << rows[r];
}

TEST(Toeplitz, IgnoresBitsBeyondTheLengths) {
  std::mt19937_64 rng(kSeed + 4);
  const std::size_t n = 1000, m = 333;
  BitVector s = random_bits(rng, n + m - 1), x = random_bits(rng, n);
  const BitVector clean = hash(s, x, m, ToeplitzKernel::kClmul);
  s.resize(n + m - 1 + 64);
  x.resize(n + 64);
  for (std::size_t i = 0; i < 64; ++i) s.set(n + m - 1 + i, true), x.set(n + i, true);
  for (ToeplitzKernel k : {ToeplitzKernel::kNaive, ToeplitzKernel::kClmul, ToeplitzKernel::kNtt,
                           ToeplitzKernel::kFft}) {
    BitVector y(m + 64);
    for (auto& w : y.words()) w = ~Word{0};
    toeplitz_hash(s.words(), x.words(), n, m, y.words(), k);
    EXPECT_EQ(y.slice(0, m), clean) << to_string(k);
    EXPECT_EQ(y.words()[m / 64] >> (m % 64), 0u) << "padding of y must be zero";
  }
}

TEST(Toeplitz, RejectsBadArguments) {
  BitVector s(200), x(100), y(100);
  EXPECT_THROW(toeplitz_hash(s.words(), x.words(), 0, 1, y.words()), std::invalid_argument);
  EXPECT_THROW(toeplitz_hash(s.words(), x.words(), 100, 0, y.words()), std::invalid_argument);
  EXPECT_THROW(toeplitz_hash(s.words(), x.words(), 50, 51, y.words()), std::invalid_argument);
  EXPECT_THROW(toeplitz_hash(BitVector(128).words(), x.words(), 100, 100, y.words()),
               std::invalid_argument);
  EXPECT_THROW(toeplitz_hash(s.words(), BitVector(60).words(), 100, 10, y.words()),
               std::invalid_argument);
  EXPECT_THROW(toeplitz_hash(s.words(), x.words(), 100, 100, BitVector(60).words()),
               std::invalid_argument);
  EXPECT_THROW(toeplitz_hash(s.words(), x.words(), kToeplitzMaxInputBits + 1, 1, y.words()),
               std::invalid_argument);
  EXPECT_EQ(parse_toeplitz_kernel("ntt"), ToeplitzKernel::kNtt);
  EXPECT_EQ(parse_toeplitz_kernel("fft"), ToeplitzKernel::kFft);
  EXPECT_FALSE(parse_toeplitz_kernel("fast").has_value());
  BitVector ys(1);
  EXPECT_THROW(detail::toeplitz_fft(s.words(), x.words(), 100, 1, ys.words(), 25),
               std::invalid_argument);
}

TEST(Clmul, PortableMatchesBitwiseDefinition) {
  std::mt19937_64 rng(kSeed + 5);
  for (int t = 0; t < 10000; ++t) {
    const std::uint64_t a = rng(), b = t < 64 ? std::uint64_t{1} << t : rng();
    ASSERT_EQ(clmul64_portable(a, b), clmul64_bitwise(a, b)) << a << " * " << b;
  }
  EXPECT_EQ(clmul64_portable(~0ULL, ~0ULL), clmul64_bitwise(~0ULL, ~0ULL));
}

TEST(MiddleProduct, EverySimdLevelIsBitExactWithScalar) {
  std::mt19937_64 rng(kSeed + 6);
  const auto scalar = detail::middle_product_for(SimdLevel::kScalar);
  for (SimdLevel level : {SimdLevel::kSse41, SimdLevel::kAvx2}) {
    if (static_cast<int>(level) > static_cast<int>(cpu_simd_level())) continue;
    const auto fast = detail::middle_product_for(level);
    for (std::size_t kw : {1, 2, 3, 7, 15, 16, 9 * 2, 32, 48, 13 * 8, 15 * 64, 256, 1024}) {
      std::vector<Word> s(2 * kw), x(kw), y1(kw), y2(kw),
          work(detail::middle_product_work_words(kw) + 1);
      for (auto& w : s) w = rng();
      for (auto& w : x) w = rng();
      for (std::size_t i = 0; i < kw; ++i) y1[i] = y2[i] = rng();  // accumulates into y
      scalar(s.data(), x.data(), y1.data(), kw, work.data());
      fast(s.data(), x.data(), y2.data(), kw, work.data());
      ASSERT_EQ(y1, y2) << to_string(level) << " kw=" << kw;
    }
  }
}

TEST(MiddleProduct, ChosenSizesCoverRequestAndUseSmallBaseCases) {
  for (std::size_t w : {1, 2, 15, 16, 17, 100, 1000, 16384, 16385}) {
    const std::size_t kw = detail::choose_middle_product_words(w);
    EXPECT_GE(kw, w);
    EXPECT_LE(kw, w + 2 * w / detail::kMpBaseWords + 1);  // rounding adds less than 2^r
    std::size_t b = kw;
    while (b > detail::kMpBaseWords && b % 2 == 0) b /= 2;
    EXPECT_LE(b, detail::kMpBaseWords) << w;
  }
}

TEST(Ntt, EverySimdLevelIsBitExactWithScalarLoops) {
  std::mt19937_64 rng(kSeed + 7);
  const auto& ref = detail::ntt_loops_for(SimdLevel::kScalar);
  for (SimdLevel level : {SimdLevel::kSse41, SimdLevel::kAvx2}) {
    if (static_cast<int>(level) > static_cast<int>(cpu_simd_level())) continue;
    const auto& fast = detail::ntt_loops_for(level);
    for (std::size_t count : {0, 1, 7, 8, 9, 63, 64, 65, 1000}) {
      std::vector<std::uint32_t> a(count), b(count), tw(count);
      for (std::size_t i = 0; i < count; ++i) {
        a[i] = static_cast<std::uint32_t>(rng() % detail::kNttPrime);
        b[i] = i % 5 == 0 ? detail::kNttPrime - 1
                          : static_cast<std::uint32_t>(rng() % detail::kNttPrime);
        tw[i] = static_cast<std::uint32_t>(rng() % detail::kNttPrime);
      }
      auto a1 = a, b1 = b, a2 = a, b2 = b;
      ref.dif(a1.data(), b1.data(), tw.data(), count);
      fast.dif(a2.data(), b2.data(), tw.data(), count);
      ASSERT_EQ(a1, a2);
      ASSERT_EQ(b1, b2);
      ref.dit(a1.data(), b1.data(), tw.data(), count);
      fast.dit(a2.data(), b2.data(), tw.data(), count);
      ASSERT_EQ(a1, a2);
      ASSERT_EQ(b1, b2);
      ref.mul_acc(a1.data(), b.data(), tw.data(), count);
      fast.mul_acc(a2.data(), b.data(), tw.data(), count);
      ASSERT_EQ(a1, a2);
      ref.mul_scalar(a1.data(), b.data(), 12345, count);
      fast.mul_scalar(a2.data(), b.data(), 12345, count);
      ASSERT_EQ(a1, a2);
      for (auto v : a2) ASSERT_LT(v, detail::kNttPrime);
    }
  }
}

TEST(Ntt, FusedAndSmallLevelLoopsAreBitExactWithScalar) {
  std::mt19937_64 rng(kSeed + 11);
  const auto& ref = detail::ntt_loops_for(SimdLevel::kScalar);
  // A twiddle table laid out as table[half + j] (any values in [0, p) exercise the arithmetic).
  std::vector<std::uint32_t> table(64);
  for (auto& v : table) v = static_cast<std::uint32_t>(rng() % detail::kNttPrime);
  // The one twiddle of the 2-point level is w_2^0 = 1 (Montgomery form R mod p), which the vector
  // path relies on.
  table[1] = static_cast<std::uint32_t>((std::uint64_t{1} << 32) % detail::kNttPrime);
  for (SimdLevel level : {SimdLevel::kSse41, SimdLevel::kAvx2}) {
    if (static_cast<int>(level) > static_cast<int>(cpu_simd_level())) continue;
    const auto& fast = detail::ntt_loops_for(level);
    for (std::size_t len : {8, 16, 24, 64, 1000 * 8}) {
      std::vector<std::uint32_t> a(len);
      for (auto& v : a) v = static_cast<std::uint32_t>(rng() % detail::kNttPrime);
      auto a1 = a, a2 = a;
      ref.dif_tail(a1.data(), len, table.data());
      fast.dif_tail(a2.data(), len, table.data());
      ASSERT_EQ(a1, a2) << "dif_tail " << to_string(level) << " len " << len;
      ref.dit_head(a1.data(), len, table.data());
      fast.dit_head(a2.data(), len, table.data());
      ASSERT_EQ(a1, a2) << "dit_head " << to_string(level) << " len " << len;
    }
    for (std::size_t q : {1, 7, 8, 9, 64, 333}) {
      std::vector<std::uint32_t> a(4 * q), tw(q);
      for (auto& v : a) v = static_cast<std::uint32_t>(rng() % detail::kNttPrime);
      for (auto& v : tw) v = static_cast<std::uint32_t>(rng() % detail::kNttPrime);
      const auto quarter = static_cast<std::uint32_t>(rng() % detail::kNttPrime);
      auto a1 = a, a2 = a;
      ref.dif4(a1.data(), q, tw.data(), quarter, 0, q);
      fast.dif4(a2.data(), q, tw.data(), quarter, 0, q);
      ASSERT_EQ(a1, a2) << "dif4 " << to_string(level) << " q " << q;
      ref.dit4(a1.data(), q, tw.data(), quarter, 0, q);
      fast.dit4(a2.data(), q, tw.data(), quarter, 0, q);
      ASSERT_EQ(a1, a2) << "dit4 " << to_string(level) << " q " << q;
    }
  }
}

TEST(Ntt, ConvolutionMatchesSchoolbook) {
  std::mt19937_64 rng(kSeed + 8);
  for (std::size_t len : {2, 4, 64, 1 << 12, 1 << 16}) {
    std::vector<std::uint32_t> a(len, 0), b(len, 0), c(len, 0);
    for (std::size_t i = 0; i < len / 2; ++i) a[i] = rng() % 2, b[i] = rng() % 2;
    std::vector<std::uint64_t> want(len, 0);
    for (std::size_t i = 0; i < len / 2; ++i)
      for (std::size_t j = 0; j < len / 2; ++j) want[(i + j) % len] += a[i] * b[j];
    detail::ntt_forward(a);
    detail::ntt_forward(b);
    detail::ntt_loops().mul_acc(c.data(), a.data(), b.data(), len);
    detail::ntt_inverse(c);
    const std::uint32_t f = detail::ntt_plain_factor(len);
    for (std::size_t i = 0; i < len; ++i)
      ASSERT_EQ(detail::ntt_mont_mul(c[i], f), want[i]) << "len " << len << " i " << i;
  }
}

}  // namespace
}  // namespace qkdpp::kernels
