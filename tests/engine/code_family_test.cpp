// The first round's choice of code and puncturing from the rate-adapted codes' measured median
// thresholds (CodeFamily::first_round, FamilyCode::punctured_at_median), on two bundled 2^16-bit
// codes with made-up thresholds whose answers are worked out here.
#include "engine/protocol/code_family.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>

namespace qkdpp::engine {
namespace {

const std::string kCodes = std::string(QKDPP_SOURCE_DIR) + "/datasets/codes/";

CodeFamily two_codes(const std::map<std::string, std::vector<AdaptedThreshold>>& adapted) {
  return CodeFamily::load({kCodes + "qkdpp-n16-r074.qc", kCodes + "qkdpp-n16-r078.qc"}, {},
                          kModulatedFraction, adapted);
}

// The fraction where the threshold falls to q between (fa, qa) and (fb, qb), log-linearly.
double between(double fa, double qa, double fb, double qb, double q) {
  return fa + (fb - fa) * std::log(qa / q) / std::log(qa / qb);
}

const std::map<std::string, std::vector<AdaptedThreshold>> kAdapted{
    {"qkdpp-n16-r074", {{0.0, 0.040}, {0.5, 0.032}, {1.0, 0.022}}},
    {"qkdpp-n16-r078", {{0.0, 0.034}, {0.5, 0.022}, {1.0, 0.015}}}};

TEST(CodeFamily, PuncturedAtMedianInterpolatesTheMeasuredThresholds) {
  const CodeFamily family = two_codes(kAdapted);
  const FamilyCode& c = family.codes()[0];
  ASSERT_EQ(c.name, "qkdpp-n16-r074");
  const double candidates = static_cast<double>(c.puncture_candidates.size());
  EXPECT_FALSE(c.punctured_at_median(0.041)) << "above the fully shortened code's threshold";
  EXPECT_EQ(c.punctured_at_median(0.040), 0u);
  EXPECT_EQ(c.punctured_at_median(0.032), static_cast<std::size_t>(0.5 * candidates));
  EXPECT_EQ(c.punctured_at_median(0.020), c.puncture_candidates.size());
  EXPECT_EQ(
      c.punctured_at_median(0.030),
      static_cast<std::size_t>(std::floor(between(0.5, 0.032, 1.0, 0.022, 0.03) * candidates)));
  // A threshold that rises again: the largest fraction still at or above q counts.
  CodeFamily bumpy = two_codes({{"qkdpp-n16-r074", {{0.0, 0.04}, {0.5, 0.02}, {1.0, 0.03}}}});
  EXPECT_EQ(bumpy.codes()[0].punctured_at_median(0.025),
            bumpy.codes()[0].puncture_candidates.size());
  EXPECT_FALSE(family.codes()[1].adapted.empty());
  EXPECT_FALSE(bumpy.codes()[1].punctured_at_median(0.01)) << "not measured";
}

TEST(CodeFamily, FirstRoundTakesTheHighestMedianRate) {
  const CodeFamily family = two_codes(kAdapted);
  const FamilyCode &a = family.codes()[0], &b = family.codes()[1];
  const auto punctured = [](const FamilyCode& c, double fraction) {
    return static_cast<std::size_t>(
        std::floor(fraction * static_cast<double>(c.puncture_candidates.size())));
  };
  // The rate-0.74 code wins at 2.6 and 3 %, the rate-0.78 one at 3.35 % (worked out below).
  for (const double q : {0.026, 0.03, 0.0335}) {
    const std::size_t pa = q <= 0.032 ? punctured(a, between(0.5, 0.032, 1.0, 0.022, q))
                                      : punctured(a, between(0.0, 0.040, 0.5, 0.032, q));
    const std::size_t pb = punctured(b, between(0.0, 0.034, 0.5, 0.022, q));
    const bool take_a = a.effective_rate(pa) > b.effective_rate(pb);
    const FirstRound first = family.first_round(q);
    EXPECT_EQ(take_a, q < 0.033) << q;
    EXPECT_EQ(first.code, take_a ? 0u : 1u) << q;
    EXPECT_NEAR(static_cast<double>(first.punctured), static_cast<double>(take_a ? pa : pb), 1.0)
        << q;
  }
  // Above every measured threshold: the old rule (the lowest-rate code, as choose() gives).
  EXPECT_EQ(family.first_round(0.05).code, 0u);
  // Optimism scales the leak at the median: 1 - R = (1 - R_median) (1 + optimism).
  const FirstRound plain = family.first_round(0.03), cautious = family.first_round(0.03, 0.02);
  ASSERT_EQ(plain.code, cautious.code);
  const FamilyCode& c = family.codes()[plain.code];
  EXPECT_NEAR(1.0 - c.effective_rate(cautious.punctured),
              (1.0 - c.effective_rate(plain.punctured)) * 1.02, 2.0 / c.cols());
  // A reserve the better code cannot keep punctured sends the block to the other one.
  const FirstRound best = family.first_round(0.0335);
  ASSERT_EQ(best.code, 1u);
  const std::size_t reserve = best.punctured + 1;
  const FirstRound reserved = family.first_round(0.0335, 0.0, reserve);
  EXPECT_EQ(reserved.code, 0u);
  EXPECT_GE(reserved.punctured, reserve);
}

// The frame layouts: punctured, shortened and key columns partition the frame for either
// shortening and any number of punctured bits; ring shortening keeps the family's key positions;
// random shortening draws its shortened bits from those key positions, nested as p grows, and
// gives the unpunctured candidates key bits.
TEST(CodeFamily, FrameLayoutsPartitionTheColumns) {
  const CodeFamily family = two_codes({});
  const FamilyCode& c = family.codes()[0];
  const std::size_t n = c.cols(), d = family.modulated_bits(),
                    candidates = c.puncture_candidates.size();
  ASSERT_EQ(d, static_cast<std::size_t>(0.1 * static_cast<double>(n)));
  std::vector<bool> ring_key(n, false);
  for (const std::uint32_t col : c.key_positions) ring_key[col] = true;
  std::vector<std::uint32_t> storage, previous_shortened;
  for (const std::size_t p : {std::size_t{0}, std::size_t{1}, candidates / 4, candidates / 2,
                              candidates - 1, candidates}) {
    for (const Shortening s : {Shortening::kRing, Shortening::kRandom}) {
      const std::vector<std::uint32_t> shortened = c.shortened(p, s);
      const std::span<const std::uint32_t> keys = c.key_positions_for(p, s, storage);
      ASSERT_EQ(shortened.size(), d - p) << p;
      ASSERT_EQ(keys.size(), n - d) << p;
      EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
      std::vector<int> kind(n, -1);  // 0 key, 1 punctured, 2 shortened
      const auto mark = [&](std::uint32_t col, int k) {
        ASSERT_LT(col, n);
        ASSERT_EQ(kind[col], -1) << "column " << col << " has two roles, p = " << p;
        kind[col] = k;
      };
      for (const std::uint32_t col : keys) mark(col, 0);
      for (std::size_t j = 0; j < p; ++j) mark(c.puncture_candidates[j], 1);
      for (const std::uint32_t col : shortened) mark(col, 2);
      EXPECT_EQ(std::count(kind.begin(), kind.end(), -1), 0) << "every column has a role";
      if (s == Shortening::kRing) {
        EXPECT_TRUE(
            std::equal(keys.begin(), keys.end(), c.key_positions.begin(), c.key_positions.end()));
        continue;
      }
      for (const std::uint32_t col : shortened) EXPECT_TRUE(ring_key[col]) << col;
      for (std::size_t j = p; j < candidates; ++j) {
        EXPECT_EQ(kind[c.puncture_candidates[j]], 0) << "unpunctured candidate " << j;
      }
      // More punctured bits, fewer shortened ones: a subset of the previous layout's.
      const std::set<std::uint32_t> before(previous_shortened.begin(), previous_shortened.end());
      if (p > 0) {
        for (const std::uint32_t col : shortened) EXPECT_TRUE(before.count(col)) << col;
      }
      previous_shortened = shortened;
    }
  }
}

// With tables for both shortenings the first round takes whichever puts the higher rate at the
// median (made-up random-shortening thresholds for the rate-0.74 code, worked out below), ring
// shortening on a tie.
TEST(CodeFamily, FirstRoundTakesTheBetterShortening) {
  const std::map<std::string, std::vector<AdaptedThreshold>> random{
      {"qkdpp-n16-r074", {{0.0, 0.045}, {0.25, 0.039}, {0.5, 0.030}}}};
  const CodeFamily family =
      CodeFamily::load({kCodes + "qkdpp-n16-r074.qc", kCodes + "qkdpp-n16-r078.qc"}, {},
                       kModulatedFraction, kAdapted, random);
  const FamilyCode& a = family.codes()[0];
  ASSERT_EQ(a.name, "qkdpp-n16-r074");
  const auto punctured = [&](double fraction) {
    return static_cast<std::size_t>(
        std::floor(fraction * static_cast<double>(a.puncture_candidates.size())));
  };
  // 4.2 %: above every ring threshold; random shortening of the rate-0.74 code only.
  FirstRound first = family.first_round(0.042);
  EXPECT_EQ(first.code, 0u);
  EXPECT_EQ(first.shortening, Shortening::kRandom);
  EXPECT_EQ(first.punctured, punctured(between(0.0, 0.045, 0.25, 0.039, 0.042)));
  // 3.5 %: ring punctures 0.299 of the candidates, random 0.353 (the rate-0.78 code none).
  first = family.first_round(0.035);
  ASSERT_GT(between(0.25, 0.039, 0.5, 0.030, 0.035), between(0.0, 0.040, 0.5, 0.032, 0.035));
  EXPECT_EQ(first.code, 0u);
  EXPECT_EQ(first.shortening, Shortening::kRandom);
  EXPECT_EQ(first.punctured, punctured(between(0.25, 0.039, 0.5, 0.030, 0.035)));
  // 2.6 %: random stops at half the candidates, ring reaches further on either code.
  first = family.first_round(0.026);
  EXPECT_EQ(first.shortening, Shortening::kRing);
  const CodeFamily ring_only = two_codes(kAdapted);
  EXPECT_EQ(ring_only.first_round(0.026).code, first.code);
  EXPECT_EQ(ring_only.first_round(0.026).punctured, first.punctured);
  // Identical tables: ring.
  const CodeFamily tie =
      CodeFamily::load({kCodes + "qkdpp-n16-r074.qc", kCodes + "qkdpp-n16-r078.qc"}, {},
                       kModulatedFraction, kAdapted, kAdapted);
  for (const double q : {0.026, 0.03, 0.0335}) {
    EXPECT_EQ(tie.first_round(q).shortening, Shortening::kRing) << q;
  }
}

// Every bundled code has its measured thresholds in all six tables (mother and rate-adapted, ring
// and random shortening, both check rules), and no table names a code that is not bundled: a
// code missing from one would silently fall back to a rule-of-thumb threshold or drop out of the
// first round's calibrated choice (CodeFamily::load), which no other test would notice.
TEST(CodeFamily, EveryBundledCodeHasAllItsMeasuredThresholds) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kCodes)) {
    const std::string name = entry.path().stem().string();
    if (entry.path().extension() == ".qc" && name.rfind("qkdpp-n", 0) == 0) names.insert(name);
  }
  ASSERT_EQ(names.size(), 33u);  // 17 rates at 2^20 bits, 16 at 2^16 (docs/codes.md)
  for (const CheckRule rule : {CheckRule::kMinSum, CheckRule::kBoxPlus}) {
    const std::string mother = thresholds_file(rule);
    const auto thresholds = load_thresholds(kCodes, mother);
    for (const std::string& name : names) {
      EXPECT_TRUE(thresholds.count(name)) << name << " missing from " << mother;
    }
    for (const auto& [name, q] : thresholds)
      EXPECT_TRUE(names.count(name)) << name << " in " << mother;
    for (const Shortening s : {Shortening::kRing, Shortening::kRandom}) {
      const std::string file = adapted_thresholds_file(mother, s);
      const auto adapted = load_adapted_thresholds(kCodes, file);
      for (const std::string& name : names) {
        const auto it = adapted.find(name);
        ASSERT_NE(it, adapted.end()) << name << " missing from " << file;
        // From fully shortened (fraction 0) on, with the QBER falling as more is punctured.
        ASSERT_GE(it->second.size(), 4u) << name << " in " << file;
        EXPECT_EQ(it->second.front().punctured_fraction, 0.0) << name << " in " << file;
        EXPECT_GT(it->second.front().qber, it->second.back().qber) << name << " in " << file;
      }
      for (const auto& [name, rows] : adapted)
        EXPECT_TRUE(names.count(name)) << name << " in " << file;
    }
  }
}

}  // namespace
}  // namespace qkdpp::engine
