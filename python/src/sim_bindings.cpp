// The simulators seen from Python: the EHR, the RIS and a modality, as the scenario runner
// drives them, for tests written in Python (the pytest plugin's ehr, ris and modality fixtures).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <filesystem>

#include "python/src/errors.hpp"
#include "simulators/ehr/ehr.hpp"
#include "simulators/modality/exam.hpp"
#include "simulators/ris/ris.hpp"

namespace py = pybind11;

namespace radloop::python {
namespace {

py::dict sent_dict(const hl7sim::SendResult& sent) {
  py::dict d;
  d["control_id"] = sent.control_id;
  d["ack"] = sent.ack;
  d["text"] = sent.text;
  d["error"] = sent.error;
  return d;
}

ehr::Patient patient(const std::string& mrn, const std::string& family, const std::string& given,
                     const std::string& birth_date, const std::string& sex, const std::string& issuer) {
  return ehr::Patient{mrn, issuer, family, given, birth_date, sex};
}

hl7sim::PeerConfig peer_config(std::uint64_t seed) {
  hl7sim::PeerConfig config;
  config.seed = seed;
  return config;
}

// A held simulator; stop() (or the interpreter's exit) ends it.
template <typename Sim>
struct Held {
  std::unique_ptr<Sim> sim;
  Sim& get() {
    if (!sim) raise(Error{Errc::invalid_config, "simulator", "it was stopped"});
    return *sim;
  }
  void stop() {
    py::gil_scoped_release release;
    sim.reset();
  }
};

using PyEhr = Held<ehr::Ehr>;
using PyRis = Held<ris::Ris>;

modality::Modality modality_of(const std::string& name) {
  using modality::Modality;
  static const std::map<std::string, Modality> known{{"CT", Modality::ct}, {"MR", Modality::mr}, {"CR", Modality::cr},
                                                     {"DX", Modality::dx}, {"US", Modality::us}, {"MG", Modality::mg}};
  const auto it = known.find(name);
  if (it == known.end()) raise(Error{Errc::invalid_config, "modality", name + " is not one of CT, MR, CR, DX, US, MG"});
  return it->second;
}

struct PyModality {
  std::filesystem::path work_dir;
  std::string ae_title;
  std::string modality;
  unsigned exams = 0;
};

py::dict acquire(PyModality& self, const std::string& host, std::uint16_t port, const std::string& called_ae,
                 const std::string& accession, const std::string& patient_id, const std::string& patient_name,
                 std::uint32_t series, std::uint32_t instances, const std::vector<std::string>& faults, bool worklist,
                 std::uint64_t seed) {
  modality::ExamPlan plan;
  plan.archive.host = host;
  plan.archive.port = port;
  plan.archive.calling_ae = self.ae_title;
  plan.archive.called_ae = called_ae;
  if (worklist) {
    plan.worklist = plan.archive;
    plan.query.accession_number = accession;
  } else {
    plan.study.patient.id = patient_id;
    plan.study.patient.name = patient_name;
    plan.study.order.accession_number = accession;
  }
  plan.study.modality = modality_of(self.modality);
  if (plan.study.modality == modality::Modality::us) plan.study.bits_allocated = 8;
  plan.study.seed = seed != 0 ? seed : ++self.exams;
  plan.study.series_count = series;
  plan.study.instances_per_series = instances;
  plan.study.station_ae_title = self.ae_title;
  for (const auto& f : faults) plan.faults.push_back(unwrap(modality::parse_fault(f)));
  plan.work_dir = self.work_dir / ("exam-" + std::to_string(plan.study.seed));
  modality::EventLog log;
  Result<modality::ExamReport> exam = Error{};
  {
    py::gil_scoped_release release;
    exam = modality::run_exam(plan, log);
  }
  const auto report = unwrap(std::move(exam));
  py::dict d;
  d["study_uid"] =
      report.instances.empty() ? report.truth.study_instance_uid : report.instances.front().study_instance_uid;
  d["sent"] = report.store.outcomes.size();
  d["accepted"] = report.store.accepted();
  d["truth"] =
      py::dict(py::arg("patient_id") = report.truth.patient_id, py::arg("accession") = report.truth.accession_number);
  d["sent_patient_id"] = report.sent.patient.id;
  d["sent_accession"] = report.sent.order.accession_number;
  d["events"] = log.json_lines();
  return d;
}

}  // namespace

void bind_simulators(py::module_& core) {
  py::class_<PyEhr>(core, "Ehr", "The EHR simulator: ADT and orders out, reports in (filed in its chart).")
      .def(py::init([](std::uint64_t seed) {
             py::gil_scoped_release release;
             return PyEhr{unwrap(ehr::Ehr::start(peer_config(seed)))};
           }),
           py::arg("seed") = 1)
      .def_property_readonly("port", [](PyEhr& e) { return e.get().peer().port(); })
      .def(
          "connect", [](PyEhr& e, const std::string& host, std::uint16_t port) { e.get().peer().retarget(host, port); },
          py::arg("host"), py::arg("port"), "Send to this MLLP listener (the system under test).")
      .def(
          "register",
          [](PyEhr& e, const std::string& mrn, const std::string& family, const std::string& given,
             const std::string& birth_date, const std::string& sex, const std::string& issuer,
             const std::string& trigger) {
            py::gil_scoped_release release;
            auto sent = e.get().register_patient(patient(mrn, family, given, birth_date, sex, issuer), trigger);
            py::gil_scoped_acquire acquire;
            return sent_dict(sent);
          },
          py::arg("mrn"), py::arg("family") = "", py::arg("given") = "", py::arg("birth_date") = "",
          py::arg("sex") = "", py::arg("issuer") = "GENERAL", py::arg("trigger") = "A04",
          "ADT A01/A04/A08; returns {control_id, ack, text, error}.")
      .def(
          "order",
          [](PyEhr& e, const std::string& placer, const std::string& mrn, const std::string& procedure_code,
             const std::string& procedure_text, const std::string& modality, const std::string& control,
             const std::string& issuer) {
            ehr::Order o;
            o.placer = placer;
            o.patient = patient(mrn, "", "", "", "", issuer);
            o.procedure_code = procedure_code;
            o.procedure_text = procedure_text;
            o.modality = modality;
            py::gil_scoped_release release;
            auto sent = e.get().order(o, control);
            py::gil_scoped_acquire acquire;
            return sent_dict(sent);
          },
          py::arg("placer"), py::arg("mrn"), py::arg("procedure_code") = "71250",
          py::arg("procedure_text") = "CT CHEST", py::arg("modality") = "CT", py::arg("control") = "NW",
          py::arg("issuer") = "GENERAL", "ORM^O01 (control NW, XO or CA).")
      .def(
          "answers",
          [](PyEhr& e, const std::vector<std::string>& next, const std::string& then) {
            hl7sim::AckScript script;
            const auto already = e.get().peer().received().size();
            for (std::size_t i = 0; i < next.size(); ++i)
              script.by_message[already + i + 1] = unwrap(hl7sim::parse_ack_behaviour(next[i]));
            script.otherwise = unwrap(hl7sim::parse_ack_behaviour(then));
            e.get().peer().set_script(script);
          },
          py::arg("next"), py::arg("then") = "AA",
          "How the next messages are answered (AA, AE, AR, none, drop, wrong_id, blank_id, each optionally @ms), "
          "then `then`.")
      .def("go_down", [](PyEhr& e) { e.get().peer().go_down(); })
      .def("come_up", [](PyEhr& e) { unwrap(e.get().peer().come_up()); })
      .def(
          "chart",
          [](PyEhr& e) {
            py::list out;
            for (const auto& c : e.get().chart()) {
              out.append(py::dict(py::arg("control_id") = c.control_id, py::arg("patient_id") = c.patient_id,
                                  py::arg("issuer") = c.issuer, py::arg("patient_name") = c.patient_name,
                                  py::arg("accession") = c.accession, py::arg("placer") = c.placer,
                                  py::arg("status") = c.status, py::arg("study_instance_uid") = c.study_instance_uid,
                                  py::arg("text") = c.text, py::arg("answered") = c.answered,
                                  py::arg("kept") = c.kept));
            }
            return out;
          },
          "The reports received so far, in arrival order.")
      .def("stop", &PyEhr::stop);

  py::class_<PyRis>(core, "Ris", "The RIS simulator: accessions the orders it receives, signs reports.")
      .def(py::init([](std::uint64_t seed, bool study_uids) {
             ris::RisOptions options;
             if (study_uids) options.uid_root = "1.2.826.0.1.3680043.10.1";
             py::gil_scoped_release release;
             return PyRis{unwrap(ris::Ris::start(peer_config(seed), options))};
           }),
           py::arg("seed") = 1, py::arg("study_uids") = false)
      .def_property_readonly("port", [](PyRis& r) { return r.get().peer().port(); })
      .def(
          "connect", [](PyRis& r, const std::string& host, std::uint16_t port) { r.get().peer().retarget(host, port); },
          py::arg("host"), py::arg("port"))
      .def(
          "wait_for_orders",
          [](PyRis& r, std::size_t n, double seconds) {
            std::vector<ris::HeldOrder> held;
            {
              py::gil_scoped_release release;
              held = r.get().wait_for_orders(n, std::chrono::milliseconds(static_cast<long>(seconds * 1000)));
            }
            py::list out;
            for (const auto& o : held) {
              out.append(py::dict(py::arg("placer") = o.placer, py::arg("accession") = o.accession,
                                  py::arg("patient_id") = o.patient_id, py::arg("ack") = o.sent.ack,
                                  py::arg("study_instance_uid") = o.study_instance_uid));
            }
            return out;
          },
          py::arg("n"), py::arg("seconds") = 10.0, "Waits until n orders are accessioned; returns them.")
      .def(
          "report",
          [](PyRis& r, const std::string& accession, const std::string& status, const std::string& text, bool addendum,
             bool raw_line_breaks, bool zds) {
            ris::ReportRequest request;
            request.accession = accession;
            request.status = status;
            request.sections = {{"Impression", text}};
            request.addendum = addendum;
            request.raw_line_breaks = raw_line_breaks;
            request.with_zds = zds;
            py::gil_scoped_release release;
            auto sent = r.get().report(request);
            py::gil_scoped_acquire acquire;
            return sent_dict(sent);
          },
          py::arg("accession"), py::arg("status") = "F", py::arg("text") = "No acute findings.",
          py::arg("addendum") = false, py::arg("raw_line_breaks") = false, py::arg("zds") = false,
          "ORU^R01 for the order with this accession.")
      .def("reuse_next_accession", [](PyRis& r) { r.get().reuse_next_accession(); })
      .def("stop", &PyRis::stop);

  py::class_<PyModality>(core, "Modality", "A modality: worklist, MPPS and C-STORE of a synthesized study.")
      .def(py::init([](const std::string& work_dir, const std::string& ae_title, const std::string& modality) {
             (void)modality_of(modality);
             return PyModality{work_dir, ae_title, modality, 0};
           }),
           py::arg("work_dir"), py::arg("ae_title") = "MODALITY", py::arg("modality") = "CT")
      .def("acquire", &acquire, py::arg("host"), py::arg("port"), py::arg("called_ae") = "RADLOOP",
           py::arg("accession") = "", py::arg("patient_id") = "", py::arg("patient_name") = "", py::arg("series") = 1,
           py::arg("instances") = 1, py::arg("faults") = std::vector<std::string>{}, py::arg("worklist") = true,
           py::arg("seed") = 0,
           "One exam: from the worklist item with this accession (or typed, worklist=False), with faults such "
           "as 'transpose_accession'. Returns {study_uid, sent, accepted, truth, ...}.");
}

}  // namespace radloop::python
