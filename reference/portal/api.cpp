// The portal's routes in one router (see api.hpp).
#include "reference/portal/api.hpp"

#include <fmt/chrono.h>

#include <chrono>

namespace radloop::portal {

Api::Api(pipeline::Pipeline& pipeline) {
  add_status_routes(router_, pipeline);
  add_fhir_routes(router_, pipeline);
  add_dicomweb_routes(router_, pipeline);
  add_landed_routes(router_, pipeline);
  add_outbox_routes(router_, pipeline);
}

std::string iso_time(store::Millis millis) {
  if (millis == 0) return "";
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(millis));
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(t));
}

Result<std::int64_t> number(const std::string& text, const std::string& where) {
  try {
    std::size_t used = 0;
    const auto value = std::stoll(text, &used);
    if (used == text.size() && value > 0) return static_cast<std::int64_t>(value);
  } catch (const std::exception&) {
  }
  return Error{Errc::invalid_input, where, "\"" + text + "\" is not a positive number"};
}

Result<std::string> audit_actor(const HttpRequest& request, const nlohmann::json& body, std::string_view what) {
  std::string claimed = body.is_object() ? body.value("actor", "") : "";
  if (request.tokens_required && request.credential.empty()) {
    return Error{Errc::http_unauthorized, "actor", "an audited action needs a token, whoever the body names"};
  }
  if (!request.credential.empty()) {
    return claimed.empty() || claimed == request.credential ? request.credential
                                                            : request.credential + " (as " + claimed + ")";
  }
  if (claimed.empty()) {
    return Error{Errc::invalid_input, "actor", "say who " + std::string(what) + ": every one is audited"};
  }
  return claimed;
}

}  // namespace radloop::portal
