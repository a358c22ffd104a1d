// Reference BP syndrome decoder on constructed codes: recovery below threshold, honest failure
// above it, and rate-adapted frames with punctured and shortened bits.
#include "kernels/ldpc/bp_decoder.hpp"

#include <gtest/gtest.h>

#include "engine/codes/codegen.hpp"
#include "engine/codes/rate_adaptation.hpp"
#include "engine/random/random_source.hpp"
#include "engine/simulation/correlated_keys.hpp"

namespace qkdpp::engine {
namespace {

using kernels::BitVector;

ParityCheckMatrix code(double rate) {
  CodegenOptions opt;
  opt.rate = rate;
  opt.base_cols = 64;
  opt.z = 64;  // N = 4096
  return generate_qc_code(opt).expand();
}

struct Frame {
  BitVector alice, bob;
};

Frame frame(std::size_t n, double qber, std::uint64_t seed) {
  CorrelatedKeySource src(n, QberProfile::constant(qber), seed);
  Frame f;
  src.next(n, f.alice, f.bob);
  return f;
}

TEST(BeliefPropagation, RecoversAliceBelowThreshold) {
  const ParityCheckMatrix h = code(0.5);  // PEXIT threshold near 0.10
  kernels::BeliefPropagationDecoder decoder(h.row_ptr(), h.row_indices(), h.cols());
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const Frame f = frame(h.cols(), 0.04, seed);
    std::vector<float> llr(h.cols());
    for (std::size_t i = 0; i < h.cols(); ++i) llr[i] = kernels::bsc_llr(f.bob.get(i), 0.04);
    BitVector out;
    const auto result = decoder.decode(llr, h.syndrome(f.alice), out, 100);
    EXPECT_TRUE(result.converged) << "seed " << seed;
    EXPECT_EQ(out, f.alice) << "seed " << seed;
    EXPECT_LT(result.iterations, 100u);
  }
}

TEST(BeliefPropagation, ReportsFailureAboveThresholdAndNeverAWrongSyndrome) {
  const ParityCheckMatrix h = code(0.7);  // threshold near 0.05
  kernels::BeliefPropagationDecoder decoder(h.row_ptr(), h.row_indices(), h.cols());
  int failures = 0;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const Frame f = frame(h.cols(), 0.09, seed);
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

TEST(BeliefPropagation, DecodesRateAdaptedFramesWithPuncturedAndShortenedBits) {
  const ParityCheckMatrix h = code(0.6);
  kernels::BeliefPropagationDecoder decoder(h.row_ptr(), h.row_indices(), h.cols());
  const RateAdaptation a = adapt_rate(h, 0.62, 11);  // some puncturing, some shortening
  ASSERT_FALSE(a.punctured.empty());
  ASSERT_FALSE(a.shortened.empty());
  SeededRandom rng(12);
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const Frame f = frame(h.cols(), 0.03, seed);
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

}  // namespace
}  // namespace qkdpp::engine
