// The HL7 simulators' subcommands (see the header).
#include "harness/cli/sim_hl7.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <csignal>

#include <fstream>
#include <iostream>

#include "harness/cli/exit_codes.hpp"

namespace radloop::cli {
namespace {

// Runs until SIGINT/SIGTERM, or for `seconds` when it is above zero.
void wait_for_stop(double seconds) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (seconds > 0) {
    timespec timeout{static_cast<time_t>(seconds),
                     static_cast<long>((seconds - static_cast<double>(static_cast<time_t>(seconds))) * 1e9)};
    (void)sigtimedwait(&stop_signals, nullptr, &timeout);
  } else {
    int signal = 0;
    sigwait(&stop_signals, &signal);
  }
}

void block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
}

void add_peer_options(CLI::App& command, hl7sim::PeerConfig& peer, bool sends, bool listens) {
  if (sends) {
    command.add_option("--host", peer.target_host, "The system under test's address")->capture_default_str();
    command.add_option("--port", peer.target_port, "The system under test's inbound MLLP port")->required();
  }
  if (listens) {
    command.add_option("--listen-port", peer.listen_port, "Where we listen (0 = ephemeral, printed)")
        ->capture_default_str();
  }
  command.add_option("--application", peer.application, "MSH-3 of what we send")->capture_default_str();
  command.add_option("--facility", peer.facility, "MSH-4 of what we send")->capture_default_str();
  // Each run of the CLI is a new sender: by default its seed is the clock, so two runs never
  // reuse a control ID (a receiver would take the second for a resend of the first).
  peer.seed = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  command.add_option("--seed", peer.seed, "Control IDs and times derive from it (default: the clock)");
}

bool write_events(const std::string& path, hl7sim::Peer& peer) {
  if (path.empty()) return true;
  std::ofstream out(path);
  out << peer.log().json_lines();
  return static_cast<bool>(out);
}

int verdict(const hl7sim::SendResult& r) {
  std::cout << fmt::format("{} -> {}{}\n", r.control_id, r.ack, r.error.empty() ? "" : " (" + r.error + ")");
  return r.ack == "AA" || r.ack == "CA" ? kExitValid : kExitInvalid;
}

}  // namespace

Result<hl7sim::AckScript> parse_ack_script(const std::vector<std::string>& entries) {
  hl7sim::AckScript script;
  for (const auto& entry : entries) {
    const auto eq = entry.find('=');
    const auto bad = [&](const std::string& why) { return Error{Errc::invalid_config, "--answer " + entry, why}; };
    if (eq == std::string::npos) return bad("write N=AA|AE|AR|none|drop[@MS] or *=...");
    const auto key = entry.substr(0, eq);
    auto parsed = hl7sim::parse_ack_behaviour(entry.substr(eq + 1));
    if (!parsed) return bad(parsed.error().detail);
    const auto b = *parsed;
    if (key == "*") {
      script.otherwise = b;
      continue;
    }
    try {
      const auto n = std::stoul(key);
      if (n == 0) return bad("messages are counted from 1");
      script.by_message[n] = b;
    } catch (const std::exception&) {
      return bad("the message number before = is not a number (or *)");
    }
  }
  return script;
}

SimHl7Command::SimHl7Command(CLI::App& sim) {
  auto* ehr = sim.add_subcommand("ehr", "An EHR: sends ADT and orders, receives reports");
  ehr->require_subcommand(1);
  ehr_send_ = ehr->add_subcommand("send", "Send one ADT (register, update, merge) or one order");
  add_peer_options(*ehr_send_, peer_, true, false);
  ehr_send_->add_option("--mrn", patient_.mrn, "Patient ID")->required();
  ehr_send_->add_option("--issuer", patient_.issuer, "Its assigning authority")->capture_default_str();
  ehr_send_->add_option("--family", patient_.family, "Family name");
  ehr_send_->add_option("--given", patient_.given, "Given name");
  ehr_send_->add_option("--birth-date", patient_.birth_date, "YYYYMMDD");
  ehr_send_->add_option("--sex", patient_.sex, "M, F, O, U");
  ehr_send_->add_option("--adt", trigger_, "A01, A04, A08 (without --order)")->capture_default_str();
  ehr_send_->add_option("--merge-from", merge_from_, "Send A40: this MRN is merged into --mrn");
  ehr_send_->add_option("--order", order_.placer, "Send ORM^O01 for this placer order number instead of ADT");
  ehr_send_->add_option("--control", order_control_, "ORC-1: NW, XO, CA")->capture_default_str();
  ehr_send_->add_option("--procedure", procedure_, "OBR-4 code^text^system")->capture_default_str();
  ehr_send_->add_option("--modality", order_.modality, "OBR-24, e.g. CT");

  ehr_listen_ = ehr->add_subcommand("listen", "Receive reports, answering as --answer says");
  add_peer_options(*ehr_listen_, peer_, false, true);
  ehr_listen_->add_option("--answer", script_, "N=AA|AE|AR|none|drop[@MS] or *=... (repeatable; default AA)");
  ehr_listen_->add_option("--seconds", seconds_, "Stop after this long (default: at SIGINT/SIGTERM)");
  ehr_listen_->add_option("--events", events_path_, "Write the event log (JSON lines) here");

  auto* ris = sim.add_subcommand("ris", "A RIS: accessions orders, signs reports");
  ris->require_subcommand(1);
  ris_serve_ = ris->add_subcommand("serve", "Take orders, accession each, send it back, and optionally report");
  add_peer_options(*ris_serve_, peer_, true, true);
  ris_serve_->add_option("--accession-prefix", ris_options_.accession_prefix)->capture_default_str();
  ris_serve_->add_option("--first-accession", ris_options_.first_accession)->capture_default_str();
  ris_serve_->add_option("--uid-root", ris_options_.uid_root, "Assign Study Instance UIDs under this root (ZDS)");
  ris_serve_->add_option("--report", report_statuses_, "After accessioning, sign a report with these statuses (P F C)");
  ris_serve_->add_option("--seconds", seconds_, "Stop after this long (default: at SIGINT/SIGTERM)");
  ris_serve_->add_option("--events", events_path_, "Write the event log (JSON lines) here");

  ris_report_ = ris->add_subcommand("report", "Send one ORU^R01");
  add_peer_options(*ris_report_, peer_, true, false);
  ris_report_->add_option("--accession", report_.accession, "OBR-18")->required();
  ris_report_->add_option("--mrn", report_.patient_id, "PID-3")->required();
  ris_report_->add_option("--issuer", report_.issuer)->capture_default_str();
  ris_report_->add_option("--status", report_.status, "P, F, C")->capture_default_str();
  ris_report_->add_option("--text", report_text_, "The impression (\\n for a line break)")->required();
  ris_report_->add_flag("--addendum", report_.addendum, "The text is an addendum");
  ris_report_->add_flag("--raw-line-breaks", report_.raw_line_breaks, "Unescaped line breaks in OBX-5");
}

bool SimHl7Command::parsed() const {
  return ehr_send_->parsed() || ehr_listen_->parsed() || ris_serve_->parsed() || ris_report_->parsed();
}

int SimHl7Command::run() {
  if (ehr_send_->parsed()) return ehr_send();
  if (ehr_listen_->parsed()) return ehr_listen();
  if (ris_serve_->parsed()) return ris_serve();
  return ris_report();
}

int SimHl7Command::ehr_send() {
  auto ehr = ehr::Ehr::start(peer_);
  if (!ehr) {
    std::cerr << "radloop: " << ehr.error().message() << '\n';
    return kExitError;
  }
  if (!order_.placer.empty()) {
    order_.patient = patient_;
    const auto first = procedure_.find('^');
    const auto second = first == std::string::npos ? first : procedure_.find('^', first + 1);
    order_.procedure_code = procedure_.substr(0, first);
    if (first != std::string::npos) order_.procedure_text = procedure_.substr(first + 1, second - first - 1);
    if (second != std::string::npos) order_.coding_system = procedure_.substr(second + 1);
    return verdict((*ehr)->order(order_, order_control_));
  }
  if (!merge_from_.empty()) {
    ehr::Patient prior = patient_;
    prior.mrn = merge_from_;
    return verdict((*ehr)->merge(patient_, prior));
  }
  return verdict((*ehr)->register_patient(patient_, trigger_));
}

int SimHl7Command::ehr_listen() {
  block_stop_signals();
  auto script = parse_ack_script(script_);
  if (!script) {
    std::cerr << "radloop: " << script.error().message() << '\n';
    return kExitError;
  }
  auto ehr = ehr::Ehr::start(peer_);
  if (!ehr) {
    std::cerr << "radloop: " << ehr.error().message() << '\n';
    return kExitError;
  }
  (*ehr)->peer().set_script(*script);
  std::cout << "listening port " << (*ehr)->peer().port() << std::endl;
  wait_for_stop(seconds_);
  (*ehr)->peer().stop();
  for (const auto& entry : (*ehr)->chart()) {
    std::cout << fmt::format("report {} {} accession={} study={} answered={}\n", entry.control_id, entry.status,
                             entry.accession, entry.study_instance_uid, entry.answered);
  }
  return write_events(events_path_, (*ehr)->peer()) ? kExitValid : kExitError;
}

int SimHl7Command::ris_serve() {
  block_stop_signals();
  auto ris = ris::Ris::start(peer_, ris_options_);
  if (!ris) {
    std::cerr << "radloop: " << ris.error().message() << '\n';
    return kExitError;
  }
  std::cout << "listening port " << (*ris)->peer().port() << std::endl;
  std::size_t reported = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds_ > 0 ? seconds_ : 1e9);
  // Reports follow accessioning: each newly accessioned order gets the statuses asked for.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  while (std::chrono::steady_clock::now() < until) {
    const auto held = (*ris)->wait_for_orders(reported + 1, std::chrono::milliseconds(100));
    for (; reported < held.size(); ++reported) {
      for (const auto& status : report_statuses_) {
        ris::ReportRequest r;
        r.accession = held[reported].accession;
        r.status = status;
        r.sections = {{"Impression", fmt::format("{} read of {}.", status, held[reported].accession)}};
        r.with_zds = !ris_options_.uid_root.empty();
        const auto sent = (*ris)->report(r);
        std::cout << fmt::format("report {} {} -> {}\n", r.accession, status, sent.ack) << std::flush;
      }
    }
    timespec none{0, 0};
    if (sigtimedwait(&stop_signals, nullptr, &none) > 0) break;
  }
  for (const auto& o : (*ris)->orders()) {
    std::cout << fmt::format("accessioned {} {} -> {}\n", o.placer, o.accession, o.sent.ack);
  }
  return write_events(events_path_, (*ris)->peer()) ? kExitValid : kExitError;
}

int SimHl7Command::ris_report() {
  auto ris = ris::Ris::start(peer_);
  if (!ris) {
    std::cerr << "radloop: " << ris.error().message() << '\n';
    return kExitError;
  }
  std::string text;
  for (std::size_t i = 0; i < report_text_.size(); ++i) {
    if (report_text_[i] == '\\' && i + 1 < report_text_.size() && report_text_[i + 1] == 'n') {
      text += '\n';
      ++i;
    } else {
      text += report_text_[i];
    }
  }
  report_.sections = {{"Impression", text}};
  return verdict((*ris)->report(report_));
}

}  // namespace radloop::cli
