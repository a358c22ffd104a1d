// qkdpp-raw reader/writer: round trips, slice streaming, atomic output, and every schema violation.
#include "engine/io/raw_key_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "engine/core/error.hpp"
#include "engine/random/random_source.hpp"
#include "tests/engine/test_files.hpp"

namespace qkdpp::engine::io {
namespace {

using kernels::BitVector;
using test::AttrValue;
using test::DatasetSpec;
using test::FileSpec;
using test::TempDir;

constexpr std::uint64_t kSeed = 77;

// Runs `f`, expects exception type E whose message contains every fragment.
template <class E, class F>
void expect_error(F&& f, std::initializer_list<std::string> fragments) {
  try {
    f();
    FAIL() << "expected an exception mentioning '" << *fragments.begin() << "'";
  } catch (const E& e) {
    const std::string what = e.what();
    for (const auto& frag : fragments)
      EXPECT_NE(what.find(frag), std::string::npos) << "message: " << what;
  }
}

std::vector<std::uint8_t> bytes_of(const BitVector& v) { return v.to_bytes(); }

DatasetSpec key_dataset(const std::string& party, const BitVector& key) {
  return DatasetSpec{
      "/" + party + "/key", H5T_STD_U8LE, {}, bytes_of(key), {{"bits", std::uint64_t{key.size()}}}};
}

FileSpec valid_spec(const BitVector& alice, const BitVector& bob) {
  FileSpec spec;
  spec.datasets = {key_dataset("alice", alice), key_dataset("bob", bob)};
  return spec;
}

TEST(RawKeyFile, WriterReaderRoundTripWithUnevenAppendsAndTinyChunks) {
  TempDir dir;
  SeededRandom rng(kSeed);
  const BitVector alice = rng.random_bits(100003);
  const BitVector bob = rng.random_bits(100003);
  RawKeyWriteOptions opt;
  opt.chunk_bytes = 64;  // many chunks and flushes
  {
    RawKeyWriter w(dir / "keys.h5", opt);
    std::mt19937_64 cut(kSeed);
    for (std::size_t pos = 0; pos < alice.size();) {
      const std::size_t n = std::min<std::size_t>(alice.size() - pos, 1 + cut() % 3000);
      w.append(Party::kAlice, alice.slice(pos, n));
      w.append(Party::kBob, bob.slice(pos, n));
      pos += n;
    }
    EXPECT_TRUE(std::filesystem::exists(w.partial_path()));
    EXPECT_FALSE(std::filesystem::exists(dir / "keys.h5"))
        << "final name must not exist before commit";
    w.set_attribute("source", std::string("unit test"));
    w.set_attribute("qber_hint", 0.03);
    w.commit();
    EXPECT_FALSE(std::filesystem::exists(w.partial_path()));
  }
  RawKeyReader r(dir / "keys.h5");
  ASSERT_TRUE(r.has(Party::kAlice) && r.has(Party::kBob));
  EXPECT_EQ(r.bits(Party::kAlice), alice.size());
  EXPECT_EQ(r.read(Party::kAlice, 0, alice.size()), alice);
  EXPECT_EQ(r.read(Party::kBob, 0, bob.size()), bob);
  EXPECT_EQ(r.string_attribute("source"), "unit test");
  EXPECT_DOUBLE_EQ(r.number_attribute("qber_hint").value(), 0.03);
  EXPECT_FALSE(r.string_attribute("absent").has_value());
  // The bytes on disk are exactly the SPEC packing.
  EXPECT_EQ(test::read_bytes_dataset(dir / "keys.h5", "/alice/key"), alice.to_bytes());

  std::mt19937_64 pick(kSeed + 1);
  for (int t = 0; t < 200; ++t) {
    const std::uint64_t start = pick() % alice.size();
    const std::uint64_t n = pick() % (alice.size() - start + 1);
    ASSERT_EQ(r.read(Party::kBob, start, n), bob.slice(start, n)) << start << "+" << n;
  }
}

TEST(RawKeyFile, StreamsAKeyLargerThanTheSliceSize) {
  TempDir dir;
  SeededRandom rng(kSeed + 2);
  const BitVector alice = rng.random_bits(1 << 18);
  test::write_hdf5(dir / "k.h5", [&] {
    FileSpec s;
    s.datasets = {key_dataset("alice", alice)};
    return s;
  }());
  RawKeyReader r(dir / "k.h5");
  EXPECT_FALSE(r.has(Party::kBob));
  for (std::uint64_t slice : {1ull, 1000ull, 4093ull, 65536ull, 1ull << 20}) {
    RawKeySliceStream stream(r, Party::kAlice, slice);
    BitVector part, joined;
    std::size_t slices = 0;
    while (stream.next(part)) {
      EXPECT_LE(part.size(), slice);
      joined.append(part);
      ++slices;
      if (slice == 1 && slices > 5000) break;  // enough to prove bit-granular slicing
    }
    if (slice == 1) {
      EXPECT_EQ(joined, alice.slice(0, joined.size()));
      continue;
    }
    EXPECT_EQ(slices, (alice.size() + slice - 1) / slice);
    EXPECT_EQ(joined, alice) << "slice " << slice;
    EXPECT_FALSE(stream.next(part));
  }
}

TEST(RawKeyFile, UncommittedWriterLeavesNoFile) {
  TempDir dir;
  {
    RawKeyWriter w(dir / "never.h5");
    w.append(Party::kAlice, BitVector(1000));
    w.append(Party::kBob, BitVector(1000));
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "never.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir / "never.h5.partial"));
}

TEST(RawKeyFile, SinglePartyFileAndAbsentPartyErrors) {
  TempDir dir;
  RawKeyWriteOptions opt;
  opt.bob = false;
  RawKeyWriter w(dir / "a.h5", opt);
  w.append(Party::kAlice, BitVector(77));
  w.commit();
  RawKeyReader r(dir / "a.h5");
  EXPECT_TRUE(r.has(Party::kAlice));
  EXPECT_FALSE(r.has(Party::kBob));
  expect_error<InputError>([&] { r.bits(Party::kBob); }, {"a.h5", "/bob/key"});
  expect_error<InputError>([&] { r.read(Party::kAlice, 70, 8); },
                           {"requested bits [70, 78)", "77 bits"});
}

TEST(RawKeyFile, UnwritableOutputIsAnIoError) {
  TempDir dir;
  expect_error<IoError>([&] { RawKeyWriter w(dir / "missing-dir" / "x.h5"); },
                        {"cannot create", "x.h5.partial"});
}

// --- Malformed inputs: each names the file and what is wrong. ---

class MalformedRawKey : public ::testing::Test {
 protected:
  TempDir dir;
  SeededRandom rng{kSeed + 3};
  BitVector alice = rng.random_bits(1001);
  BitVector bob = rng.random_bits(1001);
  std::filesystem::path file = dir / "bad.h5";

  void expect_rejected(const FileSpec& spec, std::initializer_list<std::string> fragments) {
    test::write_hdf5(file, spec);
    expect_error<InputError>([&] { RawKeyReader r(file); }, fragments);
  }
};

TEST_F(MalformedRawKey, MissingFile) {
  expect_error<InputError>([&] { RawKeyReader r(dir / "nope.h5"); }, {"nope.h5", "no such file"});
}

TEST_F(MalformedRawKey, NotHdf5) {
  std::ofstream(file) << "alice,bob\n0101,0111\n";
  expect_error<InputError>([&] { RawKeyReader r(file); }, {"bad.h5", "not an HDF5 file"});
}

TEST_F(MalformedRawKey, TruncatedFile) {
  test::write_hdf5(file, valid_spec(alice, bob));
  const auto size = std::filesystem::file_size(file);
  std::filesystem::resize_file(file, size / 2);
  try {
    RawKeyReader r(file);
    r.read(Party::kAlice, 0, 1001);
    r.read(Party::kBob, 0, 1001);
    FAIL() << "a truncated file must not read successfully";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.h5"), std::string::npos) << e.what();
  }
}

TEST_F(MalformedRawKey, MissingOrWrongFormatAttribute) {
  FileSpec s = valid_spec(alice, bob);
  s.root_attributes = {{"version", std::uint64_t{1}}};
  expect_rejected(s, {"bad.h5", "'format' is missing"});
  s.root_attributes = {{"format", std::string("qkdpp-keys")}, {"version", std::uint64_t{1}}};
  expect_rejected(s, {"format = \"qkdpp-keys\"", "expected \"qkdpp-raw\""});
  s.root_attributes = {{"format", std::uint64_t{7}}, {"version", std::uint64_t{1}}};
  expect_rejected(s, {"'format'", "expected a string"});
}

TEST_F(MalformedRawKey, MissingOrUnsupportedVersion) {
  FileSpec s = valid_spec(alice, bob);
  s.root_attributes = {{"format", std::string("qkdpp-raw")}};
  expect_rejected(s, {"'version' is missing"});
  s.root_attributes = {{"format", std::string("qkdpp-raw")}, {"version", std::uint64_t{2}}};
  expect_rejected(s, {"version 2 is not supported"});
}

TEST_F(MalformedRawKey, NeitherPartyPresent) {
  FileSpec s;
  expect_rejected(s, {"neither /alice/key nor /bob/key"});
}

TEST_F(MalformedRawKey, GroupWithoutKeyDataset) {
  FileSpec s = valid_spec(alice, bob);
  s.datasets.pop_back();
  s.groups = {"/bob"};
  expect_rejected(s, {"group /bob exists but has no dataset 'key'"});
}

TEST_F(MalformedRawKey, KeyIsAGroupNotADataset) {
  FileSpec s = valid_spec(alice, bob);
  s.datasets.pop_back();
  s.groups = {"/bob", "/bob/key"};
  expect_rejected(s, {"/bob/key is not a dataset"});
}

TEST_F(MalformedRawKey, MissingBitsAttribute) {
  FileSpec s = valid_spec(alice, bob);
  s.datasets[1].attributes.clear();
  expect_rejected(s, {"/bob/key has no attribute 'bits'"});
}

TEST_F(MalformedRawKey, BitsInconsistentWithDatasetLength) {
  FileSpec s = valid_spec(alice, bob);
  s.datasets[0].attributes = {{"bits", std::uint64_t{2000}}};
  expect_rejected(s, {"/alice/key", "bits = 2000 needs 250 bytes but the dataset holds 126 bytes"});
  s.datasets[0].attributes = {{"bits", std::uint64_t{100}}};
  expect_rejected(s, {"bits = 100 needs 13 bytes"});
}

TEST_F(MalformedRawKey, BitsOfWrongTypeOrNegative) {
  FileSpec s = valid_spec(alice, bob);
  s.datasets[0].attributes = {{"bits", std::string("1001")}};
  expect_rejected(s, {"'bits'", "expected an unsigned integer"});
  s.datasets[0].attributes = {{"bits", std::int64_t{-8}}};
  expect_rejected(s, {"'bits' is negative"});
  s.datasets[0].attributes = {
      {"bits", std::int64_t{1001}}};  // a signed but valid count is accepted
  test::write_hdf5(file, s);
  EXPECT_EQ(RawKeyReader(file).bits(Party::kAlice), 1001u);
}

TEST_F(MalformedRawKey, WrongDtype) {
  FileSpec s = valid_spec(alice, bob);
  s.datasets[1].file_type = H5T_STD_I32LE;
  s.datasets[1].data.resize(128);  // 32 int32 values
  expect_rejected(s, {"/bob/key has dtype int32, expected uint8"});
  s.datasets[1].file_type = H5T_STD_I8LE;
  expect_rejected(s, {"dtype int8"});
}

TEST_F(MalformedRawKey, WrongRank) {
  FileSpec s = valid_spec(alice, bob);
  s.datasets[0].data.resize(126);
  s.datasets[0].dims = {2, 63};
  expect_rejected(s, {"/alice/key has rank 2, expected a 1-D dataset"});
}

TEST_F(MalformedRawKey, AliceBobLengthMismatch) {
  FileSpec s = valid_spec(alice, bob.slice(0, 999));
  expect_rejected(s, {"Alice's key has 1001 bits but Bob's has 999 bits"});
}

TEST_F(MalformedRawKey, NonZeroPaddingBits) {
  FileSpec s = valid_spec(alice, bob);
  s.datasets[0].data.back() |= 0x80;  // 1001 bits: bit 7 of the last byte is padding
  expect_rejected(s, {"unused high bits of the last byte are not zero"});
}

}  // namespace
}  // namespace qkdpp::engine::io
