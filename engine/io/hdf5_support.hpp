// RAII handles and error capture for the HDF5 C API, shared by the engine's file formats.
// libhdf5 as packaged by Debian is not thread-safe: every call goes under hdf5_mutex().
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "kernels/bits/bit_vector.hpp"

namespace qkdpp::engine::io::detail {

std::mutex& hdf5_mutex();

// Turns off HDF5's printing of its error stack (we report errors ourselves). Idempotent.
void silence_hdf5_errors();

// The current HDF5 error stack as one line ("; "-separated descriptions), then clears it.
std::string hdf5_error_text();

class H5Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Handle() = default;
  H5Handle(hid_t id, Closer closer) noexcept : id_(id), closer_(closer) {}
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  H5Handle(H5Handle&& other) noexcept : id_(other.id_), closer_(other.closer_) { other.id_ = -1; }
  H5Handle& operator=(H5Handle&& other) noexcept;
  ~H5Handle() { reset(); }

  hid_t get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }
  // Closes the handle; returns false if HDF5 reported an error while closing.
  bool reset() noexcept;

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

// Attribute helpers; `where` names the object in error messages. Return nullopt when absent.
std::optional<std::string> read_string_attribute(hid_t object, const char* name,
                                                 const std::string& where);
// Reads an integer attribute (any integer dtype, scalar or one element); throws InputError if it
// is not an integer or is negative.
std::optional<std::uint64_t> read_uint_attribute(hid_t object, const char* name,
                                                 const std::string& where);
std::optional<double> read_double_attribute(hid_t object, const char* name,
                                            const std::string& where);

void write_string_attribute(hid_t object, const char* name, const std::string& value);
void write_uint_attribute(hid_t object, const char* name, std::uint64_t value);
void write_double_attribute(hid_t object, const char* name, double value);

// The same, taking hdf5_mutex() (for writers' public set_attribute overloads).
void write_attribute_locked(hid_t object, const std::string& name, const std::string& value);
void write_attribute_locked(hid_t object, const std::string& name, double value);
void write_attribute_locked(hid_t object, const std::string& name, std::uint64_t value);

// The first step of every atomic writer: `<path>.partial`, created (truncated) as an HDF5 file;
// the caller holds hdf5_mutex(). IoError naming the file on failure.
std::filesystem::path partial_path(const std::filesystem::path& path);
H5Handle create_partial_file(const std::filesystem::path& partial);

// Flushes and closes `file`, then renames `partial` to `path` (the last step of every atomic
// writer; the caller holds hdf5_mutex()). IoError naming the file on failure.
void close_and_rename(H5Handle& file, const std::filesystem::path& partial,
                      const std::filesystem::path& path);

// "uint8", "int32", "float64", "string", ... for messages about wrong dtypes.
std::string describe_dtype(hid_t type);

// An extendible, chunked 1-D uint8 dataset of packed bits (SPEC section 1) written by appending:
// whole chunks go to disk as they fill, finish() writes the rest and the `bits` attribute.
// Calls must hold hdf5_mutex(), except append(), which takes it when it writes.
class PackedBitAppender {
 public:
  // `file_name` names the file in error messages.
  PackedBitAppender(hid_t parent, const std::string& name, std::uint64_t chunk_bytes,
                    int deflate_level, std::string file_name);
  void append(const kernels::BitVector& bits);
  void finish();
  std::uint64_t bits() const noexcept { return bits_; }
  // Closes the dataset; false if HDF5 reported an error.
  bool close() noexcept { return dataset_.reset(); }

 private:
  void write(std::uint64_t nbits);  // the first nbits of pending_ (a multiple of 8, or all)
  H5Handle dataset_;
  std::string name_, file_name_;
  std::uint64_t chunk_bytes_;
  kernels::BitVector pending_;
  std::uint64_t bytes_on_disk_ = 0, bits_ = 0;
};

}  // namespace qkdpp::engine::io::detail
