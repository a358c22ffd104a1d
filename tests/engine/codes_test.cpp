// Parity-check matrices, quasi-cyclic codes, syndromes, girth, and every code file format with
// its malformed inputs, plus random corruptions (fuzzing) of valid files.
#include <gtest/gtest.h>

#include <random>

#include "engine/codes/check_bound.hpp"
#include "engine/codes/code_io.hpp"
#include "engine/codes/parity_check_matrix.hpp"
#include "engine/core/entropy.hpp"
#include "engine/core/error.hpp"
#include "kernels/ldpc/syndrome.hpp"
#include "tests/engine/test_files.hpp"
#include "tests/kernels/random_bits.hpp"

namespace qkdpp::engine {
namespace {

using kernels::BitVector;
constexpr std::uint64_t kSeed = 0xc0de;

ParityCheckMatrix random_matrix(std::mt19937_64& rng, std::size_t m, std::size_t n,
                                double density) {
  std::vector<ParityCheckMatrix::Edge> edges;
  std::bernoulli_distribution bit(density);
  for (std::size_t r = 0; r < m; ++r)
    for (std::size_t c = 0; c < n; ++c)
      if (bit(rng)) edges.emplace_back(r, c);
  if (edges.empty()) edges.emplace_back(0, 0);
  return ParityCheckMatrix::from_edges(m, n, edges);
}

QuasiCyclicCode random_qc(std::mt19937_64& rng, std::size_t mb, std::size_t nb, std::size_t z) {
  QuasiCyclicCode code{z, mb, nb, {}};
  for (std::size_t k = 0; k < mb * nb; ++k)
    code.shifts.push_back(rng() % 3 == 0 ? -1 : static_cast<int>(rng() % z));
  return code;
}

using test::random_bits;

// Dense reference: s_r = XOR over the row's columns.
BitVector dense_syndrome(const ParityCheckMatrix& h, const BitVector& x) {
  BitVector s(h.rows());
  for (std::size_t r = 0; r < h.rows(); ++r) {
    bool p = false;
    for (std::size_t c = 0; c < h.cols(); ++c) {
      const auto row = h.row(r);
      if (std::find(row.begin(), row.end(), c) != row.end()) p ^= x.get(c);
    }
    s.set(r, p);
  }
  return s;
}

template <class F>
void expect_input_error(F&& f, std::initializer_list<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "expected InputError mentioning '" << *fragments.begin() << "'";
  } catch (const InputError& e) {
    for (const auto& frag : fragments)
      EXPECT_NE(std::string(e.what()).find(frag), std::string::npos) << e.what();
  }
}

TEST(ParityCheckMatrix, AdjacencyIsConsistentBothWays) {
  std::mt19937_64 rng(kSeed);
  const ParityCheckMatrix h = random_matrix(rng, 37, 101, 0.08);
  std::size_t edges = 0;
  for (std::size_t r = 0; r < h.rows(); ++r) {
    const auto row = h.row(r);
    EXPECT_TRUE(std::is_sorted(row.begin(), row.end()));
    for (std::uint32_t c : row) {
      const auto col = h.col(c);
      EXPECT_NE(std::find(col.begin(), col.end(), r), col.end());
    }
    edges += row.size();
  }
  EXPECT_EQ(edges, h.edges());
  std::size_t from_hist = 0;
  for (auto [deg, count] : h.col_degree_histogram()) from_hist += deg * count;
  EXPECT_EQ(from_hist, h.edges());
}

TEST(ParityCheckMatrix, RejectsBadEntries) {
  expect_input_error(
      [] {
        ParityCheckMatrix::from_edges(2, 3, {{0, 3}}, "m");
      },
      {"m:", "outside the 2 x 3"});
  expect_input_error(
      [] {
        ParityCheckMatrix::from_edges(2, 3, {{1, 1}, {1, 1}}, "m");
      },
      {"duplicate entry (row 1, column 1)"});
  expect_input_error([] { ParityCheckMatrix::from_edges(0, 3, {}, "m"); }, {"at least one row"});
  expect_input_error([] { ParityCheckMatrix::from_edges(2, std::size_t{1} << 27, {}, "m"); },
                     {"exceeds the supported size"});
}

TEST(Syndrome, CsrMatchesDenseReferenceOnAwkwardSizes) {
  std::mt19937_64 rng(kSeed + 1);
  for (auto [m, n] : {std::pair{1, 1}, {1, 64}, {63, 65}, {64, 128}, {65, 127}, {100, 300}}) {
    const ParityCheckMatrix h = random_matrix(rng, m, n, 0.05);
    const BitVector x = random_bits(rng, n);
    const BitVector s = h.syndrome(x);
    EXPECT_EQ(s, dense_syndrome(h, x)) << m << "x" << n;
  }
  EXPECT_THROW(random_matrix(rng, 3, 5, 0.5).syndrome(BitVector(4)), std::invalid_argument);
}

TEST(Syndrome, QuasiCyclicBlockRotationMatchesExpandedMatrix) {
  std::mt19937_64 rng(kSeed + 2);
  for (std::size_t z : {64, 128, 192, 96, 32}) {  // 96 and 32 take the generic path
    const QuasiCyclicCode code = random_qc(rng, 3, 7, z);
    const ParityCheckMatrix h = code.expand();
    for (int t = 0; t < 5; ++t) {
      const BitVector x = random_bits(rng, h.cols());
      EXPECT_EQ(code.syndrome(x), h.syndrome(x)) << "z=" << z;
    }
  }
  // SPEC section 4: block row r has its one in column (r + e) mod Z.
  const QuasiCyclicCode one{64, 1, 1, {5}};
  const ParityCheckMatrix h = one.expand();
  EXPECT_EQ(h.row(0)[0], 5u);
  EXPECT_EQ(h.row(60)[0], 1u);
}

TEST(Syndrome, RotateBlockMatchesDefinition) {
  std::mt19937_64 rng(kSeed + 3);
  for (std::size_t z : {64, 128, 320}) {
    const BitVector in = random_bits(rng, z);
    for (std::size_t e : {std::size_t{0}, std::size_t{1}, std::size_t{63}, std::size_t{64}, z - 1,
                          std::size_t{77} % z}) {
      BitVector out(z);
      kernels::rotate_block(in.words().data(), z, e, out.words().data());
      for (std::size_t i = 0; i < z; ++i)
        ASSERT_EQ(out.get(i), in.get((i + e) % z)) << z << " " << e;
    }
  }
}

TEST(Girth, SmallKnownGraphs) {
  // Hamming(7,4): columns 3 and 7 share two checks -> girth 4.
  const ParityCheckMatrix hamming = ParityCheckMatrix::from_edges(3, 7,
                                                                  {{0, 0},
                                                                   {0, 2},
                                                                   {0, 4},
                                                                   {0, 6},
                                                                   {1, 1},
                                                                   {1, 2},
                                                                   {1, 5},
                                                                   {1, 6},
                                                                   {2, 3},
                                                                   {2, 4},
                                                                   {2, 5},
                                                                   {2, 6}});
  EXPECT_EQ(hamming.girth(), 4u);
  // A path has no cycle.
  EXPECT_EQ(ParityCheckMatrix::from_edges(2, 3, {{0, 0}, {0, 1}, {1, 1}, {1, 2}}).girth(), 0u);
  // A 6-cycle: three checks in a ring over three bits.
  EXPECT_EQ(
      ParityCheckMatrix::from_edges(3, 3, {{0, 0}, {0, 1}, {1, 1}, {1, 2}, {2, 2}, {2, 0}}).girth(),
      6u);
  // QC [[0,0],[0,1]] with z = 5: the base 4-cycle has exponent sum 1, so the first lifted cycle
  // goes round it five times: length 20.
  const QuasiCyclicCode qc{5, 2, 2, {0, 0, 0, 1}};
  EXPECT_EQ(qc.girth(), 20u);
  EXPECT_EQ(qc.expand().girth(), 20u);
  const QuasiCyclicCode four{5, 2, 2, {0, 0, 0, 0}};
  EXPECT_EQ(four.girth(), 4u);
}

// ---- alist ----

const char* kHammingAlist =
    "7 3\n"
    "3 4\n"
    "1 1 2 1 2 2 3\n"
    "4 4 4\n"
    "1\n2\n1 2\n3\n1 3\n2 3\n1 2 3\n"
    "1 3 5 7\n2 3 6 7\n4 5 6 7\n";

TEST(Alist, LoadsUnpaddedAndPaddedAndRoundTrips) {
  const ParityCheckMatrix h = parse_alist(kHammingAlist, "hamming.alist");
  EXPECT_EQ(h.rows(), 3u);
  EXPECT_EQ(h.cols(), 7u);
  EXPECT_EQ(h.edges(), 12u);
  EXPECT_EQ(std::vector<std::uint32_t>(h.row(1).begin(), h.row(1).end()),
            (std::vector<std::uint32_t>{1, 2, 5, 6}));
  const std::string padded = format_alist(h, true);
  EXPECT_NE(padded.find("1 0 0\n"), std::string::npos);  // column 1 padded with zeros
  EXPECT_EQ(parse_alist(padded, "p"), h);
  EXPECT_EQ(parse_alist(format_alist(h, false), "u"), h);
  std::mt19937_64 rng(kSeed + 4);
  const ParityCheckMatrix big = random_matrix(rng, 50, 120, 0.06);
  EXPECT_EQ(parse_alist(format_alist(big, true), "b"), big);
}

TEST(Alist, RejectsMalformedFilesNamingTheLine) {
  const auto bad = [](const std::string& text, std::initializer_list<std::string> frags) {
    expect_input_error([&] { parse_alist(text, "bad.alist"); }, frags);
  };
  bad("", {"bad.alist:1:", "ends before the header"});
  bad("7 x\n", {"bad.alist:1:", "'x' is not a non-negative integer"});
  bad("7 3\n3 4\n1 1 2 1 2 2 3\n4 4 4\n1\n2\n", {"bad.alist:1:", "truncated"});
  bad("7 3\n3 4\n1 1 2 1 2 2 3\n4 4 5\n1\n2\n1 2\n3\n1 3\n2 3\n1 2 3\n1 3 5 7\n2 3 6 7\n4 5 6 7\n",
      {"bad.alist:4:", "row weight 5 exceeds the declared maximum 4"});
  bad("7 3\n3 4\n1 1 2 1 2 2 3\n4 4 3\n1\n2\n1 2\n3\n1 3\n2 3\n1 2 3\n1 3 5 7\n2 3 6 7\n4 5 6\n",
      {"bad.alist:4:", "column weights sum to 12 but row weights to 11"});
  bad("7 3\n3 4\n1 1 2 1 2 2 3\n4 4 4\n1\n2\n1 4\n3\n1 3\n2 3\n1 2 3\n1 3 5 7\n2 3 6 7\n4 5 6 7\n",
      {"bad.alist:7:", "column 3: index 4 outside [1, 3]"});
  bad("7 3\n3 4\n1 1 2 1 2 2 3\n4 4 4\n1\n2\n1 1\n3\n1 3\n2 3\n1 2 3\n1 3 5 7\n2 3 6 7\n4 5 6 7\n",
      {"bad.alist:7:", "duplicate index 1"});
  bad("7 3\n3 4\n1 1 2 1 2 2 3\n4 4 4\n1\n2\n1 2\n3\n1 3\n2 3\n1 2 3\n1 3 5 7\n2 3 6 7\n4 5 6 6\n",
      {"bad.alist:", "duplicate index 6"});
  bad("7 3\n3 4\n1 1 2 1 2 2 3\n4 4 4\n1\n2\n1 2\n3\n1 3\n2 3\n1 2 3\n1 3 5 7\n2 3 6 7\n3 5 6 7\n",
      {"bad.alist:14:", "row 3 does not match the column lists"});
  bad("7 3\n3 4\n1 1 2 1 2 2 3\n4 4 4\n1 5 0\n2\n1 2\n3\n1 3\n2 3\n1 2 3\n1 3 5 7\n2 3 6 7\n4 5 6 "
      "7\n",
      {"bad.alist:5:", "padding entry 5 should be 0"});
  bad("7 3\n3 4\n1 1 2 1 2 2 3\n4 4 4\n1 0\n2\n1 2\n3\n1 3\n2 3\n1 2 3\n1 3 5 7\n2 3 6 7\n4 5 6 "
      "7\n",
      {"bad.alist:5:", "2 entries, expected 1 (or 3 zero-padded)"});
  bad(std::string(kHammingAlist) + "9 9\n", {"bad.alist:15:", "unexpected content"});
  bad("99999999999 3\n", {"exceeds the supported size"});
  bad("7 3\n3 8\n1 1 2 1 2 2 3\n4 4 4\n1\n2\n1 2\n3\n1 3\n2 3\n1 2 3\n1 3 5 7\n2 3 6 7\n4 5 6 7\n",
      {"bad.alist:2:", "maximum weights exceed"});
}

// ---- quasi-cyclic text ----

TEST(QcFormat, RoundTripsWithComments) {
  std::mt19937_64 rng(kSeed + 5);
  const QuasiCyclicCode code = random_qc(rng, 4, 12, 64);
  const std::string text = format_qc(code, {"rate 2/3 test code", "seed 5"});
  EXPECT_EQ(text.substr(0, 2), "# ");
  EXPECT_EQ(parse_qc(text, "c.qc"), code);
  EXPECT_EQ(parse_qc("qkdpp-qc 1 # magic\n1 2 4\n-1 3 # row\n", "x"),
            (QuasiCyclicCode{4, 1, 2, {-1, 3}}));
}

TEST(QcFormat, RejectsMalformedFilesNamingTheLine) {
  const auto bad = [](const std::string& text, std::initializer_list<std::string> frags) {
    expect_input_error([&] { parse_qc(text, "bad.qc"); }, frags);
  };
  bad("", {"bad.qc:1:", "magic line"});
  bad("qkdpp-qc 2\n1 1 4\n0\n", {"bad.qc:1:", "unsupported qkdpp-qc version 2"});
  bad("qkdpp-qc 1\n2 2 4\n0 1\n", {"bad.qc:2:", "truncated"});
  bad("qkdpp-qc 1\n1 2 4\n0 4\n", {"bad.qc:3:", "exponent 4 in column 1 is outside [-1, 4)"});
  bad("qkdpp-qc 1\n1 2 4\n0 -2\n", {"bad.qc:3:", "outside [-1, 4)"});
  bad("qkdpp-qc 1\n1 2 4\n0\n", {"bad.qc:3:", "expected 2 values, found 1"});
  bad("qkdpp-qc 1\n1 2 4\n0 a\n", {"bad.qc:3:", "'a' is not an integer"});
  bad("qkdpp-qc 1\n1 2 0\n0 0\n", {"bad.qc:2:", "sizes must be positive"});
  bad("qkdpp-qc 1\n100000 100000 100000\n", {"bad.qc:2:", "exceeds the supported size"});
  bad("qkdpp-qc 1\n1 1 4\n0\n0\n", {"bad.qc:4:", "unexpected content"});
}

// ---- LDPC4QKD JSON and CSV ----

const char* kQcJson = R"({"format": "COMPRESSED_SPARSE_COLUMN", "n_rows": 2, "n_columns": 3,
  "qc_expansion_factor": 4, "colptr": [0, 2, 3, 4], "rowval": [0, 1, 1, 0], "nzval": [1, 0, 3, 2]})";

TEST(Ldpc4qkdJson, LoadsQuasiCyclicAndPlainFiles) {
  const LoadedCode qc = parse_ldpc4qkd_json(kQcJson, "c.qccsc.json");
  ASSERT_TRUE(qc.quasi_cyclic.has_value());
  EXPECT_EQ(qc.quasi_cyclic->shifts, (std::vector<std::int32_t>{1, -1, 2, 0, 3, -1}));
  EXPECT_EQ(qc.matrix.rows(), 8u);
  EXPECT_EQ(qc.matrix.cols(), 12u);
  EXPECT_EQ(qc.matrix.row(0)[0], 1u);  // exponent 1: row 0 of block (0,0) hits column 1
  const LoadedCode plain = parse_ldpc4qkd_json(
      R"({"n_rows": 2, "n_columns": 3, "colptr": [0, 1, 3, 4], "rowval": [0, 0, 1, 1]})", "p.json");
  EXPECT_FALSE(plain.quasi_cyclic.has_value());
  EXPECT_EQ(plain.matrix, ParityCheckMatrix::from_edges(2, 3, {{0, 0}, {0, 1}, {1, 1}, {1, 2}}));
}

TEST(Ldpc4qkdJson, RejectsMalformedFiles) {
  const auto bad = [](const std::string& text, std::initializer_list<std::string> frags) {
    expect_input_error([&] { parse_ldpc4qkd_json(text, "bad.json"); }, frags);
  };
  bad("{\n\"n_rows\": 2,\n oops }", {"bad.json:3:", "invalid JSON"});
  bad("[1, 2]", {"expected a JSON object"});
  bad(R"({"n_columns": 3, "colptr": [0, 1, 2, 3], "rowval": [0, 0, 0]})",
      {"missing field 'n_rows'"});
  bad(R"({"n_rows": -2, "n_columns": 3, "colptr": [0, 1, 2, 3], "rowval": [0, 0, 0]})",
      {"'n_rows' must be a non-negative integer"});
  bad(R"({"n_rows": 2, "n_columns": 3, "colptr": [0, 1, 2], "rowval": [0, 0]})",
      {"colptr has 3 entries, expected n_columns + 1 = 4"});
  bad(R"({"n_rows": 2, "n_columns": 3, "colptr": [0, 2, 1, 3], "rowval": [0, 0, 0]})",
      {"colptr decreases at index 2"});
  bad(R"({"n_rows": 2, "n_columns": 3, "colptr": [0, 1, 2, 4], "rowval": [0, 0, 0]})",
      {"colptr ends at 4 but rowval has 3"});
  bad(R"({"n_rows": 2, "n_columns": 3, "colptr": [0, 1, 2, 3], "rowval": [0, 2, 0]})",
      {"rowval[1] = 2 is not below n_rows"});
  bad(R"({"n_rows": 2, "n_columns": 3, "colptr": [0, 2, 2, 3], "rowval": [1, 1, 0]})",
      {"duplicate entry (row 1, column 0)"});
  bad(R"({"n_rows": 2, "n_columns": 3, "colptr": [0, 1, 2, 3], "rowval": [0, "x", 0]})",
      {"'rowval' entry 1 is not a non-negative integer"});
  bad(R"({"n_rows": 1, "n_columns": 2, "qc_expansion_factor": 4, "colptr": [0, 1, 2], "rowval": [0, 0], "nzval": [1, 4]})",
      {"nzval[1] = 4 is not below qc_expansion_factor"});
  bad(R"({"n_rows": 1, "n_columns": 2, "qc_expansion_factor": 4, "colptr": [0, 1, 2], "rowval": [0, 0], "nzval": [1]})",
      {"nzval has 1 entries but rowval has 2"});
  bad(R"({"n_rows": 100000000, "n_columns": 3, "colptr": [0, 1, 2, 3], "rowval": [0, 0, 0]})",
      {"outside 1 .. 2^26"});
}

TEST(RateAdaptionCsv, ParsesAndRejects) {
  EXPECT_EQ(parse_rate_adaption_csv("0,5\n 2 , 7\n\n", "r.csv"),
            (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0, 5}, {2, 7}}));
  expect_input_error([] { parse_rate_adaption_csv("0,5\n1\n", "r.csv"); },
                     {"r.csv:2:", "expected 2 values"});
  expect_input_error([] { parse_rate_adaption_csv("0,x\n", "r.csv"); }, {"r.csv:1:", "'x'"});
  expect_input_error([] { parse_rate_adaption_csv("3,3\n", "r.csv"); }, {"r.csv:1:", "itself"});
}

TEST(CodeFiles, LoadByExtensionAndRejectUnknownOrMissing) {
  test::TempDir dir;
  save_text_file(dir / "h.alist", kHammingAlist);
  save_text_file(dir / "c.qc", format_qc(QuasiCyclicCode{64, 1, 2, {0, 5}}));
  save_text_file(dir / "c.qccsc.json", kQcJson);
  EXPECT_EQ(load_code(dir / "h.alist").format, "alist");
  EXPECT_EQ(load_code(dir / "c.qc").matrix.cols(), 128u);
  EXPECT_EQ(load_code(dir / "c.qccsc.json").format, "ldpc4qkd-qc-json");
  save_text_file(dir / "x.txt", "hello");
  expect_input_error([&] { load_code(dir / "x.txt"); }, {"unknown code file type '.txt'"});
  expect_input_error([&] { load_code(dir / "none.alist"); }, {"none.alist: no such file"});
  EXPECT_FALSE(std::filesystem::exists(dir / "h.alist.partial"));
}

// The quasi-cyclic form alone (the code family's loader): .qc and LDPC4QKD quasi-cyclic JSON
// load the same base matrix load_code gives; files without a quasi-cyclic form, malformed,
// missing or unknown ones are rejected naming the file.
TEST(CodeFiles, LoadQuasiCyclicWithoutExpanding) {
  test::TempDir dir;
  const QuasiCyclicCode code{64, 1, 2, {0, 5}};
  save_text_file(dir / "c.qc", format_qc(code));
  save_text_file(dir / "c.qccsc.json", kQcJson);
  save_text_file(dir / "h.alist", kHammingAlist);
  save_text_file(dir / "bad.qc", "qkdpp-qc 1\n1 2 4\n0 4\n");
  EXPECT_EQ(load_quasi_cyclic(dir / "c.qc"), code);
  EXPECT_EQ(load_quasi_cyclic(dir / "c.qccsc.json"), *load_code(dir / "c.qccsc.json").quasi_cyclic);
  expect_input_error([&] { load_quasi_cyclic(dir / "h.alist"); },
                     {"h.alist", "not a quasi-cyclic code (alist format)"});
  expect_input_error([&] { load_quasi_cyclic(dir / "bad.qc"); },
                     {"bad.qc:3:", "exponent 4 in column 1 is outside [-1, 4)"});
  expect_input_error([&] { load_quasi_cyclic(dir / "none.qc"); }, {"none.qc: no such file"});
  save_text_file(dir / "x.txt", "hello");
  expect_input_error([&] { load_quasi_cyclic(dir / "x.txt"); }, {"unknown code file type '.txt'"});
}

TEST(CodeFiles, ThresholdsFileLoadsAndRejectsMalformedLines) {
  test::TempDir dir;
  EXPECT_TRUE(load_thresholds(dir.path()).empty()) << "no thresholds.txt: nothing measured";
  save_text_file(dir / "thresholds.txt", "# comment\nqkdpp-n16-r050 0.0938\n\nother 0.011\n");
  const auto t = load_thresholds(dir.path());
  ASSERT_EQ(t.size(), 2u);
  EXPECT_DOUBLE_EQ(t.at("qkdpp-n16-r050"), 0.0938);
  EXPECT_DOUBLE_EQ(t.at("other"), 0.011);
  for (const char* bad :
       {"a 0.02\nb\n", "a 0.02\nb x\n", "a 0.02\nb 0.7\n", "a 0.02\nb 0\n", "a 0.02\nb -0.1\n"}) {
    save_text_file(dir / "thresholds.txt", bad);
    expect_input_error([&] { load_thresholds(dir.path()); },
                       {"thresholds.txt:2:", "expected 'name qber'"});
  }
}

TEST(CodeFiles, AdaptedThresholdsLoadSortedAndRejectMalformedLines) {
  test::TempDir dir;
  EXPECT_TRUE(load_adapted_thresholds(dir.path(), "a.txt").empty()) << "absent: nothing measured";
  save_text_file(dir / "a.txt", "# comment\nc1 1.00 0.010\nc1 0.00 0.030\n\nc2 0.5 0.2\n");
  const auto t = load_adapted_thresholds(dir.path(), "a.txt");
  ASSERT_EQ(t.size(), 2u);
  ASSERT_EQ(t.at("c1").size(), 2u);
  EXPECT_DOUBLE_EQ(t.at("c1")[0].punctured_fraction, 0.0);  // sorted by fraction
  EXPECT_DOUBLE_EQ(t.at("c1")[0].qber, 0.03);
  EXPECT_DOUBLE_EQ(t.at("c1")[1].qber, 0.01);
  EXPECT_DOUBLE_EQ(t.at("c2")[0].punctured_fraction, 0.5);
  for (const char* bad :
       {"a 0 0.02\nb 0\n", "a 0 0.02\nb x 0.1\n", "a 0 0.02\nb 1.5 0.01\n",
        "a 0 0.02\nb -0.1 0.01\n", "a 0 0.02\nb 0 0.5\n", "a 0 0.02\nb 0 0.01 7\n"}) {
    save_text_file(dir / "a.txt", bad);
    expect_input_error([&] { load_adapted_thresholds(dir.path(), "a.txt"); },
                       {"a.txt:2:", "expected 'name fraction qber'"});
  }
  save_text_file(dir / "a.txt", "a 0 0.02\na 0.0 0.01\n");
  expect_input_error([&] { load_adapted_thresholds(dir.path(), "a.txt"); },
                     {"a.txt:2:", "given twice"});
}

// ---- fuzzing: random corruptions never crash; they load validly or fail with InputError ----

std::string corrupt(std::mt19937_64& rng, std::string text) {
  const int kind = static_cast<int>(rng() % 6);
  const std::size_t pos = text.empty() ? 0 : rng() % text.size();
  switch (kind) {
    case 0:
      return text.substr(0, pos);  // truncation
    case 1:
      if (!text.empty()) text.erase(pos, 1 + rng() % 4);
      return text;
    case 2: {
      const char* tokens[] = {"0", "-1",  "99999999", "x", " ", "\n",
                              "7", "1e3", "{",        "]", ",", "18446744073709551616"};
      text.insert(pos, tokens[rng() % std::size(tokens)]);
      return text;
    }
    case 3:
      if (!text.empty()) text[pos] = static_cast<char>('0' + rng() % 10);
      return text;
    case 4: {  // duplicate a line
      const std::size_t start = text.rfind('\n', pos);
      const std::size_t b = start == std::string::npos ? 0 : start + 1;
      const std::size_t e = text.find('\n', pos);
      text.insert(b, text.substr(b, (e == std::string::npos ? text.size() : e + 1) - b));
      return text;
    }
    default:
      if (!text.empty()) text[pos] = static_cast<char>(rng() % 256);
      return text;
  }
}

template <class Parse, class Check>
void fuzz(const std::string& valid, Parse parse, Check check, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  int accepted = 0, rejected = 0;
  for (int t = 0; t < 1500; ++t) {
    std::string text = valid;
    for (int k = 0, n = 1 + static_cast<int>(rng() % 3); k < n; ++k) text = corrupt(rng, text);
    try {
      check(parse(text));
      ++accepted;
    } catch (const InputError&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 100) << "seed " << seed;
  ::testing::Test::RecordProperty("accepted", accepted);
}

TEST(CodeFuzz, AlistCorruptionsNeverCrash) {
  std::mt19937_64 rng(kSeed + 6);
  const std::string valid = format_alist(random_matrix(rng, 12, 30, 0.15), true);
  fuzz(
      valid, [](const std::string& t) { return parse_alist(t, "f.alist"); },
      [](const ParityCheckMatrix& h) { EXPECT_EQ(parse_alist(format_alist(h, false), "r"), h); },
      kSeed + 7);
}

TEST(CodeFuzz, JsonCorruptionsNeverCrash) {
  fuzz(
      kQcJson, [](const std::string& t) { return parse_ldpc4qkd_json(t, "f.json"); },
      [](const LoadedCode& c) { EXPECT_EQ(c.matrix.edges(), c.matrix.row_indices().size()); },
      kSeed + 8);
}

TEST(CodeFuzz, QcCorruptionsNeverCrash) {
  std::mt19937_64 rng(kSeed + 9);
  const std::string valid = format_qc(random_qc(rng, 3, 8, 16));
  fuzz(
      valid, [](const std::string& t) { return parse_qc(t, "f.qc"); },
      [](const QuasiCyclicCode& c) { EXPECT_EQ(parse_qc(format_qc(c), "r"), c); }, kSeed + 10);
}

// Gallager's check-degree bound (engine/codes/check_bound.hpp), evaluated by hand for small
// histograms: a degree-1 check is one error bit, so f >= 1 / h2(q); checks of degrees 2 and 4 at
// q = 0.05 are odd with probability (1 - 0.9^2) / 2 and (1 - 0.9^4) / 2.
TEST(CheckDegreeBound, MatchesTheFormulaOnSmallHistograms) {
  EXPECT_NEAR(check_degree_efficiency_bound({{1, 7}}, 0.1), 1.0 / binary_entropy(0.1), 1e-12);
  const double p2 = (1.0 - 0.81) / 2, p4 = (1.0 - 0.6561) / 2;
  EXPECT_NEAR(check_degree_efficiency_bound({{2, 1}, {4, 1}}, 0.05),
              2.0 / (binary_entropy(p2) + binary_entropy(p4)), 1e-12);
  // Degree-0 rows count as checks that carry nothing.
  EXPECT_NEAR(check_degree_efficiency_bound({{0, 1}, {1, 1}}, 0.1), 2.0 / binary_entropy(0.1),
              1e-12);
}

TEST(CheckDegreeBound, FallsTowardsOneAsChecksGrow) {
  double previous = 1e9;
  for (std::size_t d : {5, 10, 20, 40, 80, 160}) {
    const double b = check_degree_efficiency_bound({{d, 100}}, 0.02);
    EXPECT_GT(b, 1.0) << d;
    EXPECT_LT(b, previous) << d;
    previous = b;
  }
  EXPECT_LT(check_degree_efficiency_bound({{2000, 1}}, 0.02), 1.0 + 1e-9);
}

TEST(CheckDegreeBound, ThresholdSeparatesPossibleFromImpossible) {
  // The (3,6)-regular ensemble: rate 1/2. Its bound on any decoder's threshold lies above the BP
  // threshold (0.084, Richardson and Urbanke) and below Shannon's limit h2(q) = 1/2.
  const std::map<std::size_t, std::size_t> rows{{6, 500}};
  const double q = check_degree_threshold_bound(rows, 1000);
  EXPECT_GT(q, 0.084);
  EXPECT_LT(q, inverse_binary_entropy(0.5));
  // At the threshold the code's efficiency equals the bound; below it the code is above the
  // bound (decoding possible), above it below the bound (impossible).
  EXPECT_NEAR(check_degree_efficiency_bound(rows, q), 0.5 / binary_entropy(q), 1e-4);
  EXPECT_GT(0.5 / binary_entropy(q - 1e-3), check_degree_efficiency_bound(rows, q - 1e-3));
  EXPECT_LT(0.5 / binary_entropy(q + 1e-3), check_degree_efficiency_bound(rows, q + 1e-3));
  // Heavier checks at the same rate allow more.
  EXPECT_GT(check_degree_threshold_bound({{12, 500}}, 1000), q);
  // One light check cannot serve a thousand bits at any QBER.
  EXPECT_EQ(check_degree_threshold_bound({{3, 1}}, 1000), 0.0);
}

TEST(CheckDegreeBound, RejectsMeaninglessArguments) {
  EXPECT_THROW(check_degree_efficiency_bound({{6, 1}}, 0.0), std::invalid_argument);
  EXPECT_THROW(check_degree_efficiency_bound({{6, 1}}, 0.5), std::invalid_argument);
  EXPECT_THROW(check_degree_efficiency_bound({}, 0.1), std::invalid_argument);
  EXPECT_THROW(check_degree_efficiency_bound({{0, 4}}, 0.1), std::invalid_argument);
}

}  // namespace
}  // namespace qkdpp::engine
