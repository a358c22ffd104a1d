// Rate adaptation: effective rate and leak formulas, untainted puncturing, seeded shortening,
// LDPC4QKD row merging (the merged syndrome is the XOR of the merged checks).
#include "engine/codes/rate_adaptation.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "engine/codes/codegen.hpp"
#include "engine/core/error.hpp"

namespace qkdpp::engine {
namespace {

ParityCheckMatrix test_code(double rate) {
  CodegenOptions opt;
  opt.rate = rate;
  opt.base_cols = 64;
  opt.z = 64;
  return generate_qc_code(opt).expand();
}

// The quasi-cyclic computation of the untainted order equals the expanded one, prefix by prefix,
// on codes of several rates and liftings (the protocol's frame layouts depend on it).
TEST(RateAdaptation, UntaintedOrderFromTheQuasiCyclicFormEqualsTheExpanded) {
  for (const double rate : {0.5, 0.7, 0.9}) {
    for (const std::size_t z : {64u, 160u}) {
      CodegenOptions opt;
      opt.rate = rate;
      opt.base_cols = 64;
      opt.z = z;
      opt.seed = 5 + z;
      const QuasiCyclicCode qc = generate_qc_code(opt);
      const ParityCheckMatrix h = qc.expand();
      for (const std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{409}, h.cols()}) {
        const auto from_qc = untainted_puncturing_order(qc, count);
        EXPECT_EQ(from_qc, untainted_puncturing_order(h, count))
            << "rate " << rate << ", z " << z << ", count " << count;
        EXPECT_LE(from_qc.size(), count);
      }
    }
  }
  // A base column without entries (degree 0) is never punctured, as in the expanded version.
  QuasiCyclicCode qc;
  qc.z = 4;
  qc.base_rows = 1;
  qc.base_cols = 3;
  qc.shifts = {0, -1, 2};
  EXPECT_EQ(untainted_puncturing_order(qc, 12), untainted_puncturing_order(qc.expand(), 12));
  EXPECT_EQ(untainted_puncturing_order(qc, 12).size(), 4u);
}

TEST(RateAdaptation, HitsTheTargetRateWithTheSpecLeak) {
  const ParityCheckMatrix h = test_code(0.7);  // N = 4096
  for (double target : {0.68, 0.70, 0.72, 0.74}) {
    const RateAdaptation a = adapt_rate(h, target, 99);
    EXPECT_EQ(a.punctured.size() + a.shortened.size(), 409u);  // floor(0.1 N)
    EXPECT_NEAR(a.effective_rate(), target, 2.0 / 4096) << target;
    EXPECT_EQ(a.syndrome_leak_bits(), h.rows() - a.punctured.size());
    EXPECT_EQ(a.key_bits(), h.cols() - 409);
    // SPEC section 3 formula, evaluated independently.
    const double p = static_cast<double>(a.punctured.size()),
                 t = static_cast<double>(a.shortened.size());
    EXPECT_DOUBLE_EQ(a.effective_rate(),
                     (4096.0 - static_cast<double>(h.rows()) - t) / (4096.0 - p - t));
    std::set<std::uint32_t> all(a.punctured.begin(), a.punctured.end());
    for (std::uint32_t c : a.shortened)
      EXPECT_TRUE(all.insert(c).second) << "punctured and shortened overlap";
  }
  EXPECT_THROW(adapt_rate(h, 0.9, 1), InputError);
  EXPECT_THROW(adapt_rate(h, 0.5, 1), InputError);
}

TEST(RateAdaptation, PuncturingIsUntaintedAndLowDegreeFirst) {
  const ParityCheckMatrix h = test_code(0.5);
  const auto punctured = untainted_puncturing(h, 200);
  std::vector<int> punctured_neighbours(h.rows(), 0);
  for (std::uint32_t c : punctured) {
    EXPECT_EQ(h.col_degree(c), 2u);
    for (std::uint32_t r : h.col(c)) ++punctured_neighbours[r];
  }
  for (int k : punctured_neighbours) EXPECT_LE(k, 1) << "a check has two punctured neighbours";
  EXPECT_THROW(untainted_puncturing(h, h.cols()), InputError);
}

TEST(RateAdaptation, ShorteningDependsOnlyOnTheSeed) {
  const ParityCheckMatrix h = test_code(0.78);
  EXPECT_EQ(adapt_rate(h, 0.76, 5).shortened, adapt_rate(h, 0.76, 5).shortened);
  EXPECT_NE(adapt_rate(h, 0.76, 5).shortened, adapt_rate(h, 0.76, 6).shortened);
}

TEST(RowMerging, MergedSyndromeIsTheXorOfTheMergedChecks) {
  const ParityCheckMatrix h = test_code(0.5);
  std::mt19937_64 rng(3);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> merges;
  std::vector<bool> used(h.rows(), false);
  while (merges.size() < 100) {
    const auto a = static_cast<std::uint32_t>(rng() % h.rows()),
               b = static_cast<std::uint32_t>(rng() % h.rows());
    if (a == b || used[a] || used[b]) continue;
    used[b] = true;
    merges.emplace_back(a, b);
  }
  const ParityCheckMatrix merged = merge_rows(h, merges, 60);
  EXPECT_EQ(merged.rows(), h.rows() - 60);
  kernels::BitVector x(h.cols());
  for (std::size_t i = 0; i < x.size(); ++i) x.set(i, rng() & 1);
  kernels::BitVector s = h.syndrome(x);
  std::vector<bool> removed(h.rows(), false);
  for (std::size_t k = 0; k < 60; ++k) {
    s.set(merges[k].first, s.get(merges[k].first) ^ s.get(merges[k].second));
    removed[merges[k].second] = true;
  }
  const kernels::BitVector sm = merged.syndrome(x);
  std::size_t out = 0;
  for (std::size_t r = 0; r < h.rows(); ++r) {
    if (!removed[r]) {
      ASSERT_EQ(sm.get(out++), s.get(r)) << "row " << r;
    }
  }
  EXPECT_THROW(merge_rows(h, merges, 101), InputError);
  EXPECT_THROW(merge_rows(h, {{0, 1}, {1, 2}}, 2), InputError);  // row 1 already merged away
  EXPECT_THROW(merge_rows(h, {{0, static_cast<std::uint32_t>(h.rows())}}, 1), InputError);
}

}  // namespace
}  // namespace qkdpp::engine
