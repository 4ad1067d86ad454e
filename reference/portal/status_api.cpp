// /health, /metrics, /landing and /review: what an operator and the console look at.
#include <fmt/chrono.h>
#include <nlohmann/json.hpp>

#include <chrono>

#include "reference/pipeline/flows.hpp"
#include "reference/portal/api.hpp"
#include "reference/portal/metrics.hpp"

namespace radloop::portal {
namespace {

using json = nlohmann::json;

json review_json(const store::ReviewRecord& r) {
  return {{"id", r.id},
          {"kind", r.kind},
          {"subject", r.subject},
          {"reason", r.reason},
          {"explanation", r.explanation},
          {"evidence", json::parse(r.evidence.empty() ? "{}" : r.evidence, nullptr, false)},
          {"candidates", json::parse(r.candidates.empty() ? "[]" : r.candidates, nullptr, false)},
          {"state", std::string(store::to_string(r.state))},
          {"order_id", r.order_id},
          {"opened", iso_time(r.opened_at)},
          {"closed", iso_time(r.closed_at)}};
}

Result<store::StoreCounts> counts(pipeline::Pipeline& p) {
  return p.store().read_value<store::StoreCounts>([](store::Tx& tx) { return tx.counts(); });
}

HttpResponse resolve(pipeline::Pipeline& p, const HttpRequest& request, const PathParams& params) {
  pipeline::Resolution r;
  const auto& action = params.at("action");
  if (action == "link") {
    r.action = pipeline::Resolution::Action::link;
  } else if (action == "relink") {
    r.action = pipeline::Resolution::Action::relink;
  } else if (action == "reject") {
    r.action = pipeline::Resolution::Action::reject;
  } else {
    return error_response(Error{Errc::not_found, "/review/{id}/" + action, "the actions are link, relink and reject"});
  }
  auto id = number(params.at("id"), "review item");
  if (!id) return error_response(id.error());
  r.item = *id;
  const auto body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return error_response(Error{Errc::invalid_input, "request body", "expected a JSON object"});
  }
  auto actor = audit_actor(request, body, "decides");
  if (!actor) return error_response(actor.error());
  r.actor = std::move(actor).value();
  if (r.action == pipeline::Resolution::Action::reject) {
    r.reason = body.value("reason", "");
    if (r.reason.empty()) return error_response(Error{Errc::invalid_input, "reason", "say why it is rejected"});
  } else {
    const auto order = body.contains("order_id") && body["order_id"].is_number()
                           ? std::to_string(body["order_id"].get<std::int64_t>())
                           : body.value("order_id", "");
    auto order_id = number(order, "order_id");
    if (!order_id) return error_response(order_id.error());
    r.order_id = *order_id;
  }
  auto resolved = p.resolve(r);
  if (!resolved) return error_response(resolved.error());
  return json_response(200, dump(review_json(*resolved)));
}

}  // namespace

std::string dump(const nlohmann::json& json) { return json.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string query_value(const HttpRequest& request, const std::string& name) {
  const auto found = request.query.find(name);
  return found == request.query.end() ? std::string() : found->second;
}

void add_status_routes(Router& router, pipeline::Pipeline& p) {
  router.add("GET", "/health", [&p](const HttpRequest&, const PathParams&) {
    auto c = counts(p);
    if (!c) return error_response(c.error());
    auto alerts = p.alerts();
    std::size_t late = 0;
    if (alerts) {
      for (const auto& a : *alerts) late += a.kind == pipeline::LandingAlert::Kind::late_delivery ? 1 : 0;
    }
    return json_response(200, dump({{"status", "ok"},
                                    {"review_open", c->review_open},
                                    {"orphans", c->orphans},
                                    {"dead_letters", c->dead_letters},
                                    {"outbox_queued", c->outbox_queued},
                                    {"late_deliveries", late},
                                    {"patients", c->patients},
                                    {"orders", c->orders},
                                    {"studies", c->studies},
                                    {"instances", c->instances},
                                    {"reports", c->reports}}));
  });

  router.add("GET", "/metrics", [&p](const HttpRequest&, const PathParams&) {
    auto samples = pipeline_samples(p.stats());
    if (auto c = counts(p)) {
      const auto gauge = [&](const char* name, const char* help, std::int64_t value) {
        samples.push_back({name, help, "gauge", {}, static_cast<std::uint64_t>(value)});
      };
      gauge("radloop_review_open", "Review items waiting for a person", c->review_open);
      gauge("radloop_orphan_studies", "Studies with no order to land on (pending or in review)", c->orphans);
      gauge("radloop_outbox_queued", "Outbound messages waiting for their ACK", c->outbox_queued);
      gauge("radloop_dead_letters", "Outbound messages given up on", c->dead_letters);
    }
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = prometheus_text(samples);
    return response;
  });

  router.add("GET", "/alerts", [&p](const HttpRequest&, const PathParams&) {
    auto alerts = p.alerts();
    if (!alerts) return error_response(alerts.error());
    json out = json::array();
    for (const auto& a : *alerts) {
      out.push_back({{"kind", a.kind == pipeline::LandingAlert::Kind::late_delivery ? "late_delivery" : "orphan_study"},
                     {"accession", a.accession},
                     {"detail", a.detail}});
    }
    return json_response(200, dump({{"alerts", out}}));
  });

  router.add("GET", "/landing", [&p](const HttpRequest&, const PathParams&) {
    auto accessions =
        p.store().read_value<std::vector<std::string>>([](store::Tx& tx) { return tx.landing_accessions(200); });
    if (!accessions) return error_response(accessions.error());
    return json_response(200, dump({{"accessions", *accessions}}));
  });

  router.add("GET", "/landing/{accession}", [&p](const HttpRequest&, const PathParams& params) {
    auto timeline = p.landing(params.at("accession"));
    if (!timeline) return error_response(timeline.error());
    return json_response(200, dump(*timeline));
  });

  router.add("GET", "/review", [&p](const HttpRequest& request, const PathParams&) {
    const auto state_name = query_value(request, "state");
    std::optional<store::ReviewRecord::State> state = store::ReviewRecord::State::open;
    if (state_name == "all") {
      state.reset();
    } else if (!state_name.empty()) {
      state = store::review_state_from(state_name);
      if (!state) return error_response(Error{Errc::invalid_input, "state", "one of open, linked, rejected, all"});
    }
    auto items = p.store().read_value<std::vector<store::ReviewRecord>>(
        [&](store::Tx& tx) { return tx.reviews(state, "", 1000); });
    if (!items) return error_response(items.error());
    json out = json::array();
    for (const auto& item : *items) out.push_back(review_json(item));
    return json_response(200, dump({{"items", out}}));
  });

  router.add("GET", "/review/{id}", [&p](const HttpRequest&, const PathParams& params) {
    auto id = number(params.at("id"), "review item");
    if (!id) return error_response(id.error());
    auto item =
        p.store().read_value<std::optional<store::ReviewRecord>>([&](store::Tx& tx) { return tx.find_review(*id); });
    if (!item) return error_response(item.error());
    if (!item->has_value())
      return error_response(Error{Errc::review_not_found, "review " + params.at("id"), "no such item"});
    auto audit = p.store().read_value<std::vector<store::AuditRecord>>(
        [&](store::Tx& tx) { return tx.audit("review " + params.at("id"), 100); });
    auto out = review_json(**item);
    out["audit"] = json::array();
    if (audit) {
      for (const auto& a : *audit) {
        out["audit"].push_back(
            {{"at", iso_time(a.at)}, {"actor", a.actor}, {"action", a.action}, {"detail", a.detail}});
      }
    }
    return json_response(200, dump(out));
  });

  router.add("POST", "/review/{id}/{action}",
             [&p](const HttpRequest& request, const PathParams& params) { return resolve(p, request, params); });
}

}  // namespace radloop::portal
