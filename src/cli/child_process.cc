#include "cli/child_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

namespace runnel::cli {

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), status_(other.status_) {
  other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (running()) Stop(std::chrono::milliseconds(2000));
    pid_ = other.pid_;
    status_ = other.status_;
    other.pid_ = -1;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (running()) Stop(std::chrono::milliseconds(2000));
}

Result<ChildProcess, std::string> ChildProcess::Spawn(const std::vector<std::string>& argv,
                                                      const std::string& stdout_path,
                                                      const std::string& stderr_path) {
  int out = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0 || err < 0) {
    std::string what = std::strerror(errno);
    if (out >= 0) close(out);
    if (err >= 0) close(err);
    return MakeUnexpected("cannot create output files: " + what);
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(out);
    close(err);
    return MakeUnexpected(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    // Children stop on the parent's request, not on the terminal's Ctrl-C.
    setpgid(0, 0);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out);
  close(err);
  ChildProcess child;
  child.pid_ = pid;
  return child;
}

bool ChildProcess::Reap(int options) {
  if (pid_ < 0 || status_) return true;
  int status = 0;
  pid_t r = waitpid(pid_, &status, options);
  if (r == 0) return false;
  if (r < 0) {
    status_ = 255;
    return true;
  }
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

bool ChildProcess::running() { return pid_ >= 0 && !Reap(WNOHANG); }

std::optional<int> ChildProcess::WaitFor(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!Reap(WNOHANG)) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

int ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (pid_ < 0) return 0;
  if (!status_) {
    kill(pid_, SIGTERM);
    if (!WaitFor(grace)) {
      kill(pid_, SIGKILL);
      Reap(0);
    }
  }
  return status_.value_or(0);
}

Result<int, std::string> FindFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return MakeUnexpected(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::string what = std::strerror(errno);
    close(fd);
    return MakeUnexpected("cannot find a free port: " + what);
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

std::string SelfExecutable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("/proc/self/exe") : p.string();
}

}  // namespace runnel::cli
