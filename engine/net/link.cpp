// The network link: handshake, Wegman-Carter Poly1305 tags from the key pool, a receiver thread
// that demultiplexes frames into per-block mailboxes.
#include "engine/net/link.hpp"

#include <poll.h>
#include <sodium.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "engine/core/error.hpp"
#include "engine/core/little_endian.hpp"
#include "engine/core/parameters.hpp"
#include "engine/protocol/messages.hpp"

namespace qkdpp::engine::net {

namespace {

// 2: the syndrome message carries the first round's shortening (u8 after p). 3: the start-up
// sample messages (a block's first QBER measured from a sample of it).
constexpr std::uint32_t kLinkVersion = 3;
constexpr std::size_t kTagBytes = crypto_onetimeauth_BYTES;  // 16
constexpr std::size_t kMaxFingerprintBytes = 1u << 16;
constexpr std::uint8_t kProtocolErrorStatus = 5;  // BlockStatus::kProtocolError
constexpr std::uint64_t kMaxSequenceGap = 1u << 16;
// Blocks ahead of the highest one seen that a frame may still belong to (the blocks in flight).
constexpr std::uint64_t kBlockWindow = 64;

Message control(MessageType type, std::vector<std::uint8_t> payload = {}) {
  Message m;
  m.type = type;
  m.payload = std::move(payload);
  return m;
}

// Bytes consumed from a key pool, in its state file POOL.used (decimal), replaced atomically.
std::filesystem::path state_path(const std::filesystem::path& pool) {
  std::filesystem::path p = pool;
  p += ".used";
  return p;
}

std::uint64_t read_used(const std::filesystem::path& pool) {
  std::ifstream in(state_path(pool));
  if (!in) return 0;
  std::uint64_t v = 0;
  if (!(in >> v)) throw InputError(state_path(pool).string() + ": not a byte count");
  return v;
}

void write_used(const std::filesystem::path& pool, std::uint64_t used) {
  const auto path = state_path(pool);
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << used << "\n";
    out.flush();
    if (!out) throw IoError(tmp.string() + ": cannot record the key pool's use");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

struct Link::State {
  Socket socket;
  Role role;
  LinkOptions options;

  // Authentication.
  bool auth = false;
  std::vector<std::uint8_t> pool;
  std::uint64_t start = 0, reserved = 0;
  std::array<std::uint8_t, 16> r_send{}, r_recv{};
  std::atomic<std::uint64_t> sent_frames{0}, received_frames{0};
  std::mutex send_mutex;

  // Receiving.
  struct Item {
    std::vector<std::uint8_t> frame;
    bool rejected = false;
  };
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::uint64_t, std::deque<Item>> boxes;
  std::set<std::uint64_t> closed;
  bool down = false, peer_bye = false, stopping = false;
  std::optional<std::uint64_t> peer_end;  // blocks the peer ran (its bye)
  std::string down_reason;
  LinkStats stats;
  std::thread receiver;
  bool peer_resuming = false;
  std::uint64_t max_block_seen = 0;  // in authentic frames and opened channels
  std::uint64_t peer_input_position = 0;
  std::uint64_t peer_blocks_done = 0;

  void log(const std::string& text) {
    if (options.log) options.log(text);
  }

  // Pool offset of the one-time pad of frame i in direction d (0: Alice to Bob).
  std::uint64_t pad_offset(std::uint64_t i, int d) const { return start + 32 + 32 * i + 16 * d; }

  std::condition_variable pool_grown;
  std::uint64_t replenished = 0;

  std::string exhausted() const {
    return "the authentication key pool " + options.auth_pool->string() + " is exhausted (" +
           std::to_string(pool.size()) + " bytes); supply fresh pre-shared key";
  }

  // The 16 pool bytes at `offset`, reserved in the state file before use. Waits (up to the
  // timeout) for the run to replenish the pool if they are not there yet; nullopt if they never
  // come. Call with `mutex` held through `lock`.
  std::optional<std::array<std::uint8_t, 16>> pool_bytes(std::unique_lock<std::mutex>& lock,
                                                         std::uint64_t offset) {
    if (offset + 16 > pool.size() && options.replenishing) {
      pool_grown.wait_for(lock, options.timeout,
                          [&] { return offset + 16 <= pool.size() || down || stopping; });
    }
    if (offset + 16 > pool.size()) return std::nullopt;
    if (offset + 16 > reserved) {
      reserved = std::min<std::uint64_t>(pool.size(), offset + 16 + options.reserve_bytes);
      write_used(*options.auth_pool, reserved);  // before the bytes are used
    }
    std::array<std::uint8_t, 16> out;
    std::memcpy(out.data(), pool.data() + offset, 16);
    return out;
  }

  std::array<std::uint8_t, kTagBytes> tag(std::span<const std::uint8_t> frame,
                                          const std::array<std::uint8_t, 16>& r,
                                          const std::array<std::uint8_t, 16>& pad) const {
    std::array<std::uint8_t, crypto_onetimeauth_KEYBYTES> key;
    std::memcpy(key.data(), r.data(), 16);
    std::memcpy(key.data() + 16, pad.data(), 16);
    std::array<std::uint8_t, kTagBytes> t;
    crypto_onetimeauth(t.data(), frame.data(), frame.size(), key.data());
    sodium_memzero(key.data(), key.size());
    return t;
  }

  int send_direction() const { return role == Role::kAlice ? 0 : 1; }

  void send_frame(std::vector<std::uint8_t> frame) {
    std::lock_guard lock(send_mutex);
    if (auth) {
      // Trailer: the frame's sequence number in its direction, then the tag over everything.
      const std::uint64_t seq = sent_frames;
      std::optional<std::array<std::uint8_t, 16>> pad;
      {
        std::unique_lock l(mutex);
        pad = pool_bytes(l, pad_offset(seq, send_direction()));
      }
      if (!pad) throw IoError(exhausted());
      append_le(frame, seq, 8);
      const auto t = tag(frame, r_send, *pad);
      frame.insert(frame.end(), t.begin(), t.end());
    }
    ++sent_frames;
    socket.write_all(frame.data(), frame.size(), options.timeout);
    std::lock_guard l(mutex);
    ++stats.frames_sent;
    stats.bytes_sent += frame.size();
  }

  void send(const Message& m) { send_frame(encode(m)); }

  // Reads one frame (header, payload, trailer); nullopt at a clean end of stream. Returns the frame
  // without its trailer; `authentic` tells whether it verified (always true without
  // authentication): a sequence number below the next expected one (a replay, or a frame
  // delivered after a later one) or a wrong tag fails, and does not move the expected number, so
  // an injected frame costs nothing but itself.
  std::optional<std::vector<std::uint8_t>> read_frame(bool& authentic) {
    std::vector<std::uint8_t> frame(kMessageHeaderBytes);
    if (!socket.read_exact(frame.data(), frame.size(), options.timeout)) return std::nullopt;
    if (std::memcmp(frame.data(), "QKPP", 4) != 0 || frame[4] != 1) {
      throw LinkError("connection: the stream is corrupted (bad frame header)");
    }
    const std::uint64_t length = load_le(frame.data() + 14, 4);
    if (length > kMaxPayloadBytes) throw LinkError("connection: frame length above the limit");
    const std::size_t trailer = auth ? 8 + kTagBytes : 0;
    frame.resize(kMessageHeaderBytes + length + trailer);
    if (frame.size() > kMessageHeaderBytes &&
        !socket.read_exact(frame.data() + kMessageHeaderBytes, length + trailer, options.timeout)) {
      throw LinkError("connection closed by the peer in the middle of a message");
    }
    authentic = true;
    if (auth) {
      const std::size_t body = kMessageHeaderBytes + length + 8;
      const std::uint64_t seq = load_le(frame.data() + body - 8, 8);
      const std::uint64_t expected = received_frames;
      authentic = false;
      // Sequence numbers far beyond the expected one are forgeries: no waiting for pool bytes.
      if (seq >= expected && seq - expected < kMaxSequenceGap) {
        std::optional<std::array<std::uint8_t, 16>> pad;
        {
          std::unique_lock l(mutex);
          pad = pool_bytes(l, pad_offset(seq, 1 - send_direction()));
        }
        if (pad) {
          const auto want = tag(std::span(frame.data(), body), r_recv, *pad);
          authentic = sodium_memcmp(frame.data() + body, want.data(), kTagBytes) == 0;
        }
      }
      if (authentic) received_frames = seq + 1;
      frame.resize(kMessageHeaderBytes + length);
    } else {
      ++received_frames;
    }
    return frame;
  }

  void receive_loop() {
    try {
      for (;;) {
        pollfd_wait();
        if (stopping) return;
        bool authentic = false;
        auto frame = read_frame(authentic);
        std::unique_lock lock(mutex);
        if (!frame) {
          down = true;
          down_reason = "the peer closed the connection";
          changed.notify_all();
          return;
        }
        ++stats.frames_received;
        stats.bytes_received += frame->size() + (auth ? 8 + kTagBytes : 0);
        const auto type = static_cast<MessageType>((*frame)[5]);
        const std::uint64_t block = load_le(frame->data() + 6, 8);
        if (!authentic) {
          ++stats.rejected;
          log("rejected a " + to_string(type) + " frame for block " + std::to_string(block) +
              ": authentication failed (forged, altered, replayed or reordered)");
        }
        if (type == MessageType::kBye) {
          if (authentic) {
            peer_bye = true;
            if (frame->size() == kMessageHeaderBytes + 8) {
              peer_end = load_le(frame->data() + kMessageHeaderBytes, 8);
            }
          }
          changed.notify_all();
          continue;
        }
        if (type == MessageType::kHello || type == MessageType::kHelloAck) continue;
        if (authentic) {
          max_block_seen = std::max(max_block_seen, block);
        } else if (block > max_block_seen + kBlockWindow) {
          // The block field itself may be what was altered: no block can be told to end, so end
          // the connection (the resumption discards the blocks in flight) rather than let the
          // real block wait out its timeout.
          down = true;
          down_reason = "a frame failed authentication and names no block in flight";
          changed.notify_all();
          lock.unlock();
          socket.shutdown();
          return;
        }
        if (closed.count(block) != 0) {
          log("dropped a " + to_string(type) + " frame for block " + std::to_string(block) +
              ", which has ended here");
          continue;
        }
        boxes[block].push_back(
            {authentic ? std::move(*frame) : std::vector<std::uint8_t>{}, !authentic});
        changed.notify_all();
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex);
      if (!stopping) {
        down = true;
        down_reason = e.what();
      }
      changed.notify_all();
    }
  }

  // Waits for readable data in slices, so that stopping is noticed.
  void pollfd_wait() {
    pollfd p{socket.fd(), POLLIN, 0};
    while (!stopping) {
      const int rc = ::poll(&p, 1, 200);
      if (rc > 0 || (rc < 0 && errno != EINTR)) return;
    }
  }

  void stop() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    socket.shutdown();
    if (receiver.joinable()) receiver.join();
  }
};

namespace {

class BlockChannel final : public Channel {
 public:
  BlockChannel(std::shared_ptr<Link::State> s, std::uint64_t block)
      : s_(std::move(s)), block_(block) {}

 protected:
  void do_send(std::vector<std::uint8_t> frame, std::uint64_t) override {
    s_->send_frame(std::move(frame));
  }

  std::optional<std::pair<std::vector<std::uint8_t>, std::uint64_t>> do_receive(
      bool wait) override {
    std::unique_lock lock(s_->mutex);
    auto& box = s_->boxes[block_];
    if (wait) {
      const auto ended = [&] { return s_->peer_end && block_ >= *s_->peer_end; };
      const bool ready = s_->changed.wait_for(lock, s_->options.timeout,
                                              [&] { return !box.empty() || s_->down || ended(); });
      if (box.empty() && ended()) {
        throw PeerEnded("block " + std::to_string(block_) + ": the peer ended the run after " +
                        std::to_string(*s_->peer_end) + " blocks");
      }
      if (!ready) {
        throw LinkError("block " + std::to_string(block_) + ": no message from the peer for " +
                        std::to_string(s_->options.timeout.count() / 1000) + " s");
      }
    }
    if (box.empty()) {
      if (wait && s_->down) {
        throw LinkError("block " + std::to_string(block_) +
                        ": connection lost: " + s_->down_reason);
      }
      return std::nullopt;
    }
    Link::State::Item item = std::move(box.front());
    box.pop_front();
    if (!item.rejected) return std::make_pair(std::move(item.frame), std::uint64_t{0});
    // A frame of this block failed authentication: the block ends on both sides.
    lock.unlock();
    PayloadWriter w;
    w.u8(kProtocolErrorStatus);
    Message abort = control(MessageType::kAbort, w.take());
    abort.block = block_;
    try {
      s_->send(abort);
    } catch (const LinkError&) {  // the connection is gone too; the local abort still stands
    }
    return std::make_pair(encode(abort), std::uint64_t{0});
  }

 private:
  std::shared_ptr<Link::State> s_;
  std::uint64_t block_;
};

}  // namespace

Link::Link(Socket socket, Role role, const std::string& fingerprint, LinkOptions options)
    : state_(std::make_shared<State>()) {
  State& s = *state_;
  s.socket = std::move(socket);
  s.role = role;
  s.options = std::move(options);
  if (sodium_init() < 0) throw IoError("libsodium failed to initialise");
  std::uint64_t own_offset = 0;
  if (s.options.auth_pool) {
    const auto& path = *s.options.auth_pool;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path.string() + ": cannot read the authentication key pool");
    s.pool.assign(std::istreambuf_iterator<char>(in), {});
    own_offset = read_used(path);
    s.auth = true;
  }
  // Hellos, unauthenticated, then acknowledgements over both, authenticated.
  PayloadWriter w;
  w.u32(kLinkVersion).u8(static_cast<std::uint8_t>(role)).u8(s.auth ? 1 : 0).u64(own_offset);
  w.u8(s.options.resuming ? 1 : 0).u64(s.options.resuming ? s.options.blocks_done : 0);
  w.u64(s.pool.size()).u64(s.options.input_position);
  w.bytes(std::span(reinterpret_cast<const std::uint8_t*>(fingerprint.data()), fingerprint.size()));
  const std::vector<std::uint8_t> own_hello = encode(control(MessageType::kHello, w.take()));
  s.socket.write_all(own_hello.data(), own_hello.size(), s.options.timeout);
  const bool auth = s.auth;
  s.auth = false;  // the hello carries no tag
  bool authentic = false;
  const auto peer_hello = s.read_frame(authentic);
  s.auth = auth;
  s.received_frames = 0;
  if (!peer_hello) throw LinkError("the peer closed the connection during the handshake");
  const Message hello = decode(*peer_hello);
  if (hello.type != MessageType::kHello) throw LinkError("handshake: the peer did not say hello");
  PayloadReader r(hello.payload, "hello message");
  const std::uint32_t version = r.u32();
  const std::uint8_t peer_role = r.u8();
  const bool peer_auth = r.u8() != 0;
  const std::uint64_t peer_offset = r.u64();
  s.peer_resuming = r.u8() != 0;
  s.peer_blocks_done = r.u64();
  const std::uint64_t peer_pool = r.u64();
  s.peer_input_position = r.u64();
  const auto peer_fp = r.bytes(kMaxFingerprintBytes);
  r.finish();
  if (version != kLinkVersion) {
    throw InputError("handshake: the peer speaks link version " + std::to_string(version) +
                     ", this is version " + std::to_string(kLinkVersion));
  }
  if (peer_role == static_cast<std::uint8_t>(role)) {
    throw InputError(std::string("handshake: both sides are ") +
                     (role == Role::kAlice ? "Alice" : "Bob"));
  }
  if (peer_auth != s.auth) {
    throw InputError(std::string("handshake: ") + (s.auth ? "the peer" : "this side") +
                     " has no authentication key pool (--auth-key): both or neither must");
  }
  const std::string peer_fingerprint(peer_fp.begin(), peer_fp.end());
  if (peer_fingerprint != fingerprint) {
    throw InputError("handshake: the peer runs with other parameters (peer vs here): " +
                     parameter_differences(peer_fingerprint, fingerprint));
  }
  if (s.auth) {
    // Both pools grow by the same final keys in the same order, so the shorter is a prefix of the
    // longer: bytes one side appended from a block the other never finished are cut.
    if (peer_pool < s.pool.size()) {
      s.pool.resize(peer_pool);
      std::filesystem::resize_file(*s.options.auth_pool, peer_pool);
    }
    s.start = std::max(own_offset, peer_offset);
    s.reserved = s.start;
    std::unique_lock l(s.mutex);
    if (s.start + 32 > s.pool.size()) throw IoError(s.exhausted());
    s.pool_bytes(l, s.start + 16);
    const int d = s.send_direction();
    std::memcpy(s.r_send.data(), s.pool.data() + s.start + 16 * d, 16);
    std::memcpy(s.r_recv.data(), s.pool.data() + s.start + 16 * (1 - d), 16);
    s.stats.pool_offset = s.start;
    s.stats.authenticated = true;
  }
  // Both acknowledge the transcript (Alice's hello first), authenticated.
  const auto& alice_hello = role == Role::kAlice ? own_hello : *peer_hello;
  const auto& bob_hello = role == Role::kAlice ? *peer_hello : own_hello;
  std::vector<std::uint8_t> transcript(alice_hello);
  transcript.insert(transcript.end(), bob_hello.begin(), bob_hello.end());
  std::vector<std::uint8_t> digest(32);
  crypto_generichash(digest.data(), digest.size(), transcript.data(), transcript.size(), nullptr,
                     0);
  s.send(control(MessageType::kHelloAck, digest));
  const auto ack = s.read_frame(authentic);
  if (!ack) throw LinkError("the peer closed the connection during the handshake");
  const Message ack_msg = decode(*ack);
  if (!authentic || ack_msg.type != MessageType::kHelloAck || ack_msg.payload != digest) {
    throw InputError(
        "handshake: the peer's acknowledgement failed authentication (different "
        "key pools, or the hellos were altered in transit)");
  }
  s.receiver = std::thread([st = state_] { st->receive_loop(); });
}

Link::~Link() {
  if (state_) state_->stop();
}

std::unique_ptr<Channel> Link::open_block(std::uint64_t block) {
  {
    std::lock_guard lock(state_->mutex);
    state_->max_block_seen = std::max(state_->max_block_seen, block);
  }
  return std::make_unique<BlockChannel>(state_, block);
}

void Link::close_block(std::uint64_t block) {
  std::lock_guard lock(state_->mutex);
  state_->boxes.erase(block);
  state_->closed.insert(block);
  while (state_->closed.size() > 4096) state_->closed.erase(state_->closed.begin());
}

void Link::fail(const std::string& reason) {
  State& s = *state_;
  {
    std::lock_guard lock(s.mutex);
    if (!s.down) {
      s.down = true;
      s.down_reason = reason;
    }
    s.changed.notify_all();
    s.pool_grown.notify_all();
  }
  s.socket.shutdown();
}

void Link::finish(std::uint64_t blocks_run) {
  State& s = *state_;
  PayloadWriter w;
  w.u64(blocks_run);
  s.send(control(MessageType::kBye, w.take()));
  {
    std::unique_lock lock(s.mutex);
    s.changed.wait_for(lock, s.options.timeout, [&] { return s.peer_bye || s.down; });
  }
  s.stop();
}

void Link::replenish(std::span<const std::uint8_t> bytes) {
  State& s = *state_;
  if (!s.auth || bytes.empty()) return;
  std::lock_guard lock(s.mutex);
  {
    std::ofstream out(*s.options.auth_pool, std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw IoError(s.options.auth_pool->string() + ": cannot append to the key pool");
  }
  s.pool.insert(s.pool.end(), bytes.begin(), bytes.end());
  s.replenished += bytes.size();
  s.pool_grown.notify_all();
}

ResumePoint Link::resume_point(std::uint64_t max_in_flight, std::uint64_t total_blocks) const {
  const State& s = *state_;
  ResumePoint p;
  p.resume = s.options.resuming || s.peer_resuming;
  if (!p.resume) return p;
  const std::uint64_t own = s.options.resuming ? s.options.blocks_done : 0;
  p.keep_blocks = std::min(own, s.peer_blocks_done);
  p.discard_until = std::max(
      {p.keep_blocks, std::min(total_blocks, std::max(own, s.peer_blocks_done) + max_in_flight),
       s.options.input_position, s.peer_input_position});
  return p;
}

LinkStats Link::stats() const {
  std::lock_guard lock(state_->mutex);
  LinkStats st = state_->stats;
  st.replenished_bytes = state_->replenished;
  st.pool_bytes = state_->pool.size();
  if (state_->auth) {
    st.auth_key_bytes =
        32 + 32 * std::max(state_->sent_frames.load(), state_->received_frames.load());
  }
  return st;
}

}  // namespace qkdpp::engine::net
