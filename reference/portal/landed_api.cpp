// /studies/{uid} and /inbound: what landed, for a harness that checks the pipeline from outside
// (radloop run --sut with an endpoints file naming this portal).
#include <nlohmann/json.hpp>

#include "reference/pipeline/study_status.hpp"
#include "reference/portal/api.hpp"

namespace radloop::portal {

void add_landed_routes(Router& router, pipeline::Pipeline& p) {
  router.add("GET", "/studies/{uid}", [&p](const HttpRequest&, const PathParams& params) {
    auto status = pipeline::study_status(p.store(), params.at("uid"));
    if (!status) return error_response(status.error());
    if (!status->has_value()) {
      return error_response(Error{Errc::not_found, "study " + params.at("uid"), "no study has this UID"});
    }
    const auto& s = **status;
    return json_response(200, dump({{"study_uid", s.study_uid},
                                    {"patient_id", s.patient_id},
                                    {"issuer", s.issuer},
                                    {"accession", s.accession},
                                    {"instances", s.instances},
                                    {"state", s.state},
                                    {"reason", s.reason},
                                    {"linked_accession", s.linked_accession},
                                    {"linked_patient_id", s.linked_patient_id},
                                    {"linked_issuer", s.linked_issuer}}));
  });

  // ?sender=APP^FACILITY[&control_id=ID]: whether that message is kept and as how many records
  // (more than one: a resend kept again), or how many from the sender.
  router.add("GET", "/inbound", [&p](const HttpRequest& request, const PathParams&) {
    const auto sender = query_value(request, "sender");
    const auto control_id = query_value(request, "control_id");
    if (sender.empty()) return error_response(Error{Errc::invalid_input, "sender", "name the sender: APP^FACILITY"});
    if (!control_id.empty()) {
      auto records = p.store().read_value<std::int64_t>(
          [&](store::Tx& tx) { return tx.count_inbound_records(sender, control_id); });
      if (!records) return error_response(records.error());
      return json_response(
          200, dump({{"sender", sender}, {"control_id", control_id}, {"kept", *records > 0}, {"records", *records}}));
    }
    auto count = p.store().read_value<std::int64_t>([&](store::Tx& tx) { return tx.count_inbound_from(sender); });
    if (!count) return error_response(count.error());
    return json_response(200, dump({{"sender", sender}, {"count", *count}}));
  });
}

}  // namespace radloop::portal
