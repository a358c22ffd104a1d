// QBER profile grammar, evaluation and rejection of malformed specs.
#include "engine/simulation/qber_profile.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "engine/core/error.hpp"
#include "tests/engine/test_files.hpp"

namespace qkdpp::engine {
namespace {

TEST(QberProfile, ConstantJumpAndRamp) {
  const auto c = QberProfile::parse("0.03");
  EXPECT_DOUBLE_EQ(c.qber_at(0.0), 0.03);
  EXPECT_DOUBLE_EQ(c.qber_at(1.0), 0.03);
  EXPECT_DOUBLE_EQ(c.mean(), 0.03);

  const auto j = QberProfile::parse("0.02,0.09@0.5");
  EXPECT_DOUBLE_EQ(j.qber_at(0.4999), 0.02);
  EXPECT_DOUBLE_EQ(j.qber_at(0.5), 0.09);
  EXPECT_DOUBLE_EQ(j.mean(), 0.055);
  EXPECT_FALSE(j.ramping_at(0.3));

  const auto r = QberProfile::parse("0.01, 0.01@0.5, ~0.05@1");
  EXPECT_DOUBLE_EQ(r.qber_at(0.25), 0.01);
  EXPECT_NEAR(r.qber_at(0.75), 0.03, 1e-15);
  EXPECT_NEAR(r.qber_at(1.0), 0.05, 1e-15);
  EXPECT_NEAR(r.mean(), 0.5 * 0.01 + 0.5 * 0.03, 1e-15);
  EXPECT_TRUE(r.ramping_at(0.6));
  EXPECT_FALSE(r.ramping_at(0.4));
}

TEST(QberProfile, SpecRoundTrips) {
  for (const char* spec : {"0.03", "0.02,0.09@0.5", "0.01,~0.08@1", "0.1,0.02@0.25,~0.04@0.75"}) {
    const auto p = QberProfile::parse(spec);
    const auto q = QberProfile::parse(p.to_spec());
    ASSERT_EQ(p.points().size(), q.points().size());
    for (double f = 0; f <= 1.0; f += 0.01) EXPECT_DOUBLE_EQ(p.qber_at(f), q.qber_at(f)) << spec;
  }
  EXPECT_DOUBLE_EQ(QberProfile::constant(0.0123456789).qber_at(0.5), 0.0123456789);
}

TEST(QberProfile, LoadsFilesWithComments) {
  test::TempDir dir;
  std::ofstream(dir / "p.txt") << "# link warms up\n0.05\n0.02@0.1  # settled\n~0.04@1\n";
  const auto p = QberProfile::load(dir / "p.txt");
  EXPECT_DOUBLE_EQ(p.qber_at(0.05), 0.05);
  EXPECT_NEAR(p.qber_at(0.55), 0.03, 1e-12);
}

TEST(QberProfile, RejectsMalformedSpecsNamingTheToken) {
  const auto expect_bad = [](const char* spec, const char* fragment) {
    try {
      QberProfile::parse(spec);
      ADD_FAILURE() << "accepted " << spec;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
          << spec << " -> " << e.what();
    }
  };
  expect_bad("", "empty");
  expect_bad("abc", "'abc'");
  expect_bad("0.5", "[0, 0.5)");
  expect_bad("-0.01", "[0, 0.5)");
  expect_bad("0.02@0.3", "first token");
  expect_bad("~0.02", "first token");
  expect_bad("0.02,0.03", "needs a position");
  expect_bad("0.02,0.03@0.6,0.04@0.5", "increase");
  expect_bad("0.02,0.03@1", "(0, 1)");
  expect_bad("0.02,0.03@x", "position 'x'");
  expect_bad("0.02,~0.03@1.5", "(0, 1]");
  EXPECT_THROW(QberProfile::constant(0.6), InputError);
  test::TempDir dir;
  EXPECT_THROW(QberProfile::load(dir / "missing.txt"), InputError);
}

}  // namespace
}  // namespace qkdpp::engine
