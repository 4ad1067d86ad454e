// Delivers Storage Commitment reports on associations of their own, off the service threads, so
// an N-ACTION is answered at once and the requester is called back as a real archive would.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "reference/dicom/commitment.hpp"

namespace radloop::dicom::internal {

class CommitmentReporter {
 public:
  // Called on the reporter's thread with a sentence saying what happened to the delivery.
  using Outcome = std::function<void(bool delivered, const std::string& detail)>;

  CommitmentReporter(std::string our_ae, std::chrono::seconds timeout);
  ~CommitmentReporter();
  CommitmentReporter(const CommitmentReporter&) = delete;
  CommitmentReporter& operator=(const CommitmentReporter&) = delete;

  void post(const CommitmentPeer& peer, CommitmentReport report, Outcome outcome);
  // Delivers what is queued, then ends the thread; later posts are dropped with an outcome.
  void stop();

 private:
  struct Job {
    CommitmentPeer peer;
    CommitmentReport report;
    Outcome outcome;
  };
  void run();

  std::string our_ae_;
  std::chrono::seconds timeout_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace radloop::dicom::internal
