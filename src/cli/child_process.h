// Child processes for `demo`: fork/exec with stdout/stderr redirected to files, bounded waits,
// SIGTERM-then-SIGKILL stop. A child gets SIGTERM if the parent dies (PR_SET_PDEATHSIG), and a
// ChildProcess still running when destroyed is killed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace runnel::cli {

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // Runs argv[0] (a path) with the given arguments; output goes to the files (truncated).
  static Result<ChildProcess, std::string> Spawn(const std::vector<std::string>& argv,
                                                 const std::string& stdout_path,
                                                 const std::string& stderr_path);

  pid_t pid() const { return pid_; }
  bool running();
  // Waits up to `timeout` for the exit; returns the exit status (128+signal when killed by one),
  // or nullopt if it is still running.
  std::optional<int> WaitFor(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL; returns the exit status.
  int Stop(std::chrono::milliseconds grace);

 private:
  bool Reap(int options);
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
Result<int, std::string> FindFreePort();

// The path of the running executable (/proc/self/exe resolved).
std::string SelfExecutable();

}  // namespace runnel::cli
