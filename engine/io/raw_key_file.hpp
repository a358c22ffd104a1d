// Reader and writer for `qkdpp-raw` HDF5 files (SPEC section 5): Alice's and Bob's raw keys,
// bit-packed, read and written in slices so a key far larger than memory streams in bounded memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kernels/bits/bit_vector.hpp"

namespace qkdpp::engine::io {

enum class Party { kAlice, kBob };
std::string_view to_string(Party party) noexcept;  // "alice" / "bob"

inline constexpr std::string_view kRawFormatName = "qkdpp-raw";
inline constexpr std::uint64_t kRawFormatVersion = 1;

// Opens and validates a qkdpp-raw file. Every schema violation throws InputError naming the file
// and the offending object; an unreadable file throws IoError. Not copyable; reads are serialised.
class RawKeyReader {
 public:
  explicit RawKeyReader(const std::filesystem::path& path);
  ~RawKeyReader();
  RawKeyReader(RawKeyReader&&) noexcept;
  RawKeyReader& operator=(RawKeyReader&&) noexcept;

  const std::filesystem::path& path() const noexcept;
  bool has(Party party) const noexcept;
  // Valid bits of a party's key; throws InputError if the party is absent.
  std::uint64_t bits(Party party) const;
  // Bits [start_bit, start_bit + bits) of a party's key; throws InputError past the end.
  kernels::BitVector read(Party party, std::uint64_t start_bit, std::uint64_t bits) const;

  // Informational root attributes (never trusted by the engine).
  std::optional<std::string> string_attribute(const std::string& name) const;
  std::optional<double> number_attribute(const std::string& name) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads one party's key in consecutive slices of `slice_bits` bits (the last may be shorter).
class RawKeySliceStream {
 public:
  RawKeySliceStream(const RawKeyReader& reader, Party party, std::uint64_t slice_bits);
  // Fills `out` with the next slice; returns false (and leaves `out` empty) at the end.
  bool next(kernels::BitVector& out);
  std::uint64_t position() const noexcept { return position_; }

 private:
  const RawKeyReader& reader_;
  Party party_;
  std::uint64_t slice_bits_;
  std::uint64_t total_bits_;
  std::uint64_t position_ = 0;
};

struct RawKeyWriteOptions {
  bool alice = true;
  bool bob = true;
  int deflate_level = 1;                 // 0 disables compression
  std::uint64_t chunk_bytes = 1u << 20;  // HDF5 chunk size and write granularity
};

// Writes a qkdpp-raw file to `<path>.partial` and renames it to `path` on commit(), so an
// interrupted run never leaves a file that looks complete. Destroying an uncommitted writer
// deletes the partial file.
class RawKeyWriter {
 public:
  RawKeyWriter(std::filesystem::path path, RawKeyWriteOptions options = {});
  ~RawKeyWriter();
  RawKeyWriter(const RawKeyWriter&) = delete;
  RawKeyWriter& operator=(const RawKeyWriter&) = delete;

  void append(Party party, const kernels::BitVector& bits);
  void set_attribute(const std::string& name, const std::string& value);
  void set_attribute(const std::string& name, double value);
  void set_attribute(const std::string& name, std::uint64_t value);
  // Flushes, writes `bits` and the format attributes, closes and renames. Throws IoError on failure
  // (the partial file is then removed).
  void commit();

  std::uint64_t bits_written(Party party) const noexcept;
  const std::filesystem::path& partial_path() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qkdpp::engine::io
