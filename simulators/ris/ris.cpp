// The RIS simulator (see ris.hpp).
#include "simulators/ris/ris.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "reference/hl7/parser.hpp"
#include "reference/hl7/segments.hpp"

namespace radloop::ris {
namespace {
constexpr std::string_view kScheduledUidRoot = "1.2.826.0.1.3680043.10.2";
}  // namespace

Result<std::unique_ptr<Ris>> Ris::start(hl7sim::PeerConfig config, RisOptions options) {
  if (config.actor.empty() || config.actor == "ehr") config.actor = "ris";
  if (config.application == "EHR") config.application = "RIS";
  if (config.facility == "GENERAL") config.facility = "RADIOLOGY";
  std::unique_ptr<Ris> ris(new Ris(std::move(options)));
  ris->next_accession_ = ris->options_.first_accession;
  auto peer =
      hl7sim::Peer::start(std::move(config), [raw = ris.get()](const hl7sim::Received& m) { raw->on_message(m); });
  if (!peer) return peer.error();
  ris->peer_ = std::move(peer).value();
  return ris;
}

Ris::~Ris() {
  if (peer_) peer_->stop();  // before the members its worker uses go
}

std::string Ris::header(const std::string& type) {
  const auto& c = peer_->config();
  std::string msh = "MSH|^~\\&|";
  msh += c.application + "|" + c.facility + "|RADLOOP|RADIOLOGY|" + peer_->next_timestamp() + "||" + type + "|" +
         peer_->next_control_id() + "|P|2.5.1\r";
  return msh;
}

void Ris::on_message(const hl7sim::Received& message) {
  auto parsed = hl7::parse(message.payload);
  if (!parsed || !message.message_type.starts_with("ORM")) return;
  const auto orc = hl7::first<hl7::Orc>(*parsed);
  const auto obr = hl7::first<hl7::Obr>(*parsed);
  const auto pid = hl7::first<hl7::Pid>(*parsed);
  if (!orc || orc->order_control() != "NW") return;  // status updates and the like are only recorded
  HeldOrder order;
  order.placer = orc->placer_order_number().id;
  if (pid) {
    const auto ids = pid->identifiers();
    if (!ids.empty()) {
      order.patient_id = ids.front().id;
      order.issuer = ids.front().authority;
    }
    const auto name = pid->name();
    order.patient_name = name.family + "^" + name.given;
  }
  if (obr) {
    order.procedure = parsed->raw("OBR-4").value();
    order.modality = obr->diagnostic_service_section();
  }
  {
    std::lock_guard lock(mutex_);
    received_.push_back(order);
    last_activity_ = std::chrono::steady_clock::now();
  }
  if (options_.auto_accession) (void)accession(order.placer);
}

Result<HeldOrder> Ris::accession(const std::string& placer) {
  HeldOrder order;
  {
    std::lock_guard lock(mutex_);
    const auto found =
        std::find_if(received_.begin(), received_.end(), [&](const auto& o) { return o.placer == placer; });
    if (found == received_.end()) {
      return Error{Errc::not_found, "order " + placer, "the RIS has received no order with this placer number"};
    }
    order = *found;
    received_.erase(found);
    ++in_flight_;
    if (reuse_next_ && !held_.empty()) {
      order.accession = held_.back().accession;  // the collision fault
      reuse_next_ = false;
    } else {
      order.accession = fmt::format("{}{}{}", options_.accession_prefix, next_accession_++, options_.accession_suffix);
    }
    // A scheduled step needs its study's UID (IPC-3 is required): a RIS that schedules stations
    // assigns one, under its own root when none is configured.
    const bool scheduling = options_.stations.contains(order.modality);
    const auto root = !options_.uid_root.empty() ? options_.uid_root
                      : scheduling               ? std::string(kScheduledUidRoot)
                                                 : std::string();
    if (!root.empty()) {
      order.study_instance_uid = fmt::format("{}.{}.{}", root, peer_->config().seed, held_.size() + 1);
    }
  }
  const auto station = options_.stations.find(order.modality);
  const bool scheduled = station != options_.stations.end();
  std::string m = header(scheduled ? "OMI^O23" : "ORM^O01");
  m += "PID|1||" + order.patient_id + "^^^" + order.issuer + "^MR||" + order.patient_name + "\r";
  m += "ORC|SC|" + order.placer + "|" + order.accession + "||SC\r";
  m += "OBR|1|" + order.placer + "|" + order.accession + "|" + order.procedure + "||||||||||||||" + order.accession +
       "||||||" + order.modality + "\r";
  if (scheduled) {
    // IPC: accession, requested procedure, study UID, step, modality, protocol, station name,
    // location, Scheduled Station AE Title.
    m += "IPC|" + order.accession + "|" + order.accession + "|" + order.study_instance_uid + "|" + order.accession +
         "|" + order.modality + "||||" + station->second + "\r";
  }
  if (!options_.uid_root.empty()) m += "ZDS|" + order.study_instance_uid + "^RIS^Application^DICOM\r";
  order.sent = peer_->send(m, {order.patient_id, order.placer, order.accession, order.study_instance_uid});
  {
    std::lock_guard lock(mutex_);
    held_.push_back(order);
    --in_flight_;
    last_activity_ = std::chrono::steady_clock::now();
  }
  changed_.notify_all();
  return order;
}

std::string Ris::report_message(const ReportRequest& request) {
  HeldOrder order;
  {
    std::lock_guard lock(mutex_);
    const auto found =
        std::find_if(held_.begin(), held_.end(), [&](const auto& o) { return o.accession == request.accession; });
    if (found != held_.end()) order = *found;
  }
  if (order.accession.empty()) {  // an order the RIS never held
    order.accession = request.accession;
    order.patient_id = request.patient_id;
    order.issuer = request.issuer;
    order.patient_name = request.patient_name;
    order.procedure = request.procedure;
    order.modality = "CT";
  }
  std::string m = header("ORU^R01");
  m += "PID|1||" + order.patient_id + "^^^" + order.issuer + "^MR||" + order.patient_name + "\r";
  m += "ORC|RE|" + order.placer + "|" + order.accession + "||CM\r";
  m += "OBR|1|" + order.placer + "|" + order.accession + "|" + order.procedure + "|||" + peer_->next_timestamp() +
       "|||||||||||" + order.accession + "||||" + peer_->next_timestamp() + "||" + order.modality + "|" +
       request.status + "\r";
  int set = 0;
  for (const auto& section : request.sections) {
    std::string text;
    for (const char c : section.text) {
      switch (c) {
        case '|': text += "\\F\\"; break;
        case '^': text += "\\S\\"; break;
        case '&': text += "\\T\\"; break;
        case '~': text += "\\R\\"; break;
        case '\\': text += "\\E\\"; break;
        // Raw: as some systems send it, the line break unescaped inside OBX-5.
        case '\n': text += request.raw_line_breaks ? "\n" : "\\.br\\"; break;
        default: text += c;
      }
    }
    const auto heading = request.addendum ? "Addendum" : section.heading;
    m += fmt::format("OBX|{}|TX|{}^{}||{}||||||{}\r", ++set, request.addendum ? "ADT" : "", heading, text,
                     request.status);
  }
  if (request.with_zds && !order.study_instance_uid.empty()) {
    m += "ZDS|" + order.study_instance_uid + "^RIS^Application^DICOM\r";
  }
  return m;
}

hl7sim::SendResult Ris::report(const ReportRequest& request) {
  const auto m = report_message(request);
  std::string patient;
  {
    std::lock_guard lock(mutex_);
    const auto found =
        std::find_if(held_.begin(), held_.end(), [&](const auto& o) { return o.accession == request.accession; });
    patient = found != held_.end() ? found->patient_id : request.patient_id;
  }
  return peer_->send(m, {patient, "", request.accession, ""});
}

std::vector<HeldOrder> Ris::orders() const {
  std::lock_guard lock(mutex_);
  return held_;
}

bool Ris::wait_idle(std::chrono::milliseconds quiet, std::chrono::milliseconds patience) const {
  const auto until = std::chrono::steady_clock::now() + patience;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      const bool busy = in_flight_ > 0 || (options_.auto_accession && !received_.empty());
      if (!busy && std::chrono::steady_clock::now() - last_activity_ >= quiet) return true;
    }
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::vector<HeldOrder> Ris::wait_for_orders(std::size_t n, std::chrono::milliseconds patience) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, patience, [&] { return held_.size() >= n; });
  return held_;
}

}  // namespace radloop::ris
