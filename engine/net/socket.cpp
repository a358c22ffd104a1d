// POSIX TCP sockets with poll(2) timeouts.
#include "engine/net/socket.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "engine/core/error.hpp"

namespace qkdpp::engine::net {

namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text() { return std::strerror(errno); }

// Waits until the socket is readable (POLLIN) or writable (POLLOUT); false on timeout.
bool wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    const int rc = ::poll(&p, 1, static_cast<int>(std::max<long long>(left, 0)));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) throw LinkError("poll: " + errno_text());
  }
}

struct AddrInfo {
  addrinfo* list = nullptr;
  ~AddrInfo() {
    if (list) freeaddrinfo(list);
  }
};

void resolve(const Endpoint& e, bool passive, AddrInfo& out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  const std::string port = std::to_string(e.port);
  const int rc =
      getaddrinfo(e.host.empty() ? nullptr : e.host.c_str(), port.c_str(), &hints, &out.list);
  if (rc != 0) throw LinkError(e.to_string() + ": cannot resolve: " + gai_strerror(rc));
}

void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

Endpoint Endpoint::parse(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    throw InputError("'" + text + "' is not HOST:PORT");
  }
  Endpoint e;
  e.host = text.substr(0, colon);
  if (e.host.size() >= 2 && e.host.front() == '[' && e.host.back() == ']') {
    e.host = e.host.substr(1, e.host.size() - 2);
  }
  const std::string port = text.substr(colon + 1);
  unsigned long v = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || v > 65535)
      throw InputError("'" + text + "': bad port '" + port + "'");
    v = v * 10 + static_cast<unsigned long>(c - '0');
  }
  if (v > 65535) throw InputError("'" + text + "': bad port '" + port + "'");
  e.port = static_cast<std::uint16_t>(v);
  return e;
}

std::string Endpoint::to_string() const { return host + ":" + std::to_string(port); }

Socket& Socket::operator=(Socket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

int Socket::release() noexcept {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void Socket::shutdown() noexcept {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

void Socket::write_all(const void* data, std::size_t size, std::chrono::milliseconds timeout) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = ::send(fd_, p, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      p += n;
      size -= static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd_, POLLOUT, timeout)) {
        throw LinkError("connection: send timed out after " + std::to_string(timeout.count()) +
                        " ms (peer not reading)");
      }
      continue;
    }
    throw LinkError("connection lost while sending: " + errno_text());
  }
}

bool Socket::read_exact(void* data, std::size_t size, std::chrono::milliseconds timeout) {
  auto* p = static_cast<std::uint8_t*>(data);
  std::size_t got = 0;
  while (got < size) {
    if (!wait_for(fd_, POLLIN, timeout)) {
      throw LinkError("connection: no data from the peer for " + std::to_string(timeout.count()) +
                      " ms");
    }
    const ssize_t n = ::recv(fd_, p + got, size - got, MSG_DONTWAIT);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) {
      if (got == 0) return false;
      throw LinkError("connection closed by the peer in the middle of a message");
    }
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
    throw LinkError("connection lost while receiving: " + errno_text());
  }
  return true;
}

Listener::Listener(const Endpoint& at) {
  AddrInfo ai;
  resolve(at, true, ai);
  std::string last = "no address";
  for (addrinfo* a = ai.list; a; a = a->ai_next) {
    Socket s(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!s.valid()) {
      last = errno_text();
      continue;
    }
    int one = 1;
    setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(s.fd(), a->ai_addr, a->ai_addrlen) != 0 || ::listen(s.fd(), 4) != 0) {
      last = errno_text();
      continue;
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    getsockname(s.fd(), reinterpret_cast<sockaddr*>(&bound), &len);
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    socket_ = std::move(s);
    return;
  }
  throw LinkError(at.to_string() + ": cannot listen: " + last);
}

Socket Listener::accept(std::chrono::milliseconds timeout) {
  if (!wait_for(socket_.fd(), POLLIN, timeout)) {
    throw LinkError("no peer connected within " + std::to_string(timeout.count() / 1000) + " s");
  }
  Socket s(::accept4(socket_.fd(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!s.valid()) throw LinkError("accept: " + errno_text());
  set_nodelay(s.fd());
  return s;
}

Socket connect_to(const Endpoint& to, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string last;
  for (;;) {
    AddrInfo ai;
    resolve(to, false, ai);
    for (addrinfo* a = ai.list; a; a = a->ai_next) {
      Socket s(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
      if (!s.valid()) continue;
      if (::connect(s.fd(), a->ai_addr, a->ai_addrlen) == 0) {
        set_nodelay(s.fd());
        return s;
      }
      last = errno_text();
    }
    if (Clock::now() >= deadline) {
      throw LinkError(to.to_string() + ": cannot connect: " + last);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace qkdpp::engine::net
