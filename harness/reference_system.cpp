// The reference pipeline wrapped as a system under test.
#include "reference/pipeline/pipeline.hpp"

#include "harness/system_under_test.hpp"

namespace radloop::harness {
namespace {

class ReferenceSystem final : public SystemUnderTest {
 public:
  explicit ReferenceSystem(std::unique_ptr<pipeline::Pipeline> pipeline) : pipeline_(std::move(pipeline)) {}

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

 private:
  std::unique_ptr<pipeline::Pipeline> pipeline_;
};

}  // namespace

Result<std::unique_ptr<SystemUnderTest>> start_reference_system(const RoutedTo& routes) {
  pipeline::PipelineConfig config;
  // Scenarios run in seconds: retries come quickly, and a step waits at most a few of them.
  config.outbox.first_retry = std::chrono::milliseconds(100);
  config.outbox.max_delay = std::chrono::milliseconds(1000);
  if (routes.ris.port != 0)
    config.flows.ris = pipeline::Destination{routes.ris.host, routes.ris.port, "RIS", "RADIOLOGY"};
  if (routes.ehr.port != 0)
    config.flows.ehr = pipeline::Destination{routes.ehr.host, routes.ehr.port, "EHR", "GENERAL"};
  auto started = pipeline::Pipeline::start(config);
  if (!started) return started.error();
  return std::unique_ptr<SystemUnderTest>(std::make_unique<ReferenceSystem>(std::move(started).value()));
}

}  // namespace radloop::harness
