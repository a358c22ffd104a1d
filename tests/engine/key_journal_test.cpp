// The key-file journal: records survive as written, a torn or corrupted tail is dropped (and cut
// on reopening), a damaged header or a journal of other parameters is refused by name, and a
// resumed KeyFileWriter rebuilds the output from it.
#include "engine/io/key_journal.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "engine/core/error.hpp"
#include "tests/engine/test_files.hpp"
#include "tests/kernels/random_bits.hpp"

namespace qkdpp::engine::io {
namespace {

using kernels::BitVector;

struct Written {
  BlockRecord record;
  BitVector key, seed;
};

std::vector<Written> sample_blocks(std::size_t count) {
  std::vector<Written> out;
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < count; ++i) {
    Written w;
    w.record.index = i;
    w.record.start_bit = 1000 * i;
    w.record.bits = 1000;
    w.record.qber = 0.01 * static_cast<double>(i + 1);
    w.record.status = i == 1 ? 3 : 0;  // block 1 aborted: no key
    w.record.leak_ec_bits = 300 + i;
    w.record.rounds = static_cast<std::uint32_t>(i % 3);
    std::mt19937_64 rng(10 + i);
    if (i != 1) {
      w.key = test::random_bits(rng, 400 + 37 * i);
      w.seed = test::random_bits(rng, 1000 + w.key.size() - 1);
    }
    w.record.final_bits = w.key.size();
    w.record.final_offset = offset;
    offset += w.key.size();
    out.push_back(std::move(w));
  }
  return out;
}

std::vector<Written> read_all_blocks(const std::filesystem::path& p, KeyJournalScan* scan = nullptr,
                                     const std::string& expected = "") {
  std::vector<Written> out;
  const KeyJournalScan s = read_key_journal(
      p, expected, [&](const BlockRecord& r, const BitVector& k, const BitVector& sd) {
        out.push_back({r, k, sd});
      });
  if (scan) *scan = s;
  return out;
}

void expect_same(const std::vector<Written>& a, const std::vector<Written>& b, std::size_t n) {
  ASSERT_GE(a.size(), n);
  ASSERT_EQ(b.size(), n);
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(a[i].record, b[i].record) << i;
    EXPECT_EQ(a[i].key, b[i].key) << i;
    EXPECT_EQ(a[i].seed, b[i].seed) << i;
  }
}

TEST(KeyJournal, RoundTripsRecordsKeysAndSeeds) {
  test::TempDir dir;
  const auto path = dir / "k.journal";
  const auto blocks = sample_blocks(5);
  {
    auto j = KeyJournalWriter::create(path, R"({"seed":1})");
    for (const auto& b : blocks) j.append(b.record, b.key, b.seed);
  }
  KeyJournalScan scan;
  expect_same(blocks, read_all_blocks(path, &scan, R"({"seed":1})"), 5);
  EXPECT_EQ(scan.blocks, 5u);
  EXPECT_EQ(scan.fingerprint, R"({"seed":1})");
  EXPECT_EQ(scan.dropped_bytes, 0u);
  EXPECT_EQ(scan.valid_bytes, std::filesystem::file_size(path));
}

TEST(KeyJournal, TornOrCorruptTailIsDroppedAndCutOnReopen) {
  test::TempDir dir;
  const auto path = dir / "k.journal";
  const auto blocks = sample_blocks(4);
  std::vector<std::uint64_t> ends;
  {
    auto j = KeyJournalWriter::create(path, "{}");
    ends.push_back(std::filesystem::file_size(path));
    for (const auto& b : blocks) {
      j.append(b.record, b.key, b.seed);
      ends.push_back(std::filesystem::file_size(path));
    }
  }
  std::string whole;
  {
    std::ifstream in(path, std::ios::binary);
    whole.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Every cut inside the last record loses that record only.
  for (std::uint64_t cut : {ends[4] - 1, ends[3] + 1, ends[3] + 8, ends[3] + 9}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << whole;
    std::filesystem::resize_file(path, cut);
    KeyJournalScan scan;
    expect_same(blocks, read_all_blocks(path, &scan), 3);
    EXPECT_EQ(scan.valid_bytes, ends[3]);
    EXPECT_EQ(scan.dropped_bytes, cut - ends[3]);
  }
  // A flipped byte in record 2 ends the journal there (records after it are not trusted).
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    char c = 0;
    f.seekg(static_cast<std::streamoff>(ends[2] + 20));
    f.get(c);
    f.seekp(static_cast<std::streamoff>(ends[2] + 20));
    f.put(static_cast<char>(c ^ 0x10));
  }
  KeyJournalScan scan;
  expect_same(blocks, read_all_blocks(path, &scan), 2);
  // Reopening cuts the damage and appends after the intact records.
  {
    auto j = KeyJournalWriter::reopen(path, scan.valid_bytes);
    j.append(blocks[2].record, blocks[2].key, blocks[2].seed);
  }
  expect_same(blocks, read_all_blocks(path, &scan), 3);
  EXPECT_EQ(scan.dropped_bytes, 0u);
}

TEST(KeyJournal, DamagedHeaderAndOtherParametersAreRefused) {
  test::TempDir dir;
  const auto path = dir / "k.journal";
  { auto j = KeyJournalWriter::create(path, R"({"input":"a.h5","seed":1})"); }
  try {
    read_all_blocks(path, nullptr, R"({"input":"a.h5","seed":2})");
    FAIL() << "a journal of other parameters was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("seed (1 vs 2)"), std::string::npos) << e.what();
  }
  std::filesystem::resize_file(path, 12);
  EXPECT_THROW(read_all_blocks(path), InputError);
  { std::ofstream(path, std::ios::binary) << "not a journal at all"; }
  EXPECT_THROW(read_all_blocks(path), InputError);
}

TEST(KeyJournal, ResumedWriterRebuildsTheOutputAndContinues) {
  test::TempDir dir;
  const auto out = dir / "keys.h5";
  const auto blocks = sample_blocks(5);
  KeyWriteOptions wo;
  wo.audit = true;
  wo.journal_fingerprint = R"({"run":1})";
  {
    KeyFileWriter w(out, wo);
    for (std::size_t i = 0; i < 3; ++i) w.append(blocks[i].record, blocks[i].key, blocks[i].seed);
    // destroyed uncommitted: the partial file goes, the journal stays
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "keys.h5.partial"));
  ASSERT_TRUE(std::filesystem::exists(journal_path(out)));
  wo.resume = true;
  {
    KeyFileWriter w(out, wo);
    ASSERT_EQ(w.resumed_records().size(), 3u);
    EXPECT_EQ(w.resumed_records()[2], blocks[2].record);
    EXPECT_EQ(w.blocks(), 3u);
    for (std::size_t i = 3; i < 5; ++i) w.append(blocks[i].record, blocks[i].key, blocks[i].seed);
    w.commit();
  }
  EXPECT_FALSE(std::filesystem::exists(journal_path(out)));
  const KeyFileContents c = read_key_file(out);
  ASSERT_EQ(c.blocks.size(), 5u);
  BitVector key, seeds;
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(c.blocks[i], blocks[i].record) << i;
    key.append(blocks[i].key);
    seeds.append(blocks[i].seed);
  }
  EXPECT_EQ(c.final_key, key);
  ASSERT_TRUE(c.audit_seeds.has_value());
  EXPECT_EQ(*c.audit_seeds, seeds);
}

}  // namespace
}  // namespace qkdpp::engine::io
