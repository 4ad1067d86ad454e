// /outbox: what the pipeline sends to the RIS and the EHR, and sending dead letters again once the
// receiver can take them (as an interface engine's "resend errored messages").
#include <nlohmann/json.hpp>

#include "reference/portal/api.hpp"

namespace radloop::portal {
namespace {

using json = nlohmann::json;

json outbound_json(const store::OutboxRecord& m) {
  return {{"sequence", m.sequence},
          {"destination", m.destination},
          {"control_id", m.control_id},
          {"subject", m.subject},
          {"state", std::string(store::to_string(m.state))},
          {"attempts", m.attempts},
          {"last_error", m.last_error},
          {"queued", iso_time(m.queued_at)},
          {"next_attempt", m.state == store::OutboxRecord::State::queued ? iso_time(m.next_attempt) : ""},
          {"delivered", iso_time(m.delivered_at)}};
}

std::optional<store::OutboxRecord::State> state_from(const std::string& text) {
  for (const auto s :
       {store::OutboxRecord::State::queued, store::OutboxRecord::State::delivered, store::OutboxRecord::State::dead}) {
    if (text == store::to_string(s)) return s;
  }
  return std::nullopt;
}

// Every retry is audited (audit_actor says as whom).
Result<std::string> actor_of(const HttpRequest& request) {
  const auto body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return Error{Errc::invalid_input, "request body", "expected a JSON object"};
  return audit_actor(request, body, "sends it again");
}

HttpResponse requeued_response(const Result<std::vector<store::OutboxRecord>>& requeued) {
  if (!requeued) return error_response(requeued.error());
  json out = json::array();
  for (const auto& m : *requeued) out.push_back(outbound_json(m));
  return json_response(200, dump({{"requeued", out}}));
}

}  // namespace

void add_outbox_routes(Router& router, pipeline::Pipeline& p) {
  // ?state=queued|delivered|dead&destination=ris|ehr&limit=N, oldest first.
  router.add("GET", "/outbox", [&p](const HttpRequest& request, const PathParams&) {
    store::OutboxFilter filter;
    if (const auto state = query_value(request, "state"); !state.empty()) {
      filter.state = state_from(state);
      if (!filter.state) return error_response(Error{Errc::invalid_input, "state", "one of queued, delivered, dead"});
    }
    filter.destination = query_value(request, "destination");
    if (const auto limit = query_value(request, "limit"); !limit.empty()) {
      auto n = number(limit, "limit");
      if (!n) return error_response(n.error());
      filter.limit = static_cast<int>(std::min<std::int64_t>(*n, 10'000));
    }
    auto rows =
        p.store().read_value<std::vector<store::OutboxRecord>>([&](store::Tx& tx) { return tx.outbound(filter); });
    if (!rows) return error_response(rows.error());
    json out = json::array();
    for (const auto& m : *rows) out.push_back(outbound_json(m));
    return json_response(200, dump({{"messages", out}}));
  });

  router.add("POST", "/outbox/{sequence}/retry", [&p](const HttpRequest& request, const PathParams& params) {
    auto sequence = number(params.at("sequence"), "outbox sequence");
    if (!sequence) return error_response(sequence.error());
    auto actor = actor_of(request);
    if (!actor) return error_response(actor.error());
    return requeued_response(p.retry_outbound(*sequence, "", *actor));
  });

  // ?state=dead (the only state that can be sent again) [&destination=ris|ehr]
  router.add("POST", "/outbox/retry", [&p](const HttpRequest& request, const PathParams&) {
    if (query_value(request, "state") != "dead")
      return error_response(Error{Errc::invalid_input, "state", "only dead letters are sent again: ?state=dead"});
    auto actor = actor_of(request);
    if (!actor) return error_response(actor.error());
    return requeued_response(p.retry_outbound(std::nullopt, query_value(request, "destination"), *actor));
  });
}

}  // namespace radloop::portal
