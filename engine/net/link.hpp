// A network link between Alice and Bob: protocol messages of many blocks in flight over one TCP
// connection, each authenticated with a one-time MAC, demultiplexed into one Channel per block
// (docs/network.md).
//
// Authentication (Wegman-Carter): tag = Poly1305 with key (r, s_i) over the frame, where r is a
// per-direction hash key and s_i a fresh 16-byte one-time pad for the i-th frame in that
// direction, both taken from a pre-shared key pool that is never reused: its state file
// (`POOL.used`) records the bytes consumed, reserved before use. Poly1305 with a fixed r is
// epsilon-almost-Delta-universal, so a forged, replayed, reordered or altered frame is accepted
// with probability at most 8 ceil(L / 16) / 2^106 for an L-byte frame. A frame that fails its
// tag ends its block (both sides abort it), not the run.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "engine/core/error.hpp"
#include "engine/net/socket.hpp"
#include "engine/protocol/channel.hpp"

namespace qkdpp::engine::net {

enum class Role : std::uint8_t { kAlice = 1, kBob = 2 };

// A block's channel was asked for a message after the peer ended the run before that block (its
// input ended: Link::finish).
class PeerEnded : public Error {
 public:
  using Error::Error;
};

struct LinkOptions {
  std::chrono::milliseconds timeout{60000};  // for every blocking wait
  // Pre-shared key pool (same file on both sides); nullopt: no authentication (tests, trusted
  // networks only).
  std::optional<std::filesystem::path> auth_pool;
  // Pool bytes reserved in the state file per step (a crash wastes at most this much).
  std::uint64_t reserve_bytes = 4096;
  // The run replenishes the pool (replenish()): a pad not yet there is waited for (up to the
  // timeout) instead of failing at once.
  bool replenishing = false;
  std::function<void(const std::string&)> log;  // rejected frames and other events
  // Resuming: this side continues from its journal, which holds `blocks_done` blocks; both are
  // told to the peer in the hello.
  bool resuming = false;
  std::uint64_t blocks_done = 0;
  // A sequential input (a live stream) is already this many blocks in: those blocks cannot be
  // distilled again, so resumption discards up to here at least.
  std::uint64_t input_position = 0;
};

// Where both sides continue (agreed through the hellos): when either resumes, the blocks both
// completed are kept, and the blocks after them that either side may have started are recorded as
// interrupted (their messages may have been seen; redoing them would disclose more).
struct ResumePoint {
  bool resume = false;
  std::uint64_t keep_blocks = UINT64_MAX;  // min of the two journals
  std::uint64_t discard_until = 0;         // max of the two + blocks in flight, within the input
};

struct LinkStats {
  std::uint64_t frames_sent = 0, frames_received = 0;
  std::uint64_t bytes_sent = 0, bytes_received = 0;
  std::uint64_t rejected = 0;           // frames that failed authentication
  std::uint64_t auth_key_bytes = 0;     // pool bytes consumed by this link
  std::uint64_t pool_offset = 0;        // where this link started in the pool
  std::uint64_t replenished_bytes = 0;  // appended from final keys by replenish()
  std::uint64_t pool_bytes = 0;         // the pool's size now
  bool authenticated = false;
};

class Link {
 public:
  // Exchanges hellos with the peer (run parameters `fingerprint`, a JSON object, must be equal:
  // InputError naming the difference otherwise) and, with a pool, confirms them authenticated.
  // LinkError (an IoError) whenever the connection fails, here or later.
  Link(Socket socket, Role role, const std::string& fingerprint, LinkOptions options);
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // The channel of one block: sends tagged frames, receives this block's frames. A frame for the
  // block that fails authentication arrives as an abort (kProtocolError) and the peer is sent one.
  std::unique_ptr<Channel> open_block(std::uint64_t block);
  // Ends a block: later frames for it are dropped.
  void close_block(std::uint64_t block);
  // Gives the connection up at once (this side hit an error): every waiting channel wakes with a
  // LinkError naming `reason`, and the peer sees the connection close.
  void fail(const std::string& reason);
  // Says goodbye, telling the peer that this side ran `blocks_run` blocks (it ran out of input
  // there, or distilled all), waits for the peer's goodbye (or its disconnection), then closes.
  // Waiting channels of blocks at or after the peer's count throw PeerEnded.
  void finish(std::uint64_t blocks_run);
  LinkStats stats() const;
  ResumePoint resume_point(std::uint64_t max_in_flight, std::uint64_t total_blocks) const;
  // Appends secret key bytes to the pool (file and memory); both sides must append the same bytes
  // in the same order (the pipeline diverts the same blocks on both). No-op without a pool.
  void replenish(std::span<const std::uint8_t> bytes);

  struct State;  // shared with the per-block channels (link.cpp)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace qkdpp::engine::net
