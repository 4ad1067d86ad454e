// Delivers Storage Commitment reports on associations of their own, off the service threads, so
// an N-ACTION is answered at once and the requester is called back as a real archive would. A
// report the requester cannot be reached for is tried again with backoff (ReportRetry) until it
// is answered or given up; a sink, when set, keeps it owed across restarts.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "reference/dicom/commitment.hpp"

namespace radloop::dicom::internal {

// Milliseconds since the epoch, as OwedReport::owed_since_ms counts them.
std::int64_t wall_clock_ms();

class CommitmentReporter {
 public:
  // Called on the reporter's thread once a report is done with: answered by the requester
  // (`delivered` is whether with success), given up, or left owed at stop.
  using Outcome = std::function<void(bool delivered, const std::string& detail)>;

  CommitmentReporter(std::string our_ae, std::chrono::seconds timeout, ReportRetry retry = {},
                     CommitmentSink sink = {});
  ~CommitmentReporter();
  CommitmentReporter(const CommitmentReporter&) = delete;
  CommitmentReporter& operator=(const CommitmentReporter&) = delete;

  void post(OwedReport owed, Outcome outcome);
  // Ends the thread without waiting on peers for reports the sink keeps: they stay owed and are
  // sent after the next start. A report kept nowhere gets one try if it has had none, else it is
  // lost with a warning. Later posts get an outcome saying they were not sent.
  void stop();

 private:
  struct Job {
    OwedReport owed;
    Outcome outcome;
    int attempts = 0;
    std::chrono::steady_clock::time_point due;
  };
  enum class End { answered, given_up, left_owed };
  void run();
  // One attempt; false when the job is to be tried again (its `due` then says when). The last
  // chance (at stop) is never tried again.
  bool attempt(Job& job, bool last_chance);
  void finish(Job& job, End end, bool delivered, const std::string& detail) const;
  [[nodiscard]] bool kept(const Job& job) const { return sink_.keep && job.owed.id != 0; }

  std::string our_ae_;
  std::chrono::seconds timeout_;
  ReportRetry retry_;
  CommitmentSink sink_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Job> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace radloop::dicom::internal
