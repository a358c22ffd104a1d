// The network link's authentication against an active attacker in the middle: replayed,
// reordered, altered and truncated frames are rejected or end the connection, never accepted, and
// a rejected frame ends only its block, on both sides. The attacker is a frame-aware relay between
// two socket pairs.
#include "engine/net/link.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "engine/core/error.hpp"
#include "engine/protocol/messages.hpp"
#include "tests/engine/test_files.hpp"

namespace qkdpp::engine::net {
namespace {

using namespace std::chrono_literals;
using Frame = std::vector<std::uint8_t>;

std::pair<Socket, Socket> socket_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) throw std::runtime_error("socketpair");
  return {Socket(fds[0]), Socket(fds[1])};
}

// Reads one frame (with its sequence number and tag unless it is a hello); empty at the end of the
// stream.
Frame read_frame(Socket& s) {
  Frame f(kMessageHeaderBytes);
  if (!s.read_exact(f.data(), f.size(), 5s)) return {};
  const std::size_t len = f[14] | (f[15] << 8) | (f[16] << 16) | (std::size_t{f[17]} << 24);
  const std::size_t tag = f[5] == static_cast<std::uint8_t>(MessageType::kHello) ? 0 : 24;
  f.resize(kMessageHeaderBytes + len + tag);
  s.read_exact(f.data() + kMessageHeaderBytes, len + tag, 5s);
  return f;
}

// Alice and Bob linked through a relay that applies `attack` to Alice's frames (index counted
// from her first frame after the handshake) and forwards Bob's unchanged.
struct RelayedLink {
  test::TempDir dir;
  std::unique_ptr<Link> alice, bob;
  std::thread relay_ab, relay_ba;
  Socket ra, rb;  // relay ends

  using Attack = std::function<std::vector<Frame>(std::size_t index, Frame frame)>;
  explicit RelayedLink(Attack attack) {
    std::mt19937_64 rng(5);
    std::string pool(1 << 14, '\0');
    for (char& c : pool) c = static_cast<char>(rng());
    std::ofstream(dir / "pool-a.bin", std::ios::binary) << pool;
    std::ofstream(dir / "pool-b.bin", std::ios::binary) << pool;
    auto [a, ra_] = socket_pair();
    auto [rb_, b] = socket_pair();
    ra = std::move(ra_);
    rb = std::move(rb_);
    relay_ab = std::thread([this, attack] {
      try {
        for (std::size_t handshake = 0; handshake < 2; ++handshake) {
          const Frame f = read_frame(ra);
          rb.write_all(f.data(), f.size(), 5s);
        }
        for (std::size_t i = 0;; ++i) {
          Frame f = read_frame(ra);
          if (f.empty()) break;
          for (const Frame& out : attack(i, std::move(f))) rb.write_all(out.data(), out.size(), 5s);
        }
      } catch (const std::exception&) {
      }
      rb.shutdown();
    });
    relay_ba = std::thread([this] {
      try {
        for (;;) {
          const Frame f = read_frame(rb);
          if (f.empty()) break;
          ra.write_all(f.data(), f.size(), 5s);
        }
      } catch (const std::exception&) {
      }
      ra.shutdown();
    });
    LinkOptions o;
    o.timeout = 2000ms;
    o.auth_pool = dir / "pool-a.bin";
    std::thread t(
        [&, oa = o] { alice = std::make_unique<Link>(std::move(a), Role::kAlice, "{}", oa); });
    o.auth_pool = dir / "pool-b.bin";
    bob = std::make_unique<Link>(std::move(b), Role::kBob, "{}", o);
    t.join();
  }
  ~RelayedLink() {
    alice.reset();
    bob.reset();
    ra.shutdown();
    rb.shutdown();
    relay_ab.join();
    relay_ba.join();
  }
};

Message message(std::uint64_t block, std::uint8_t fill) {
  Message m;
  m.type = MessageType::kSyndrome;
  m.block = block;
  m.payload.assign(40, fill);
  return m;
}

bool is_abort(const Message& m) { return m.type == MessageType::kAbort; }

TEST(Link, HonestFramesArriveInOrderPerBlock) {
  RelayedLink s([](std::size_t, Frame f) { return std::vector<Frame>{std::move(f)}; });
  auto a1 = s.alice->open_block(1), a2 = s.alice->open_block(2);
  auto b1 = s.bob->open_block(1), b2 = s.bob->open_block(2);
  a2->send(message(2, 0x22));
  a1->send(message(1, 0x11));
  a1->send(message(1, 0x12));
  EXPECT_EQ(b1->receive().payload, message(1, 0x11).payload);
  EXPECT_EQ(b1->receive().payload, message(1, 0x12).payload);
  EXPECT_EQ(b2->receive().payload, message(2, 0x22).payload);
  b2->send(message(2, 0x33));
  EXPECT_EQ(a2->receive().payload, message(2, 0x33).payload);
  EXPECT_EQ(s.bob->stats().rejected, 0u);
  EXPECT_TRUE(s.bob->stats().authenticated);
}

TEST(Link, ReplayedFrameIsRejectedAndEndsOnlyItsBlock) {
  RelayedLink s([](std::size_t i, Frame f) {
    std::vector<Frame> out{f};
    if (i == 0) out.push_back(f);  // the first frame, delivered twice
    return out;
  });
  auto a7 = s.alice->open_block(7), a8 = s.alice->open_block(8);
  auto b7 = s.bob->open_block(7), b8 = s.bob->open_block(8);
  a7->send(message(7, 1));
  a8->send(message(8, 2));
  EXPECT_FALSE(is_abort(b7->receive()));
  EXPECT_TRUE(is_abort(b7->receive())) << "the replay must not be accepted";
  EXPECT_TRUE(is_abort(a7->receive())) << "Bob tells Alice the block ended";
  // The replay shifted nothing: block 8's frame (the next index) still verifies.
  const Message m8 = b8->receive();
  EXPECT_FALSE(is_abort(m8));
  EXPECT_EQ(m8.payload, message(8, 2).payload);
  EXPECT_EQ(s.bob->stats().rejected, 1u);
}

TEST(Link, ReorderedFramesAreRejected) {
  Frame held;
  RelayedLink s([&held](std::size_t i, Frame f) {
    if (i == 0) {
      held = std::move(f);
      return std::vector<Frame>{};
    }
    if (i == 1) return std::vector<Frame>{std::move(f), held};  // swapped
    return std::vector<Frame>{std::move(f)};
  });
  auto a3 = s.alice->open_block(3);
  auto b3 = s.bob->open_block(3);
  a3->send(message(3, 1));
  a3->send(message(3, 2));
  a3->send(message(3, 3));
  // The later frame arrives first and is genuine; the earlier one, delivered after it, is not
  // accepted; the stream goes on.
  EXPECT_EQ(b3->receive().payload, message(3, 2).payload);
  EXPECT_TRUE(is_abort(b3->receive()));
  EXPECT_EQ(b3->receive().payload, message(3, 3).payload);
  EXPECT_EQ(s.bob->stats().rejected, 1u);
}

TEST(Link, AlteredPayloadOrSequenceNumberIsRejected) {
  RelayedLink s([](std::size_t i, Frame f) {
    if (i == 0) f[kMessageHeaderBytes + 3] ^= 0x80;  // payload
    if (i == 1) f[f.size() - 24] ^= 0x01;            // sequence number
    return std::vector<Frame>{std::move(f)};
  });
  auto a4 = s.alice->open_block(4);
  auto b4 = s.bob->open_block(4);
  a4->send(message(4, 9));
  a4->send(message(4, 10));
  a4->send(message(4, 11));
  EXPECT_TRUE(is_abort(b4->receive()));
  EXPECT_TRUE(is_abort(b4->receive()));
  EXPECT_EQ(b4->receive().payload, message(4, 11).payload) << "later frames still verify";
  EXPECT_EQ(s.bob->stats().rejected, 2u);
}

TEST(Link, TruncatedFrameEndsTheConnection) {
  RelayedLink s([](std::size_t, Frame f) {
    f.resize(f.size() / 2);
    return std::vector<Frame>{std::move(f)};
  });
  auto a5 = s.alice->open_block(5);
  auto b5 = s.bob->open_block(5);
  a5->send(message(5, 1));
  EXPECT_THROW(b5->receive(), LinkError);
}

TEST(Link, SilentPeerTimesOut) {
  RelayedLink s([](std::size_t, Frame f) { return std::vector<Frame>{std::move(f)}; });
  auto b6 = s.bob->open_block(6);
  EXPECT_THROW(b6->receive(), LinkError);  // 2 s timeout, nothing sent
}

TEST(Link, DifferentParametersOrPoolsFailTheHandshake) {
  test::TempDir dir;
  std::ofstream(dir / "p1.bin", std::ios::binary) << std::string(4096, 'a');
  std::ofstream(dir / "p2.bin", std::ios::binary) << std::string(4096, 'b');
  const auto attempt = [&](const std::string& fa, const std::string& fb, const char* pa,
                           const char* pb) {
    auto [a, b] = socket_pair();
    LinkOptions o;
    o.timeout = 2000ms;
    if (pa) o.auth_pool = dir / pa;
    std::string error_a, error_b;
    std::thread t([&, sa = std::move(a), o]() mutable {
      try {
        Link l(std::move(sa), Role::kAlice, fa, o);
      } catch (const std::exception& e) {
        error_a = e.what();
      }
    });
    o.auth_pool.reset();
    if (pb) o.auth_pool = dir / pb;
    try {
      Link l(std::move(b), Role::kBob, fb, o);
    } catch (const std::exception& e) {
      error_b = e.what();
    }
    t.join();
    return error_a + " | " + error_b;
  };
  EXPECT_NE(attempt(R"({"code":"n16"})", R"({"code":"n20"})", nullptr, nullptr).find("code"),
            std::string::npos);
  EXPECT_NE(attempt("{}", "{}", "p1.bin", nullptr).find("authentication key pool"),
            std::string::npos);
  EXPECT_NE(attempt("{}", "{}", "p1.bin", "p2.bin").find("acknowledgement failed authentication"),
            std::string::npos);
}

}  // namespace
}  // namespace qkdpp::engine::net
