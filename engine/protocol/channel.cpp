// In-process channel: two queues of encoded frames behind one mutex.
#include "engine/protocol/channel.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>

#include "engine/core/error.hpp"

namespace qkdpp::engine {

void Channel::send(const Message& m) {
  std::vector<std::uint8_t> frame = encode(m);
  ++sent_.messages;
  sent_.wire_bits += 8 * frame.size();
  sent_.disclosed_bits += m.disclosed_bits;
  do_send(std::move(frame), m.disclosed_bits);
}

Message Channel::accept(std::pair<std::vector<std::uint8_t>, std::uint64_t> frame) {
  Message m = decode(frame.first);
  m.disclosed_bits = frame.second;
  ++received_.messages;
  received_.wire_bits += 8 * frame.first.size();
  received_.disclosed_bits += m.disclosed_bits;
  return m;
}

std::optional<Message> Channel::try_receive() {
  auto got = do_receive(false);
  if (!got) return std::nullopt;
  return accept(std::move(*got));
}

Message Channel::receive() {
  auto got = do_receive(true);
  if (!got) throw IoError("channel: the peer closed the connection");
  return accept(std::move(*got));
}

namespace {

struct Shared {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::pair<std::vector<std::uint8_t>, std::uint64_t>> queue[2];  // to side 0, 1
  bool closed[2] = {false, false};
};

class InProcessEndpoint final : public Channel {
 public:
  InProcessEndpoint(std::shared_ptr<Shared> shared, int side)
      : shared_(std::move(shared)), side_(side) {}
  ~InProcessEndpoint() override {
    std::lock_guard lock(shared_->mutex);
    shared_->closed[side_] = true;
    shared_->ready.notify_all();
  }

 protected:
  void do_send(std::vector<std::uint8_t> frame, std::uint64_t disclosed) override {
    std::lock_guard lock(shared_->mutex);
    if (shared_->closed[1 - side_]) throw IoError("channel: the peer closed the connection");
    shared_->queue[1 - side_].emplace_back(std::move(frame), disclosed);
    shared_->ready.notify_all();
  }
  std::optional<std::pair<std::vector<std::uint8_t>, std::uint64_t>> do_receive(
      bool wait) override {
    std::unique_lock lock(shared_->mutex);
    auto& q = shared_->queue[side_];
    if (wait) {
      shared_->ready.wait(lock, [&] { return !q.empty() || shared_->closed[1 - side_]; });
    }
    if (q.empty()) return std::nullopt;
    auto front = std::move(q.front());
    q.pop_front();
    return front;
  }

 private:
  std::shared_ptr<Shared> shared_;
  int side_;
};

}  // namespace

std::pair<std::unique_ptr<Channel>, std::unique_ptr<Channel>> make_in_process_channel() {
  auto shared = std::make_shared<Shared>();
  return {std::make_unique<InProcessEndpoint>(shared, 0),
          std::make_unique<InProcessEndpoint>(shared, 1)};
}

}  // namespace qkdpp::engine
