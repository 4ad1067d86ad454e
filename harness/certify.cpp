// Runs a certification profile and writes its conformance report (see certify.hpp).
#include "harness/certify.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/evp.h>

#include <array>
#include <chrono>
#include <fstream>
#include <sstream>

#include "harness/internal/scenario_yaml.hpp"
#include "harness/report.hpp"

namespace radloop::harness {
namespace {

Profile read_profile(const yaml::Reader& r, const YAML::Node& root, const std::filesystem::path& origin) {
  if (!root.IsMap()) r.fail(root, "top level", R"(a profile is a mapping with "profile", "role" and "scenarios")");
  r.only_keys(root, "", {"profile", "role", "description", "scenarios", "policy_steps"});
  Profile p;
  p.origin = origin;
  p.name = r.required(root, "", "profile", "the profile needs a name");
  p.role = r.required(root, "", "role", "the actor role a system certified by it plays");
  p.description = r.text(root, "", "description");
  p.judge_policy_steps = r.one_of(root, "", "policy_steps", "judged", {"judged", "left_out"}) == "judged";
  p.scenarios = r.list(root, "", "scenarios");
  if (p.scenarios.empty()) r.fail(root, "scenarios", "list the scenario files a system in this role must pass");
  return p;
}

// Why a check could not decide: what its unknown evidence entries say.
std::vector<std::string> reasons_unknown(const CheckResult& check) {
  std::vector<std::string> why;
  const auto note = [&](const nlohmann::json& entry) {
    for (const char* key : {"unobservable", "why", "error"}) {
      if (entry.contains(key) && entry[key].is_string()) {
        why.push_back(entry[key].get<std::string>());
        return;
      }
    }
  };
  for (const auto& entry : check.evidence) {
    if (!entry.is_object()) continue;
    const bool unknown = entry.contains("unobservable") || (entry.contains("valid") && entry["valid"] == "unknown");
    if (!unknown) continue;
    note(entry);
    if (entry.contains("observed") && entry["observed"].is_object()) note(entry["observed"]);
  }
  if (why.empty()) why.emplace_back("no evidence entry says why");
  return why;
}

std::string utc_now() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

std::string verdict_word(Validity v) {
  switch (v) {
    case Validity::valid: return "pass";
    case Validity::invalid: return "FAIL";
    case Validity::not_exercised: return "not exercised";
    case Validity::unknown: break;
  }
  return "unknown";
}

}  // namespace

Result<Profile> load_profile(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return Error{Errc::scenario_invalid, file.string(), "cannot open the profile"};
  std::stringstream text;
  text << in.rdbuf();
  const yaml::Reader reader(file);
  try {
    return read_profile(reader, YAML::Load(text.str()), file);
  } catch (const yaml::Problem& p) {
    return p.error;
  } catch (const YAML::Exception& e) {
    return Error{Errc::scenario_invalid, fmt::format("{}:{}", file.string(), e.mark.line + 1), e.msg};
  }
}

Result<std::string> sha256_of_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{Errc::io_failed, file.string(), "cannot read the file to hash it"};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
    return Error{Errc::internal, "sha256", "OpenSSL could not start a digest"};
  std::array<char, 64 * 1024> buffer{};
  while (in) {
    in.read(buffer.data(), buffer.size());
    if (in.gcount() > 0) EVP_DigestUpdate(context.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(context.get(), digest.data(), &size) != 1)
    return Error{Errc::internal, "sha256", "OpenSSL could not finish a digest"};
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

Result<Certification> certify(const Profile& profile, const CertifyOptions& options) {
  Certification c;
  c.profile = profile;
  c.radloop_version = options.radloop_version;
  c.started_at = utc_now();
  c.endpoints_file = options.endpoints_file;
  c.system_name = options.run.sut ? options.run.sut->name : std::string("reference");
  if (auto hash = sha256_of_file(profile.origin); hash) c.profile_sha256 = hash.value();
  if (!options.endpoints_file.empty()) {
    auto hash = sha256_of_file(options.endpoints_file);
    if (!hash) return hash.error();
    c.endpoints_sha256 = hash.value();
  }
  // Read every file first: a typo in the profile is found before the system is touched.
  std::vector<std::pair<std::filesystem::path, Scenario>> scenarios;
  for (const auto& name : profile.scenarios) {
    const auto file = options.catalog / name;
    auto scenario = load_scenario(file);
    if (!scenario) return scenario.error();
    scenarios.emplace_back(file, std::move(scenario).value());
  }
  c.verdict = Validity::not_exercised;
  for (const auto& [file, scenario] : scenarios) {
    if (options.on_scenario) options.on_scenario(file);
    auto run_options = options.run;
    run_options.judge_policy_steps = profile.judge_policy_steps;
    if (run_options.sut && !run_options.id_namespace) run_options.id_namespace = IdNamespace::random();
    auto report = run_scenario(scenario, run_options);
    if (!report) return report.error();
    CertifiedRun run;
    run.file = file;
    if (auto hash = sha256_of_file(file); hash) run.sha256 = hash.value();
    run.report = std::move(report).value();
    worsen(c.verdict, run.report.verdict);
    if (options.on_run) options.on_run(run);
    c.runs.push_back(std::move(run));
  }
  return c;
}

nlohmann::json to_json(const Certification& c) {
  nlohmann::json scenarios = nlohmann::json::array();
  nlohmann::json unknowns = nlohmann::json::array();
  nlohmann::json failures = nlohmann::json::array();
  nlohmann::json not_exercised = nlohmann::json::array();
  for (const auto& run : c.runs) {
    const auto& r = run.report;
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& check : r.checks) {
      checks.push_back({{"name", check.name}, {"valid", to_json(check.valid)}, {"evidence", check.evidence}});
      if (check.valid == Validity::unknown) {
        unknowns.push_back({{"scenario", r.scenario.name}, {"check", check.name}, {"why", reasons_unknown(check)}});
      } else if (check.valid == Validity::invalid) {
        failures.push_back({{"scenario", r.scenario.name}, {"check", check.name}, {"evidence", check.evidence}});
      } else if (check.valid == Validity::not_exercised) {
        not_exercised.push_back({{"scenario", r.scenario.name}, {"check", check.name}});
      }
    }
    scenarios.push_back({{"scenario", r.scenario.name},
                         {"file", run.file.generic_string()},
                         {"sha256", run.sha256},
                         {"id_suffix", r.scenario.id_suffix},
                         {"valid", to_json(r.verdict)},
                         {"duration_ms", r.duration.count()},
                         {"checks", checks}});
  }
  return {{"conformance",
           {{"profile",
             {{"name", c.profile.name},
              {"role", c.profile.role},
              {"description", c.profile.description},
              {"file", c.profile.origin.generic_string()},
              {"sha256", c.profile_sha256}}},
            {"system_under_test",
             {{"name", c.system_name}, {"endpoints_file", c.endpoints_file}, {"endpoints_sha256", c.endpoints_sha256}}},
            {"radloop_version", c.radloop_version},
            {"started_at", c.started_at},
            {"valid", to_json(c.verdict)},
            {"scenarios", scenarios},
            {"failures", failures},
            {"unknowns", unknowns},
            {"not_exercised", not_exercised}}}};
}

std::string conformance_text(const Certification& c) {
  std::string out = fmt::format("# Conformance report: {} ({})\n\n", c.profile.name, c.profile.role);
  out += fmt::format("- System under test: **{}**", c.system_name);
  if (!c.endpoints_file.empty())
    out += fmt::format(" (endpoints file `{}`, sha256 `{}`)", c.endpoints_file, c.endpoints_sha256);
  out += fmt::format("\n- Profile: `{}` (sha256 `{}`)\n", c.profile.origin.generic_string(), c.profile_sha256);
  out += fmt::format("- radloop {}, started {}\n", c.radloop_version, c.started_at);
  out += fmt::format("- Verdict: **{}**\n\n", verdict_word(c.verdict));
  if (!c.profile.description.empty()) out += c.profile.description + "\n\n";
  out += "| scenario | verdict | checks | file sha256 |\n|---|---|---|---|\n";
  std::string unknowns;
  std::string failures;
  for (const auto& run : c.runs) {
    const auto& r = run.report;
    std::vector<std::string> checks;
    for (const auto& check : r.checks) {
      checks.push_back(fmt::format("{} {}", check.name, verdict_word(check.valid)));
      if (check.valid == Validity::unknown) {
        for (const auto& why : reasons_unknown(check))
          unknowns += fmt::format("- {} / {}: {}\n", r.scenario.name, check.name, why);
      } else if (check.valid == Validity::invalid) {
        // The entries that failed, where the evidence says which; else all of it.
        nlohmann::json failed = nlohmann::json::array();
        for (const auto& entry : check.evidence) {
          if (entry.is_object() && entry.contains("valid") && entry["valid"] == false) failed.push_back(entry);
        }
        failures += fmt::format("- {} / {}: `{}`\n", r.scenario.name, check.name,
                                (failed.empty() ? check.evidence : failed).dump());
      }
    }
    out += fmt::format("| {} | {} | {} | `{}` |\n", r.scenario.name, verdict_word(r.verdict), fmt::join(checks, ", "),
                       run.sha256.substr(0, 16));
  }
  if (!failures.empty()) out += "\n## Failed checks (with evidence)\n\n" + failures;
  if (!unknowns.empty()) out += "\n## Unknown: the system showed nothing to decide these\n\n" + unknowns;
  return out;
}

}  // namespace radloop::harness
