// Engine wrappers: Toeplitz hashing checks, verification tags and epsilon_cor, packed files.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/core/error.hpp"
#include "engine/io/packed_file.hpp"
#include "engine/privacy/toeplitz_hashing.hpp"
#include "engine/random/random_source.hpp"
#include "engine/verification/verification_hash.hpp"
#include "tests/engine/test_files.hpp"

namespace qkdpp::engine {
namespace {

using kernels::BitVector;

TEST(ToeplitzHashing, MatchesNaiveKernelAndRejectsBadSizes) {
  SeededRandom rng(5);
  const BitVector x = rng.random_bits(5000), seed = rng.random_bits(5000 + 1234 - 1 + 17);
  const BitVector y = toeplitz_hash(seed, x, 1234);
  EXPECT_EQ(y, toeplitz_hash(seed, x, 1234, kernels::ToeplitzKernel::kNaive));
  EXPECT_EQ(y.size(), 1234u);
  EXPECT_THROW(toeplitz_hash(seed, BitVector(), 1), InputError);
  EXPECT_THROW(toeplitz_hash(seed, x, 0), InputError);
  EXPECT_THROW(toeplitz_hash(seed, x, 5001), InputError);
  try {
    toeplitz_hash(seed.slice(0, 6000), x, 1234);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("seed holds 6000 bits but n + m - 1 = 6233"),
              std::string::npos)
        << e.what();
  }
}

TEST(Verification, EqualKeysMatchDifferentKeysDoNot) {
  SystemRandom os;
  SeededRandom rng(8);
  for (unsigned tag_bits : {64u, 128u}) {
    const BitVector alice = rng.random_bits(100003);
    BitVector bob = alice;
    const VerificationKey key = VerificationKey::draw(os, tag_bits);
    EXPECT_EQ(verification_tag(alice, key), verification_tag(bob, key));
    bob.flip(77777);
    EXPECT_NE(verification_tag(alice, key), verification_tag(bob, key));
    EXPECT_EQ(verification_tag(alice, key).bits, tag_bits);
  }
  EXPECT_THROW(VerificationKey::draw(os, 32), InputError);
}

TEST(Verification, EpsilonFollowsTheCollisionBound) {
  EXPECT_DOUBLE_EQ(verification_epsilon(1 << 20, 64), (16384.0 + 1.0) / 18446744073709551616.0);
  EXPECT_LT(verification_epsilon(1 << 20, 128), 1e-30);
  EXPECT_GT(verification_epsilon(1 << 21, 64), verification_epsilon(1 << 20, 64));
}

TEST(PackedFile, RoundTripAndShortFiles) {
  test::TempDir dir;
  SeededRandom rng(9);
  const BitVector v = rng.random_bits(1001);
  io::write_packed_file(dir / "v.bin", v);
  EXPECT_FALSE(std::filesystem::exists(dir / "v.bin.partial"));
  EXPECT_EQ(std::filesystem::file_size(dir / "v.bin"), 126u);
  EXPECT_EQ(io::packed_file_capacity_bits(dir / "v.bin"), 1008u);
  EXPECT_EQ(io::read_packed_file(dir / "v.bin", 1001), v);
  EXPECT_EQ(io::read_packed_file(dir / "v.bin", 10), v.slice(0, 10));
  try {
    io::read_packed_file(dir / "v.bin", 1009);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("holds 1008 bits (126 bytes) but 1009 bits are needed"),
              std::string::npos);
  }
  EXPECT_THROW(io::read_packed_file(dir / "none.bin", 1), InputError);
  EXPECT_THROW(io::packed_file_capacity_bits(dir.path()), InputError);
  EXPECT_THROW(io::write_packed_file(dir / "no" / "v.bin", v), IoError);
}

}  // namespace
}  // namespace qkdpp::engine
