// Packed-bit files: bounded reads with clear errors, atomic writes.
#include "engine/io/packed_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/error.hpp"

namespace qkdpp::engine::io {

namespace {
struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;
}  // namespace

std::uint64_t regular_file_bytes(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(path.string() + ": no such file");
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw InputError(path.string() + ": not a regular file");
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw InputError(path.string() + ": cannot read its size: " + ec.message());
  return static_cast<std::uint64_t>(size);
}

std::uint64_t packed_file_capacity_bits(const std::filesystem::path& path) {
  return regular_file_bytes(path) * 8;
}

kernels::BitVector read_packed_file(const std::filesystem::path& path, std::uint64_t bits) {
  const std::uint64_t capacity = packed_file_capacity_bits(path);
  if (capacity < bits) {
    throw InputError(path.string() + ": holds " + std::to_string(capacity) + " bits (" +
                     std::to_string(capacity / 8) + " bytes) but " + std::to_string(bits) +
                     " bits are needed");
  }
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) throw InputError(path.string() + ": cannot open: " + std::strerror(errno));
  std::vector<std::uint8_t> bytes(kernels::bytes_for_bits(bits));
  if (!bytes.empty() && std::fread(bytes.data(), 1, bytes.size(), f.get()) != bytes.size()) {
    throw IoError(path.string() + ": read failed after " + std::to_string(std::ftell(f.get())) +
                  " bytes");
  }
  return kernels::BitVector::from_bytes(bytes, bits);
}

void write_packed_file(const std::filesystem::path& path, const kernels::BitVector& bits) {
  std::filesystem::path partial = path;
  partial += ".partial";
  const std::vector<std::uint8_t> bytes = bits.to_bytes();
  {
    File f(std::fopen(partial.c_str(), "wb"));
    if (!f) throw IoError(partial.string() + ": cannot create: " + std::strerror(errno));
    const bool written =
        bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), f.get()) == bytes.size();
    const bool flushed = std::fflush(f.get()) == 0;
    if (!written || !flushed) {
      const std::string reason = std::strerror(errno);
      f.reset();
      std::filesystem::remove(partial);
      throw IoError(partial.string() + ": write failed (" + reason + ")");
    }
    if (std::fclose(f.release()) != 0) {
      std::filesystem::remove(partial);
      throw IoError(partial.string() + ": close failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    std::filesystem::remove(partial, ec);
    throw IoError("cannot rename " + partial.string() + " to " + path.string() + ": " +
                  ec.message());
  }
}

}  // namespace qkdpp::engine::io
