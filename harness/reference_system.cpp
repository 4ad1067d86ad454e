// The reference pipeline wrapped as a system under test.
#include <fmt/format.h>

#include "harness/fhir_reports.hpp"
#include "reference/pipeline/pipeline.hpp"
#include "reference/pipeline/study_status.hpp"
#include "reference/portal/portal.hpp"

#include "harness/scratch_dir.hpp"
#include "harness/system_under_test.hpp"

namespace radloop::harness {
namespace {

class ReferenceSystem final : public SystemUnderTest {
 public:
  ReferenceSystem(std::unique_ptr<ScratchDir> storage, std::unique_ptr<pipeline::Pipeline> pipeline,
                  std::unique_ptr<portal::Portal> portal)
      : storage_(std::move(storage)), pipeline_(std::move(pipeline)), portal_(std::move(portal)) {}
  ~ReferenceSystem() override {
    if (portal_) portal_->stop();  // before the pipeline it reads from goes
  }
  ReferenceSystem(const ReferenceSystem&) = delete;
  ReferenceSystem& operator=(const ReferenceSystem&) = delete;

  [[nodiscard]] Endpoints endpoints() const override {
    return Endpoints{"127.0.0.1", pipeline_->mllp_port(), pipeline_->dicom_port(), pipeline_->ae_title()};
  }
  Result<bool> has_inbound(const std::string& sender, const std::string& control_id) override {
    auto found = pipeline_->store().find_inbound(sender, control_id);
    if (!found) return found.error();
    return found->has_value();
  }
  Result<std::int64_t> count_inbound_records(const std::string& sender, const std::string& control_id) override {
    return pipeline_->store().read_value<std::int64_t>(
        [&](store::Tx& tx) { return tx.count_inbound_records(sender, control_id); });
  }
  Result<std::optional<LandedStudy>> find_study(const std::string& study_uid) override {
    return landed_study(pipeline_->store(), study_uid);
  }
  // Its reports as anyone reads them: over its portal's FHIR API, on a loopback port.
  Result<std::vector<PublishedReport>> published_reports(const std::string& accession) override {
    return fhir_reports(fmt::format("http://127.0.0.1:{}/fhir", portal_->port()), "", accession);
  }

 private:
  std::unique_ptr<ScratchDir> storage_;  // outlives the pipeline that writes into it
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  std::unique_ptr<portal::Portal> portal_;
};

}  // namespace

Result<std::optional<LandedStudy>> landed_study(store::Store& store, const std::string& study_uid) {
  auto status = pipeline::study_status(store, study_uid);
  if (!status) return status.error();
  if (!status->has_value()) return std::optional<LandedStudy>{};
  const auto& s = **status;
  LandedStudy l;
  l.study_uid = s.study_uid;
  l.patient_id = s.patient_id;
  l.issuer = s.issuer;
  l.accession = s.accession;
  l.instances = s.instances;
  l.state = s.state;
  l.reason = s.reason;
  l.linked_accession = s.linked_accession;
  l.linked_patient_id = s.linked_patient_id;
  l.linked_issuer = s.linked_issuer;
  return std::optional<LandedStudy>{l};
}

Result<std::unique_ptr<SystemUnderTest>> start_reference_system(const ReferenceOptions& options) {
  const auto& routes = options.routes;
  auto storage = std::make_unique<ScratchDir>();
  if (storage->path().empty()) return Error{Errc::io_failed, "temporary folder", "cannot create the image storage"};
  pipeline::PipelineConfig config;
  config.dicom.storage_dir = storage->path().string();
  // Sized for the busy day's eight modalities, each with worklist, MPPS and store associations
  // that overlap the server's teardown of the previous one: the default (8) would turn some away.
  config.dicom.max_associations = 32;
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
  config.mllp.one_read_one_message = sabotage.one_read_one_message;
  config.dicom.overwrite_conflicts = sabotage.overwrite_conflicting_instances;
  config.dicom.called_ae_any_case = sabotage.called_ae_any_case;
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
  auto portal = portal::Portal::start(*started.value(), portal::HttpServerConfig{});
  if (!portal) return portal.error();
  return std::unique_ptr<SystemUnderTest>(
      std::make_unique<ReferenceSystem>(std::move(storage), std::move(started).value(), std::move(portal).value()));
}

}  // namespace radloop::harness
