// The classical channel between Alice and Bob: an interface carrying serialised protocol messages
// both ways and counting everything that crosses it. Batch mode uses the in-process pair; the TCP
// transport implements the same interface.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "engine/protocol/messages.hpp"

namespace qkdpp::engine {

struct TrafficCounters {
  std::uint64_t messages = 0;
  std::uint64_t wire_bits = 0;       // header and payload bits on the wire
  std::uint64_t disclosed_bits = 0;  // key-dependent bits (Message::disclosed_bits)
};

class Channel {
 public:
  virtual ~Channel() = default;
  // Sends one message (counted in sent()).
  void send(const Message& m);
  // The next message, or nothing when none is waiting (never blocks).
  std::optional<Message> try_receive();
  // The next message, waiting for it; IoError when the peer is gone.
  Message receive();

  const TrafficCounters& sent() const noexcept { return sent_; }
  const TrafficCounters& received() const noexcept { return received_; }

 protected:
  virtual void do_send(std::vector<std::uint8_t> frame, std::uint64_t disclosed_bits) = 0;
  // A frame and its sender-declared disclosed bits, if any is waiting (blocking when `wait`).
  virtual std::optional<std::pair<std::vector<std::uint8_t>, std::uint64_t>> do_receive(
      bool wait) = 0;

 private:
  Message accept(std::pair<std::vector<std::uint8_t>, std::uint64_t> frame);  // decode and count
  TrafficCounters sent_, received_;
};

// Two connected endpoints in one process (thread-safe: the two sides may run on two threads).
std::pair<std::unique_ptr<Channel>, std::unique_ptr<Channel>> make_in_process_channel();

}  // namespace qkdpp::engine
