// The delivery thread for Storage Commitment reports (see the header).
#include "reference/dicom/internal/commitment_reporter.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "reference/dicom/internal/storage_commitment.hpp"

namespace radloop::dicom::internal {

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

CommitmentReporter::CommitmentReporter(std::string our_ae, std::chrono::seconds timeout, ReportRetry retry,
                                       CommitmentSink sink)
    : our_ae_(std::move(our_ae)), timeout_(timeout), retry_(retry), sink_(std::move(sink)), thread_([this] {
        run();
      }) {}

CommitmentReporter::~CommitmentReporter() { stop(); }

void CommitmentReporter::post(OwedReport owed, Outcome outcome) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      jobs_.push_back(Job{std::move(owed), std::move(outcome), 0, std::chrono::steady_clock::now()});
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
  for (;;) {
    if (jobs_.empty()) {
      if (stopping_) return;
      wake_.wait(lock);
      continue;
    }
    const auto next =
        std::min_element(jobs_.begin(), jobs_.end(), [](const Job& a, const Job& b) { return a.due < b.due; });
    if (stopping_) {
      // A report the sink keeps is sent after the next start: stopping does not wait on peers for
      // it. One kept nowhere gets one try if it has had none.
      Job job = std::move(*next);
      jobs_.erase(next);
      lock.unlock();
      if (job.attempts == 0 && !kept(job)) {
        (void)attempt(job, true);
      } else {
        finish(job, End::left_owed, false,
               kept(job) ? "report still owed at stop; it is sent again after the next start"
                         : "report still owed at stop and not kept anywhere: lost");
      }
      lock.lock();
      continue;
    }
    if (next->due > std::chrono::steady_clock::now()) {
      const auto due = next->due;  // a copy: a post() during the wait may move the jobs
      wake_.wait_until(lock, due);
      continue;
    }
    Job job = std::move(*next);
    jobs_.erase(next);
    lock.unlock();
    const bool done = attempt(job, false);
    lock.lock();
    if (!done) jobs_.push_back(std::move(job));
  }
}

bool CommitmentReporter::attempt(Job& job, bool last_chance) {
  const auto& peer = job.owed.peer;
  ++job.attempts;
  Result<std::uint16_t> sent = Error{Errc::internal, "storage commitment report", "not sent"};
  try {
    sent = send_report_on_new_association(peer, our_ae_, job.owed.report, timeout_);
  } catch (const std::exception& e) {
    sent = Error{Errc::internal, "storage commitment report", e.what()};
  }
  // The requester's answer ends it (it has heard the report), unless it says it could not take
  // it now: processing failure (0x0110) or resource limitation (0x0213), tried again.
  const bool transient = sent && (*sent == 0x0110 || *sent == 0x0213);
  if (sent && !transient) {
    finish(job, End::answered, *sent == 0,
           fmt::format("report sent on a new association to {} at {}:{} (attempt {}), answered {:#06x}", peer.ae_title,
                       peer.host, peer.port, job.attempts, *sent));
    return true;
  }
  const std::string why = sent ? fmt::format("the requester answered {:#06x}", *sent) : sent.error().message();
  // Wall clock, as owed_since is: a clock set back does not make the time negative, and a clock
  // set forward does not give up a report on its first try in this run.
  const auto owed_for = std::chrono::milliseconds(std::max<std::int64_t>(0, wall_clock_ms() - job.owed.owed_since_ms));
  if (owed_for >= retry_.give_up_after && job.attempts >= 2) {
    finish(job, End::given_up, false,
           fmt::format("report given up after {} attempts over {} minutes: {}", job.attempts,
                       std::chrono::duration_cast<std::chrono::minutes>(owed_for).count(), why));
    return true;
  }
  if (last_chance) {
    finish(job, End::left_owed, false,
           fmt::format("report not delivered before stop ({}); {}", why,
                       kept(job) ? "it is sent again after the next start" : "not kept anywhere: lost"));
    return true;
  }
  // first, 2×first, 4×first, … up to max_delay.
  auto delay = retry_.first;
  for (int i = 1; i < job.attempts && delay < retry_.max_delay; ++i) delay *= 2;
  delay = std::min(delay, retry_.max_delay);
  job.due = std::chrono::steady_clock::now() + delay;
  spdlog::warn("dicom: storage commitment report for {} (transaction {}) not delivered, attempt {}: {}; next try in {}",
               peer.ae_title, job.owed.report.transaction_uid, job.attempts, why, delay);
  return false;
}

void CommitmentReporter::finish(Job& job, End end, bool delivered, const std::string& detail) const {
  if (!delivered) spdlog::warn("dicom: storage commitment {}", detail);
  // A report left at stop stays owed; the others are settled: nothing more will be done for them.
  if (end != End::left_owed && sink_.settle && job.owed.id != 0) {
    try {
      if (auto r = sink_.settle(job.owed.id, end == End::answered, detail); !r) {
        spdlog::error("dicom: storage commitment report {} not settled (it will be sent again after a restart): {}",
                      job.owed.id, r.error().message());
      }
    } catch (const std::exception& e) {
      spdlog::error("dicom: settling storage commitment report {} failed: {}", job.owed.id, e.what());
    }
  }
  try {
    if (job.outcome) job.outcome(delivered, detail);
  } catch (const std::exception& e) {
    spdlog::error("dicom: a commitment outcome handler failed: {}", e.what());
  }
}

}  // namespace radloop::dicom::internal
