// Spawning this binary again (see child_process.hpp).
#include "harness/cli/child_process.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace radloop::cli {

Result<std::unique_ptr<ChildProcess>> ChildProcess::start(const std::vector<std::string>& args) {
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  std::vector<std::string> all{"radloop"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::array<int, 2> out{};
  if (::pipe(out.data()) != 0) return Error{Errc::internal, "pipe", "cannot create a pipe for a child process"};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  const int spawned = ::posix_spawn(&child->pid_, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  child->output_ = out[0];
  if (spawned != 0) {
    child->pid_ = -1;
    return Error{Errc::internal, "radloop child process",
                 fmt::format("cannot start the process: {}", std::strerror(spawned))};
  }
  return child;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    (void)wait();
  }
  if (output_ >= 0) ::close(output_);
}

std::string ChildProcess::first_line(std::chrono::milliseconds within) {
  const auto until = std::chrono::steady_clock::now() + within;
  std::array<char, 256> buffer{};
  while (pending_.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    pollfd p{output_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const auto n = ::read(output_, buffer.data(), buffer.size());
    if (n <= 0) return {};
    pending_.append(buffer.data(), static_cast<std::size_t>(n));
  }
  const auto end = pending_.find('\n');
  auto line = pending_.substr(0, end);
  pending_.erase(0, end + 1);
  return line;
}

std::string ChildProcess::read_to_end() {
  std::string text = std::move(pending_);
  pending_.clear();
  std::array<char, 4096> buffer{};
  while (true) {
    const auto n = ::read(output_, buffer.data(), buffer.size());
    if (n <= 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return text;
}

int ChildProcess::wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace radloop::cli
