// Quasi-cyclic code construction: requested rate and degree profile, no 4-cycles (girth >= 6),
// determinism from the seed, and the bundled family's files.
#include "engine/codes/codegen.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "engine/codes/code_io.hpp"
#include "engine/codes/pexit.hpp"
#include "engine/core/entropy.hpp"
#include "engine/core/error.hpp"

namespace qkdpp::engine {
namespace {

TEST(Codegen, MeetsRateDegreeProfileAndGirth) {
  for (double rate : {0.5, 0.7, 0.85, 0.94}) {
    CodegenOptions opt;
    opt.rate = rate;
    opt.base_cols = 64;
    opt.z = 128;
    opt.seed = 7;
    CodegenReport report;
    const QuasiCyclicCode code = generate_qc_code(opt, &report);
    const std::size_t mb = static_cast<std::size_t>(std::lround((1 - rate) * 64));
    EXPECT_EQ(code.base_rows, mb);
    EXPECT_EQ(code.base_cols, 64u);
    const ParityCheckMatrix h = code.expand();
    // Column degrees: mb of degree 2 (the parity ring), each heavy class, the rest degree 3.
    const auto hist = h.col_degree_histogram();
    EXPECT_EQ(hist.at(2), mb * 128);
    // (Degrees above mb are capped at mb, which can merge classes.)
    // Heaviest class first; the classes stop where the information columns run out.
    std::map<std::size_t, std::size_t> expected;
    std::size_t heavy_cols = 0;
    auto classes = default_profile(rate);
    std::sort(classes.begin(), classes.end(), std::greater<>());
    for (const auto& [degree, share] : classes) {
      const auto count =
          std::min(static_cast<std::size_t>(std::lround(share * 64)), 64 - mb - heavy_cols);
      if (count == 0) continue;
      expected[std::min(degree, mb)] += count * 128;
      heavy_cols += count;
    }
    if (64 - mb > heavy_cols) expected[3] += (64 - mb - heavy_cols) * 128;
    for (const auto& [degree, columns] : expected) {
      EXPECT_EQ(hist.at(degree), columns) << rate << " degree " << degree;
    }
    // Check degrees concentrated within one.
    const auto rows = h.row_degree_histogram();
    EXPECT_LE(rows.rbegin()->first - rows.begin()->first, 1u) << rate;
    // No 4-cycles: the construction rejects every exponent that would close one.
    EXPECT_GE(code.girth(), 6u) << rate;
  }
}

// GF(2) rank by Gaussian elimination over dense bit rows (small matrices only).
std::size_t gf2_rank(const ParityCheckMatrix& h) {
  const std::size_t words = (h.cols() + 63) / 64;
  std::vector<std::vector<std::uint64_t>> rows(h.rows(), std::vector<std::uint64_t>(words, 0));
  for (std::size_t r = 0; r < h.rows(); ++r)
    for (std::uint32_t c : h.row(r)) rows[r][c / 64] ^= std::uint64_t{1} << (c % 64);
  std::size_t rank = 0;
  for (std::size_t c = 0; c < h.cols() && rank < rows.size(); ++c) {
    const std::uint64_t bit = std::uint64_t{1} << (c % 64);
    std::size_t pivot = rank;
    while (pivot < rows.size() && !(rows[pivot][c / 64] & bit)) ++pivot;
    if (pivot == rows.size()) continue;
    std::swap(rows[pivot], rows[rank]);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (r != rank && (rows[r][c / 64] & bit)) {
        for (std::size_t w = 0; w < words; ++w) rows[r][w] ^= rows[rank][w];
      }
    }
    ++rank;
  }
  return rank;
}

TEST(Codegen, FullRankExactlyWhenAnInformationColumnHasOddDegree) {
  for (double rate : {0.5, 0.8}) {
    CodegenOptions opt;
    opt.rate = rate;
    opt.base_cols = 32;
    opt.z = 32;
    opt.seed = 3;
    CodegenReport report;
    const ParityCheckMatrix odd = generate_qc_code(opt, &report).expand();
    EXPECT_TRUE(report.full_rank);
    EXPECT_EQ(gf2_rank(odd), odd.rows()) << rate;
    // Every information column of even degree: the rows sum to zero, rank M - 1.
    opt.heavy = {{6, 0.1}};
    opt.low_degree = 4;
    const ParityCheckMatrix even = generate_qc_code(opt, &report).expand();
    EXPECT_FALSE(report.full_rank);
    EXPECT_EQ(gf2_rank(even), even.rows() - 1) << rate;
  }
}

TEST(Codegen, SeveralHeavyClassesGiveTheRequestedProfile) {
  CodegenOptions opt;
  opt.rate = 0.75;
  opt.base_cols = 64;
  opt.z = 64;
  opt.heavy = {{5, 0.125}, {12, 0.0625}};  // 8 and 4 base columns
  opt.low_degree = 3;
  CodegenReport report;
  const QuasiCyclicCode code = generate_qc_code(opt, &report);
  const auto hist = code.expand().col_degree_histogram();
  EXPECT_EQ(hist.at(12), 4u * 64);
  EXPECT_EQ(hist.at(5), 8u * 64);
  EXPECT_EQ(hist.at(3), (48u - 12u) * 64);
  EXPECT_EQ(hist.at(2), 16u * 64);
  EXPECT_EQ(report.profile, "2:16, 3:36, 5:8, 12:4");
  EXPECT_GE(code.girth(), 6u);
  opt.heavy = {{0, 0.1}};
  EXPECT_THROW(generate_qc_code(opt), InputError);
  opt.heavy = {{4, 1.5}};
  EXPECT_THROW(generate_qc_code(opt), InputError);
}

TEST(Codegen, SameSeedSameCodeOtherSeedOtherCode) {
  CodegenOptions opt;
  opt.rate = 0.78;
  opt.base_cols = 48;
  opt.z = 64;
  const QuasiCyclicCode a = generate_qc_code(opt);
  EXPECT_EQ(generate_qc_code(opt), a);
  opt.seed = 2;
  EXPECT_NE(generate_qc_code(opt).shifts, a.shifts);
}

TEST(Codegen, RejectsUnsupportedOptions) {
  CodegenOptions opt;
  opt.z = 100;
  EXPECT_THROW(generate_qc_code(opt), InputError);
  opt.z = 64;
  opt.rate = 0.99;
  EXPECT_THROW(generate_qc_code(opt), InputError);
  opt.rate = 0.5;
  opt.base_cols = 4;
  EXPECT_THROW(generate_qc_code(opt), InputError);
  // Too small a lifting for the row degree: some entry finds no 4-cycle-free exponent.
  opt.base_cols = 128;
  opt.z = 32;
  opt.rate = 0.96;
  EXPECT_THROW(generate_qc_code(opt), InputError);
}

TEST(Entropy, InverseBinaryEntropyInvertsOnTheLowerHalf) {
  for (double p : {0.0, 1e-4, 0.005, 0.03, 0.11, 0.25, 0.5}) {
    EXPECT_NEAR(inverse_binary_entropy(binary_entropy(p)), p, 1e-12) << p;
  }
  EXPECT_NEAR(binary_entropy(0.11), 0.4999, 1e-4);
}

TEST(BundledCodes, FamilyCoversTheQberRangeAndLoads) {
  const std::filesystem::path dir = std::filesystem::path(QKDPP_SOURCE_DIR) / "datasets" / "codes";
  std::size_t n16 = 0, n20 = 0;
  double lowest_rate = 1, highest_rate = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".qc") continue;
    const LoadedCode code = load_code(entry.path());
    ASSERT_TRUE(code.quasi_cyclic.has_value());
    EXPECT_EQ(code.quasi_cyclic->z % 32, 0u);
    // Full rank by construction (CodegenReport::full_rank): some base column of odd degree.
    const QuasiCyclicCode& qc = *code.quasi_cyclic;
    bool odd = false;
    for (std::size_t c = 0; c < qc.base_cols; ++c) {
      std::size_t degree = 0;
      for (std::size_t r = 0; r < qc.base_rows; ++r) degree += qc.shifts[r * qc.base_cols + c] >= 0;
      odd |= degree % 2 == 1;
    }
    EXPECT_TRUE(odd) << entry.path();
    (code.matrix.cols() == (1u << 16) ? n16 : n20) += 1;
    lowest_rate = std::min(lowest_rate, code.matrix.rate());
    highest_rate = std::max(highest_rate, code.matrix.rate());
  }
  EXPECT_GE(n16, 7u);
  EXPECT_EQ(n20, n16 + 1);  // rate 0.91 exists at 2^20 bits only (tools/make_code_family.sh)
  // QBER 11 % and 0.5 % lie inside the range served at efficiency f <= 1.15.
  EXPECT_GE(inverse_binary_entropy((1 - lowest_rate) / 1.15), 0.10);
  EXPECT_LE(inverse_binary_entropy((1 - highest_rate) / 1.15), 0.005);
}

}  // namespace
}  // namespace qkdpp::engine

namespace qkdpp::engine {
namespace {

TEST(Pexit, JFunctionInvertsAndIsMonotone) {
  double previous = -1;
  for (double sigma = 0.05; sigma < 20; sigma *= 1.3) {
    const double i = exit_j(sigma);
    EXPECT_GT(i, previous);
    previous = i;
    if (i < 0.9999) {
      EXPECT_NEAR(exit_j_inverse(i), sigma, 1e-6 * sigma + 1e-9) << sigma;
    }
  }
  EXPECT_DOUBLE_EQ(exit_j(0), 0.0);
}

TEST(Pexit, RegularThreeSixThresholdIsNearItsBpValueOnTheBsc) {
  // All-ones 3 x 6 protograph = the (3,6)-regular ensemble; its BP threshold on the BSC is
  // 0.084 (Richardson and Urbanke, Modern Coding Theory, table 4.41). The Gaussian approximation
  // is allowed 0.01 of slack.
  const QuasiCyclicCode regular{64, 3, 6, std::vector<std::int32_t>(18, 0)};
  const double p = pexit_threshold(regular);
  EXPECT_NEAR(p, 0.084, 0.01);
  EXPECT_TRUE(pexit_converges(regular, p - 0.005));
  EXPECT_FALSE(pexit_converges(regular, p + 0.01));
}

TEST(Pexit, OptimizedProfileIsNoWorseThanTheDefaultOnTheSameGrid) {
  CodegenOptions opt;
  opt.rate = 0.8;
  opt.base_cols = 40;
  opt.z = 64;
  const OptimizedProfile best = optimize_profile(opt);
  EXPECT_GT(best.efficiency, 1.0);  // no code beats the Slepian-Wolf limit
  opt.heavy = {{best.high_degree, best.high_fraction}};
  const QuasiCyclicCode chosen = generate_qc_code(opt);
  EXPECT_NEAR(pexit_threshold(chosen, 5e-4, 200), best.threshold, 1e-12);
  opt.heavy = {{4, 0.10}};  // a grid point: the optimum cannot be worse
  const double other = pexit_threshold(generate_qc_code(opt), 5e-4, 200);
  EXPECT_GE(best.threshold, other);
}

}  // namespace
}  // namespace qkdpp::engine
