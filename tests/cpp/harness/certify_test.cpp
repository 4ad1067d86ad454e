#include "harness/certify.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "harness/scratch_dir.hpp"

namespace radloop::harness {
namespace {

std::filesystem::path write(const ScratchDir& dir, const std::string& name, const std::string& text) {
  const auto path = dir.path() / name;
  std::ofstream(path) << text;
  return path;
}

TEST(Certify, HashesAFileWithSha256) {
  ScratchDir dir;
  EXPECT_EQ(sha256_of_file(write(dir, "abc", "abc")).value(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_of_file(write(dir, "empty", "")).value(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_of_file(dir.path() / "missing").error().code, Errc::io_failed);
}

TEST(Certify, ReadsAProfile) {
  ScratchDir dir;
  auto p = load_profile(write(dir, "p.yaml", "profile: p\nrole: Archive\nscenarios: [happy/a.yaml, b.yaml]\n"));
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->name, "p");
  EXPECT_EQ(p->role, "Archive");
  EXPECT_EQ(p->scenarios, (std::vector<std::string>{"happy/a.yaml", "b.yaml"}));
  EXPECT_TRUE(p->judge_policy_steps);
  auto strict =
      load_profile(write(dir, "s.yaml", "profile: s\nrole: Archive\nscenarios: [a.yaml]\npolicy_steps: left_out\n"));
  ASSERT_TRUE(strict.ok()) << strict.error().message();
  EXPECT_FALSE(strict->judge_policy_steps);
  EXPECT_FALSE(
      load_profile(write(dir, "x.yaml", "profile: x\nrole: r\nscenarios: [a.yaml]\npolicy_steps: maybe\n")).ok());
}

TEST(Certify, NamesWhereAProfileIsWrong) {
  ScratchDir dir;
  auto p = load_profile(write(dir, "p.yaml", "profile: p\nrole: r\nscenarios: []\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::scenario_invalid);
  EXPECT_NE(p.error().where.find("p.yaml:"), std::string::npos) << p.error().message();
  EXPECT_NE(p.error().where.find("scenarios"), std::string::npos) << p.error().message();
  EXPECT_FALSE(load_profile(dir.path() / "none.yaml").ok());
}

TEST(Certify, RefusesAMissingScenarioBeforeRunningAny) {
  ScratchDir dir;
  Profile profile;
  profile.name = "p";
  profile.role = "r";
  profile.origin = write(dir, "p.yaml", "");
  profile.scenarios = {"happy/ct_worklist.yaml", "happy/none.yaml"};
  CertifyOptions options;
  options.catalog = std::string(RADLOOP_SOURCE_DIR) + "/scenarios";
  int started = 0;
  options.on_scenario = [&](const std::filesystem::path&) { ++started; };
  auto c = certify(profile, options);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("none.yaml"), std::string::npos);
  EXPECT_EQ(started, 0);
}

TEST(Certify, EveryBundledProfileNamesScenariosOfTheCatalog) {
  const std::filesystem::path root(RADLOOP_SOURCE_DIR);
  int profiles = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root / "harness" / "profiles")) {
    auto profile = load_profile(entry.path());
    ASSERT_TRUE(profile.ok()) << profile.error().message();
    ++profiles;
    for (const auto& name : profile->scenarios) {
      auto scenario = load_scenario(root / "scenarios" / name);
      EXPECT_TRUE(scenario.ok()) << entry.path() << " names " << name << ": " << scenario.error().message();
    }
  }
  EXPECT_GE(profiles, 3);
}

// A certification whose one scenario passed one check, failed one and could not decide one.
Certification mixed() {
  Certification c;
  c.profile.name = "image_manager";
  c.profile.role = "Archive";
  c.system_name = "vendor";
  c.radloop_version = "9.9";
  CertifiedRun run;
  run.file = "scenarios/x.yaml";
  run.sha256 = std::string(64, 'a');
  run.report.scenario.name = "x";
  run.report.checks = {
      CheckResult{"expectations", Validity::valid, nlohmann::json::array()},
      CheckResult{
          "everything_lands",
          Validity::invalid,
          {{{"study_uid", "1.2"}, {"valid", false}, {"why", "not linked"}}, {{"study_uid", "1.3"}, {"valid", true}}}},
      CheckResult{"idempotence", Validity::unknown, {{{"sender", "EHR^H"}, {"unobservable", "no /inbound API"}}}}};
  run.report.verdict = Validity::invalid;
  c.runs.push_back(run);
  c.verdict = Validity::invalid;
  return c;
}

TEST(Certify, TheReportListsEachUnknownWithWhyAndEachFailureWithItsEvidence) {
  const auto j = to_json(mixed())["conformance"];
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["radloop_version"], "9.9");
  ASSERT_EQ(j["unknowns"].size(), 1U);
  EXPECT_EQ(j["unknowns"][0]["check"], "idempotence");
  EXPECT_EQ(j["unknowns"][0]["why"][0], "no /inbound API");
  ASSERT_EQ(j["failures"].size(), 1U);
  EXPECT_EQ(j["failures"][0]["check"], "everything_lands");
  EXPECT_EQ(j["scenarios"][0]["sha256"], std::string(64, 'a'));
  EXPECT_EQ(j["scenarios"][0]["checks"].size(), 3U);

  const auto text = conformance_text(mixed());
  EXPECT_NE(text.find("Verdict: **FAIL**"), std::string::npos) << text;
  EXPECT_NE(text.find("x / idempotence: no /inbound API"), std::string::npos) << text;
  EXPECT_NE(text.find("not linked"), std::string::npos) << text;
  EXPECT_EQ(text.find("1.3"), std::string::npos) << "only the failed entries are quoted: " << text;
}

TEST(Certify, AnUnknownWithNoReasonSaysSo) {
  auto c = mixed();
  c.runs[0].report.checks[2].evidence = nlohmann::json::array({{{"valid", "unknown"}}});
  EXPECT_EQ(to_json(c)["conformance"]["unknowns"][0]["why"][0], "no evidence entry says why");
}

}  // namespace
}  // namespace radloop::harness
