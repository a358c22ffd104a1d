// Both syndrome decoders (reference BP; layered min-sum with 16- and 8-bit messages, over the
// quasi-cyclic layout and over the plain matrix; the 8-bit box-plus rule) on constructed codes:
// recovery below threshold, honest failure above it, and rate-adapted frames with punctured and
// shortened bits.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/codes/codegen.hpp"
#include "engine/codes/rate_adaptation.hpp"
#include "engine/core/error.hpp"
#include "engine/decoding/syndrome_decoder.hpp"
#include "engine/random/random_source.hpp"
#include "simulated.hpp"

namespace qkdpp::engine {
namespace {

using kernels::BitVector;

QuasiCyclicCode code(double rate) {
  CodegenOptions opt;
  opt.rate = rate;
  opt.base_cols = 64;
  opt.z = 64;  // N = 4096
  return generate_qc_code(opt);
}

enum class Setup { kBp, kMinSum16Qc, kMinSum8Qc, kMinSum16Plain, kBoxPlus8Qc };

std::string name(const ::testing::TestParamInfo<Setup>& info) {
  switch (info.param) {
    case Setup::kBp:
      return "bp";
    case Setup::kMinSum16Qc:
      return "ms16_qc";
    case Setup::kMinSum8Qc:
      return "ms8_qc";
    case Setup::kMinSum16Plain:
      return "ms16_plain";
    case Setup::kBoxPlus8Qc:
      return "boxplus8_qc";
  }
  return "unknown";
}

class Decoders : public ::testing::TestWithParam<Setup> {
 protected:
  // A decoder for `qc` as the parameter says, with h = qc.expand() kept alive by the fixture.
  SyndromeDecoder make(const QuasiCyclicCode& qc) {
    h_ = qc.expand();
    qc_ = qc;
    const bool eight = GetParam() == Setup::kMinSum8Qc || GetParam() == Setup::kBoxPlus8Qc;
    DecoderConfig config = default_decoder_config(
        eight ? kernels::MinSumPrecision::kInt8 : kernels::MinSumPrecision::kInt16,
        GetParam() == Setup::kBoxPlus8Qc ? CheckRule::kBoxPlus : CheckRule::kMinSum);
    config.kind = GetParam() == Setup::kBp ? DecoderKind::kBeliefPropagation : DecoderKind::kMinSum;
    return SyndromeDecoder(h_, GetParam() == Setup::kMinSum16Plain ? nullptr : &qc_, config);
  }
  ParityCheckMatrix h_;
  QuasiCyclicCode qc_;
};

TEST_P(Decoders, RecoverAliceBelowThreshold) {
  SyndromeDecoder decoder = make(code(0.5));  // PEXIT threshold near 0.10
  const ParityCheckMatrix& h = h_;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const test::KeyPair f = test::simulated_keys(h.cols(), 0.04, seed);
    std::vector<float> llr(h.cols());
    for (std::size_t i = 0; i < h.cols(); ++i) llr[i] = kernels::bsc_llr(f.bob.get(i), 0.04);
    BitVector out;
    const auto result = decoder.decode(llr, h.syndrome(f.alice), out, 100);
    EXPECT_TRUE(result.converged) << "seed " << seed;
    EXPECT_EQ(out, f.alice) << "seed " << seed;
    EXPECT_LT(result.iterations, 100u);
  }
}

TEST_P(Decoders, ReportFailureAboveThresholdAndNeverAWrongSyndrome) {
  SyndromeDecoder decoder = make(code(0.7));  // threshold near 0.05
  const ParityCheckMatrix& h = h_;
  int failures = 0;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const test::KeyPair f = test::simulated_keys(h.cols(), 0.09, seed);
    std::vector<float> llr(h.cols());
    for (std::size_t i = 0; i < h.cols(); ++i) llr[i] = kernels::bsc_llr(f.bob.get(i), 0.09);
    const BitVector s = h.syndrome(f.alice);
    BitVector out;
    const auto result = decoder.decode(llr, s, out, 60);
    if (result.converged) {
      EXPECT_EQ(h.syndrome(out), s) << "converged must mean the syndrome matches";
    } else {
      ++failures;
      EXPECT_EQ(result.iterations, 60u);
    }
  }
  EXPECT_EQ(failures, 4) << "QBER 9 % is far above this rate-0.7 code's threshold";
}

// The stall limit: far above threshold the unsatisfied count soon stops falling, so a limit of
// 3 ends the decoding long before the maximum and says so; below threshold it does not keep a
// frame from converging.
TEST_P(Decoders, StallLimitStopsHopelessFramesEarlyButNotGoodOnes) {
  SyndromeDecoder decoder = make(code(0.7));  // threshold near 0.05
  const ParityCheckMatrix& h = h_;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    for (const double qber : {0.09, 0.02}) {
      const test::KeyPair f = test::simulated_keys(h.cols(), qber, seed);
      std::vector<float> llr(h.cols());
      for (std::size_t i = 0; i < h.cols(); ++i) llr[i] = kernels::bsc_llr(f.bob.get(i), qber);
      BitVector out;
      const auto result = decoder.decode(llr, h.syndrome(f.alice), out, {200, 3});
      if (qber > 0.05) {
        EXPECT_FALSE(result.converged) << "seed " << seed;
        EXPECT_TRUE(result.stalled) << "seed " << seed;
        EXPECT_LT(result.iterations, 60u) << "seed " << seed;
      } else {
        EXPECT_TRUE(result.converged) << "seed " << seed;
        EXPECT_FALSE(result.stalled) << "seed " << seed;
        EXPECT_EQ(out, f.alice) << "seed " << seed;
      }
    }
  }
}

TEST_P(Decoders, DecodeRateAdaptedFramesWithPuncturedAndShortenedBits) {
  SyndromeDecoder decoder = make(code(0.6));
  const ParityCheckMatrix& h = h_;
  const RateAdaptation a = adapt_rate(h, 0.62, 11);  // some puncturing, some shortening
  ASSERT_FALSE(a.punctured.empty());
  ASSERT_FALSE(a.shortened.empty());
  SeededRandom rng(12);
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const test::KeyPair f = test::simulated_keys(h.cols(), 0.03, seed);
    BitVector alice = f.alice, bob = f.bob;
    std::vector<float> llr(h.cols());
    for (std::size_t i = 0; i < h.cols(); ++i) llr[i] = kernels::bsc_llr(bob.get(i), 0.03);
    const BitVector random_fill = rng.random_bits(h.cols());
    for (std::uint32_t c : a.punctured) {  // random bits Bob knows nothing about
      alice.set(c, random_fill.get(c));
      llr[c] = 0.0f;
    }
    for (std::uint32_t c : a.shortened) {  // values both parties know
      alice.set(c, random_fill.get(c));
      llr[c] = random_fill.get(c) ? -30.0f : 30.0f;
    }
    BitVector out;
    const auto result = decoder.decode(llr, h.syndrome(alice), out, 100);
    EXPECT_TRUE(result.converged) << "seed " << seed;
    EXPECT_EQ(out, alice) << "seed " << seed;
  }
}

// Blind reconciliation's pattern: a frame with many punctured bits fails, then revealing them and
// resuming recovers Alice's word.
TEST_P(Decoders, ResumeAfterRevealingPuncturedBitsRecoversAlice) {
  SyndromeDecoder decoder = make(code(0.5));
  const ParityCheckMatrix& h = h_;
  const test::KeyPair f = test::simulated_keys(h.cols(), 0.08, 21);
  std::vector<float> llr(h.cols());
  for (std::size_t i = 0; i < h.cols(); ++i) llr[i] = kernels::bsc_llr(f.bob.get(i), 0.08);
  std::vector<std::uint32_t> hidden;
  for (std::uint32_t c = 0; c < h.cols(); c += 5) {
    hidden.push_back(c);
    llr[c] = 0.0f;  // a fifth of the frame unknown: far beyond what rate 0.5 corrects at 8 %
  }
  const BitVector s = h.syndrome(f.alice);
  BitVector out;
  EXPECT_FALSE(decoder.decode(llr, s, out, 20).converged);
  for (std::uint32_t c : hidden) llr[c] = f.alice.get(c) ? -30.0f : 30.0f;
  const auto r = decoder.resume(hidden, llr, s, out, 100);
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(out, f.alice);
}

TEST_P(Decoders, BscEntryPointMatchesExplicitLlrs) {
  SyndromeDecoder decoder = make(code(0.5));
  const test::KeyPair f = test::simulated_keys(h_.cols(), 0.07, 3);
  std::vector<float> llr(h_.cols());
  for (std::size_t i = 0; i < h_.cols(); ++i) llr[i] = kernels::bsc_llr(f.bob.get(i), 0.07);
  const BitVector s = h_.syndrome(f.alice);
  BitVector a, b;
  const auto ra = decoder.decode(llr, s, a, 7);  // few iterations: compare mid-flight state
  const auto rb = decoder.decode_bsc(f.bob, 0.07, s, b, 7);
  EXPECT_EQ(a, b);
  EXPECT_EQ(ra.iterations, rb.iterations);
  EXPECT_EQ(ra.converged, rb.converged);
}

TEST_P(Decoders, RejectLengthMismatches) {
  SyndromeDecoder decoder = make(code(0.5));
  BitVector out;
  const BitVector s(h_.rows());
  EXPECT_THROW(decoder.decode_bsc(BitVector(h_.cols() - 1), 0.05, s, out, 5),
               std::invalid_argument);
  EXPECT_THROW(decoder.decode_bsc(BitVector(h_.cols()), 0.05, BitVector(h_.rows() + 1), out, 5),
               std::invalid_argument);
  EXPECT_THROW(decoder.decode(std::vector<float>(3), s, out, 5), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(All, Decoders,
                         ::testing::Values(Setup::kBp, Setup::kMinSum16Qc, Setup::kMinSum8Qc,
                                           Setup::kMinSum16Plain, Setup::kBoxPlus8Qc),
                         name);

TEST(DecoderConfigs, HighDegreeChecksUseTheScaledOffsetRule) {
  for (const auto precision : {kernels::MinSumPrecision::kInt8, kernels::MinSumPrecision::kInt16}) {
    DecoderConfig config = default_decoder_config(precision);
    const kernels::MinSumConfig low = effective_min_sum_config(config, kHighCheckDegree - 0.5);
    EXPECT_EQ(low.variant, kernels::MinSumVariant::kOffset);
    EXPECT_EQ(low.offset, config.min_sum.offset);
    const kernels::MinSumConfig high = effective_min_sum_config(config, kHighCheckDegree);
    EXPECT_EQ(high.variant, kernels::MinSumVariant::kScaledOffset);
    EXPECT_FLOAT_EQ(high.scale_factor, 0.875f);
    EXPECT_EQ(high.offset, std::lround(0.375 * config.min_sum.llr_scale));  // 3/8 LLR
    config.adapt_to_check_degree = false;
    EXPECT_EQ(effective_min_sum_config(config, 40.0).variant, kernels::MinSumVariant::kOffset);
    config.adapt_to_check_degree = true;
    config.min_sum.variant = kernels::MinSumVariant::kBoxPlus;  // needs no attenuation: kept
    EXPECT_EQ(effective_min_sum_config(config, 40.0).variant, kernels::MinSumVariant::kBoxPlus);
  }
}

// A rate-0.94 code (mean check degree about 50, so the scaled rule applies) decodes frames at
// 0.4 % QBER (f 1.6), and the quasi-cyclic and plain-matrix decoders pick the same rule: same
// words, same iteration counts (they run the same arithmetic, vectorised or not).
TEST(DecoderConfigs, HighRateCodeDecodesAndBothLayoutsAgree) {
  CodegenOptions opt;
  opt.rate = 0.94;
  opt.base_cols = 128;
  opt.z = 256;  // N = 32768: a 4-cycle-free lifting of 8 heavy rows needs room
  const QuasiCyclicCode qc = generate_qc_code(opt);
  const ParityCheckMatrix h = qc.expand();
  ASSERT_GE(static_cast<double>(h.edges()) / static_cast<double>(h.rows()), kHighCheckDegree);
  const DecoderConfig config = default_decoder_config(kernels::MinSumPrecision::kInt8);
  SyndromeDecoder vectorised(qc, config), plain(h, nullptr, config);
  std::size_t decoded = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const test::KeyPair f = test::simulated_keys(h.cols(), 0.004, seed);
    BitVector a, b;
    const auto ra = vectorised.decode_bsc(f.bob, 0.004, h.syndrome(f.alice), a, 100);
    const auto rb = plain.decode_bsc(f.bob, 0.004, h.syndrome(f.alice), b, 100);
    EXPECT_EQ(a, b) << seed;
    EXPECT_EQ(ra.iterations, rb.iterations) << seed;
    if (ra.converged) {
      EXPECT_EQ(a, f.alice) << seed;
      ++decoded;
    }
  }
  EXPECT_GE(decoded, 5u);
}

TEST(DecoderKinds, ParseAndPrint) {
  EXPECT_EQ(parse_decoder_kind("bp"), DecoderKind::kBeliefPropagation);
  EXPECT_EQ(parse_decoder_kind("ms"), DecoderKind::kMinSum);
  EXPECT_EQ(to_string(DecoderKind::kMinSum), "ms");
  EXPECT_THROW(parse_decoder_kind("spa"), InputError);
}

}  // namespace
}  // namespace qkdpp::engine
