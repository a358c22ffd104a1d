// Raw packed-bit files (SPEC section 1: LSB-first bytes, nothing else; the bit count is separate).
#pragma once

#include <cstdint>
#include <filesystem>

#include "kernels/bits/bit_vector.hpp"

namespace qkdpp::engine::io {

// Size in bytes of a regular file; InputError naming the file if it is missing, not a regular
// file, or unreadable.
std::uint64_t regular_file_bytes(const std::filesystem::path& path);

// Bits a file can hold: 8 * its size. Throws InputError if it does not exist or is not a file.
std::uint64_t packed_file_capacity_bits(const std::filesystem::path& path);

// The first `bits` bits of the file; InputError naming the file if it holds fewer.
kernels::BitVector read_packed_file(const std::filesystem::path& path, std::uint64_t bits);

// Writes ceil(bits/8) bytes to `path` via `path.partial` and a rename, so an interrupted write
// never leaves a complete-looking file. IoError if the file cannot be written (missing directory,
// disk full).
void write_packed_file(const std::filesystem::path& path, const kernels::BitVector& bits);

}  // namespace qkdpp::engine::io
