#include "server/file_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace runnel::server {

FileLimit RaiseOpenFileLimit() {
  FileLimit out;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return out;
  const uint64_t hard = limit.rlim_max == RLIM_INFINITY ? kMaxOpenFiles : limit.rlim_max;
  out.before = out.after = limit.rlim_cur;
  out.hard = hard;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < hard) {
    limit.rlim_cur = hard;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0) out.after = hard;
  }
  return out;
}

}  // namespace runnel::server
