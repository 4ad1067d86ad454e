// Reading pipeline.yaml (see pipeline_config.hpp).
#include "harness/cli/pipeline_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace radloop::cli {
namespace {

// A YAML mapping whose keys are checked against what the reader knows.
class Section {
 public:
  Section(const YAML::Node& node, std::string path, std::set<std::string> keys)
      : node_(node), path_(std::move(path)), keys_(std::move(keys)) {}

  Result<void> check() const {
    if (!node_.IsDefined() || node_.IsNull()) return {};
    if (!node_.IsMap()) return Error{Errc::invalid_config, path_, "expected a mapping of keys to values"};
    std::set<std::string> seen;
    for (const auto& entry : node_) {
      if (!entry.first.IsScalar()) return Error{Errc::invalid_config, path_, "a key that is not a plain name"};
      const auto key = entry.first.as<std::string>();
      // YAML reads the first of two equal keys: a second one, written later, would be ignored.
      if (!seen.insert(key).second) return Error{Errc::invalid_config, where(key), "given twice"};
      if (!keys_.contains(key)) {
        std::string known;
        for (const auto& k : keys_) known += (known.empty() ? "" : ", ") + k;
        return Error{Errc::invalid_config, where(key), "unknown key; this section knows " + known};
      }
    }
    return {};
  }
  // Const access: a missing key reads as absent instead of being created.
  [[nodiscard]] YAML::Node operator[](const std::string& key) const {
    const YAML::Node& node = node_;
    if (!node || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    return node[key];
  }
  [[nodiscard]] std::string where(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  // Reads a scalar when present; a value of the wrong type is an error naming the key.
  template <typename T>
  Result<void> get(const std::string& key, T& out) const {
    const auto value = (*this)[key];
    if (!value.IsDefined() || value.IsNull()) return {};
    try {
      out = value.as<T>();
    } catch (const YAML::Exception&) {
      return Error{Errc::invalid_config, where(key), "the value \"" + YAML::Dump(value) + "\" has the wrong type"};
    }
    return {};
  }

 private:
  YAML::Node node_;
  std::string path_;
  std::set<std::string> keys_;
};

#define RADLOOP_TRY(expr)                 \
  do {                                    \
    if (auto r_ = (expr); !r_) return r_; \
  } while (false)

Result<void> read_port(const Section& s, const std::string& key, std::uint16_t& port) {
  int value = port;
  RADLOOP_TRY(s.get(key, value));
  if (value < 0 || value > 65535) return Error{Errc::invalid_config, s.where(key), "a port is 0..65535"};
  port = static_cast<std::uint16_t>(value);
  return {};
}

// A size given in whole MiB, up to 2^40; `zero` says what 0 means.
Result<void> read_megabytes(const Section& s, const std::string& key, const std::string& zero, std::uint64_t& bytes) {
  std::uint64_t megabytes = bytes >> 20;
  RADLOOP_TRY(s.get(key, megabytes));
  if (megabytes > (std::uint64_t{1} << 40)) {
    return Error{Errc::invalid_config, s.where(key), "between 0 and 1099511627776 MiB (0: " + zero + ")"};
  }
  bytes = megabytes << 20;
  return {};
}

// A file named in the configuration, relative to the configuration's folder, that must be readable
// now: a missing key file is said at start, not at the first connection.
Result<void> read_file_path(const Section& s, const std::string& key, const std::filesystem::path& base,
                            std::string& out) {
  RADLOOP_TRY(s.get(key, out));
  if (out.empty()) return {};
  std::error_code ec;
  // Absolute, so that a file read again later (a client's at each connection) is the same one.
  out = std::filesystem::absolute(base / out, ec).string();
  if (ec || !std::filesystem::is_regular_file(out, ec) || !std::ifstream(out)) {
    return Error{Errc::invalid_config, s.where(key), "cannot read \"" + out + "\" as a file"};
  }
  return {};
}

// A `tls:` left empty (its keys commented out) would silently mean plain TCP.
Result<void> present_tls(const YAML::Node& node, const std::string& path) {
  if (node.IsDefined() && node.IsNull()) {
    return Error{Errc::invalid_config, path, "is empty: give its keys, or leave it out for plain TCP"};
  }
  return {};
}

// mllp.tls, dicom.tls, portal.tls: a listener over TLS (certificate and key; client certificates
// checked against client_ca, required or not).
Result<void> read_server_tls(const YAML::Node& node, const std::string& path, const std::filesystem::path& base,
                             std::optional<ServerTls>& out) {
  RADLOOP_TRY(present_tls(node, path));
  if (!node.IsDefined()) return {};
  Section s(node, path, {"certificate", "key", "client_ca", "require_client_certificate"});
  RADLOOP_TRY(s.check());
  ServerTls tls;
  RADLOOP_TRY(read_file_path(s, "certificate", base, tls.certificate_chain_file));
  RADLOOP_TRY(read_file_path(s, "key", base, tls.private_key_file));
  RADLOOP_TRY(read_file_path(s, "client_ca", base, tls.ca_file));
  RADLOOP_TRY(s.get("require_client_certificate", tls.require_client_certificate));
  if (tls.certificate_chain_file.empty() || tls.private_key_file.empty()) {
    return Error{Errc::invalid_config, path, "TLS needs both certificate and key"};
  }
  if (tls.require_client_certificate && tls.ca_file.empty()) {
    return Error{Errc::invalid_config, s.where("client_ca"),
                 "require_client_certificate needs the CAs client certificates must chain to"};
  }
  out = tls;
  return {};
}

// routing.<destination>.tls: the receiver is checked against ca (else the system's CAs) and
// server_name (else its host); certificate and key, when given, are ours for it to check.
Result<void> read_client_tls(const YAML::Node& node, const std::string& path, const std::filesystem::path& base,
                             std::optional<mllp::ClientTls>& out) {
  RADLOOP_TRY(present_tls(node, path));
  if (!node.IsDefined()) return {};
  Section s(node, path, {"ca", "verify", "server_name", "certificate", "key"});
  RADLOOP_TRY(s.check());
  mllp::ClientTls tls;
  RADLOOP_TRY(read_file_path(s, "ca", base, tls.ca_file));
  RADLOOP_TRY(s.get("verify", tls.verify_peer));
  RADLOOP_TRY(s.get("server_name", tls.server_name));
  RADLOOP_TRY(read_file_path(s, "certificate", base, tls.certificate_chain_file));
  RADLOOP_TRY(read_file_path(s, "key", base, tls.private_key_file));
  if (tls.certificate_chain_file.empty() != tls.private_key_file.empty()) {
    return Error{Errc::invalid_config, path, "a client certificate needs its key, and a key its certificate"};
  }
  out = tls;
  return {};
}

Result<void> read_destination(const YAML::Node& node, const std::string& path, const std::filesystem::path& base,
                              std::optional<pipeline::Destination>& out) {
  if (!node.IsDefined() || node.IsNull()) return {};
  Section s(node, path, {"host", "port", "application", "facility", "reply_timeout_ms", "tls"});
  RADLOOP_TRY(s.check());
  pipeline::Destination d = out.value_or(pipeline::Destination{});
  RADLOOP_TRY(s.get("host", d.host));
  RADLOOP_TRY(read_port(s, "port", d.port));
  RADLOOP_TRY(s.get("application", d.application));
  RADLOOP_TRY(s.get("facility", d.facility));
  long timeout = d.reply_timeout.count();
  RADLOOP_TRY(s.get("reply_timeout_ms", timeout));
  d.reply_timeout = std::chrono::milliseconds(timeout);
  RADLOOP_TRY(read_client_tls(s["tls"], path + ".tls", base, d.tls));
  if (d.port == 0) return Error{Errc::invalid_config, path + ".port", "a destination needs its port"};
  out = d;
  return {};
}

Result<void> read(const YAML::Node& root, const std::filesystem::path& base, DaemonConfig& c) {
  Section top(root, "",
              {"store", "store_max_megabytes", "raw_retention_days", "raw_max_megabytes", "bind", "mllp", "dicom",
               "portal", "routing", "matching", "delivery"});
  RADLOOP_TRY(top.check());
  auto& p = c.pipeline;
  RADLOOP_TRY(top.get("store", p.store_path));
  RADLOOP_TRY(read_megabytes(top, "store_max_megabytes", "no limit but the disk's", p.store.max_bytes));
  long days = p.raw_retention.max_age.count() / 24;
  RADLOOP_TRY(top.get("raw_retention_days", days));
  if (days < 0 || days > 36'500) {
    return Error{Errc::invalid_config, top.where("raw_retention_days"),
                 "between 0 and 36500 days (0: raw payloads are not dropped for their age)"};
  }
  p.raw_retention.max_age = std::chrono::hours(24 * days);
  RADLOOP_TRY(read_megabytes(top, "raw_max_megabytes", "no cap on the raw payloads kept", p.raw_retention.max_bytes));
  std::string bind;
  RADLOOP_TRY(top.get("bind", bind));
  if (!bind.empty()) {
    p.mllp.bind_address = bind;
    p.dicom.bind_address = bind;
    c.portal.bind_address = bind;
  }

  Section mllp(top["mllp"], "mllp",
               {"port", "max_frame_bytes", "idle_timeout_ms", "message_timeout_ms", "max_connections",
                "max_connections_per_peer", "max_buffered_bytes", "allowed_peers", "tls"});
  RADLOOP_TRY(mllp.check());
  RADLOOP_TRY(read_port(mllp, "port", p.mllp.port));
  RADLOOP_TRY(mllp.get("max_frame_bytes", p.mllp.max_frame_bytes));
  long idle = p.mllp.idle_timeout.count();
  RADLOOP_TRY(mllp.get("idle_timeout_ms", idle));
  p.mllp.idle_timeout = std::chrono::milliseconds(idle);
  long whole = p.mllp.message_timeout.count();
  RADLOOP_TRY(mllp.get("message_timeout_ms", whole));
  p.mllp.message_timeout = std::chrono::milliseconds(whole);
  RADLOOP_TRY(mllp.get("max_connections", p.mllp.max_connections));
  RADLOOP_TRY(mllp.get("max_connections_per_peer", p.mllp.max_connections_per_peer));
  RADLOOP_TRY(mllp.get("max_buffered_bytes", p.mllp.max_buffered_bytes));
  RADLOOP_TRY(mllp.get("allowed_peers", p.mllp.allowed_peers));
  RADLOOP_TRY(read_server_tls(mllp["tls"], "mllp.tls", base, p.mllp.tls));
  if (p.mllp.max_connections == 0 || p.mllp.max_connections_per_peer == 0 || idle <= 0 || whole <= 0)
    return Error{Errc::invalid_config, "mllp", "connection limits and timeouts must be positive"};

  // One key per line would take twenty lines.
  // clang-format off
  Section dicom(top["dicom"], "dicom",
                {"port", "ae_title", "storage", "durability", "max_associations", "max_pdu", "acse_timeout",
                 "dimse_timeout", "max_association_seconds", "allowed_callers", "commitment_reply", "commitment_peers",
                 "commitment_retry_first_ms", "commitment_retry_max_ms", "commitment_give_up_hours", "tls",
                 "max_nesting_depth", "max_elements", "max_request_dataset_bytes", "max_conflict_copies"});
  // clang-format on
  RADLOOP_TRY(dicom.check());
  RADLOOP_TRY(read_port(dicom, "port", p.dicom.port));
  RADLOOP_TRY(read_server_tls(dicom["tls"], "dicom.tls", base, p.dicom.tls));
  RADLOOP_TRY(dicom.get("ae_title", p.dicom.ae_title));
  RADLOOP_TRY(dicom.get("storage", p.dicom.storage_dir));
  RADLOOP_TRY(dicom.get("durability", c.dicom_options.durability));
  RADLOOP_TRY(dicom.get("max_associations", p.dicom.max_associations));
  long longest = p.dicom.max_association_duration.count();
  RADLOOP_TRY(dicom.get("max_association_seconds", longest));
  if (longest <= 0) return Error{Errc::invalid_config, "dicom.max_association_seconds", "a positive number of seconds"};
  p.dicom.max_association_duration = std::chrono::seconds(longest);
  RADLOOP_TRY(dicom.get("max_pdu", p.dicom.max_pdu_bytes));
  if (p.dicom.max_pdu_bytes < 4096 || p.dicom.max_pdu_bytes > 16777216) {
    return Error{Errc::invalid_config, "dicom.max_pdu", "between 4096 and 16777216 bytes (default 65536)"};
  }
  RADLOOP_TRY(dicom.get("acse_timeout", c.dicom_options.acse_seconds));
  RADLOOP_TRY(dicom.get("dimse_timeout", c.dicom_options.dimse_seconds));
  // As on the command line: 0 would mean no limit to DCMTK, and a connection must ask in time.
  for (const auto& [key, seconds] :
       {std::pair{"acse_timeout", c.dicom_options.acse_seconds}, {"dimse_timeout", c.dicom_options.dimse_seconds}}) {
    if (seconds < 1 || seconds > 3600)
      return Error{Errc::invalid_config, dicom.where(key), "between 1 and 3600 seconds"};
  }
  RADLOOP_TRY(dicom.get("allowed_callers", c.dicom_options.allowed_callers));
  RADLOOP_TRY(dicom.get("commitment_reply", c.dicom_options.commitment_reply));
  RADLOOP_TRY(dicom.get("commitment_peers", c.dicom_options.commitment_peers));
  auto& retry = p.dicom.report_retry;
  long retry_first = retry.first.count();
  long retry_max = retry.max_delay.count();
  long give_up = std::chrono::duration_cast<std::chrono::hours>(retry.give_up_after).count();
  RADLOOP_TRY(dicom.get("commitment_retry_first_ms", retry_first));
  RADLOOP_TRY(dicom.get("commitment_retry_max_ms", retry_max));
  RADLOOP_TRY(dicom.get("commitment_give_up_hours", give_up));
  if (retry_first <= 0 || retry_max < retry_first || give_up <= 0 || give_up > 24L * 365) {
    return Error{Errc::invalid_config, "dicom.commitment_retry_first_ms",
                 "commitment retries need 0 < commitment_retry_first_ms <= commitment_retry_max_ms and "
                 "commitment_give_up_hours 1..8760"};
  }
  retry = {std::chrono::milliseconds(retry_first), std::chrono::milliseconds(retry_max), std::chrono::hours(give_up)};
  auto& limits = p.dicom.dataset_limits;
  RADLOOP_TRY(dicom.get("max_nesting_depth", limits.max_depth));
  RADLOOP_TRY(dicom.get("max_elements", limits.max_elements));
  RADLOOP_TRY(dicom.get("max_request_dataset_bytes", limits.max_in_memory_bytes));
  RADLOOP_TRY(dicom.get("max_conflict_copies", p.dicom.max_conflict_copies));
  // Each conflicting store reads the copies kept: the cap bounds that too.
  if (p.dicom.max_conflict_copies < 1 || p.dicom.max_conflict_copies > 100) {
    return Error{Errc::invalid_config, "dicom.max_conflict_copies", "between 1 and 100 (default 10)"};
  }
  // Above a few thousand levels DCMTK's parser exhausts a thread's stack: the limit cannot go there.
  if (limits.max_depth < 1 || limits.max_depth > 1000)
    return Error{Errc::invalid_config, "dicom.max_nesting_depth", "between 1 and 1000 (default 128)"};
  const std::set<std::string> durabilities{"none", "file", "file+dir"};
  if (!durabilities.contains(c.dicom_options.durability)) {
    return Error{Errc::invalid_config, "dicom.durability", "one of none, file, file+dir"};
  }

  Section portal(top["portal"], "portal",
                 {"enabled", "port", "token", "token_file", "read_timeout_seconds", "request_timeout_seconds",
                  "max_connections_per_address", "tls"});
  RADLOOP_TRY(portal.check());
  RADLOOP_TRY(portal.get("enabled", c.portal.enabled));
  RADLOOP_TRY(read_port(portal, "port", c.portal.port));
  RADLOOP_TRY(portal.get("token", c.portal.token));
  RADLOOP_TRY(portal.get("token_file", c.portal.token_file));
  long read_timeout = c.portal.read_timeout.count();
  long request_timeout = c.portal.request_timeout.count();
  RADLOOP_TRY(portal.get("read_timeout_seconds", read_timeout));
  RADLOOP_TRY(portal.get("request_timeout_seconds", request_timeout));
  constexpr long kDay = 86'400;
  if (read_timeout < 1 || request_timeout < 1 || read_timeout > kDay || request_timeout > kDay) {
    return Error{Errc::invalid_config, "portal",
                 "read_timeout_seconds and request_timeout_seconds are between 1 and 86400"};
  }
  RADLOOP_TRY(portal.get("max_connections_per_address", c.portal.max_connections_per_address));
  if (c.portal.max_connections_per_address < 1 || c.portal.max_connections_per_address > 4096) {
    return Error{Errc::invalid_config, "portal.max_connections_per_address", "between 1 and 4096 (default 16)"};
  }
  c.portal.read_timeout = std::chrono::seconds(read_timeout);
  c.portal.request_timeout = std::chrono::seconds(request_timeout);
  RADLOOP_TRY(read_server_tls(portal["tls"], "portal.tls", base, c.portal.tls));

  Section routing(top["routing"], "routing", {"application", "facility", "ris_applications", "ris", "ehr"});
  RADLOOP_TRY(routing.check());
  RADLOOP_TRY(routing.get("application", p.flows.application));
  RADLOOP_TRY(routing.get("facility", p.flows.facility));
  RADLOOP_TRY(routing.get("ris_applications", p.flows.ris_applications));
  RADLOOP_TRY(read_destination(routing["ris"], "routing.ris", base, p.flows.ris));
  RADLOOP_TRY(read_destination(routing["ehr"], "routing.ehr", base, p.flows.ehr));

  Section matching(top["matching"], "matching", {"candidate_window_days", "pending_window_seconds", "id_rules"});
  RADLOOP_TRY(matching.check());
  RADLOOP_TRY(matching.get("candidate_window_days", p.flows.match.candidate_window_days));
  long pending = p.flows.pending_window.count();
  RADLOOP_TRY(matching.get("pending_window_seconds", pending));
  p.flows.pending_window = std::chrono::seconds(pending);
  if (const auto rules = matching["id_rules"]; rules.IsDefined() && !rules.IsNull()) {
    if (!rules.IsSequence()) return Error{Errc::invalid_config, "matching.id_rules", "expected a list of rules"};
    for (std::size_t i = 0; i < rules.size(); ++i) {
      Section rule(rules[i], "matching.id_rules[" + std::to_string(i) + "]",
                   {"source", "strip_prefix", "strip_leading_zeros"});
      RADLOOP_TRY(rule.check());
      match::IdRule r;
      RADLOOP_TRY(rule.get("source", r.source));
      RADLOOP_TRY(rule.get("strip_prefix", r.strip_prefix));
      RADLOOP_TRY(rule.get("strip_leading_zeros", r.strip_leading_zeros));
      p.flows.match.id_rules.push_back(r);
    }
  }

  Section delivery(top["delivery"], "delivery",
                   {"first_retry_ms", "backoff", "max_delay_ms", "max_attempts", "max_refusals", "max_age_hours",
                    "deadline_minutes"});
  RADLOOP_TRY(delivery.check());
  long first = p.outbox.first_retry.count();
  long max_delay = p.outbox.max_delay.count();
  long max_age = p.outbox.max_age.count();
  long deadline = p.delivery_deadline.count();
  RADLOOP_TRY(delivery.get("first_retry_ms", first));
  RADLOOP_TRY(delivery.get("backoff", p.outbox.backoff));
  RADLOOP_TRY(delivery.get("max_delay_ms", max_delay));
  RADLOOP_TRY(delivery.get("max_attempts", p.outbox.max_attempts));
  RADLOOP_TRY(delivery.get("max_refusals", p.outbox.max_refusals));
  RADLOOP_TRY(delivery.get("max_age_hours", max_age));
  RADLOOP_TRY(delivery.get("deadline_minutes", deadline));
  if (first <= 0 || max_delay < first || p.outbox.backoff < 1.0 || p.outbox.max_refusals == 0 || max_age <= 0) {
    return Error{Errc::invalid_config, "delivery",
                 "first_retry_ms > 0, max_delay_ms >= first_retry_ms, backoff >= 1, max_refusals >= 1 and "
                 "max_age_hours >= 1 (max_attempts 0: no limit)"};
  }
  p.outbox.first_retry = std::chrono::milliseconds(first);
  p.outbox.max_delay = std::chrono::milliseconds(max_delay);
  p.outbox.max_age = std::chrono::hours(max_age);
  p.delivery_deadline = std::chrono::minutes(deadline);
  return {};
}

#undef RADLOOP_TRY

}  // namespace

Result<void> parse_daemon_config(const std::string& text, const std::string& origin, DaemonConfig& config) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Error{Errc::invalid_config, origin + ":" + std::to_string(e.mark.line + 1), e.msg};
  }
  if (root.IsNull()) return {};
  auto r = read(root, std::filesystem::path(origin).parent_path(), config);
  if (!r) {
    auto e = r.error();
    e.where = origin + ": " + e.where;
    return e;
  }
  return {};
}

Result<void> load_daemon_config(const std::string& path, DaemonConfig& config) {
  std::ifstream in(path);
  if (!in) return Error{Errc::invalid_config, path, "cannot read the configuration file"};
  std::stringstream text;
  text << in.rdbuf();
  const auto before = config.portal.token_file;
  if (auto parsed = parse_daemon_config(text.str(), path, config); !parsed) return parsed;
  auto& token_file = config.portal.token_file;
  if (token_file != before && !token_file.empty() && std::filesystem::path(token_file).is_relative()) {
    token_file = (std::filesystem::path(path).parent_path() / token_file).string();
  }
  return {};
}

Result<std::vector<portal::Credential>> portal_credentials(const PortalSettings& settings,
                                                           const char* environment_token) {
  std::vector<portal::Credential> credentials;
  if (!settings.token_file.empty()) {
    std::ifstream in(settings.token_file);
    if (!in) return Error{Errc::invalid_config, settings.token_file, "cannot read the token file"};
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
      if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a UTF-8 byte order mark
      if (!line.empty() && line.back() == '\r') line.pop_back();              // CRLF line ends
      const auto start = line.find_first_not_of(" \t");
      if (start == std::string::npos || line[start] == '#') continue;  // blank, or a comment (any bytes)
      const auto odd = std::find_if(line.begin(), line.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t') || u >= 0x7F;
      });
      if (odd != line.end()) {
        return Error{Errc::invalid_config, settings.token_file + ":" + std::to_string(number),
                     "holders and tokens are printable ASCII; this line holds another byte"};
      }
      std::istringstream words(line);
      std::string first;
      std::string second;
      std::string extra;
      words >> first >> second >> extra;
      if (first.empty() || first.starts_with('#')) continue;
      if (!extra.empty()) {
        return Error{Errc::invalid_config, settings.token_file + ":" + std::to_string(number),
                     "expected \"holder token\" or a token alone"};
      }
      credentials.push_back(second.empty() ? portal::Credential{"token", first} : portal::Credential{first, second});
    }
    if (credentials.empty()) return Error{Errc::invalid_config, settings.token_file, "the token file holds no token"};
  }
  if (!settings.token.empty()) credentials.push_back({"token", settings.token});
  if (credentials.empty() && environment_token != nullptr && *environment_token != '\0') {
    credentials.push_back({"token", environment_token});
  }
  return credentials;
}

}  // namespace radloop::cli
