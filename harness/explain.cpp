// Scenarios in words (see explain.hpp).
#include "harness/explain.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "reference/hl7/parser.hpp"
#include "reference/hl7/segments.hpp"

namespace radloop::harness {
namespace {

// Overloads for std::visit.
template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

// What an HL7 payload is, by its header.
std::string what_message(const std::string& er7) {
  auto parsed = hl7::parse(er7);
  const auto msh = parsed ? hl7::first<hl7::Msh>(*parsed) : std::nullopt;
  if (!msh) return "a payload that is not an HL7 message";
  return fmt::format("{} (control ID {})", hl7::message_type(*parsed).name(), msh->control_id());
}

}  // namespace

std::string describe(const Action& action) {
  return std::visit(
      Overloaded{
          [](const DicomEcho& a) {
            return fmt::format("a C-ECHO from {} to {}", a.calling_ae,
                               a.called_ae.empty() ? std::string("the system's AE title") : a.called_ae);
          },
          [](const Hl7Send& a) { return "HL7 over MLLP: " + what_message(a.message); },
          [](const EhrAdt& a) {
            if (a.trigger == "A40")
              return fmt::format("the EHR merges {} into {} (ADT^A40)", a.merge_from, a.patient.mrn);
            return fmt::format("the EHR {} patient {} {} (ADT^{})", a.trigger == "A08" ? "updates" : "registers",
                               a.patient.mrn, a.patient.family, a.trigger);
          },
          [](const EhrOrder& a) {
            const char* verb = a.control == "CA" ? "cancels" : a.control == "XO" ? "changes" : "orders";
            return fmt::format("the EHR {} {} ({}, {}) for {} (ORM^O01 {})", verb, a.placer, a.procedure, a.modality,
                               a.patient.mrn, a.control);
          },
          [](const RisAccessioned& a) {
            return fmt::format("the RIS receives order {}, assigns an accession and sends it back (within {} ms)",
                               a.placer, a.within.count());
          },
          [](const RisReport& a) {
            std::string extras;
            if (a.form != "oru") extras += ", as DICOM " + std::string(a.form == "sr" ? "SR" : "encapsulated PDF");
            if (a.addendum) extras += ", as an addendum";
            if (a.raw_line_breaks) extras += ", with raw line breaks in OBX-5";
            if (a.with_zds) extras += ", with ZDS";
            return fmt::format("the RIS signs a {} report for {}{} (ORU^R01)", a.status, a.placer, extras);
          },
          [](const EhrChart& a) {
            return fmt::format("the {} report for {} must reach the EHR within {} ms", a.status, a.placer,
                               a.within.count());
          },
          [](const RisUnknownReport& a) {
            return fmt::format("the RIS sends a report for accession {} of patient {}, an order nobody holds",
                               a.accession, a.mrn);
          },
          [](const RisCollide&) { return std::string("the RIS gives the next order the accession of the last one"); },
          [](const Acks& a) {
            return fmt::format("the {} answers the next messages {}, then {}", a.actor == "ris" ? "RIS" : "EHR",
                               a.next.empty() ? std::string("-") : fmt::format("{}", fmt::join(a.next, ", ")), a.then);
          },
          [](const EhrDown&) { return std::string("the EHR goes down: nobody listens on its port"); },
          [](const EhrUp&) { return std::string("the EHR comes back on the same port"); },
          [](const ModalityAcquire& a) {
            std::string how =
                a.worklist ? "order " + a.placer + " from the worklist"
                           : "patient " + a.patient.mrn + " typed at the console, accession \"" + a.accession + "\"";
            std::string faults =
                a.faults.empty() ? std::string() : fmt::format(", faults: {}", fmt::join(a.faults, ", "));
            return fmt::format("modality {} acquires {} series x {} images for {} (study {}){}", a.modality, a.series,
                               a.instances, how, a.study, faults);
          },
          [](const SutStudy& a) {
            return fmt::format("what the system shows of study {} once it settles (within {} ms)", a.study,
                               a.within.count());
          },
          [](const Wait& a) { return fmt::format("wait {} ms", a.duration.count()); },
          [](const LoadDay& a) {
            return fmt::format(
                "a busy day: {} patients registered, ordered, acquired ({} images each) on {}, reported and charted; "
                "throughput and time to land are measured",
                a.studies, a.instances, fmt::join(a.modalities, ", "));
          },
          [](const LinkFault& a) {
            std::vector<std::string> params;
            for (const auto& [key, value] : a.params) params.push_back(key + "=" + value);
            const auto on = a.direction == "both" ? std::string("messages and replies") : a.direction;
            return fmt::format("on link {}, {} on its {}{}", a.link, a.type, on,
                               params.empty() ? std::string() : fmt::format(" ({})", fmt::join(params, ", ")));
          },
          [](const LinkClear& a) {
            return a.name.empty() ? fmt::format("the network on {} is clean again", a.link)
                                  : fmt::format("fault {} leaves {}", a.name, a.link);
          },
          [](const LinkDown& a) { return fmt::format("{} goes down: connections refused, open ones reset", a.link); },
          [](const LinkUp& a) { return fmt::format("{} carries again", a.link); },
      },
      action);
}

std::string explain(const Scenario& scenario) {
  std::string out = fmt::format("{}: {}\n", scenario.name, scenario.description);
  out += fmt::format("system: {}; seed {}; {} steps\n", scenario.system, scenario.seed, scenario.steps.size());
  for (std::size_t i = 0; i < scenario.steps.size(); ++i) {
    const auto& step = scenario.steps[i];
    out += fmt::format("{:>3}. {}\n     {}\n", i + 1, step.name, describe(step.action));
    if (!step.expect.empty()) {
      std::string expects;
      for (const auto& [key, expected] : step.expect) {
        if (!expects.empty()) expects += ", ";
        expects += key;
        expects += " ";
        expects += expected.text();
      }
      out += "     expects " + expects + "\n";
    } else {
      out += "     expects the step to succeed\n";
    }
    if (!step.policy.empty()) out += "     a local policy, not a rule of the standards: " + step.policy + "\n";
  }
  out +=
      "checked after the run: every step's expectations, no silent loss, idempotence, no wrong patient, everything "
      "lands, reports reach the chart\n";
  return out;
}

}  // namespace radloop::harness
