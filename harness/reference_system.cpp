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
  Result<std::int64_t> count_inbound() override { return pipeline_->store().count_inbound(); }

 private:
  std::unique_ptr<pipeline::Pipeline> pipeline_;
};

}  // namespace

Result<std::unique_ptr<SystemUnderTest>> start_reference_system() {
  auto started = pipeline::Pipeline::start(pipeline::PipelineConfig{});
  if (!started) return started.error();
  return std::unique_ptr<SystemUnderTest>(std::make_unique<ReferenceSystem>(std::move(started).value()));
}

}  // namespace radloop::harness
