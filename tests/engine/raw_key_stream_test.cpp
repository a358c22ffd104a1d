// Live raw-key chunks: blocks come out exactly as the bits went in, whatever the chunk sizes and
// the interleaving of the parties; every framing fault is refused by name.
#include "engine/io/raw_key_stream.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <random>
#include <thread>

#include "engine/core/error.hpp"
#include "tests/kernels/random_bits.hpp"

namespace qkdpp::engine::io {
namespace {

using namespace std::chrono_literals;
using kernels::BitVector;

std::pair<net::Socket, net::Socket> socket_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) throw std::runtime_error("socketpair");
  return {net::Socket(fds[0]), net::Socket(fds[1])};
}

// Sends `bytes` from a thread (the controller) and closes.
struct Controller {
  std::thread t;
  Controller(net::Socket s, std::vector<std::uint8_t> bytes) {
    t = std::thread([s = std::move(s), bytes = std::move(bytes)]() mutable {
      try {
        s.write_all(bytes.data(), bytes.size(), 5s);
      } catch (const std::exception&) {
      }
      s.shutdown();
    });
  }
  ~Controller() { t.join(); }
};

void append(std::vector<std::uint8_t>& out, const std::vector<std::uint8_t>& chunk) {
  out.insert(out.end(), chunk.begin(), chunk.end());
}

TEST(RawKeyStream, BlocksEqualTheBitsSentInAwkwardInterleavedChunks) {
  std::mt19937_64 rng(3);
  const std::size_t n = 1000, total = 7 * n + 333;  // 7 blocks and a tail
  const BitVector alice = test::random_bits(rng, total), bob = test::random_bits(rng, total);
  std::vector<std::uint8_t> wire;
  std::size_t pa = 0, pb = 0;
  std::uint64_t sa = 0, sb = 0;
  bool alice_done = false, bob_done = false;
  const std::size_t sizes[] = {0, 1, 63, 64, 65, 999, 1001, 2500};
  for (std::size_t i = 0; !alice_done || !bob_done; ++i) {
    const std::size_t la = std::min(sizes[i % 8], total - pa);
    const std::size_t lb = std::min(sizes[(i + 3) % 8], total - pb);
    if (!alice_done) {
      append(wire,
             encode_raw_key_chunk(Party::kAlice, sa++, alice.slice(pa, la), pa + la == total));
      alice_done = pa + la == total;
    }
    if (!bob_done) {
      append(wire, encode_raw_key_chunk(Party::kBob, sb++, bob.slice(pb, lb), pb + lb == total));
      bob_done = pb + lb == total;
    }
    pa += la;
    pb += lb;
  }
  auto [a, b] = socket_pair();
  Controller c(std::move(a), wire);
  RawKeyStream stream(std::move(b), true, true, 5000ms, "test", 64);
  BitVector x, y;
  for (std::size_t k = 0; k < 7; ++k) {
    ASSERT_TRUE(stream.read(k, n, &x, &y)) << k;
    EXPECT_EQ(x, alice.slice(k * n, n)) << k;
    EXPECT_EQ(y, bob.slice(k * n, n)) << k;
  }
  EXPECT_FALSE(stream.read(7, n, &x, &y));
  EXPECT_EQ(stream.unused_tail_bits(n), 333u);
  EXPECT_FALSE(stream.blocks(n).has_value());
}

std::string failure(std::vector<std::uint8_t> wire, bool want_bob = true, std::size_t n = 100,
                    std::size_t ahead = 8) {
  auto [a, b] = socket_pair();
  Controller c(std::move(a), std::move(wire));
  RawKeyStream stream(std::move(b), true, want_bob, 1000ms, "ctl", ahead);
  BitVector x, y;
  try {
    for (std::size_t k = 0; k < 1000; ++k) {
      if (!stream.read(k, n, &x, want_bob ? &y : nullptr)) return "ended";
    }
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(RawKeyStream, FramingFaultsAreRefusedByName) {
  std::mt19937_64 rng(4);
  const BitVector bits = test::random_bits(rng, 500);
  const auto chunk = encode_raw_key_chunk(Party::kAlice, 0, bits, false);
  auto bad = chunk;
  bad[30] ^= 1;  // payload
  EXPECT_NE(failure(bad).find("checksum mismatch in alice chunk 0"), std::string::npos);
  bad = chunk;
  bad[0] = 'X';
  EXPECT_NE(failure(bad).find("bad magic"), std::string::npos);
  bad = chunk;
  bad.resize(bad.size() - 5);
  EXPECT_NE(failure(bad).find("ends inside a chunk"), std::string::npos);
  std::vector<std::uint8_t> gap = chunk;
  append(gap, encode_raw_key_chunk(Party::kAlice, 2, bits, false));
  EXPECT_NE(failure(gap).find("chunk 2 where 1 was due"), std::string::npos);
  EXPECT_NE(failure(encode_raw_key_chunk(Party::kBob, 0, bits, false), false)
                .find("which this run does not use"),
            std::string::npos);
  // Alice far ahead of Bob: refused rather than buffered without bound.
  std::vector<std::uint8_t> ahead;
  for (std::uint64_t i = 0; i < 40; ++i) {
    append(ahead, encode_raw_key_chunk(Party::kAlice, i, test::random_bits(rng, 1u << 21), false));
  }
  EXPECT_NE(failure(ahead, true, 100, 2).find("blocks ahead"), std::string::npos);
  // A clean close at a chunk boundary is the end of the input.
  EXPECT_EQ(failure(chunk, false, 100), "ended");
}

}  // namespace
}  // namespace qkdpp::engine::io
