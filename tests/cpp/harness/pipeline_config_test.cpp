// pipeline.yaml: every section read, and a typo or a wrong type is an error that names the key.
#include "harness/cli/pipeline_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace radloop::cli {
namespace {

TEST(PipelineConfig, ReadsEverySection) {
  DaemonConfig c;
  const auto r = parse_daemon_config(R"yaml(
store: /var/lib/radloop/radloop.db
store_max_megabytes: 512
raw_retention_days: 7
raw_max_megabytes: 64
bind: 0.0.0.0
mllp: {port: 2575, max_frame_bytes: 1048576, allowed_peers: [10.0.0.5, 10.0.0.0/24]}
dicom:
  port: 11112
  ae_title: ARCHIVE
  storage: /var/lib/radloop/images
  durability: file
  allowed_callers: [CT1@10.0.0.5, MR1]
portal: {port: 8080, token: s3cret}
routing:
  application: ENGINE
  ris_applications: [RIS, RIS2]
  ris: {host: 10.0.0.7, port: 2576, application: RIS, facility: RADIOLOGY}
  ehr: {host: 10.0.0.8, port: 2577, application: EHR, facility: GENERAL, reply_timeout_ms: 2500}
matching:
  candidate_window_days: 3
  pending_window_seconds: 600
  id_rules: [{source: CT1, strip_prefix: "H", strip_leading_zeros: true}]
delivery: {first_retry_ms: 500, backoff: 3, max_delay_ms: 30000, max_attempts: 7, deadline_minutes: 15}
)yaml",
                                     "pipeline.yaml", c);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(c.pipeline.store_path, "/var/lib/radloop/radloop.db");
  EXPECT_EQ(c.pipeline.store.max_bytes, 512ULL << 20);
  EXPECT_EQ(c.pipeline.raw_retention.max_age, std::chrono::hours(7 * 24));
  EXPECT_EQ(c.pipeline.raw_retention.max_bytes, 64ULL << 20);
  EXPECT_EQ(c.pipeline.mllp.bind_address, "0.0.0.0");
  EXPECT_EQ(c.pipeline.dicom.bind_address, "0.0.0.0");
  EXPECT_EQ(c.portal.bind_address, "0.0.0.0");
  EXPECT_EQ(c.pipeline.mllp.port, 2575);
  EXPECT_EQ(c.pipeline.mllp.allowed_peers, (std::vector<std::string>{"10.0.0.5", "10.0.0.0/24"}));
  EXPECT_EQ(c.pipeline.dicom.ae_title, "ARCHIVE");
  EXPECT_EQ(c.dicom_options.durability, "file");
  EXPECT_EQ(c.dicom_options.allowed_callers.size(), 2U);
  EXPECT_EQ(c.portal.port, 8080);
  EXPECT_EQ(c.portal.token, "s3cret");
  EXPECT_EQ(c.pipeline.flows.application, "ENGINE");
  EXPECT_EQ(c.pipeline.flows.ris_applications.size(), 2U);
  ASSERT_TRUE(c.pipeline.flows.ehr.has_value());
  EXPECT_EQ(c.pipeline.flows.ehr->port, 2577);
  EXPECT_EQ(c.pipeline.flows.ehr->reply_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(c.pipeline.flows.match.candidate_window_days, 3);
  EXPECT_EQ(c.pipeline.flows.pending_window, std::chrono::seconds(600));
  ASSERT_EQ(c.pipeline.flows.match.id_rules.size(), 1U);
  EXPECT_TRUE(c.pipeline.flows.match.id_rules[0].strip_leading_zeros);
  EXPECT_EQ(c.pipeline.outbox.max_attempts, 7U);
  EXPECT_EQ(c.pipeline.delivery_deadline, std::chrono::minutes(15));
}

TEST(PipelineConfig, AnEmptyFileChangesNothing) {
  DaemonConfig c;
  ASSERT_TRUE(parse_daemon_config("", "empty.yaml", c).ok());
  EXPECT_EQ(c.pipeline.store_path, ":memory:");
}

TEST(PipelineConfig, AStoreSizeIsWholeMegabytesNotNegative) {
  for (const char* text : {"store_max_megabytes: -1\n", "store_max_megabytes: 1.5\n", "store_max_megabytes: lots\n",
                           "store_max_megabytes: 2000000000000\n"}) {
    DaemonConfig c;
    const auto r = parse_daemon_config(text, "p.yaml", c);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().where.find("store_max_megabytes"), std::string::npos) << r.error().message();
  }
}

TEST(PipelineConfig, RawRetentionIsWholeDaysAndMegabytesNotNegative) {
  DaemonConfig defaults;
  ASSERT_TRUE(parse_daemon_config("", "p.yaml", defaults).ok());
  EXPECT_EQ(defaults.pipeline.raw_retention.max_age, std::chrono::hours(30 * 24));
  EXPECT_EQ(defaults.pipeline.raw_retention.max_bytes, 1ULL << 30);
  DaemonConfig off;
  ASSERT_TRUE(parse_daemon_config("raw_retention_days: 0\nraw_max_megabytes: 0\n", "p.yaml", off).ok());
  EXPECT_EQ(off.pipeline.raw_retention.max_age.count(), 0);
  EXPECT_EQ(off.pipeline.raw_retention.max_bytes, 0U);
  for (const char* text : {"raw_retention_days: -1\n", "raw_retention_days: 1.5\n", "raw_retention_days: 40000\n",
                           "raw_max_megabytes: -1\n", "raw_max_megabytes: 2000000000000\n"}) {
    DaemonConfig c;
    const auto r = parse_daemon_config(text, "p.yaml", c);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().where.find(std::string(text).substr(0, std::string(text).find(':'))), std::string::npos)
        << r.error().message();
  }
}

TEST(PipelineConfig, ATypoIsAnErrorThatNamesTheKey) {
  DaemonConfig c;
  const auto r = parse_daemon_config("routing:\n  ehr: {host: x, prot: 1}\n", "p.yaml", c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_config);
  EXPECT_NE(r.error().where.find("routing.ehr.prot"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().where.find("p.yaml"), std::string::npos);
}

TEST(PipelineConfig, WrongTypesAndValuesAreRefused) {
  for (const char* text : {"mllp: {port: seventy}", "mllp: {port: 70000}", "dicom: {durability: sometimes}",
                           "delivery: {first_retry_ms: 0}", "routing: {ehr: {host: 127.0.0.1}}", "matching: [1, 2]",
                           "store: [a, b]", "mllp: {port: 1", "- just a list"}) {
    DaemonConfig c;
    const auto r = parse_daemon_config(text, "p.yaml", c);
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, Errc::invalid_config) << text;
    }
  }
}

TEST(PipelineConfig, AMissingFileIsAnError) {
  DaemonConfig c;
  const auto r = load_daemon_config("/nonexistent/pipeline.yaml", c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_config);
}

TEST(PipelineConfig, TheExampleInTheRepositoryIsValid) {
  DaemonConfig c;
  const auto r = load_daemon_config(std::string(RADLOOP_SOURCE_DIR) + "/reference/pipeline/pipeline.example.yaml", c);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(c.pipeline.mllp.port, 2575);
  ASSERT_TRUE(c.pipeline.flows.ris.has_value());
  EXPECT_EQ(c.pipeline.flows.ris->port, 2576);
}

// MLLP over TLS: the listener's certificate and key, and a destination's CA, found relative to
// pipeline.yaml and read at start, so a missing file is said before anything listens.
TEST(PipelineConfig, MllpTlsFilesAreFoundBesideTheConfiguration) {
  const auto dir = std::filesystem::temp_directory_path() / ("radloop-tls-config-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const char* name : {"server.pem", "server.key", "ca.pem", "me.pem", "me.key"}) std::ofstream(dir / name) << "x";
  const auto load = [&](const std::string& yaml) {
    std::ofstream(dir / "pipeline.yaml") << yaml;
    DaemonConfig c;
    auto r = load_daemon_config((dir / "pipeline.yaml").string(), c);
    return std::make_pair(r, c);
  };
  auto [ok, c] = load(
      "mllp: {tls: {certificate: server.pem, key: server.key, client_ca: ca.pem, require_client_certificate: true}}\n"
      "routing:\n  ehr: {host: 10.0.0.8, port: 2577, tls: {ca: ca.pem, server_name: ehr.example.org, "
      "certificate: me.pem, key: me.key}}\n"
      "portal: {tls: {certificate: server.pem, key: server.key}}\n");
  ASSERT_TRUE(ok) << ok.error().message();
  ASSERT_TRUE(c.portal.tls.has_value());
  EXPECT_EQ(c.portal.tls->private_key_file, (dir / "server.key").string());
  EXPECT_TRUE(c.portal.tls->ca_file.empty());
  ASSERT_TRUE(c.pipeline.mllp.tls.has_value());
  EXPECT_EQ(c.pipeline.mllp.tls->certificate_chain_file, (dir / "server.pem").string());
  EXPECT_EQ(c.pipeline.mllp.tls->ca_file, (dir / "ca.pem").string());
  EXPECT_TRUE(c.pipeline.mllp.tls->require_client_certificate);
  ASSERT_TRUE(c.pipeline.flows.ehr && c.pipeline.flows.ehr->tls);
  EXPECT_EQ(c.pipeline.flows.ehr->tls->ca_file, (dir / "ca.pem").string());
  EXPECT_EQ(c.pipeline.flows.ehr->tls->server_name, "ehr.example.org");
  EXPECT_TRUE(c.pipeline.flows.ehr->tls->verify_peer);
  EXPECT_EQ(c.pipeline.flows.ehr->tls->private_key_file, (dir / "me.key").string());

  const std::vector<std::pair<std::string, std::string>> refused{
      {"mllp: {tls: {certificate: server.pem, key: missing.key}}\n", "mllp.tls.key"},
      {"mllp: {tls: {certificate: server.pem}}\n", "mllp.tls"},
      {"mllp: {tls: {certificate: server.pem, key: server.key, require_client_certificate: true}}\n",
       "mllp.tls.client_ca"},
      {"mllp: {tls: {certificate: server.pem, key: server.key, ciphers: all}}\n", "mllp.tls.ciphers"},
      {"routing: {ehr: {port: 1, tls: {certificate: me.pem}}}\n", "routing.ehr.tls"},
      {"routing: {ehr: {port: 1, tls: {ca: nowhere.pem}}}\n", "routing.ehr.tls.ca"},
      {"routing: {ehr: {port: 1, tls: {ca: .}}}\n", "routing.ehr.tls.ca"},
      {"mllp:\n  tls:\n", "mllp.tls"},
      {"portal:\n  tls:\n", "portal.tls"},
      {"portal: {tls: {certificate: server.pem, key: nowhere.key}}\n", "portal.tls.key"},
      {"routing:\n  ehr: {port: 1, tls: ~}\n", "routing.ehr.tls"},
      {"mllp: {port: 1, port: 2}\n", "mllp.port"},
      {"mllp: {[a]: 1}\n", "mllp"},
      {"dicom: {acse_timeout: 0}\n", "dicom.acse_timeout"},
      {"dicom: {dimse_timeout: 100000}\n", "dicom.dimse_timeout"},
      {"dicom: {max_conflict_copies: 0}\n", "dicom.max_conflict_copies"},
  };
  for (const auto& [yaml, where] : refused) {
    auto [r, ignored] = load(yaml);
    ASSERT_FALSE(r.ok()) << yaml;
    EXPECT_EQ(r.error().code, Errc::invalid_config);
    EXPECT_NE(r.error().where.find(where), std::string::npos) << yaml << ": " << r.error().message();
  }
  std::filesystem::remove_all(dir);
}

// Portal tokens: a file of holders (relative to pipeline.yaml), one token, or the environment.
TEST(PipelineConfig, PortalTokensComeFromAFileATokenOrTheEnvironment) {
  const auto dir = std::filesystem::temp_directory_path() / ("radloop-tokens-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "tokens") << "# who holds what\nalice alice-portal-token-01\n\n  lone-token-for-the-team\n";
    std::ofstream(dir / "pipeline.yaml") << "portal: {token_file: tokens, read_timeout_seconds: 5}\n";
    std::ofstream(dir / "bad") << "alice token extra\n";
  }
  DaemonConfig c;
  ASSERT_TRUE(load_daemon_config((dir / "pipeline.yaml").string(), c));
  EXPECT_EQ(c.portal.token_file, (dir / "tokens").string());
  EXPECT_EQ(c.portal.read_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c.portal.request_timeout, std::chrono::seconds(300));
  auto credentials = portal_credentials(c.portal, "ignored-when-a-file-gives-some");
  ASSERT_TRUE(credentials) << credentials.error().message();
  ASSERT_EQ(credentials->size(), 2U);
  EXPECT_EQ((*credentials)[0].holder, "alice");
  EXPECT_EQ((*credentials)[0].token, "alice-portal-token-01");
  EXPECT_EQ((*credentials)[1].holder, "token");
  EXPECT_EQ((*credentials)[1].token, "lone-token-for-the-team");

  PortalSettings from_environment;
  credentials = portal_credentials(from_environment, "from-the-environment-1");
  ASSERT_TRUE(credentials);
  ASSERT_EQ(credentials->size(), 1U);
  EXPECT_EQ((*credentials)[0].token, "from-the-environment-1");
  EXPECT_TRUE(portal_credentials(from_environment, nullptr)->empty());

  PortalSettings bad;
  bad.token_file = (dir / "bad").string();
  EXPECT_EQ(portal_credentials(bad, nullptr).error().where, (dir / "bad").string() + ":1");
  bad.token_file = (dir / "missing").string();
  EXPECT_EQ(portal_credentials(bad, nullptr).error().detail, "cannot read the token file");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace radloop::cli
