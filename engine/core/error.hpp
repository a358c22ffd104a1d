// The engine's exception types. Messages name what was wrong and where (file, field, block).
#pragma once

#include <stdexcept>
#include <string>

namespace qkdpp {

// Base of every error the engine reports about its inputs or environment.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Input from outside (a file, a command-line value, a peer) is malformed or out of range.
class InputError : public Error {
 public:
  using Error::Error;
};

// The operating system or a storage library failed (cannot open, write, rename, disk full).
class IoError : public Error {
 public:
  using Error::Error;
};

// The network connection to the peer failed (refused, dropped, timed out): a two-machine run can
// reconnect and resume.
class LinkError : public IoError {
 public:
  using IoError::IoError;
};

}  // namespace qkdpp
