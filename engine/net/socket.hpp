// Blocking TCP sockets with a timeout on every wait (POSIX sockets and poll(2)).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace qkdpp::engine::net {

// "HOST:PORT" (HOST a name or IPv4 address, or [IPv6]); InputError naming the text otherwise.
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  static Endpoint parse(const std::string& text);
  std::string to_string() const;
};

class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) noexcept : fd_(fd) {}
  Socket(Socket&& o) noexcept : fd_(o.release()) {}
  Socket& operator=(Socket&& o) noexcept;
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  bool valid() const noexcept { return fd_ >= 0; }
  int fd() const noexcept { return fd_; }
  int release() noexcept;
  // Unblocks a reader on another thread (shutdown(2) both ways).
  void shutdown() noexcept;

  // Writes everything or throws IoError ("timed out" after `timeout` without progress, or the
  // peer is gone).
  void write_all(const void* data, std::size_t size, std::chrono::milliseconds timeout);
  // Reads exactly `size` bytes. Returns false on a clean end of stream before the first byte;
  // throws IoError on a timeout, an error, or an end of stream inside the block.
  bool read_exact(void* data, std::size_t size, std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

// A listening socket (SO_REUSEADDR). port 0 picks a free port: bound_port() tells which.
class Listener {
 public:
  explicit Listener(const Endpoint& at);
  std::uint16_t bound_port() const noexcept { return port_; }
  // IoError after `timeout` without a connection.
  Socket accept(std::chrono::milliseconds timeout);

 private:
  Socket socket_;
  std::uint16_t port_ = 0;
};

// Connects, retrying refused connections until `timeout` (the peer may start later).
Socket connect_to(const Endpoint& to, std::chrono::milliseconds timeout);

}  // namespace qkdpp::engine::net
