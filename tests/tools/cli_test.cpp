// The qkdpp binary end to end: help, version, `simulate` output and every bad-argument path.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "engine/io/key_file.hpp"
#include "engine/io/key_journal.hpp"
#include "engine/io/raw_key_file.hpp"
#include "engine/io/raw_key_stream.hpp"
#include "engine/net/socket.hpp"
#include "tests/engine/test_files.hpp"

namespace qkdpp {
namespace {

struct Result {
  int status;
  std::string output;  // stdout and stderr together
};

Result run(const std::string& args) {
  const std::string cmd = std::string(QKDPP_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  const int raw = pclose(pipe);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

// `qkdpp ARGS` for a command run with --json: its output parsed, after checking it succeeded.
nlohmann::json run_json(const std::string& args) {
  const Result r = run(args);
  EXPECT_EQ(r.status, 0) << args << "\n" << r.output;
  return nlohmann::json::parse(r.output);
}

Result expect_failure(const std::string& args, const std::string& fragment) {
  Result r = run(args);
  EXPECT_NE(r.status, 0) << args << "\n" << r.output;
  EXPECT_NE(r.output.find(fragment), std::string::npos) << args << "\n" << r.output;
  return r;
}

// The same, and the error is one line (HDF5's messages can embed newlines).
void expect_one_line_failure(const std::string& args, const std::string& fragment) {
  const Result r = expect_failure(args, fragment);
  const std::size_t at = r.output.find("qkdpp: error:");
  ASSERT_NE(at, std::string::npos) << r.output;
  const std::string error = r.output.substr(at);
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1) << error;
}

TEST(Cli, VersionNamesTheSimdLevel) {
  const Result r = run("--version");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("qkdpp 0."), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("SIMD level: "), std::string::npos) << r.output;
}

TEST(Cli, ForcedSimdLevelIsReported) {
  const Result r = run("--version");
  const std::string cmd = std::string("QKDPP_SIMD=scalar ") + QKDPP_BINARY + " --version";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::array<char, 512> buf{};
  std::string out;
  while (std::size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  pclose(pipe);
  EXPECT_NE(out.find("SIMD level: scalar"), std::string::npos) << out;
}

TEST(Cli, HelpListsSubcommandsAndOptions) {
  const Result top = run("--help");
  EXPECT_EQ(top.status, 0);
  EXPECT_NE(top.output.find("simulate"), std::string::npos);
  const Result sim = run("simulate --help");
  EXPECT_EQ(sim.status, 0);
  for (const char* opt :
       {"--bits", "--qber", "--qber-profile", "--seed", "--output", "--compression"}) {
    EXPECT_NE(sim.output.find(opt), std::string::npos) << opt;
  }
}

TEST(Cli, SimulateWritesAValidFileWithTheRequestedQber) {
  test::TempDir dir;
  const auto file = dir / "sim.h5";
  const Result r = run("simulate --bits 2^20 --qber 0.04 --seed 9 -o " + file.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("measured QBER"), std::string::npos);
  engine::io::RawKeyReader reader(file);
  const auto n = reader.bits(engine::io::Party::kAlice);
  ASSERT_EQ(n, 1u << 20);
  const auto a = reader.read(engine::io::Party::kAlice, 0, n);
  const auto b = reader.read(engine::io::Party::kBob, 0, n);
  const double measured = static_cast<double>(hamming_distance(a, b)) / static_cast<double>(n);
  EXPECT_NEAR(measured, 0.04, 5 * std::sqrt(0.04 * 0.96 / static_cast<double>(n)));
  EXPECT_NEAR(reader.number_attribute("qber_hint").value(), 0.04, 1e-15);
  EXPECT_NE(reader.string_attribute("rng").value().find("xoshiro256**"), std::string::npos);
}

TEST(Cli, SameSeedSameContents) {
  test::TempDir dir;
  ASSERT_EQ(
      run("simulate -q --bits 100000 --qber 0.02,0.09@0.5 --seed 3 -o " + (dir / "a.h5").string())
          .status,
      0);
  ASSERT_EQ(run("simulate -q --bits 1e5 --qber 0.02,0.09@0.5 --seed 3 --chunk-bits 6400 -o " +
                (dir / "b.h5").string())
                .status,
            0);
  ASSERT_EQ(
      run("simulate -q --bits 100000 --qber 0.02,0.09@0.5 --seed 4 -o " + (dir / "c.h5").string())
          .status,
      0);
  for (const char* ds : {"/alice/key", "/bob/key"}) {
    EXPECT_EQ(test::read_bytes_dataset(dir / "a.h5", ds),
              test::read_bytes_dataset(dir / "b.h5", ds))
        << ds;
    EXPECT_NE(test::read_bytes_dataset(dir / "a.h5", ds),
              test::read_bytes_dataset(dir / "c.h5", ds))
        << ds;
  }
}

TEST(Cli, SimulateQberProfileFileAndSinglePartyOutput) {
  test::TempDir dir;
  std::ofstream(dir / "p.txt") << "0.01\n0.06@0.5\n";
  ASSERT_EQ(run("simulate -q --bits 4096 --qber-profile " + (dir / "p.txt").string() +
                " --parties alice -o " + (dir / "a.h5").string())
                .status,
            0);
  engine::io::RawKeyReader r(dir / "a.h5");
  EXPECT_TRUE(r.has(engine::io::Party::kAlice));
  EXPECT_FALSE(r.has(engine::io::Party::kBob));
  EXPECT_EQ(r.string_attribute("qber_profile").value().substr(0, 4), "0.01");
}

TEST(Cli, SimulateRejectsBadArgumentsAndLeavesNoFile) {
  test::TempDir dir;
  const std::string out = " -o " + (dir / "x.h5").string();
  expect_failure("simulate --bits 1000 --qber 0.7" + out, "[0, 0.5)");
  expect_failure("simulate --bits abc" + out, "--bits: 'abc' is not a bit count");
  expect_failure("simulate --bits -5" + out, "not a bit count");
  expect_failure("simulate --bits 1.5" + out, "not a bit count");
  expect_failure("simulate --bits 3^4" + out, "not a bit count");
  expect_failure("simulate --bits 0" + out, "at least one bit");
  expect_failure("simulate --bits 1000 --qber 0.01,0.02" + out, "needs a position");
  expect_failure("simulate --bits 1000 --chunk-bits 100" + out, "multiple of 64");
  expect_failure("simulate --bits 1000 --compression 12" + out, "--compression");
  expect_failure("simulate --bits 1000 --parties carol" + out, "--parties");
  expect_failure("simulate --bits 1000 --qber-profile " + (dir / "none.txt").string() + out,
                 "none.txt");
  expect_failure("simulate --bits 1000", "--output is required");
  expect_one_line_failure("simulate --bits 1000 -o " + (dir / "no" / "x.h5").string(),
                          "cannot create output file");
  expect_failure("frobnicate", "frobnicate");
  EXPECT_FALSE(std::filesystem::exists(dir / "x.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir / "x.h5.partial"));
}

void write_bytes(const std::filesystem::path& p, const std::vector<std::uint8_t>& bytes) {
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::uint8_t> read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Cli, ToeplitzReproducesTheSpecExampleWithEveryKernel) {
  test::TempDir dir;
  write_bytes(dir / "s.bin", {0xb5, 0x0f, 0xd4, 0x63});
  write_bytes(dir / "x.bin", {0x17, 0xdd, 0x08});
  for (const char* k : {"auto", "naive", "clmul", "ntt", "fft"}) {
    const auto out = dir / (std::string(k) + ".bin");
    const Result r = run("toeplitz --seed-file " + (dir / "s.bin").string() + " --input " +
                         (dir / "x.bin").string() + " --bits 20 --out-bits 12 --kernel " + k +
                         " -o " + out.string());
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(read_all(out), (std::vector<std::uint8_t>{0x68, 0x01})) << k;
  }
}

TEST(Cli, ToeplitzKernelsAgreeOnALargerFileWithDefaultBits) {
  test::TempDir dir;
  std::vector<std::uint8_t> seed(40000), x(25000);
  std::uint32_t state = 1;
  for (auto& b : seed)
    b = static_cast<std::uint8_t>((state = state * 1664525u + 1013904223u) >> 24);
  for (auto& b : x) b = static_cast<std::uint8_t>((state = state * 1664525u + 1013904223u) >> 24);
  write_bytes(dir / "s.bin", seed);
  write_bytes(dir / "x.bin", x);
  std::vector<std::uint8_t> first;
  for (const char* k : {"naive", "clmul", "ntt", "fft"}) {
    const auto out = dir / (std::string(k) + ".bin");
    ASSERT_EQ(
        run("toeplitz -q --seed-file " + (dir / "s.bin").string() + " --input " +
            (dir / "x.bin").string() + " --out-bits 99999 --kernel " + k + " -o " + out.string())
            .status,
        0);
    const auto bytes = read_all(out);
    EXPECT_EQ(bytes.size(), 12500u);
    if (first.empty()) first = bytes;
    EXPECT_EQ(bytes, first) << k;
  }
}

TEST(Cli, ToeplitzRejectsBadArguments) {
  test::TempDir dir;
  write_bytes(dir / "s.bin", std::vector<std::uint8_t>(4, 0x55));
  write_bytes(dir / "x.bin", std::vector<std::uint8_t>(3, 0x0f));
  const std::string files =
      " --seed-file " + (dir / "s.bin").string() + " --input " + (dir / "x.bin").string();
  const std::string out = " -o " + (dir / "y.bin").string();
  expect_failure("toeplitz" + files + " --bits 20 --out-bits 14" + out,
                 "holds 32 bits but the seed must have N + M - 1 = 33");
  expect_failure("toeplitz" + files + " --bits 25 --out-bits 2" + out,
                 "holds 24 bits (3 bytes) but 25 bits are needed");
  expect_failure("toeplitz" + files + " --bits 20 --out-bits 21" + out,
                 "--out-bits: 21 must lie in [1, 20]");
  expect_failure("toeplitz" + files + " --bits 20 --out-bits 0" + out,
                 "--out-bits: 0 must lie in [1, 20]");
  expect_failure("toeplitz" + files + " --bits 0 --out-bits 1" + out, "at least one bit");
  expect_failure("toeplitz" + files + " --bits 2^29 --out-bits 1" + out, "2^28");
  expect_failure("toeplitz" + files + " --bits x --out-bits 1" + out,
                 "--bits: 'x' is not a bit count");
  expect_failure("toeplitz" + files + " --bits 20 --out-bits 4 --kernel fast" + out,
                 "--kernel: 'fast' is not one of auto, naive, clmul, ntt, fft");
  expect_failure("toeplitz --seed-file " + (dir / "none.bin").string() + " --input " +
                     (dir / "x.bin").string() + " --out-bits 4" + out,
                 "none.bin: no such file");
  expect_failure("toeplitz --seed-file " + (dir / "s.bin").string() + " --input " +
                     (dir / "none.bin").string() + " --out-bits 4" + out,
                 "none.bin: no such file");
  expect_failure(
      "toeplitz" + files + " --bits 20 --out-bits 4 -o " + (dir / "no" / "y.bin").string(),
      "cannot create");
  expect_failure("toeplitz" + files + " --bits 20" + out, "--out-bits is required");
  EXPECT_FALSE(std::filesystem::exists(dir / "y.bin"));
}

TEST(Cli, CodesListsTheBundledFamilyAndShowsAFile) {
  const Result list = run("codes");
  ASSERT_EQ(list.status, 0) << list.output;
  EXPECT_NE(list.output.find("qkdpp-n20-r050.qc"), std::string::npos);
  EXPECT_NE(list.output.find("QBER range"), std::string::npos);
  // Both rules' measured thresholds: 9.38 % (f 1.11) with min-sum, 10.00 % (f 1.07) with
  // box-plus on the rate-0.50 2^16-bit code.
  EXPECT_NE(list.output.find("9.38 (1.11)    10.00 (1.07)"), std::string::npos) << list.output;
  // And the range the rate-adapted code serves: 8.14 % fully punctured (ring shortening table) to
  // 11.70 % fully shortened (random shortening table) for the rate-0.50 2^20-bit code.
  EXPECT_NE(list.output.find("10.20 (1.05)    8.14-11.70"), std::string::npos) << list.output;
  const Result show =
      run("codes --show " + std::string(QKDPP_SOURCE_DIR) + "/datasets/codes/qkdpp-n16-r070.qc");
  ASSERT_EQ(show.status, 0) << show.output;
  for (const char* field : {"N (bits)    65536", "Z           512", "girth       ",
                            "column degrees", "Shannon limit",
                            "Gallager    no decoder above QBER",
                            "at the measured box-plus threshold"}) {
    EXPECT_NE(show.output.find(field), std::string::npos) << field << "\n" << show.output;
  }
}

TEST(Cli, CodesShowFailsWithTheLoaderMessage) {
  test::TempDir dir;
  write_bytes(dir / "bad.alist", {'7', ' ', '3', '\n', '3', ' ', 'x', '\n'});
  expect_failure("codes --show " + (dir / "bad.alist").string(), "bad.alist:");
  expect_failure("codes --show " + (dir / "none.qc").string(), "none.qc: no such file");
  expect_failure("codes --dir " + (dir / "nodir").string(), "no such code directory");
}

TEST(Cli, CodegenWritesALoadableDeterministicCode) {
  test::TempDir dir;
  const std::string args = " --rate 0.8 --base-cols 32 --z 64 --seed 3 --girth -o ";
  ASSERT_EQ(run("codegen" + args + (dir / "a.qc").string()).status, 0);
  ASSERT_EQ(run("codegen" + args + (dir / "b.qc").string()).status, 0);
  EXPECT_EQ(read_all(dir / "a.qc"), read_all(dir / "b.qc"));
  const Result show = run("codes --show " + (dir / "a.qc").string());
  EXPECT_NE(show.output.find("N (bits)    2048"), std::string::npos) << show.output;
  expect_failure("codegen --rate 0.5 --z 100 -o " + (dir / "c.qc").string(), "multiple of 32");
  expect_failure("codegen --rate 0.5 --bits 1000 -o " + (dir / "c.qc").string(),
                 "not base_cols (128) times a multiple of 32");
  expect_failure("codegen --rate 1.5 -o " + (dir / "c.qc").string(), "rate must lie in");
}

TEST(Cli, FerPrintsOneRowPerQberAndJson) {
  test::TempDir dir;
  ASSERT_EQ(run("codegen --rate 0.5 --base-cols 32 --z 64 -o " + (dir / "c.qc").string()).status,
            0);
  const Result r = run("fer --code " + (dir / "c.qc").string() +
                       " --qber 0.02:0.01:0.04 --frames 4 --max-iter 40");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* q : {"0.0200", "0.0300", "0.0400"})
    EXPECT_NE(r.output.find(q), std::string::npos) << r.output;
  for (const char* decoder : {"bp", "ms --precision 8", "ms --precision 16"}) {
    const Result j = run("fer --json --code " + (dir / "c.qc").string() +
                         " --qber 0.03 --frames 2 --max-iter 40 --decoder " + decoder);
    ASSERT_EQ(j.status, 0) << j.output;
    const auto doc = nlohmann::json::parse(j.output);
    EXPECT_EQ(doc["points"][0]["frames"], 2) << decoder;
    EXPECT_EQ(doc["points"][0]["frame_errors"], 0)
        << decoder << ": QBER 3 % is far below threshold";
    EXPECT_GT(doc["points"][0]["efficiency"].get<double>(), 1.0);
    EXPECT_TRUE(doc.contains("simd"));
  }
}

// Rate-adapted frames in the protocol's layout: the counts and the adapted code's f follow
// SPEC section 3 from the code's own numbers, whichever bits are shortened.
TEST(Cli, FerPuncturedUsesTheProtocolLayout) {
  for (const char* shorten : {"ring", "random"}) {
    const Result r = run("fer --json --code qkdpp-n16-r078 --punctured 0.5 --shorten " +
                         std::string(shorten) + " --qber 0.02 --frames 2 --max-iter 40");
    ASSERT_EQ(r.status, 0) << r.output;
    const auto doc = nlohmann::json::parse(r.output);
    const double n = doc["n"].get<double>(), m = doc["m"].get<double>();
    const double d = std::floor(0.1 * n);
    const double p = doc["punctured_bits"].get<double>(), t = doc["shortened_bits"].get<double>();
    EXPECT_EQ(doc["modulated_bits"].get<double>(), d);
    EXPECT_EQ(p + t, d) << shorten;
    EXPECT_GT(p, 0.0);
    EXPECT_DOUBLE_EQ(doc["effective_rate"].get<double>(), (n - m - t) / (n - p - t));
    const double h = -(0.02 * std::log2(0.02) + 0.98 * std::log2(0.98));
    EXPECT_NEAR(doc["points"][0]["efficiency"].get<double>(), (m - p) / ((n - p - t) * h), 1e-9);
    EXPECT_EQ(doc["points"][0]["frame_errors"], 0) << shorten << ": 2 % is far below threshold";
  }
  expect_failure("fer --code qkdpp-n16-r078 --punctured 1.5", "--punctured must lie in [0, 1]");
  expect_failure("fer --code qkdpp-n16-r078 --punctured 0.5 --shorten odd",
                 "--shorten: 'odd' is not ring or random");
  expect_failure("fer --code qkdpp-n16-r078 --modulated 0.05", "need --punctured");
  expect_failure("fer --code qkdpp-n16-r078 --punctured 0.5 --modulated 0.7",
                 "--modulated must lie in (0, 0.5)");
}

TEST(Cli, FerRejectsBadArguments) {
  expect_failure("fer --code qkdpp-n16-r050 --qber 0.6", "--qber: '0.6' is not a QBER in (0, 0.5)");
  expect_failure("fer --code qkdpp-n16-r050 --qber 0.1:0:0.2", "step '0' must be positive");
  expect_failure("fer --code qkdpp-n16-r050 --qber 0.2:0.01:0.1", "START is above STOP");
  expect_failure("fer --code qkdpp-n16-r050 --decoder spa", "--decoder: decoder 'spa' is unknown");
  expect_failure("fer --code qkdpp-n16-r050 --precision 12", "--precision: '12' is not 8 or 16");
  expect_failure("fer --code qkdpp-n16-r050 --variant lambda",
                 "'lambda' is not normalized, offset");
  expect_failure("fer --code qkdpp-n16-r050 --variant scaled --factor 1.5",
                 "--factor must be in (0, 1)");
  expect_failure("fer --code qkdpp-n16-r050 --shift 9", "--shift must be in [1, 7]");
  expect_failure("fer --code qkdpp-n16-r050 --scale 0", "--scale must be in (0, 1000]");
  expect_failure("fer --code no-such-code", "neither a file nor a bundled code");
  expect_failure("fer --code qkdpp-n16-r050 --merges 3", "--merges needs --rate-adaption");
  expect_failure("fer --code qkdpp-n16-r050 --frames 0", "must be positive");
  expect_failure("fer --code qkdpp-n16-r050 --degree-offsets 4,x,6",
                 "--degree-offsets: 'x' is not an offset in [0, 16384]");
  expect_failure("fer --code qkdpp-n16-r050 --degree-offsets 4,-1",
                 "--degree-offsets: '-1' is not an offset");
  expect_failure("fer --code qkdpp-n16-r050 --variant scaled --degree-offsets 4",
                 "--degree-offsets applies to the offset variant only");
  expect_failure("fer --code qkdpp-n16-r050 --variant offset --correction 0.5",
                 "--correction applies to the boxplus variant only");
  expect_failure("fer --code qkdpp-n16-r050 --variant boxplus --correction 5",
                 "--correction must be in [0, 4]");
}

TEST(Cli, FerBoxPlusDecodesWhereMinSumFails) {
  // 9.66 % on the rate-0.50 2^16-bit code: above the 8-bit min-sum decoder's threshold (9.38 %,
  // FER about 0.9 there) and below the box-plus rule's (10.0 %, no failure in 200 frames).
  const auto errors = [](const std::string& variant) {
    return run_json(
               "fer --code qkdpp-n16-r050 --qber 0.0966 --frames 10 --precision 8 "
               "--max-iter 100 --seed 4 --json --variant " +
               variant)["points"][0]["frame_errors"]
        .get<int>();
  };
  EXPECT_GE(errors("offset"), 6);
  EXPECT_LE(errors("boxplus"), 1);
}

TEST(Cli, DistillWithTheBoxPlusRuleLeaksLess) {
  // Same keys (seed) through both rules: each chooses codes by its own measured thresholds
  // (thresholds.txt, thresholds-boxplus.txt), and box-plus, decoding closer to capacity, leaks
  // less while every block still verifies.
  const auto summary = [](const std::string& rule) {
    return run_json(
        "distill --family 16 --qber 0.05 --blocks 6 --initial-qber 0.05 --seed 2 --json --rule " +
        rule)["summary"];
  };
  const auto min_sum = summary("min-sum"), boxplus = summary("boxplus");
  // The report names the SIMD level the decoders ran at, which QKDPP_SIMD lowers.
  const std::string level = boxplus["simd"].get<std::string>();
  EXPECT_TRUE(level == "scalar" || level == "sse4.1" || level == "avx2" || level == "avx512")
      << level;
  ASSERT_EQ(setenv("QKDPP_SIMD", "scalar", 1), 0);
  EXPECT_EQ(summary("boxplus")["simd"], "scalar");
  ASSERT_EQ(unsetenv("QKDPP_SIMD"), 0);
  EXPECT_EQ(min_sum["rule"], "min-sum");
  EXPECT_EQ(boxplus["rule"], "boxplus");
  EXPECT_EQ(min_sum["accepted"], 6);
  EXPECT_EQ(boxplus["accepted"], 6);
  EXPECT_GE(boxplus["efficiency"].get<double>(), 1.0);
  EXPECT_LT(boxplus["efficiency"].get<double>(), min_sum["efficiency"].get<double>() - 0.02);
  expect_failure("distill --family 16 --blocks 1 --rule fast", "check rule 'fast' is unknown");
}

TEST(Cli, DistillShorteningChoosesTheFrameLayouts) {
  // At 3 % on 2^16 bits the measured thresholds favour random shortening (docs/protocol.md
  // "Shortening layout per block"); --shortening ring keeps every block on the ring layout.
  const auto blocks = [](const std::string& shortening) {
    return run_json(
        "distill --family 16 --qber 0.03 --blocks 4 --initial-qber 0.03 --seed 2 --json "
        "--shortening " +
        shortening)["blocks"];
  };
  for (const std::string shortening : {"auto", "ring"}) {
    const auto b = blocks(shortening);
    ASSERT_EQ(b.size(), 4u);
    for (const auto& block : b) {
      EXPECT_EQ(block["status_text"], "accepted") << shortening;
      EXPECT_EQ(block["shortening"], shortening == "ring" ? "ring" : "random") << shortening;
    }
  }
  expect_failure("distill --family 16 --blocks 1 --shortening odd",
                 "--shortening: 'odd' is not auto or ring");
}

TEST(Cli, DistillFirstBlockSamplesItsQber) {
  // The first block discloses a start-up sample (1944 bits by default for 2^16-bit blocks) and
  // starts from its bound; --startup-sample sets the size, 0 or --initial-qber assume a QBER.
  const auto blocks = [](const std::string& extra) {
    return run_json("distill --family 16 --qber 0.03 --blocks 2 --seed 2 --json " +
                    extra)["blocks"];
  };
  const auto sampled = blocks("");
  const auto summary =
      run_json("distill --family 16 --qber 0.03 --blocks 2 --seed 2 --json")["summary"];
  EXPECT_EQ(summary["sampled_blocks"], 1);
  EXPECT_EQ(summary["sample_bits"], 1944);
  EXPECT_EQ(sampled[0]["sample_bits"], 1944);
  EXPECT_EQ(sampled[1]["sample_bits"], 0);
  EXPECT_LT(sampled[0]["qber_estimate"].get<double>(), 0.05);
  EXPECT_EQ(sampled[0]["status_text"], "accepted");
  EXPECT_EQ(blocks("--startup-sample 4000")[0]["sample_bits"], 4000);
  const auto assumed = blocks("--startup-sample 0");
  EXPECT_EQ(assumed[0]["sample_bits"], 0);
  EXPECT_DOUBLE_EQ(assumed[0]["qber_estimate"].get<double>(), 0.11);
  const auto given = blocks("--initial-qber 0.04");
  EXPECT_EQ(given[0]["sample_bits"], 0);
  EXPECT_DOUBLE_EQ(given[0]["qber_estimate"].get<double>(), 0.04);
  expect_failure("distill --family 16 --blocks 1 --initial-qber 0.04 --startup-sample 100",
                 "--initial-qber replaces the start-up sample");
  expect_failure("distill --family 16 --blocks 1 --startup-sample 20000", "more than a quarter");
}

TEST(Cli, FerDegreeOffsetsChangeTheDecoder) {
  // Equal offsets reproduce the offset rule's decoding; a very large one for every degree
  // silences every check message, so no frame with errors decodes.
  const auto json = [](const std::string& extra) {
    return run_json(
        "fer --code qkdpp-n16-r050 --qber 0.05 --frames 4 --precision 8 "
        "--variant offset --offset 4 --seed 5 --json " +
        extra);
  };
  const auto plain = json(""), equal = json("--degree-offsets 4"),
             silent = json("--degree-offsets 127");
  EXPECT_EQ(plain["points"][0]["frame_errors"], 0);
  EXPECT_EQ(equal["points"][0]["mean_iterations"], plain["points"][0]["mean_iterations"]);
  EXPECT_EQ(equal["points"][0]["frame_errors"], 0);
  EXPECT_EQ(silent["points"][0]["frame_errors"], 4);
}

TEST(Cli, RunDistillsASimulatedFileWithAQberJump) {
  test::TempDir dir;
  const std::string raw = (dir / "raw.h5").string(), keys = (dir / "keys.h5").string(),
                    report = (dir / "report.json").string();
  // 16 blocks of the 2^16-bit family; the QBER jumps from 1.5 % to 5 % halfway.
  ASSERT_EQ(run("simulate --bits 943728 --qber 0.015,0.05@0.5 --seed 3 -q -o " + raw).status, 0);
  const Result r = run("run --code qkdpp-n16 --input " + raw + " -o " + keys +
                       " --audit --seed 9 --json " + report);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("blocks 16"), std::string::npos) << r.output;
  const auto doc = nlohmann::json::parse(read_all(dir / "report.json"));
  EXPECT_EQ(doc["blocks"], 16);
  EXPECT_GT(doc["final_bits"].get<std::uint64_t>(), 0u);
  EXPECT_LT(doc["accepted"].get<int>(), 16) << "the jump must abort at least one block";
  EXPECT_GE(doc["efficiency"].get<double>(), 1.0);
  EXPECT_TRUE(doc["stages"].contains("decode"));
  EXPECT_TRUE(std::filesystem::exists(dir / "keys.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir / "keys.h5.partial"));

  expect_failure("run --input " + (dir / "missing.h5").string() + " -o " + keys, "missing.h5");
  expect_failure("run --code qkdpp-n18 --input " + raw + " -o " + keys, "--code: 'qkdpp-n18'");
  expect_failure("run --code qkdpp-n16 --input " + raw + " -o " + keys + " --round-iter 0",
                 "--round-iter must be positive");
  expect_one_line_failure(
      "run --code qkdpp-n16 --input " + raw + " -o " + (dir / "no-dir" / "k.h5").string(),
      "cannot create output file");
  expect_failure("run --code qkdpp-n16 --input " + raw + " -o " + keys + " --security bb84",
                 "security model 'bb84' is unknown");
  expect_failure("run --code qkdpp-n16 --input " + raw + " -o " + keys + " --security decoy-bb84",
                 "decoy-bb84: the vacuum and single-photon fractions must be given");
  expect_failure(
      "run --code qkdpp-n16 --input " + raw + " -o " + keys + " --security fixed-phase-error",
      "the phase-error bound must be given");
}

TEST(Cli, RunOptimismSpendsLeakOnEveryBlock) {
  // --optimism moves Alice's first round above the measured median thresholds: more leak per
  // block (and fewer decoder iterations, docs/pipeline.md), every block still verified.
  test::TempDir dir;
  const std::string raw = (dir / "raw.h5").string(), keys = (dir / "keys.h5").string();
  ASSERT_EQ(run("simulate --bits 707796 --qber 0.03 --seed 4 -q -o " + raw).status, 0);
  const auto report = [&](const std::string& optimism) {
    const std::string json = (dir / ("report" + optimism + ".json")).string();
    const Result r = run("run --code qkdpp-n16 --input " + raw + " -o " + keys +
                         " --seed 9 --optimism " + optimism + " --json " + json);
    EXPECT_EQ(r.status, 0) << r.output;
    return nlohmann::json::parse(read_all(json));
  };
  const auto base = report("0"), cautious = report("0.1");
  EXPECT_DOUBLE_EQ(cautious["reconciliation"]["optimism"].get<double>(), 0.1);
  EXPECT_EQ(cautious["reconciliation"]["startup_sample"], 1944);
  EXPECT_EQ(cautious["reconciliation"]["rule"], "boxplus");
  EXPECT_EQ(cautious["reconciliation"]["reserve"], 8);
  const std::string small = (dir / "small.json").string();
  ASSERT_EQ(run("run --code qkdpp-n16 --input " + raw + " -o " + keys + " --seed 9 --reserve 2" +
                " --json " + small)
                .status,
            0);
  EXPECT_EQ(nlohmann::json::parse(read_all(small))["reconciliation"]["reserve"], 2);
  EXPECT_EQ(cautious["reconciliation"]["steady_reserve"], 2);
  EXPECT_EQ(cautious["simd"], base["simd"]);
  EXPECT_TRUE(cautious["simd"].is_string());
  EXPECT_EQ(base["accepted"], 12);
  EXPECT_EQ(cautious["accepted"], 12);
  EXPECT_GT(cautious["efficiency"].get<double>(), base["efficiency"].get<double>() + 0.04);
  EXPECT_LT(cautious["final_bits"].get<std::uint64_t>(), base["final_bits"].get<std::uint64_t>());
  expect_failure("run --code qkdpp-n16 --input " + raw + " -o " + keys + " --optimism 1.5",
                 "--optimism must be in (-1, 1]");
}

// Starts `qkdpp args...` in the background (output to /dev/null); returns its pid.
pid_t spawn(const std::vector<std::string>& args) {
  std::vector<std::string> argv_s{QKDPP_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, QKDPP_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

TEST(Cli, RunKilledMidwayAndResumedEqualsAnUninterruptedRun) {
  test::TempDir dir;
  const std::string raw = (dir / "raw.h5").string(), full = (dir / "full.h5").string(),
                    part = (dir / "part.h5").string();
  // 150 blocks of the 2^16-bit family with a QBER jump, so aborts and the estimator's state
  // matter across the interruption.
  ASSERT_EQ(run("simulate --bits 8847450 --qber 0.015,0.05@0.4 --seed 5 -q -o " + raw).status, 0);
  const std::string common = "run --code qkdpp-n16 --input " + raw + " --audit -q --seed ";
  ASSERT_EQ(run(common + "11 -o " + full).status, 0);

  // Kill -9 once the journal holds a few blocks.
  const pid_t pid = spawn(
      {"run", "--code", "qkdpp-n16", "--input", raw, "--audit", "--seed", "11", "-q", "-o", part});
  ASSERT_GT(pid, 0);
  const auto journal = engine::io::journal_path(part);
  for (int i = 0; i < 60000; ++i) {
    std::uint64_t blocks = 0;
    try {
      if (std::filesystem::exists(journal))
        blocks = engine::io::read_key_journal(journal, "", {}).blocks;
    } catch (const std::exception&) {  // header not written yet
    }
    if (blocks >= 3) break;
    usleep(1000);
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be interrupted";
  EXPECT_FALSE(std::filesystem::exists(part)) << "an interrupted run must not look complete";
  // Also tear the last record, as a kill during its write would.
  const auto size = std::filesystem::file_size(journal);
  std::filesystem::resize_file(journal, size - 10);

  const Result resumed =
      run(common + "11 -o " + part + " --resume --json " + (dir / "report.json").string());
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  const auto report = nlohmann::json::parse(read_all(dir / "report.json"));
  EXPECT_GE(report["resumed_blocks"].get<int>(), 2);  // >= 3 written, the torn one redone
  EXPECT_LT(report["resumed_blocks"].get<int>(), 150);
  EXPECT_EQ(report["blocks"].get<int>(), 150);
  EXPECT_FALSE(std::filesystem::exists(journal));
  EXPECT_FALSE(std::filesystem::exists(part + ".partial"));

  const auto a = engine::io::read_key_file(full), b = engine::io::read_key_file(part);
  ASSERT_EQ(a.blocks.size(), 150u);
  EXPECT_EQ(a.blocks, b.blocks);
  EXPECT_EQ(a.final_key, b.final_key);
  ASSERT_TRUE(a.audit_seeds && b.audit_seeds);
  EXPECT_EQ(*a.audit_seeds, *b.audit_seeds);
  EXPECT_LT(
      std::count_if(a.blocks.begin(), a.blocks.end(), [](const auto& r) { return r.status == 0; }),
      150);

  // A complete output is not resumed; a journal from other parameters is refused by name.
  expect_failure(common + "11 -o " + part + " --resume", "is complete");
  const pid_t again = spawn({"run", "--code", "qkdpp-n16", "--input", raw, "--audit", "--seed",
                             "11", "-q", "-o", (dir / "other.h5").string()});
  ASSERT_GT(again, 0);
  const auto other_journal = engine::io::journal_path((dir / "other.h5").string());
  for (int i = 0; i < 60000; ++i) {
    try {
      engine::io::read_key_journal(other_journal, "", {});
      break;
    } catch (const std::exception&) {  // not written yet
    }
    usleep(1000);
  }
  kill(again, SIGKILL);
  waitpid(again, &status, 0);
  expect_failure(common + "12 -o " + (dir / "other.h5").string() + " --resume", "seed (11 vs 12)");
}

// A port for a child process to listen on. It is bound and released here, so another process
// could take it before the child binds it: ports come from below Linux's ephemeral range
// (32768-60999), where no outgoing connection of a test running in parallel lands, drawn at
// random per process and never handed out twice by one.
std::uint16_t free_port() {
  static std::mt19937 rng(static_cast<std::uint32_t>(getpid()) * 2654435761u ^
                          static_cast<std::uint32_t>(time(nullptr)));
  static std::set<std::uint16_t> issued;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const auto port = static_cast<std::uint16_t>(20000 + rng() % 12000);
    if (!issued.insert(port).second) continue;
    try {
      engine::net::Listener l(engine::net::Endpoint::parse("127.0.0.1:" + std::to_string(port)));
      return port;
    } catch (const std::exception&) {  // in use: draw again
    }
  }
  ADD_FAILURE() << "no free port in 20000-31999";
  return 0;
}

// `qkdpp run` as Alice of a two-machine run on the 2^16-bit family (audit, --seed 9, 30 s
// timeout), listening on 127.0.0.1:port, plus `extra` options.
pid_t spawn_alice(const std::string& input, const std::string& output, std::uint16_t port,
                  std::vector<std::string> extra = {}) {
  std::vector<std::string> args{
      "run",       "--code", "qkdpp-n16", "--input",  input,
      "--audit",   "-q",     "--seed",    "9",        "-o",
      output,      "--role", "alice",     "--listen", "127.0.0.1:" + std::to_string(port),
      "--timeout", "30"};
  if (std::find(extra.begin(), extra.end(), "--timeout") != extra.end()) {
    args.resize(args.size() - 2);  // the caller's timeout instead
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return spawn(args);
}

int wait_status(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void write_pool(const std::filesystem::path& path, std::size_t bytes, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string data(bytes, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  std::ofstream(path, std::ios::binary) << data;
}

// The two sides of a run with aborted blocks: the same keys and statuses; records of accepted
// blocks agree field by field (an aborted block's diagnostics may differ: Alice counts the
// syndrome she sent in its leak, Bob may never have accepted it).
void expect_same_outcome(const engine::io::KeyFileContents& a,
                         const engine::io::KeyFileContents& b) {
  EXPECT_EQ(a.final_key, b.final_key);
  ASSERT_TRUE(a.audit_seeds && b.audit_seeds);
  EXPECT_EQ(*a.audit_seeds, *b.audit_seeds);
  ASSERT_EQ(a.blocks.size(), b.blocks.size());
  for (std::size_t i = 0; i < a.blocks.size(); ++i) {
    EXPECT_EQ(a.blocks[i].status, b.blocks[i].status) << i;
    if (a.blocks[i].status == 0) {
      EXPECT_EQ(a.blocks[i], b.blocks[i]) << i;
    }
  }
}

void expect_same_keys(const engine::io::KeyFileContents& a, const engine::io::KeyFileContents& b) {
  EXPECT_EQ(a.blocks, b.blocks);
  EXPECT_EQ(a.final_key, b.final_key);
  ASSERT_TRUE(a.audit_seeds && b.audit_seeds);
  EXPECT_EQ(*a.audit_seeds, *b.audit_seeds);
}

TEST(Cli, AliceAndBobOverAuthenticatedTcpEqualABatchRun) {
  test::TempDir dir;
  const std::string raw = (dir / "raw.h5").string();
  ASSERT_EQ(run("simulate --bits 1769490 --qber 0.015,0.05@0.5 --seed 3 -q -o " + raw).status, 0);
  const std::string common = "run --code qkdpp-n16 --input " + raw + " --audit -q --seed 9 ";
  ASSERT_EQ(run(common + "-o " + (dir / "batch.h5").string()).status, 0);
  write_pool(dir / "pool-a.bin", 1 << 16, 1);
  std::filesystem::copy_file(dir / "pool-a.bin", dir / "pool-b.bin");
  const std::string port = std::to_string(free_port());
  const pid_t alice =
      spawn_alice(raw, (dir / "alice.h5").string(), static_cast<std::uint16_t>(std::stoi(port)),
                  {"--auth-key", (dir / "pool-a.bin").string(), "--auth-refill-every", "0"});
  ASSERT_GT(alice, 0);
  const Result bob = run("run --code qkdpp-n16 --input " + raw + " --audit -q -o " +
                         (dir / "bob.h5").string() + " --role bob --connect 127.0.0.1:" + port +
                         " --auth-key " + (dir / "pool-b.bin").string() + " --timeout 30 --json " +
                         (dir / "bob.json").string() + " --auth-refill-every 0");
  ASSERT_EQ(bob.status, 0) << bob.output;
  ASSERT_EQ(wait_status(alice), 0);
  const auto batch = engine::io::read_key_file(dir / "batch.h5");
  expect_same_keys(batch, engine::io::read_key_file(dir / "alice.h5"));
  expect_same_keys(batch, engine::io::read_key_file(dir / "bob.h5"));
  const auto report = nlohmann::json::parse(read_all(dir / "bob.json"));
  EXPECT_TRUE(report["link"]["authenticated"].get<bool>());
  EXPECT_EQ(report["link"]["rejected_frames"].get<int>(), 0);
  const auto used = report["link"]["auth_key_bytes"].get<std::uint64_t>();
  EXPECT_GT(used, 32u * 30);  // at least a pad per block and direction
  // The pool's use is recorded (reserved ahead) on both sides, so a next run starts after it.
  for (const char* f : {"pool-a.bin.used", "pool-b.bin.used"}) {
    std::uint64_t reserved = 0;
    std::ifstream(dir / f) >> reserved;
    EXPECT_GE(reserved, used) << f;
  }

  // Again with the pool replenished from every 8th block (the default for 2^16 bits): those
  // blocks give their key to both pools (status 7), everything else equals the batch run.
  const std::string port3 = std::to_string(free_port());
  const pid_t alice3 =
      spawn_alice(raw, (dir / "alice3.h5").string(), static_cast<std::uint16_t>(std::stoi(port3)),
                  {"--auth-key", (dir / "pool-a.bin").string()});
  const Result bob3 = run("run --code qkdpp-n16 --input " + raw + " --audit -q -o " +
                          (dir / "bob3.h5").string() + " --role bob --connect 127.0.0.1:" + port3 +
                          " --auth-key " + (dir / "pool-b.bin").string() + " --timeout 30");
  ASSERT_EQ(bob3.status, 0) << bob3.output;
  ASSERT_EQ(wait_status(alice3), 0);
  const auto a3 = engine::io::read_key_file(dir / "alice3.h5");
  expect_same_keys(a3, engine::io::read_key_file(dir / "bob3.h5"));
  std::uint64_t refill = 0, diverted = 0;
  ASSERT_EQ(a3.blocks.size(), batch.blocks.size());
  for (std::size_t i = 0; i < a3.blocks.size(); ++i) {
    auto expected = batch.blocks[i];
    if (i % 8 == 7 && expected.status == 0) {
      refill += expected.final_bits / 8;
      ++diverted;
      expected.status = 7;
      expected.final_bits = 0;
    }
    expected.final_offset = a3.blocks[i].final_offset;  // shifted by the diverted keys
    EXPECT_EQ(a3.blocks[i], expected) << i;
  }
  EXPECT_GE(diverted, 2u);
  EXPECT_EQ(read_all(dir / "pool-a.bin"), read_all(dir / "pool-b.bin"));
  EXPECT_EQ(std::filesystem::file_size(dir / "pool-a.bin"), (1u << 16) + refill);

  // Bad pairings fail at the handshake with a message that names the problem.
  const std::string port2 = std::to_string(free_port());
  const pid_t lonely = spawn({"run", "--code", "qkdpp-n16", "--input", raw, "-q", "-o",
                              (dir / "a2.h5").string(), "--role", "alice", "--listen",
                              "127.0.0.1:" + port2, "--abort-qber", "0.1", "--timeout", "30"});
  expect_failure("run --code qkdpp-n16 --input " + raw + " -q -o " + (dir / "b2.h5").string() +
                     " --role bob --connect 127.0.0.1:" + port2 + " --timeout 30",
                 "abort_qber");
  EXPECT_NE(wait_status(lonely), 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "a2.h5"));
  expect_failure("run --code qkdpp-n16 --input " + raw + " --role carol --listen :1", "--role");
  expect_failure("run --code qkdpp-n16 --input " + raw + " --role bob", "needs --connect");
  expect_failure("run --code qkdpp-n16 --input " + raw + " --role bob --connect 127.0.0.1:" +
                     std::to_string(free_port()) + " --timeout 0.3",
                 "cannot connect");
}

// Forwards TCP connections from its port to `to`, one at a time, up to `connections` of them. On
// the first connection it can flip one bit of the byte at `flip_at` of the server-to-client
// stream, or cut the connection once `cut_after` bytes of that stream have passed.
class Proxy {
 public:
  static constexpr std::uint64_t kNever = UINT64_MAX;
  Proxy(std::uint16_t to, int connections, std::uint64_t flip_at, std::uint64_t cut_after,
        bool flip_upstream = false)
      : listener_(engine::net::Endpoint::parse("127.0.0.1:0")),
        to_(to),
        flip_at_(flip_at),
        cut_after_(cut_after),
        flip_upstream_(flip_upstream) {
    thread_ = std::thread([this, connections] {
      for (int i = 0; i < connections; ++i) serve(i == 0);
    });
  }
  ~Proxy() {
    stop_ = true;
    thread_.join();
  }
  std::uint16_t port() const { return listener_.bound_port(); }

 private:
  void serve(bool first) {
    try {
      // Accept in slices so that a connection that never comes does not hold up the destructor.
      engine::net::Socket client;
      for (int i = 0; i < 300 && !client.valid() && !stop_; ++i) {
        try {
          client = listener_.accept(std::chrono::milliseconds(100));
        } catch (const std::exception&) {
        }
      }
      if (!client.valid()) return;
      engine::net::Socket server =
          engine::net::connect_to(engine::net::Endpoint::parse("127.0.0.1:" + std::to_string(to_)),
                                  std::chrono::seconds(30));
      std::thread up([&] { pump(client, server, false, first); });
      pump(server, client, true, first);
      up.join();
    } catch (const std::exception&) {
    }
  }
  void pump(engine::net::Socket& from, engine::net::Socket& to, bool down, bool first) {
    std::array<char, 4096> buf;
    std::uint64_t offset = 0;
    for (;;) {
      const ssize_t n = ::read(from.fd(), buf.data(), buf.size());
      if (n <= 0) break;
      if (down != flip_upstream_ && first && flip_at_ >= offset &&
          flip_at_ < offset + static_cast<std::uint64_t>(n)) {
        buf[flip_at_ - offset] ^= 0x04;
      }
      offset += static_cast<std::uint64_t>(n);
      if (::send(to.fd(), buf.data(), static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
      if (down && first && offset >= cut_after_) {  // drop the connection both ways
        ::shutdown(from.fd(), SHUT_RDWR);
        ::shutdown(to.fd(), SHUT_RDWR);
        return;
      }
    }
    ::shutdown(to.fd(), SHUT_WR);
  }
  engine::net::Listener listener_;
  std::uint16_t to_;
  std::uint64_t flip_at_, cut_after_;
  bool flip_upstream_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(Cli, ATamperedMessageEndsItsBlockOnBothSidesAndNothingElse) {
  test::TempDir dir;
  const std::string raw = (dir / "raw.h5").string();
  ASSERT_EQ(run("simulate --bits 589830 --qber 0.02 --seed 4 -q -o " + raw).status, 0);
  write_pool(dir / "pool-a.bin", 1 << 16, 2);
  std::filesystem::copy_file(dir / "pool-a.bin", dir / "pool-b.bin");
  const std::uint16_t alice_port = free_port();
  const pid_t alice = spawn_alice(raw, (dir / "alice.h5").string(), alice_port,
                                  {"--auth-key", (dir / "pool-a.bin").string()});
  ASSERT_GT(alice, 0);
  // Byte 2000 of Alice's stream lies in the first syndrome frame (after the ~0.5 kB handshake;
  // the first blocks' syndromes of the rate-0.44 code are 4.6 kB): its payload, not its header.
  Result bob;
  {
    Proxy proxy(alice_port, 1, 2000, Proxy::kNever);
    bob =
        run("run --code qkdpp-n16 --input " + raw + " --audit -q -o " + (dir / "bob.h5").string() +
            " --role bob --connect 127.0.0.1:" + std::to_string(proxy.port()) + " --auth-key " +
            (dir / "pool-b.bin").string() + " --timeout 30 --json " + (dir / "bob.json").string());
  }
  ASSERT_EQ(bob.status, 0) << bob.output;
  ASSERT_EQ(wait_status(alice), 0);
  const auto report = nlohmann::json::parse(read_all(dir / "bob.json"));
  EXPECT_EQ(report["link"]["rejected_frames"].get<int>(), 1);
  const auto a = engine::io::read_key_file(dir / "alice.h5");
  const auto b = engine::io::read_key_file(dir / "bob.h5");
  ASSERT_EQ(a.blocks.size(), 10u);
  expect_same_outcome(a, b);
  const auto bad =
      std::count_if(a.blocks.begin(), a.blocks.end(), [](const auto& r) { return r.status == 5; });
  EXPECT_EQ(bad, 1) << "exactly the tampered block ends with a protocol error";
  EXPECT_GE(
      std::count_if(a.blocks.begin(), a.blocks.end(), [](const auto& r) { return r.status == 0; }),
      8);
}

TEST(Cli, TamperingWithBobsRepliesNeverLeavesTheSidesWithDifferentKeys) {
  test::TempDir dir;
  const std::string raw = (dir / "raw.h5").string();
  ASSERT_EQ(run("simulate --bits 589830 --qber 0.02 --seed 4 -q -o " + raw).status, 0);
  // Bob's replies are small (decode and verify outcomes, block confirmations): flip bits at
  // several offsets, each in a fresh run, so that different reply types are hit. One of them
  // alters a frame's block field: its real block then ends by timeout (5 s here), which drops the
  // connection and the resumption settles the blocks in flight.
  for (std::uint64_t flip : {700u, 900u, 1100u, 1300u}) {
    SCOPED_TRACE("flip at " + std::to_string(flip));
    std::filesystem::remove_all(dir / "run");
    std::filesystem::create_directories(dir / "run");
    write_pool(dir / "run" / "pool-a.bin", 1 << 16, 7);
    std::filesystem::copy_file(dir / "run" / "pool-a.bin", dir / "run" / "pool-b.bin");
    const std::uint16_t alice_port = free_port();
    const pid_t alice = spawn_alice(raw, (dir / "run" / "alice.h5").string(), alice_port,
                                    {"--auth-key", (dir / "run" / "pool-a.bin").string(),
                                     "--auth-refill-every", "0", "--timeout", "5"});
    ASSERT_GT(alice, 0);
    Result bob;
    {
      Proxy proxy(alice_port, 2, flip, Proxy::kNever, true);
      bob = run("run --code qkdpp-n16 --input " + raw + " --audit -q -o " +
                (dir / "run" / "bob.h5").string() +
                " --role bob --connect 127.0.0.1:" + std::to_string(proxy.port()) + " --auth-key " +
                (dir / "run" / "pool-b.bin").string() + " --timeout 5 --auth-refill-every 0");
      if (bob.status != 0) kill(alice, SIGKILL);
    }
    ASSERT_EQ(bob.status, 0) << bob.output;
    ASSERT_EQ(wait_status(alice), 0);
    const auto a = engine::io::read_key_file(dir / "run" / "alice.h5");
    const auto b = engine::io::read_key_file(dir / "run" / "bob.h5");
    expect_same_outcome(a, b);
    ASSERT_EQ(a.blocks.size(), 10u);
    EXPECT_GE(std::count_if(a.blocks.begin(), a.blocks.end(),
                            [](const auto& r) { return r.status == 5 || r.status == 6; }),
              1)
        << "the tampered reply must end its block";
  }
}

TEST(Cli, AConnectionKilledMidwayIsRestoredWithoutLosingOrDuplicatingABlock) {
  test::TempDir dir;
  const std::string raw = (dir / "raw.h5").string();
  ASSERT_EQ(run("simulate --bits 1769490 --qber 0.02 --seed 6 -q -o " + raw).status, 0);
  ASSERT_EQ(run("run --code qkdpp-n16 --input " + raw + " --audit -q --seed 9 -o " +
                (dir / "batch.h5").string())
                .status,
            0);
  write_pool(dir / "pool-a.bin", 1 << 16, 3);
  std::filesystem::copy_file(dir / "pool-a.bin", dir / "pool-b.bin");
  const std::uint16_t alice_port = free_port();
  const pid_t alice = spawn_alice(
      raw, (dir / "alice.h5").string(), alice_port,
      {"--json", (dir / "alice.json").string(), "--auth-key", (dir / "pool-a.bin").string()});
  ASSERT_GT(alice, 0);
  Result bob;
  {
    // The first connection dies after 100 kB of Alice's traffic (a few blocks in).
    Proxy proxy(alice_port, 2, Proxy::kNever, 100000);
    bob =
        run("run --code qkdpp-n16 --input " + raw + " --audit -q -o " + (dir / "bob.h5").string() +
            " --role bob --connect 127.0.0.1:" + std::to_string(proxy.port()) +
            " --timeout 30 --json " + (dir / "bob.json").string() + " --auth-key " +
            (dir / "pool-b.bin").string());
  }
  ASSERT_EQ(bob.status, 0) << bob.output;
  ASSERT_EQ(wait_status(alice), 0);
  std::uint64_t offsets[2];
  for (int side = 0; side < 2; ++side) {
    const auto r = nlohmann::json::parse(read_all(dir / (side ? "bob.json" : "alice.json")));
    EXPECT_EQ(r["reconnects"].get<int>(), 1) << side;
    offsets[side] = r["link"]["pool_offset"].get<std::uint64_t>();
  }
  // The second connection authenticates with fresh pool bytes, after those reserved by the first.
  EXPECT_EQ(offsets[0], offsets[1]);
  EXPECT_GT(offsets[0], 0u);
  const auto batch = engine::io::read_key_file(dir / "batch.h5");
  const auto a = engine::io::read_key_file(dir / "alice.h5");
  const auto b = engine::io::read_key_file(dir / "bob.h5");
  EXPECT_EQ(a.final_key, b.final_key);
  ASSERT_TRUE(a.audit_seeds && b.audit_seeds);
  EXPECT_EQ(*a.audit_seeds, *b.audit_seeds);
  ASSERT_EQ(a.blocks.size(), 30u);
  ASSERT_EQ(b.blocks.size(), 30u);
  std::size_t interrupted = 0, first_interrupted = 30;
  for (std::size_t i = 0; i < 30; ++i) {
    EXPECT_EQ(a.blocks[i].index, i);  // every block once, in order
    EXPECT_EQ(a.blocks[i], b.blocks[i]) << i;
    if (a.blocks[i].status == 6) {
      ++interrupted;
      first_interrupted = std::min(first_interrupted, i);
      EXPECT_EQ(a.blocks[i].final_bits, 0u);
    }
  }
  EXPECT_GE(interrupted, 1u);
  EXPECT_LE(interrupted, 8u);  // at most the blocks that may have been in flight
  for (std::size_t i = 0; i < first_interrupted; ++i) {
    if (i % 8 == 7) continue;  // replenished the key pool (status 7) instead of the output
    auto expected = batch.blocks[i];
    expected.final_offset = a.blocks[i].final_offset;
    EXPECT_EQ(a.blocks[i], expected) << "block " << i << " before the drop";
  }
  // Both pools grew by the same keys (a block diverted by one side only was cut at the hello).
  EXPECT_EQ(read_all(dir / "pool-a.bin"), read_all(dir / "pool-b.bin"));
  EXPECT_GE(
      std::count_if(a.blocks.begin(), a.blocks.end(), [](const auto& r) { return r.status == 0; }),
      20);
}

// A hardware controller: connects to qkdpp's raw-key port and pushes the given parties' bits in
// chunks of `chunk` bits (the first `bits` of each), parties interleaved, then closes.
std::thread controller(std::uint16_t port, const engine::io::RawKeyReader& raw,
                       std::vector<engine::io::Party> parties, std::uint64_t bits,
                       std::uint64_t chunk) {
  std::vector<std::uint8_t> wire;
  for (std::uint64_t at = 0, seq = 0; at < bits; at += chunk, ++seq) {
    const std::uint64_t len = std::min(chunk, bits - at);
    for (auto p : parties) {
      const auto c =
          engine::io::encode_raw_key_chunk(p, seq, raw.read(p, at, len), at + len == bits);
      wire.insert(wire.end(), c.begin(), c.end());
    }
  }
  return std::thread([port, wire = std::move(wire)] {
    try {
      auto s =
          engine::net::connect_to(engine::net::Endpoint::parse("127.0.0.1:" + std::to_string(port)),
                                  std::chrono::seconds(30));
      s.write_all(wire.data(), wire.size(), std::chrono::seconds(30));
      s.shutdown();
    } catch (const std::exception&) {
    }
  });
}

// A two-machine live run: Alice and Bob as two processes on the 2^16-bit family, each fed by its
// own controller with its first `alice_blocks` / `bob_blocks` blocks of `reader` in chunks of
// `chunk` bits, through a proxy that drops the connection once after `cut_after` bytes of
// Alice's traffic (Proxy::kNever: not). Returns their key files (DIR/TAG-alice.h5, -bob.h5).
std::pair<engine::io::KeyFileContents, engine::io::KeyFileContents> live_pair(
    const test::TempDir& dir, const std::string& tag, const engine::io::RawKeyReader& reader,
    std::uint64_t alice_blocks, std::uint64_t bob_blocks, std::uint64_t chunk,
    std::uint64_t cut_after) {
  using engine::io::Party;
  const std::uint16_t pa = free_port(), pb = free_port(), link = free_port();
  std::thread ca = controller(pa, reader, {Party::kAlice}, alice_blocks * 58983, chunk);
  std::thread cb = controller(pb, reader, {Party::kBob}, bob_blocks * 58983, chunk);
  const std::string alice_out = (dir / (tag + "-alice.h5")).string();
  const std::string bob_out = (dir / (tag + "-bob.h5")).string();
  const pid_t alice = spawn_alice("tcp://127.0.0.1:" + std::to_string(pa), alice_out, link);
  Result bob;
  {
    Proxy proxy(link, 2, Proxy::kNever, cut_after);
    bob = run("run --code qkdpp-n16 --audit -q --input tcp://127.0.0.1:" + std::to_string(pb) +
              " -o " + bob_out + " --role bob --connect 127.0.0.1:" + std::to_string(proxy.port()) +
              " --timeout 30");
  }
  ca.join();
  cb.join();
  EXPECT_EQ(bob.status, 0) << bob.output;
  EXPECT_EQ(wait_status(alice), 0);
  return {engine::io::read_key_file(alice_out), engine::io::read_key_file(bob_out)};
}

TEST(Cli, LiveRawKeyOverTcpEqualsTheFileRun) {
  test::TempDir dir;
  const std::string raw = (dir / "raw.h5").string();
  ASSERT_EQ(run("simulate --bits 700000 --qber 0.02 --seed 8 -q -o " + raw).status, 0);
  const std::string common = "run --code qkdpp-n16 --audit -q --seed 9 ";
  ASSERT_EQ(run(common + "--input " + raw + " -o " + (dir / "file.h5").string()).status, 0);
  const engine::io::RawKeyReader reader(raw);
  using engine::io::Party;

  // Batch: one controller stream carrying both parties' keys.
  const std::uint16_t port = free_port();
  std::thread ctl = controller(port, reader, {Party::kAlice, Party::kBob}, 700000, 12345);
  const Result live =
      run(common + "--input tcp://127.0.0.1:" + std::to_string(port) + " -o " +
          (dir / "live.h5").string() + " --timeout 30 --json " + (dir / "live.json").string());
  ctl.join();
  ASSERT_EQ(live.status, 0) << live.output;
  const auto file_out = engine::io::read_key_file(dir / "file.h5");
  expect_same_keys(file_out, engine::io::read_key_file(dir / "live.h5"));
  const auto report = nlohmann::json::parse(read_all(dir / "live.json"));
  EXPECT_EQ(report["unused_tail_bits"].get<std::uint64_t>(), 700000u % 58983u);

  // Two machines, each with its own controller; Bob's stream is two blocks longer than Alice's,
  // so the run ends where Alice's input does, on both sides.
  const auto [a, b] = live_pair(dir, "p", reader, 8, 10, 50000, Proxy::kNever);
  expect_same_keys(a, b);
  ASSERT_EQ(a.blocks.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(a.blocks[i], file_out.blocks[i]) << i;

  // Live streams and a connection that drops midway: both sides skip their streams to where
  // both can continue, and every block still appears once, identically on both sides.
  const auto [a2, b2] = live_pair(dir, "q", reader, 11, 11, 40000, 40000);
  expect_same_keys(a2, b2);
  ASSERT_EQ(a2.blocks.size(), 11u);
  std::size_t interrupted = 0;
  for (std::size_t i = 0; i < 11; ++i) {
    EXPECT_EQ(a2.blocks[i].index, i);
    interrupted += a2.blocks[i].status == 6;
  }
  EXPECT_GE(interrupted, 1u);

  expect_failure(common + "--input tcp://127.0.0.1:" + std::to_string(free_port()) + " -o " +
                     (dir / "x.h5").string() + " --timeout 0.5",
                 "no peer connected");
  expect_failure(common + "--input tcp://127.0.0.1:1 --resume -o " + (dir / "y.h5").string(),
                 "cannot be resumed");
}

}  // namespace
}  // namespace qkdpp
