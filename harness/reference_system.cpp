// The reference pipeline wrapped as a system under test.
#include "reference/pipeline/pipeline.hpp"

#include "harness/scratch_dir.hpp"
#include "harness/system_under_test.hpp"

namespace radloop::harness {
namespace {

class ReferenceSystem final : public SystemUnderTest {
 public:
  ReferenceSystem(std::unique_ptr<ScratchDir> storage, std::unique_ptr<pipeline::Pipeline> pipeline)
      : storage_(std::move(storage)), pipeline_(std::move(pipeline)) {}

  [[nodiscard]] Endpoints endpoints() const override {
    return Endpoints{"127.0.0.1", pipeline_->mllp_port(), pipeline_->dicom_port(), pipeline_->ae_title()};
  }
  Result<bool> has_inbound(const std::string& sender, const std::string& control_id) override {
    auto found = pipeline_->store().find_inbound(sender, control_id);
    if (!found) return found.error();
    return found->has_value();
  }
  Result<std::int64_t> count_inbound_from(const std::string& sender) override {
    return pipeline_->store().read_value<std::int64_t>([&](store::Tx& tx) { return tx.count_inbound_from(sender); });
  }
  Result<std::optional<LandedStudy>> find_study(const std::string& study_uid) override {
    return landed_study(pipeline_->store(), study_uid);
  }

 private:
  std::unique_ptr<ScratchDir> storage_;  // outlives the pipeline that writes into it
  std::unique_ptr<pipeline::Pipeline> pipeline_;
};

}  // namespace

Result<std::optional<LandedStudy>> landed_study(store::Store& store, const std::string& study_uid) {
  std::optional<LandedStudy> landed;
  auto read = store.read([&](store::Tx& tx) -> Result<void> {
    store::StudyFilter filter;
    filter.study_uid = study_uid;
    auto studies = tx.studies(filter);
    if (!studies) return studies.error();
    if (studies->empty()) return {};
    const auto& s = studies->front();
    LandedStudy l;
    l.study_uid = s.study_uid;
    l.patient_id = s.patient_mrn;
    l.issuer = s.patient_issuer;
    l.accession = s.accession;
    l.state = std::string(store::to_string(s.state));
    l.reason = s.reason;
    auto instances = tx.instances(study_uid, "", "");
    if (!instances) return instances.error();
    l.instances = static_cast<std::int64_t>(instances->size());
    if (s.order_id != 0) {
      auto order = tx.find_order(s.order_id);
      if (!order) return order.error();
      if (order->has_value()) {
        l.linked_accession = (*order)->accession;
        l.linked_patient_id = (*order)->patient_mrn;
        l.linked_issuer = (*order)->patient_issuer;
      }
    }
    landed = std::move(l);
    return {};
  });
  if (!read) return read.error();
  return landed;
}

Result<std::unique_ptr<SystemUnderTest>> start_reference_system(const ReferenceOptions& options) {
  const auto& routes = options.routes;
  auto storage = std::make_unique<ScratchDir>();
  if (storage->path().empty()) return Error{Errc::io_failed, "temporary folder", "cannot create the image storage"};
  pipeline::PipelineConfig config;
  config.dicom.storage_dir = storage->path().string();
  const auto& sabotage = options.sabotage;
  config.flows.sabotage = sabotage;
  if (!options.transfer_syntaxes.empty() && !sabotage.accept_any_transfer_syntax)
    config.dicom.transfer_syntaxes = options.transfer_syntaxes;
  if (!sabotage.accept_unknown_callers) {
    for (const auto& ae : options.known_callers) config.dicom.allowed_callers.push_back({ae, ""});
  }
  // Scenarios run in seconds: retries come quickly, and a step waits at most a few of them.
  config.outbox.first_retry = std::chrono::milliseconds(100);
  config.outbox.max_delay = std::chrono::milliseconds(1000);
  if (sabotage.no_retry) config.outbox.max_attempts = 1;
  config.outbox.fresh_control_id_on_retry = sabotage.retry_with_new_id;
  if (routes.ris.port != 0)
    config.flows.ris = pipeline::Destination{routes.ris.host, routes.ris.port, "RIS", "RADIOLOGY"};
  if (routes.ehr.port != 0) {
    // An EHR that answers later than this is timed out and sent the message again.
    config.flows.ehr =
        pipeline::Destination{routes.ehr.host, routes.ehr.port, "EHR", "GENERAL", std::chrono::milliseconds(2'000)};
  }
  auto started = pipeline::Pipeline::start(config);
  if (!started) return started.error();
  return std::unique_ptr<SystemUnderTest>(
      std::make_unique<ReferenceSystem>(std::move(storage), std::move(started).value()));
}

}  // namespace radloop::harness
