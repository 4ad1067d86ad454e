// A pipeline on loopback with a fake RIS and EHR (real MLLP servers that record and ACK), and
// the HL7 messages the flows tests send.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "reference/hl7/ack.hpp"
#include "reference/hl7/parser.hpp"
#include "reference/mllp/client.hpp"
#include "reference/mllp/server.hpp"
#include "reference/pipeline/pipeline.hpp"

namespace radloop::pipeline::test_support {

namespace fs = std::filesystem;

// An HL7 receiver: records every message, answers AA (or AE while `refuse` is above zero, AR while
// `reject` is; with MSA-2 naming another message while `misaddress` is).
class Peer {
 public:
  Peer() {
    server_ =
        mllp::Server::start({}, [this](const mllp::InboundMessage& in) {
          std::lock_guard lock(mutex_);
          received_.push_back(in.payload);
          auto message = hl7::parse(in.payload).value();
          auto outcome = refuse > 0 ? hl7::Outcome::error : hl7::Outcome::accepted;
          if (refuse > 0) --refuse;
          if (reject > 0) {
            --reject;
            outcome = hl7::Outcome::rejected;
          }
          auto ack = hl7::build_ack(message, outcome, {}, {"ACK" + std::to_string(received_.size()), "20260101", ""});
          if (misaddress > 0) {
            --misaddress;
            (void)ack.set("MSA-2", "SOMEONE-ELSE");
          }
          return ack.serialize();
        }).value();
  }
  [[nodiscard]] Destination destination(const std::string& application) const {
    return Destination{"127.0.0.1", server_->port(), application, "GENERAL", std::chrono::milliseconds(5000)};
  }
  // Waits (up to 10 s) until n messages arrived; returns what arrived.
  std::vector<std::string> wait_for(std::size_t n) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      {
        std::lock_guard lock(mutex_);
        if (received_.size() >= n) return received_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::vector<std::string> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::atomic<int> refuse{0};
  std::atomic<int> misaddress{0};
  std::atomic<int> reject{0};  // answers AR while above zero

 private:
  std::mutex mutex_;
  std::vector<std::string> received_;
  std::unique_ptr<mllp::Server> server_;
};

// Polls `done` for up to 10 s.
inline bool eventually(const std::function<bool()>& done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

inline std::string field(const std::string& er7, const std::string& path) {
  auto message = hl7::parse(er7);
  if (!message) return "<unparseable>";
  auto value = message->get(path);
  return value ? value.value() : "<bad path>";
}

// --- messages, as the EHR and the RIS send them (patient MRN1 at GENERAL) ---

// One segment with the given fields at their positions (1-based), the rest empty.
inline std::string seg(const std::string& id, const std::vector<std::pair<int, std::string>>& fields) {
  int last = 0;
  for (const auto& [n, v] : fields) last = std::max(last, n);
  std::vector<std::string> values(static_cast<std::size_t>(last) + 1);
  for (const auto& [n, v] : fields) values.at(static_cast<std::size_t>(n)) = v;
  std::string out = id;
  for (std::size_t i = 1; i < values.size(); ++i) out += "|" + values[i];
  return out + "\r";
}

inline std::string msh(const std::string& from, const std::string& type, const std::string& control) {
  return "MSH|^~\\&|" + from + "|" + (from == "EHR" ? "GENERAL" : "RADIOLOGY") + "|RADLOOP|RAD|20261122080000||" +
         type + "|" + control + "|P|2.5.1\r";
}

inline std::string pid(const std::string& mrn, const std::string& name = "DOE^JANE") {
  return seg("PID", {{1, "1"}, {3, mrn + "^^^GENERAL^MR"}, {5, name}, {7, "19800101"}, {8, "F"}});
}

inline std::string adt(const std::string& control, const std::string& trigger, const std::string& mrn,
                       const std::string& name, const std::string& mrg = {}) {
  std::string m =
      msh("EHR", "ADT^" + trigger, control) + seg("EVN", {{1, trigger}, {2, "20261122080000"}}) + pid(mrn, name);
  if (!mrg.empty()) m += seg("MRG", {{1, mrg + "^^^GENERAL^MR"}});
  return m + seg("PV1", {{1, "1"}, {2, "O"}});
}

inline std::string ehr_order(const std::string& control, const std::string& placer, const std::string& mrn = "MRN1",
                             const std::string& control_code = "NW") {
  return msh("EHR", "ORM^O01", control) + pid(mrn) + seg("ORC", {{1, control_code}, {2, placer}}) +
         seg("OBR", {{1, "1"}, {2, placer}, {4, "71250^CT CHEST^CPT4"}, {24, "CT"}});
}

inline std::string ris_order(const std::string& control, const std::string& placer, const std::string& accession,
                             const std::string& mrn = "MRN1", const std::string& control_code = "SC",
                             const std::string& status = "SC", const std::string& study_uid = {}) {
  std::string m = msh("RIS", "ORM^O01", control) + pid(mrn) +
                  seg("ORC", {{1, control_code}, {2, placer}, {3, accession}, {5, status}}) +
                  seg("OBR", {{1, "1"},
                              {2, placer},
                              {3, accession},
                              {4, "71250^CT CHEST^CPT4"},
                              {18, accession},
                              {24, "CT"},
                              {36, "20261122090000"}});
  if (!study_uid.empty()) m += seg("ZDS", {{1, study_uid + "^RIS^Application^DICOM"}});
  return m;
}

inline std::string oru(const std::string& control, const std::string& placer, const std::string& accession,
                       const std::string& status, const std::string& text, const std::string& mrn = "MRN1") {
  return msh("RIS", "ORU^R01", control) + pid(mrn) + seg("ORC", {{1, "RE"}, {2, placer}, {3, accession}, {5, "CM"}}) +
         seg("OBR", {{1, "1"},
                     {2, placer},
                     {3, accession},
                     {4, "71250^CT CHEST^CPT4"},
                     {7, "20261122090000"},
                     {18, accession},
                     {22, "20261122100000"},
                     {24, "CT"},
                     {25, status}}) +
         seg("OBX", {{1, "1"}, {2, "TX"}, {3, "IMP^Impression"}, {5, text}, {11, status}});
}

// A pipeline with storage in a fresh folder, RIS and EHR destinations, and quick retries.
class FlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("radloop-flows-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "images");
    config_.store_path = (dir_ / "radloop.db").string();
    config_.dicom.storage_dir = (dir_ / "images").string();
    config_.flows.ris = ris_.destination("RIS");
    config_.flows.ehr = ehr_.destination("EHR");
    config_.outbox.first_retry = std::chrono::milliseconds(50);
    config_.outbox.max_delay = std::chrono::milliseconds(200);
    config_.sweep_interval = std::chrono::milliseconds(100);
  }
  void TearDown() override {
    pipeline_.reset();
    fs::remove_all(dir_);
  }
  Pipeline& start() {
    auto started = Pipeline::start(config_);
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message());
    pipeline_ = std::move(started).value();
    return *pipeline_;
  }
  hl7::AckSummary send(const std::string& message) {
    auto client = mllp::Client::connect(mllp::ClientConfig{"127.0.0.1", pipeline_->mllp_port()}).value();
    return hl7::read_ack(client->exchange(message).value()).value();
  }
  template <typename T, typename F>
  T read(F&& work) {
    auto r = pipeline_->store().read_value<T>(std::forward<F>(work));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? std::move(r).value() : T{};
  }
  std::vector<store::OrderRecord> orders(store::OrderFilter f = {}) {
    return read<std::vector<store::OrderRecord>>([&](store::Tx& tx) { return tx.orders(f); });
  }
  std::vector<store::StudyRecord> studies(store::StudyFilter f = {}) {
    return read<std::vector<store::StudyRecord>>([&](store::Tx& tx) { return tx.studies(f); });
  }
  std::vector<store::ReviewRecord> reviews(std::optional<store::ReviewRecord::State> state) {
    return read<std::vector<store::ReviewRecord>>([&](store::Tx& tx) { return tx.reviews(state, "", 100); });
  }
  std::vector<store::ReportRecord> reports(store::ReportFilter f = {}) {
    return read<std::vector<store::ReportRecord>>([&](store::Tx& tx) { return tx.reports(f); });
  }

  fs::path dir_;
  Peer ris_;
  Peer ehr_;
  PipelineConfig config_;
  std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace radloop::pipeline::test_support
