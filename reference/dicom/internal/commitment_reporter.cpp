// The delivery thread for Storage Commitment reports (see the header).
#include "reference/dicom/internal/commitment_reporter.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "reference/dicom/internal/storage_commitment.hpp"

namespace radloop::dicom::internal {

CommitmentReporter::CommitmentReporter(std::string our_ae, std::chrono::seconds timeout)
    : our_ae_(std::move(our_ae)), timeout_(timeout), thread_([this] { run(); }) {}

CommitmentReporter::~CommitmentReporter() { stop(); }

void CommitmentReporter::post(const CommitmentPeer& peer, CommitmentReport report, Outcome outcome) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      jobs_.push_back(Job{peer, std::move(report), std::move(outcome)});
      wake_.notify_one();
      return;
    }
  }
  if (outcome) outcome(false, "the server is stopping; the report was not sent");
}

void CommitmentReporter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void CommitmentReporter::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    Result<std::uint16_t> sent = Error{Errc::internal, "storage commitment report", "not sent"};
    try {
      sent = send_report_on_new_association(job.peer, our_ae_, job.report, timeout_);
    } catch (const std::exception& e) {
      sent = Error{Errc::internal, "storage commitment report", e.what()};
    }
    bool delivered = false;
    std::string detail;
    if (!sent) {
      detail = "report not delivered: " + sent.error().message();
      spdlog::warn("dicom: storage commitment {}", detail);
    } else {
      delivered = *sent == 0;
      detail = fmt::format("report sent on a new association to {} at {}:{}, answered {:#06x}", job.peer.ae_title,
                           job.peer.host, job.peer.port, *sent);
    }
    try {
      if (job.outcome) job.outcome(delivered, detail);
    } catch (const std::exception& e) {
      spdlog::error("dicom: a commitment outcome handler failed: {}", e.what());
    }
    lock.lock();
  }
}

}  // namespace radloop::dicom::internal
