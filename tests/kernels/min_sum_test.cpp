// Layered min-sum: every SIMD level reproduces the scalar reference bit for bit (decoded word,
// iteration count, convergence) on random quasi-cyclic layouts of awkward lifting sizes, random
// LLRs (including punctured zeros and saturated shortened values) and random syndromes; both
// message widths, all four rules, with and without the clamp-free exact mode. Also the layout
// validation and a hand-checkable single-check example.
#include "kernels/ldpc/detail/min_sum.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/ldpc/layered_code.hpp"
#include "kernels/ldpc/min_sum_decoder.hpp"
#include "random_bits.hpp"

namespace qkdpp::kernels {
namespace {

// base_rows x base_cols base matrix, each entry present with probability `density`, at least two
// blocks per layer.
LayeredCode random_layout(std::mt19937_64& rng, std::size_t base_rows, std::size_t base_cols,
                          std::size_t z, double density) {
  std::vector<std::int32_t> shifts(base_rows * base_cols, -1);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_int_distribution<std::int32_t> shift(0, static_cast<std::int32_t>(z) - 1);
  for (std::size_t r = 0; r < base_rows; ++r) {
    for (std::size_t c = 0; c < base_cols; ++c) {
      if (u(rng) < density || c == r % base_cols || c == (r + 1) % base_cols) {
        shifts[r * base_cols + c] = shift(rng);
      }
    }
  }
  return LayeredCode::from_base_matrix(shifts, base_rows, base_cols, z);
}

std::vector<float> random_llrs(std::mt19937_64& rng, std::size_t n) {
  std::vector<float> llr(n);
  std::uniform_real_distribution<float> u(-6.0f, 6.0f);
  std::uniform_int_distribution<int> kind(0, 9);
  for (float& x : llr) {
    const int k = kind(rng);
    x = k == 0 ? 0.0f : k == 1 ? (u(rng) < 0 ? -1e4f : 1e4f) : u(rng);
  }
  return llr;
}

struct Case {
  MinSumConfig config;
  const char* what;
};

std::vector<Case> configs() {
  std::vector<Case> out;
  MinSumConfig c;
  out.push_back({c, "default (16-bit offset, exact)"});
  c.message_limit = 0;  // full 16-bit range: clamps active
  out.push_back({c, "16-bit offset, clamped"});
  c.variant = MinSumVariant::kNormalized;
  c.normalization_shift = 2;
  out.push_back({c, "16-bit normalised, clamped"});
  c.message_limit = 1023;
  out.push_back({c, "16-bit normalised, exact"});
  MinSumConfig e;
  e.precision = MinSumPrecision::kInt8;
  e.llr_scale = 8.0f;
  e.offset = 4;
  out.push_back({e, "8-bit offset, exact"});
  e.variant = MinSumVariant::kNormalized;
  e.normalization_shift = 3;
  e.message_limit = 50;
  out.push_back({e, "8-bit normalised, limit 50"});
  MinSumConfig s16;
  s16.variant = MinSumVariant::kScaledOffset;
  s16.scale_factor = 0.8f;
  s16.offset = 16;
  out.push_back({s16, "16-bit scaled-offset, exact"});
  s16.message_limit = 0;
  s16.scale_factor = 0.6875f;
  out.push_back({s16, "16-bit scaled-offset, clamped"});
  MinSumConfig s8 = e;
  s8.variant = MinSumVariant::kScaledOffset;
  s8.scale_factor = 0.75f;
  s8.offset = 1;
  s8.message_limit = 0;
  out.push_back({s8, "8-bit scaled-offset"});
  MinSumConfig d8 = e;  // (e is the normalised rule by now)
  d8.variant = MinSumVariant::kOffset;
  d8.message_limit = 0;
  d8.degree_offsets = {1, 2, 3, 6};
  out.push_back({d8, "8-bit per-degree offsets"});
  MinSumConfig d16;
  d16.degree_offsets = {40, 16, 24};
  d16.message_limit = 0;
  out.push_back({d16, "16-bit per-degree offsets, clamped"});
  MinSumConfig big;
  big.llr_scale = 4000.0f;  // channel values saturate at the 16-bit bound
  big.message_limit = 0;
  out.push_back({big, "16-bit, saturating channel"});
  MinSumConfig b8 = d8;
  b8.degree_offsets.clear();
  b8.variant = MinSumVariant::kBoxPlus;  // 8 units per LLR: one extra bit, chain on bytes
  out.push_back({b8, "8-bit box-plus"});
  b8.boxplus_correction = 1.0f;
  b8.message_limit = 40;
  out.push_back({b8, "8-bit box-plus, correction 1, limit 40"});
  b8.boxplus_correction = 4.0f;  // C = 64 units: too large for the byte chain
  out.push_back({b8, "8-bit box-plus, correction 4 (16-bit chain)"});
  b8.boxplus_correction = 0.625f;
  b8.message_limit = 0;
  b8.llr_scale = 2.0f;  // three extra bits: 127 << 3 needs the 16-bit chain
  out.push_back({b8, "8-bit box-plus, scale 2 (16-bit chain)"});
  MinSumConfig b16;
  b16.variant = MinSumVariant::kBoxPlus;
  out.push_back({b16, "16-bit box-plus, exact"});
  b16.message_limit = 0;  // capped at 8191 by the rule
  b16.llr_scale = 4000.0f;
  out.push_back({b16, "16-bit box-plus, saturating channel"});
  b16.llr_scale = 2.0f;  // four extra bits in the chain, limit capped at 511
  out.push_back({b16, "16-bit box-plus, scale 2"});
  return out;
}

TEST(MinSum, EveryLevelMatchesTheScalarReferenceBitForBit) {
  std::mt19937_64 rng(2026);
  const std::size_t sizes[] = {1, 5, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 256};
  for (const std::size_t z : sizes) {
    const LayeredCode code = random_layout(rng, 3 + z % 3, 8, z, 0.45);
    const std::vector<float> llr = random_llrs(rng, code.cols());
    const BitVector syndrome = test::random_bits(rng, code.rows());
    for (const Case& c : configs()) {
      // Stall limit 1 stops at the first iteration whose unsatisfied count (from the layer
      // loops) drops by less than 1/16: the levels must count the same checks.
      for (const IterationLimit limit : {IterationLimit(1), IterationLimit(2), IterationLimit(9),
                                         IterationLimit(9, 1), IterationLimit(9, 2)}) {
        MinSumDecoder reference(code, c.config, SimdLevel::kScalar);
        BitVector expected;
        const DecodeResult want = reference.decode(llr, syndrome, expected, limit);
        for (const SimdLevel level : {SimdLevel::kSse41, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
          if (level > cpu_simd_level()) continue;
          MinSumDecoder decoder(code, c.config, level);
          BitVector got;
          const DecodeResult have = decoder.decode(llr, syndrome, got, limit);
          EXPECT_EQ(got, expected) << c.what << ", z " << z << ", " << limit.max << " its, stall "
                                   << limit.stall << ", " << to_string(level);
          EXPECT_EQ(have.iterations, want.iterations) << c.what << ", z " << z;
          EXPECT_EQ(have.converged, want.converged) << c.what << ", z " << z;
          EXPECT_EQ(have.stalled, want.stalled) << c.what << ", z " << z;
        }
      }
    }
  }
}

// Resuming after some channel values changed: every level agrees with the reference, and the
// resumed state equals a decoder whose posteriors were built with the new values from the start
// plus the old messages (checked through the decoded words of the levels).
TEST(MinSum, ResumeMatchesTheReferenceAtEveryLevel) {
  std::mt19937_64 rng(77);
  for (const std::size_t z : {17u, 32u, 64u, 96u}) {
    const LayeredCode code = random_layout(rng, 4, 8, z, 0.4);
    std::vector<float> llr = random_llrs(rng, code.cols());
    const BitVector syndrome = test::random_bits(rng, code.rows());
    std::vector<std::uint32_t> changed;
    for (std::uint32_t c = 0; c < code.cols(); c += 7) changed.push_back(c);
    std::vector<float> updated = llr;
    for (std::uint32_t c : changed) updated[c] = (c % 2) ? -30.0f : 30.0f;
    for (const Case& cfg : configs()) {
      MinSumDecoder reference(code, cfg.config, SimdLevel::kScalar);
      BitVector expected;
      reference.decode(llr, syndrome, expected, 3);
      const DecodeResult want = reference.resume(changed, updated, expected, 4);
      for (const SimdLevel level : {SimdLevel::kSse41, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
        if (level > cpu_simd_level()) continue;
        MinSumDecoder decoder(code, cfg.config, level);
        BitVector got;
        decoder.decode(llr, syndrome, got, 3);
        const DecodeResult have = decoder.resume(changed, updated, got, 4);
        EXPECT_EQ(got, expected) << cfg.what << ", z " << z;
        EXPECT_EQ(have.iterations, want.iterations);
      }
    }
  }
  MinSumDecoder fresh(random_layout(rng, 2, 4, 32, 0.5), MinSumConfig{});
  BitVector word;
  EXPECT_THROW(fresh.resume({}, std::vector<float>(128), word, 1), std::logic_error);
}

TEST(MinSum, BlockQuantizationEqualsTheScalarOne) {
  // decode() loads channel LLRs several at a time; each value must be quantize(llr): ties at a
  // half (round to even), values beyond the bound, infinities, zeros of both signs, awkward
  // counts, nothing written past the end.
  std::mt19937_64 rng(31);
  for (const Case& c : configs()) {
    const MinSumDecoder decoder(random_layout(rng, 2, 4, 16, 0.5), c.config);
    const float scale = c.config.llr_scale;
    std::uniform_real_distribution<float> u(-600.0f, 600.0f);
    std::uniform_int_distribution<int> kind(0, 5), half(-40000, 40000);
    for (const std::size_t count : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 65u, 1000u}) {
      std::vector<float> in(count);
      for (float& x : in) {
        const int k = kind(rng);
        x = k == 0   ? (static_cast<float>(half(rng)) + 0.5f) / scale
            : k == 1 ? (u(rng) < 0 ? -1.0f : 1.0f) * std::numeric_limits<float>::infinity()
            : k == 2 ? (u(rng) < 0 ? -0.0f : 0.0f)
            : k == 3 ? u(rng) * 1e3f
                     : u(rng) / scale * 64.0f;
      }
      constexpr std::int16_t kSentinel = 0x5a5a;
      std::vector<std::int16_t> out(count + 8, kSentinel);
      decoder.quantize(in.data(), out.data(), count);
      for (std::size_t i = 0; i < count; ++i) {
        ASSERT_EQ(out[i], decoder.quantize(in[i]))
            << c.what << " count " << count << " i " << i << " llr " << in[i];
      }
      for (std::size_t i = count; i < out.size(); ++i) ASSERT_EQ(out[i], kSentinel) << count;
    }
  }
}

TEST(MinSum, VectorLevelsAreUsedOnlyFromOneFullVectorOfChecks) {
  std::mt19937_64 rng(5);
  const MinSumConfig config;
  EXPECT_EQ(MinSumDecoder(random_layout(rng, 2, 4, 15, 0.5), config, SimdLevel::kAvx2).level(),
            SimdLevel::kScalar);
  EXPECT_EQ(MinSumDecoder(random_layout(rng, 2, 4, 16, 0.5), config, SimdLevel::kAvx2).level(),
            SimdLevel::kAvx2);
  // AVX-512 vectors hold 32 checks: below that the AVX2 loops run, from 16 checks.
  EXPECT_EQ(MinSumDecoder(random_layout(rng, 2, 4, 15, 0.5), config, SimdLevel::kAvx512).level(),
            SimdLevel::kScalar);
  EXPECT_EQ(MinSumDecoder(random_layout(rng, 2, 4, 31, 0.5), config, SimdLevel::kAvx512).level(),
            SimdLevel::kAvx2);
  EXPECT_EQ(MinSumDecoder(random_layout(rng, 2, 4, 32, 0.5), config, SimdLevel::kAvx512).level(),
            SimdLevel::kAvx512);
}

// The single check x0 + x1 + x2 of the hand-checked examples below.
LayeredCode single_check() {
  const std::vector<std::uint32_t> row_ptr{0, 3}, cols{0, 1, 2};
  return LayeredCode::from_csr(row_ptr, cols, 3);
}

// One check x0 + x1 + x2 = s with LLRs (in units) 40, -24, 8 at scale 1, offset 4: the messages
// are sign-corrected min-sum minus the offset, and the posteriors follow by hand.
TEST(MinSum, SingleCheckByHand) {
  const LayeredCode code = single_check();
  MinSumConfig config;
  config.llr_scale = 1.0f;
  config.offset = 4;
  for (const SimdLevel level : {SimdLevel::kScalar, cpu_simd_level()}) {
    MinSumDecoder decoder(code, config, level);
    BitVector word;
    BitVector syndrome(1);
    // Signs +, -, +: parity 1 = s, so the check is satisfied by the hard decision at once.
    syndrome.set(0, true);
    DecodeResult r = decoder.decode(std::vector<float>{40, -24, 8}, syndrome, word, 5);
    EXPECT_TRUE(r.converged);
    EXPECT_EQ(r.iterations, 1u);
    EXPECT_FALSE(word.get(0));
    EXPECT_TRUE(word.get(1));
    EXPECT_FALSE(word.get(2));
    // With s = 0 the weakest bit (x2, |8|) must flip: its message is -(min(40, 24) - 4) = -20,
    // so its posterior is 8 - 20 < 0, while x0 and x1 receive -(8 - 4) and +(8 - 4) and keep
    // their signs.
    syndrome.set(0, false);
    r = decoder.decode(std::vector<float>{40, -24, 8}, syndrome, word, 5);
    EXPECT_TRUE(r.converged);
    EXPECT_FALSE(word.get(0));
    EXPECT_TRUE(word.get(1));
    EXPECT_TRUE(word.get(2));
  }
}

// The scaled-offset rule on the same check: g(m) = max(round(m * 0.75) - 2, 0), rounding as
// pmulhrsw does ((m f + 2^14) >> 15 with f = 0.75 * 2^15): g(8) = 4, g(24) = 16, g(27) = 18
// (20.25 rounds to 20). With s = 0 the posteriors after one layer are 40 - 4, -24 + 4, 8 - 16.
TEST(MinSum, ScaledOffsetSingleCheckByHand) {
  const LayeredCode code = single_check();
  MinSumConfig config;
  config.llr_scale = 1.0f;
  config.variant = MinSumVariant::kScaledOffset;
  config.scale_factor = 0.75f;
  config.offset = 2;
  for (const SimdLevel level : {SimdLevel::kScalar, cpu_simd_level()}) {
    MinSumDecoder decoder(code, config, level);
    BitVector word;
    BitVector syndrome(1);
    // x2 flips (8 - 16 < 0), and the hard decision then satisfies s = 0 after one iteration.
    DecodeResult r = decoder.decode(std::vector<float>{40, -24, 8}, syndrome, word, 1);
    EXPECT_TRUE(r.converged) << to_string(level);
    EXPECT_TRUE(word.get(1));
    EXPECT_TRUE(word.get(2));
    // |x2| = 27 > g(24) = 16: x2 keeps its sign, x1 gets +g(27) = 18 and stays at -6, so the
    // check is still unsatisfied after one iteration.
    r = decoder.decode(std::vector<float>{40, -24, 27}, syndrome, word, 1);
    EXPECT_FALSE(r.converged) << to_string(level);
    EXPECT_FALSE(word.get(2));
    // |x2| = 15 < 16: flips.
    r = decoder.decode(std::vector<float>{40, -24, 15}, syndrome, word, 1);
    EXPECT_TRUE(r.converged) << to_string(level);
    EXPECT_TRUE(word.get(2));
  }
}

// The box-plus step against the exact |a [+] b| = 2 atanh(tanh(a/2) tanh(b/2)) on a grid of
// magnitudes at 32 units per LLR: the linear correction is within 0.17 LLR of the truth
// everywhere (the two corrections' errors, at most 0.08 each, plus the floor in u / 4; measured
// 0.161), and never above min(a, b)
// by more than the correction constant.
TEST(MinSum, BoxPlusStepApproximatesTheExactBoxPlus) {
  constexpr double kUnits = 32.0;
  const int correction = 20;  // 0.625 LLR
  double worst = 0.0;
  for (int a = 0; a <= 16 * 32; a += 3) {
    for (int b = 0; b <= 16 * 32; b += 5) {
      const double x = a / kUnits, y = b / kUnits;
      const double exact = 2.0 * std::atanh(std::tanh(x / 2) * std::tanh(y / 2));
      const int got = detail::boxplus_magnitude(a, b, correction);
      worst = std::max(worst, std::abs(got / kUnits - exact));
      EXPECT_LE(got, std::min(a, b) + correction) << a << " " << b;
      EXPECT_GE(got, 0);
    }
  }
  EXPECT_LT(worst, 0.17);
  EXPECT_GT(worst, 0.01);  // it is an approximation: a zero error would mean the test is vacuous
  // Hand-checked: 1 [+] 1 LLR = 32 + c(64) - c(0) = 32 + 4 - 20 = 16 units (exact 0.434 LLR).
  EXPECT_EQ(detail::boxplus_magnitude(32, 32, correction), 16);
  EXPECT_EQ(detail::boxplus_magnitude(160, 96, correction), 92);  // 96 + 0 - (20 - 16)
}

// One check x0 + x1 + x2 = 0 at 8 units per LLR (one extra bit: 16 chain units per LLR, C = 10),
// LLRs 1, 1, -0.625: x2 receives 1 [+] 1 = 16 + c(32) - c(0) = 16 + 2 - 10 = 8 chain units = 4
// message units, so it stays at -5 + 4 = -1 where offset min-sum without offset would send 8 and
// flip it; x0 and x1 receive -(1 [+] 0.625) = -(10 + c(26) - c(6) = 10 + 4 - 9 = 5 chain units,
// rounded to 3): posteriors 5, 5, -1 and the check stays unsatisfied.
TEST(MinSum, BoxPlusSingleCheckByHand) {
  const LayeredCode code = single_check();
  MinSumConfig config;
  config.precision = MinSumPrecision::kInt8;
  config.llr_scale = 8.0f;
  config.variant = MinSumVariant::kBoxPlus;
  MinSumConfig plain = config;
  plain.variant = MinSumVariant::kOffset;
  plain.offset = 0;
  for (const SimdLevel level : {SimdLevel::kScalar, cpu_simd_level()}) {
    BitVector word;
    const BitVector syndrome(1);
    const std::vector<float> llr{1.0f, 1.0f, -0.625f};
    MinSumDecoder boxplus(code, config, level);
    EXPECT_FALSE(boxplus.decode(llr, syndrome, word, 1).converged) << to_string(level);
    EXPECT_FALSE(word.get(0));
    EXPECT_FALSE(word.get(1));
    EXPECT_TRUE(word.get(2));
    // A second pass: x2's extrinsic input is -5 (its own message removed), the others' 8 and 8
    // again, so the same messages come back and the state is a fixed point.
    EXPECT_FALSE(boxplus.decode(llr, syndrome, word, 2).converged);
    // At that fixed point every iteration leaves the one check unsatisfied: with a stall limit
    // of 2 the decoding ends after iteration 3 (1 set the count, 2 and 3 made no progress).
    DecodeResult r = boxplus.decode(llr, syndrome, word, {50, 2});
    EXPECT_EQ(r.iterations, 3u) << to_string(level);
    EXPECT_TRUE(r.stalled);
    EXPECT_FALSE(r.converged);
    r = boxplus.decode(llr, syndrome, word, 50);
    EXPECT_EQ(r.iterations, 50u);
    EXPECT_FALSE(r.stalled);
    MinSumDecoder min_sum(code, plain, level);
    EXPECT_TRUE(min_sum.decode(llr, syndrome, word, 1).converged) << to_string(level);
    EXPECT_FALSE(word.get(2));
  }
}

// Progress is a count below 15/16 of the count at the last progress; the watch reports a stall
// `stall` iterations after the last progress, and never with stall 0.
TEST(StallWatch, StopsAfterTheGivenIterationsWithoutProgress) {
  const std::size_t counts[] = {1000, 900, 850, 845, 840, 700, 690, 689};
  // Progress (count < reference - reference / 16, integer division) at iterations 1, 2 (900 <
  // 938), not 3 or 4 (850, 845 >= 844), 5 (840), 6 (700 < 788), not 7 or 8 (>= 657).
  StallWatch two(2), three(3), off(0);
  std::vector<bool> got2, got3;
  for (std::size_t i = 0; i < std::size(counts); ++i) {
    got2.push_back(two.stalled(i + 1, counts[i]));
    got3.push_back(three.stalled(i + 1, counts[i]));
    EXPECT_FALSE(off.stalled(i + 1, counts[i]));
  }
  EXPECT_EQ(got2, (std::vector<bool>{false, false, false, true, false, false, false, true}));
  EXPECT_EQ(got3, (std::vector<bool>(8, false)));
  // A fresh watch for every call: the first count always counts as progress.
  StallWatch fresh(1);
  EXPECT_FALSE(fresh.stalled(1, 5));
  EXPECT_TRUE(fresh.stalled(2, 5));
}

TEST(LayeredCode, RejectsInconsistentLayouts) {
  const std::vector<std::uint32_t> row_ptr{0, 2}, dup{1, 1}, out_of_range{0, 7};
  EXPECT_THROW(LayeredCode::from_csr(row_ptr, dup, 3), std::invalid_argument);
  EXPECT_THROW(LayeredCode::from_csr(row_ptr, out_of_range, 3), std::invalid_argument);
  const std::vector<std::int32_t> shifts{0, 5, -1, 2};
  EXPECT_THROW(LayeredCode::from_base_matrix(shifts, 2, 2, 4), std::invalid_argument);  // 5 >= z
  EXPECT_THROW(LayeredCode::from_base_matrix(shifts, 2, 3, 8), std::invalid_argument);  // size
  const LayeredCode ok = LayeredCode::from_base_matrix(shifts, 2, 2, 8);
  EXPECT_EQ(ok.rows(), 16u);
  EXPECT_EQ(ok.cols(), 16u);
  EXPECT_EQ(ok.blocks(), 3u);
  EXPECT_EQ(ok.max_layer_degree(), 2u);
}

TEST(MinSum, RejectsBadConfigurationsAndLengths) {
  const std::vector<std::uint32_t> row_ptr{0, 2}, cols{0, 1};
  const LayeredCode code = LayeredCode::from_csr(row_ptr, cols, 2);
  MinSumConfig bad;
  bad.llr_scale = 0.0f;
  EXPECT_THROW(MinSumDecoder(code, bad), std::invalid_argument);
  bad = MinSumConfig{};
  bad.variant = MinSumVariant::kNormalized;
  bad.normalization_shift = 0;
  EXPECT_THROW(MinSumDecoder(code, bad), std::invalid_argument);
  bad = MinSumConfig{};
  bad.variant = MinSumVariant::kScaledOffset;
  for (const float factor : {0.0f, 1.0f, -0.5f}) {
    bad.scale_factor = factor;
    EXPECT_THROW(MinSumDecoder(code, bad), std::invalid_argument) << factor;
  }
  bad = MinSumConfig{};
  bad.degree_offsets = {4, -1};
  EXPECT_THROW(MinSumDecoder(code, bad), std::invalid_argument);
  bad.degree_offsets = {4};
  bad.variant = MinSumVariant::kNormalized;
  EXPECT_THROW(MinSumDecoder(code, bad), std::invalid_argument);
  bad.variant = MinSumVariant::kBoxPlus;  // offsets by degree are the offset rule's
  EXPECT_THROW(MinSumDecoder(code, bad), std::invalid_argument);
  bad = MinSumConfig{};
  bad.variant = MinSumVariant::kBoxPlus;
  for (const float c : {-0.1f, 4.5f}) {
    bad.boxplus_correction = c;
    EXPECT_THROW(MinSumDecoder(code, bad), std::invalid_argument) << c;
  }
  MinSumDecoder decoder(code, MinSumConfig{});
  BitVector word;
  EXPECT_THROW(decoder.decode(std::vector<float>(3), BitVector(1), word, 1), std::invalid_argument);
  EXPECT_THROW(decoder.decode_bsc(BitVector(2), 1.0f, BitVector(2), word, 1),
               std::invalid_argument);
}

}  // namespace
}  // namespace qkdpp::kernels
