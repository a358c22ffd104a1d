// The streaming job end to end on a simulated raw-key file with a QBER jump: aborts around the
// jump and recovery after it, identical output whatever the thread count, every accepted block
// recomputable from Alice's input and its audit seed (SPEC section 6), no key bit from a failed
// block, atomic output, and clear errors for bad input.
#include <gtest/gtest.h>

#include "engine/core/error.hpp"
#include "engine/io/key_file.hpp"
#include "engine/io/raw_key_file.hpp"
#include "engine/pipeline/distill_pipeline.hpp"
#include "engine/privacy/toeplitz_hashing.hpp"
#include "engine/simulation/correlated_keys.hpp"
#include "simulated.hpp"
#include "test_files.hpp"

namespace qkdpp::engine {
namespace {

using io::Party;
using kernels::BitVector;

using test::family16;

// `blocks` blocks of the 2^16-bit family plus a 1000-bit tail, QBER `profile`.
void write_input(const std::filesystem::path& path, std::size_t blocks, const std::string& profile,
                 bool with_bob = true) {
  const std::uint64_t bits = blocks * family16()->key_bits() + 1000;
  io::RawKeyWriteOptions o;
  o.bob = with_bob;
  io::RawKeyWriter w(path, o);
  CorrelatedKeySource source(bits, QberProfile::parse(profile), 4242);
  BitVector a, b;
  while (source.next(1 << 16, a, b)) {
    w.append(Party::kAlice, a);
    if (with_bob) w.append(Party::kBob, b);
  }
  w.commit();
}

PipelineOptions options(std::size_t threads) {
  PipelineOptions o;
  o.protocol.family = family16();
  o.protocol.initial_qber = 0.05;
  o.threads = threads;
  o.seed = 77;
  o.max_in_flight = 4;
  return o;
}

TEST(Pipeline, QberJumpAbortsRecoversAndEveryKeyIsAuditable) {
  test::TempDir dir;
  write_input(dir / "raw.h5", 20, "0.015,0.05@0.5");
  const io::RawKeyReader reader(dir / "raw.h5");
  io::KeyWriteOptions wo;
  wo.audit = true;
  PipelineSummary s;
  {
    io::KeyFileWriter w(dir / "keys.h5", wo);
    s = run_pipeline(reader, w, options(2));
    EXPECT_TRUE(std::filesystem::exists(w.partial_path()));
    EXPECT_FALSE(std::filesystem::exists(dir / "keys.h5"))
        << "nothing looks complete before commit";
    w.commit();
  }
  EXPECT_EQ(s.blocks, 20u);
  EXPECT_EQ(s.unused_tail_bits, 1000u);
  const io::KeyFileContents out = io::read_key_file(dir / "keys.h5");
  ASSERT_EQ(out.blocks.size(), 20u);
  ASSERT_TRUE(out.audit_seeds.has_value());
  std::uint64_t offset = 0, seed_offset = 0;
  std::size_t aborted_after_jump = 0;
  const std::size_t n = family16()->key_bits();
  for (std::size_t k = 0; k < out.blocks.size(); ++k) {
    const io::BlockRecord& r = out.blocks[k];
    EXPECT_EQ(r.index, k);
    EXPECT_EQ(r.start_bit, k * n);
    EXPECT_EQ(r.bits, n);
    EXPECT_EQ(r.final_offset, offset);
    if (r.status != 0) {
      EXPECT_EQ(r.final_bits, 0u) << "block " << k << " failed but has key bits";
      if (k >= 10) ++aborted_after_jump;
      continue;
    }
    // Recompute from Alice's input and the audit seed.
    const BitVector seed = out.audit_seeds->slice(seed_offset, n + r.final_bits - 1);
    const BitVector expect =
        toeplitz_hash(seed, reader.read(Party::kAlice, r.start_bit, n), r.final_bits);
    EXPECT_EQ(out.final_key.slice(r.final_offset, r.final_bits), expect) << "block " << k;
    seed_offset += n + r.final_bits - 1;
    offset += r.final_bits;
    EXPECT_GE(r.efficiency, 1.0);
  }
  EXPECT_EQ(offset, out.final_key.size());
  EXPECT_EQ(seed_offset, out.audit_seeds->size());
  EXPECT_GE(aborted_after_jump, 1u) << "the jump to 5 % must cost blocks";
  EXPECT_EQ(out.blocks.back().status, 0) << "and the estimate must recover";
  EXPECT_EQ(out.blocks.front().status, 0);
}

TEST(Pipeline, OutputDoesNotDependOnTheThreadCount) {
  test::TempDir dir;
  write_input(dir / "raw.h5", 8, "0.03");
  const io::RawKeyReader reader(dir / "raw.h5");
  for (const std::size_t threads : {1u, 2u}) {
    io::KeyFileWriter w(dir / ("keys" + std::to_string(threads) + ".h5"));
    run_pipeline(reader, w, options(threads));
    w.commit();
  }
  const io::KeyFileContents one = io::read_key_file(dir / "keys1.h5");
  const io::KeyFileContents two = io::read_key_file(dir / "keys2.h5");
  EXPECT_EQ(one.final_key, two.final_key);
  EXPECT_EQ(one.blocks, two.blocks);
  EXPECT_GT(one.final_key.size(), 0u);
}

// A fresh run distils block 0 alone (from a start-up sample): blocks 1 to max_in_flight start from
// its measured QBER, later ones from the blocks max_in_flight behind them.
TEST(Pipeline, LaterBlocksStartFromTheFirstMeasurement) {
  test::TempDir dir;
  write_input(dir / "raw.h5", 8, "0.02");
  const io::RawKeyReader reader(dir / "raw.h5");
  const PipelineOptions o = options(2);
  {
    io::KeyFileWriter w(dir / "keys.h5");
    run_pipeline(reader, w, o);
    w.commit();
  }
  const io::KeyFileContents out = io::read_key_file(dir / "keys.h5");
  ASSERT_EQ(out.blocks.size(), 8u);
  QberEstimator replay(o.protocol);
  // after[j]: the estimate once blocks < j count (none before the first: a start-up sample).
  std::vector<std::optional<double>> after{replay.estimate()};
  for (const io::BlockRecord& r : out.blocks) {
    replay.record(static_cast<BlockStatus>(r.status), r.qber);
    after.push_back(replay.estimate());
  }
  EXPECT_FALSE(after[0].has_value());
  // Block 0 starts from its start-up sample's bound: above 2 % by the margin, not the initial 5 %.
  EXPECT_GT(out.blocks[0].qber_estimate, 0.02);
  EXPECT_LT(out.blocks[0].qber_estimate, 0.04);
  for (std::size_t k = 1; k < out.blocks.size(); ++k) {
    const std::size_t j = std::max<std::size_t>(k >= 4 ? k - 3 : 0, 1);
    ASSERT_TRUE(after[j].has_value()) << "block " << k;
    EXPECT_DOUBLE_EQ(out.blocks[k].qber_estimate, *after[j]) << "block " << k;
  }
  EXPECT_LT(out.blocks[1].qber_estimate, 0.025) << "from block 0's measured 2 %";
}

TEST(Pipeline, BadInputAndUncommittedOutput) {
  test::TempDir dir;
  write_input(dir / "alice_only.h5", 2, "0.03", false);
  const io::RawKeyReader reader(dir / "alice_only.h5");
  {
    io::KeyFileWriter w(dir / "keys.h5");
    EXPECT_THROW(run_pipeline(reader, w, options(1)), InputError);
  }  // destroyed uncommitted: the partial file is removed
  EXPECT_FALSE(std::filesystem::exists(dir / "keys.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir / "keys.h5.partial"));
  EXPECT_THROW(io::KeyFileWriter(dir / "no-such-dir" / "keys.h5"), IoError);
  write_input(dir / "short.h5", 0, "0.03");  // 1000 bits: less than one block
  {
    const io::RawKeyReader short_reader(dir / "short.h5");
    io::KeyFileWriter w(dir / "keys.h5");
    EXPECT_THROW(run_pipeline(short_reader, w, options(1)), InputError);
  }
  EXPECT_THROW(io::read_key_file(dir / "alice_only.h5"), InputError);  // not a key file
}

}  // namespace
}  // namespace qkdpp::engine
