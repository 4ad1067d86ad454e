// The portal's API over a running pipeline: FHIR read and search, DICOMweb (QIDO-RS, WADO-RS,
// STOW-RS), the review queue, the landing tracker, health and metrics, and the web console.
#pragma once

#include "reference/pipeline/pipeline.hpp"
#include "reference/portal/http_server.hpp"
#include "reference/portal/router.hpp"

namespace radloop::portal {

class Api {
 public:
  explicit Api(pipeline::Pipeline& pipeline);
  HttpResponse operator()(const HttpRequest& request) const { return router_.dispatch(request); }

 private:
  Router router_;
};

// Each family of routes, added to a router.
void add_status_routes(Router& router, pipeline::Pipeline& pipeline);  // /health, /metrics, /landing, /review
void add_fhir_routes(Router& router, pipeline::Pipeline& pipeline);
void add_dicomweb_routes(Router& router, pipeline::Pipeline& pipeline);
void add_landed_routes(Router& router, pipeline::Pipeline& pipeline);  // /studies/{uid}, /inbound
void add_outbox_routes(Router& router, pipeline::Pipeline& pipeline);  // /outbox, and sending dead letters again

// JSON with invalid UTF-8 replaced, as every route writes it.
std::string dump(const nlohmann::json& json);
// The first value of a query parameter, or "".
std::string query_value(const HttpRequest& request, const std::string& name);
// "2026-12-07T11:46:10Z"; "" for 0 (never).
std::string iso_time(store::Millis millis);
// A positive whole number from a path or query, or an invalid_input error naming `where`.
Result<std::int64_t> number(const std::string& text, const std::string& where);
// Who an audited action is recorded as. With a token, its holder (the name the body gives, when
// another, is kept beside it: "token (as alice)"); without tokens, the body's "actor", which
// must be there (`what` says what is audited, for the error).
Result<std::string> audit_actor(const HttpRequest& request, const nlohmann::json& body, std::string_view what);

}  // namespace radloop::portal
