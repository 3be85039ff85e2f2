// The process's open-file limit. Every shard keeps its active segment file open and every
// client connection is a socket, so Debian's default soft limit (1024) would make a
// CreateStream of a few hundred shards, or a burst of connections, fail with EMFILE long
// before --shard-limit. `runnel serve` raises the soft limit to the hard limit at start,
// as nginx (worker_rlimit_nofile) and the Go runtime do.
#pragma once

#include <cstdint>

namespace runnel::server {

struct FileLimit {
  uint64_t before = 0;  // soft limit found
  uint64_t after = 0;   // soft limit now in force
  uint64_t hard = 0;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (capped at kMaxOpenFiles when the hard
// limit is unlimited). Never lowers it. Returns the limits (all zero if getrlimit failed).
FileLimit RaiseOpenFileLimit();

inline constexpr uint64_t kMaxOpenFiles = 1u << 20;

}  // namespace runnel::server
