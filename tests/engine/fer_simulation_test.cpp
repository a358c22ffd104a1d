// FER simulation: no errors well below threshold, all frames fail far above, efficiency per SPEC,
// and identical results whatever the thread count.
#include "engine/decoding/fer_simulation.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "engine/codes/codegen.hpp"
#include "engine/core/entropy.hpp"

namespace qkdpp::engine {
namespace {

QuasiCyclicCode small_code() {
  CodegenOptions opt;
  opt.rate = 0.5;
  opt.base_cols = 64;
  opt.z = 64;
  return generate_qc_code(opt);
}

// Every decoder: bp, min-sum over the quasi-cyclic layout, min-sum over the plain matrix (Z = 1).
enum class Setup { kBp, kMinSumQc, kMinSumPlain };

class FerSimulation : public ::testing::TestWithParam<Setup> {
 protected:
  void SetUp() override {
    qc_ = small_code();
    h_ = qc_.expand();
    options_.decoder.kind =
        GetParam() == Setup::kBp ? DecoderKind::kBeliefPropagation : DecoderKind::kMinSum;
  }
  std::vector<FerPoint> run(const std::vector<double>& qbers) const {
    return simulate_fer(h_, GetParam() == Setup::kMinSumQc ? &qc_ : nullptr, qbers, options_);
  }
  QuasiCyclicCode qc_;
  ParityCheckMatrix h_;
  FerOptions options_;
};

TEST_P(FerSimulation, SeparatesBelowAndAboveThreshold) {
  FerOptions& opt = options_;
  opt.max_frames = 8;
  opt.max_frame_errors = 8;
  opt.max_iterations = 60;
  const auto points = run({0.03, 0.2});
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].frames, 8u);
  EXPECT_EQ(points[0].frame_errors, 0u);
  EXPECT_EQ(points[0].bit_errors, 0u);
  EXPECT_EQ(points[1].frame_errors, points[1].frames);
  EXPECT_GT(points[1].bit_errors, 0u);
  EXPECT_DOUBLE_EQ(points[0].efficiency, 0.5 / binary_entropy(0.03));
  EXPECT_GE(points[0].efficiency, 1.0);
}

TEST_P(FerSimulation, StopsAfterMaxFrameErrorsAndIgnoresThreadCount) {
  FerOptions& opt = options_;
  opt.max_frames = 100;
  opt.max_frame_errors = 5;
  opt.batch = 5;
  opt.max_iterations = 30;
  std::vector<FerPoint> one, two;
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
    one = run({0.095, 0.2});
  }
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 2);
    two = run({0.095, 0.2});
  }
  EXPECT_EQ(one[1].frames, 5u);  // every frame fails at 20 %: one batch, then stop
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(one[k].frames, two[k].frames);
    EXPECT_EQ(one[k].frame_errors, two[k].frame_errors);
    EXPECT_EQ(one[k].bit_errors, two[k].bit_errors);
    EXPECT_DOUBLE_EQ(one[k].mean_iterations, two[k].mean_iterations);
  }
}

// Rate-adapted frames: efficiency per SPEC section 3, punctured bits unknown to the decoder,
// shortened bits known to it.
TEST_P(FerSimulation, RateAdaptedFrames) {
  FerOptions& opt = options_;
  opt.max_frames = 8;
  opt.max_frame_errors = 8;
  opt.max_iterations = 60;
  const std::uint32_t n = static_cast<std::uint32_t>(h_.cols());
  // 10 % punctured and 10 % shortened, interleaved over the frame: the code's rate stays 0.5
  // and it decodes at 3 % as the mother code does, punctured bits included.
  for (std::uint32_t c = 0; c < n; c += 10) opt.punctured.push_back(c);
  for (std::uint32_t c = 5; c < n; c += 10) opt.shortened.push_back(c);
  const double p = static_cast<double>(opt.punctured.size());
  const double s = static_cast<double>(opt.shortened.size());
  auto points = run({0.03});
  EXPECT_EQ(points[0].frame_errors, 0u);
  EXPECT_EQ(points[0].bit_errors, 0u);
  EXPECT_DOUBLE_EQ(points[0].efficiency,
                   (static_cast<double>(h_.rows()) - p) / ((n - p - s) * binary_entropy(0.03)));
  // 40 % punctured: rate 2048 / 2458 = 0.83 leaves less than h2(3 %) = 0.194 of syndrome per key
  // bit, so no decoder can succeed (one that took punctured bits for received ones would).
  opt.punctured.clear();
  opt.shortened.clear();
  for (std::uint32_t c = 0; c < n; ++c) {
    if (c % 5 < 2) opt.punctured.push_back(c);
  }
  points = run({0.03});
  EXPECT_EQ(points[0].frame_errors, points[0].frames);
  EXPECT_LT(points[0].efficiency, 1.0);
  // 80 % shortened: 819 key bits under 2048 checks decode even at 40 %, where the mother code
  // fails every frame (first test), so the known bits are used.
  opt.punctured.clear();
  for (std::uint32_t c = 0; c < n; ++c) {
    if (c % 5 != 0) opt.shortened.push_back(c);
  }
  points = run({0.4});
  EXPECT_EQ(points[0].frame_errors, 0u);
  // Overlapping or out-of-range columns are rejected.
  opt.punctured = {3};
  EXPECT_THROW(run({0.03}), std::invalid_argument);
  opt.shortened = {n};
  opt.punctured.clear();
  EXPECT_THROW(run({0.03}), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Decoders, FerSimulation,
                         ::testing::Values(Setup::kBp, Setup::kMinSumQc, Setup::kMinSumPlain),
                         [](const auto& info) {
                           return info.param == Setup::kBp         ? "bp"
                                  : info.param == Setup::kMinSumQc ? "ms_qc"
                                                                   : "ms_plain";
                         });

}  // namespace
}  // namespace qkdpp::engine
