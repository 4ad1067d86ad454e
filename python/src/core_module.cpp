// radloop._core: the C++ core seen from Python. Thin: records become dicts, errors become
// radloop.RadloopError with the catalogue's sentence, and the GIL is released around I/O.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "harness/explain.hpp"
#include "harness/report.hpp"
#include "harness/runner.hpp"
#include "harness/system_under_test.hpp"
#include "python/src/errors.hpp"
#include "reference/dicom/echo_scu.hpp"
#include "reference/mllp/client.hpp"
#include "reference/pipeline/pipeline.hpp"

namespace py = pybind11;
using namespace radloop;

namespace radloop::python {

// Raised for every error value that reaches Python; carries the catalogue id in .code.
py::object& error_type() {
  static py::object type;
  return type;
}

[[noreturn]] void raise(const Error& error) {
  py::object exc = error_type()(error.message());
  exc.attr("code") = std::string(info(error.code).id);
  exc.attr("where") = error.where;
  PyErr_SetObject(error_type().ptr(), exc.ptr());
  throw py::error_already_set();
}

}  // namespace radloop::python

namespace {

using python::error_type;
using python::raise;
using python::unwrap;

py::object json_to_python(const nlohmann::json& value) {
  return py::module_::import("json").attr("loads")(value.dump());
}

// Runs a scenario file; returns (report as dict, summary text). Writes the report if asked.
py::tuple run_scenario(const std::string& path, const std::string& report_path, const std::vector<std::string>& breaks,
                       double max_wait) {
  auto scenario = unwrap(harness::load_scenario(path));
  harness::RunOptions options;
  options.sabotage = breaks;
  if (max_wait > 0) options.wait_cap = std::chrono::milliseconds(static_cast<long>(max_wait * 1000));
  harness::RunReport report;
  {
    py::gil_scoped_release release;
    auto ran = harness::run_scenario(scenario, options);
    if (!ran) {
      py::gil_scoped_acquire acquire;
      raise(ran.error());
    }
    report = std::move(ran).value();
  }
  if (!report_path.empty()) {
    if (auto written = harness::write_report(report, report_path); !written) raise(written.error());
  }
  return py::make_tuple(json_to_python(harness::to_json(report)), harness::summary(report));
}

// A scenario file as a dict: what it is, what it teaches, its links and modalities, and each step
// with its action key, a sentence saying what it does, and what it expects. Errors name file:line.
py::dict load_scenario(const std::string& path) {
  const auto s = unwrap(harness::load_scenario(path));
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& step : s.steps) {
    steps.push_back({{"name", step.name},
                     {"action", std::string(harness::action_name(step.action))},
                     {"does", harness::describe(step.action)},
                     {"expect", harness::to_json(step.expect)},
                     {"policy", step.policy},
                     {"line", step.line}});
  }
  nlohmann::json modalities = nlohmann::json::object();
  for (const auto& m : s.modalities) {
    modalities[m.name] = {{"modality", m.modality}, {"ae_title", m.ae_title}, {"worklist", m.worklist}};
  }
  const nlohmann::json value{
      {"name", s.name},
      {"description", s.description},
      {"teaches", {{"failure", s.teaches.failure}, {"symptom", s.teaches.symptom}, {"fix", s.teaches.fix}}},
      {"seed", s.seed},
      {"modalities", modalities},
      {"links", s.links},
      {"steps", steps},
      {"explained", harness::explain(s)}};
  return json_to_python(value);
}

class PyPipeline {
 public:
  PyPipeline(const std::string& ae_title, const std::string& store, std::uint16_t mllp_port, std::uint16_t dicom_port,
             const std::vector<std::pair<std::string, std::string>>& allowed_callers, const std::string& storage_dir,
             std::uint16_t ris_port, std::uint16_t ehr_port) {
    pipeline::PipelineConfig config;
    if (ris_port != 0) config.flows.ris = pipeline::Destination{"127.0.0.1", ris_port, "RIS", "RADIOLOGY"};
    if (ehr_port != 0) config.flows.ehr = pipeline::Destination{"127.0.0.1", ehr_port, "EHR", "GENERAL"};
    config.outbox.first_retry = std::chrono::milliseconds(100);
    config.outbox.max_delay = std::chrono::milliseconds(1000);
    config.dicom.storage_dir = storage_dir;
    config.dicom.ae_title = ae_title;
    for (const auto& [ae, host] : allowed_callers) config.dicom.allowed_callers.push_back({ae, host});
    config.store_path = store;
    config.mllp.port = mllp_port;
    config.dicom.port = dicom_port;
    pipeline_ = unwrap(pipeline::Pipeline::start(std::move(config)));
  }
  [[nodiscard]] std::uint16_t mllp_port() const { return pipeline_->mllp_port(); }
  [[nodiscard]] std::uint16_t dicom_port() const { return pipeline_->dicom_port(); }
  [[nodiscard]] std::string ae_title() const { return pipeline_->ae_title(); }
  [[nodiscard]] py::dict stats() const {
    const auto s = pipeline_->stats();
    py::dict d;
    d["hl7_accepted"] = s.hl7_accepted;
    d["hl7_duplicates"] = s.hl7_duplicates;
    d["hl7_rejected"] = s.hl7_rejected;
    d["hl7_errors"] = s.hl7_errors;
    d["hl7_invalid"] = s.hl7_invalid;
    d["hl7_refused"] = s.hl7_refused;
    d["hl7_control_id_reused"] = s.hl7_control_id_reused;
    d["mllp_connections"] = s.mllp.connections_accepted;
    d["mllp_bytes_discarded"] = s.mllp.bytes_discarded;
    d["associations_accepted"] = s.dicom.associations_accepted;
    d["associations_rejected"] = s.dicom.associations_rejected;
    d["echoes_answered"] = s.dicom.echoes_answered;
    d["instances_stored"] = s.dicom.instances_stored;
    d["instance_duplicates"] = s.dicom.duplicates;
    d["instance_conflicts"] = s.dicom.conflicts;
    d["store_failures"] = s.dicom.store_failures;
    d["contexts_rejected"] = s.dicom.contexts_rejected;
    d["worklist_queries"] = s.dicom.worklist_queries;
    d["worklist_matches"] = s.dicom.worklist_matches;
    d["commitment_requests"] = s.dicom.commitment_requests;
    d["commitment_failed_refs"] = s.dicom.commitment_failed_refs;
    d["commitment_reports_sent"] = s.dicom.commitment_reports_sent;
    d["queries"] = s.dicom.queries;
    d["mpps_created"] = s.dicom.mpps_created;
    d["mpps_updated"] = s.dicom.mpps_updated;
    d["mpps_refused"] = s.dicom.mpps_refused;
    return d;
  }
  [[nodiscard]] std::int64_t inbound_count() const { return unwrap(pipeline_->store().count_inbound()); }
  // What the pipeline shows of a study: None, or its state, reason, patient, instances and order.
  [[nodiscard]] py::object study(const std::string& study_uid) const {
    const auto found = unwrap(harness::landed_study(pipeline_->store(), study_uid));
    if (!found) return py::none();
    py::dict d;
    d["study_uid"] = found->study_uid;
    d["state"] = found->state;
    d["reason"] = found->reason;
    d["patient_id"] = found->patient_id;
    d["accession"] = found->accession;
    d["instances"] = found->instances;
    d["linked_accession"] = found->linked_accession;
    d["linked_patient_id"] = found->linked_patient_id;
    return d;
  }
  void stop() {
    py::gil_scoped_release release;
    pipeline_->stop();
  }

 private:
  std::unique_ptr<pipeline::Pipeline> pipeline_;
};

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "radloop's C++ core: the reference pipeline, protocol clients and the scenario runner";
  error_type() = py::reinterpret_borrow<py::object>(PyErr_NewException("radloop._core.RadloopError", nullptr, nullptr));
  m.attr("RadloopError") = error_type();
  m.attr("__version__") = RADLOOP_VERSION;
  // The core's log lines go to stderr, as the CLI's do.
  spdlog::set_default_logger(spdlog::stderr_color_mt("radloop"));

  m.def("run_scenario", &run_scenario, py::arg("path"), py::arg("report_path") = "",
        py::arg("breaks") = std::vector<std::string>{}, py::arg("max_wait") = 0.0,
        "Run a scenario file against the in-process reference; returns (report, summary). breaks: defects to "
        "switch on in the reference (radloop run --help lists them); max_wait: seconds any step may wait at most.");

  m.def("load_scenario", &load_scenario, py::arg("path"),
        "Read a scenario file without running it; returns a dict (name, description, teaches, seed, modalities, "
        "links, steps with their action, a sentence on what each does and what it expects, and the whole in words). "
        "Raises RadloopError naming file:line and key when the file is wrong.");

  m.def(
      "echo",
      [](const std::string& host, std::uint16_t port, const std::string& called_ae, const std::string& calling_ae) {
        Result<dicom::EchoResult> result = Error{};
        {
          py::gil_scoped_release release;
          result = dicom::echo(dicom::EchoRequest{host, port, calling_ae, called_ae});
        }
        return unwrap(std::move(result)).status;
      },
      py::arg("host"), py::arg("port"), py::arg("called_ae") = "RADLOOP", py::arg("calling_ae") = "RADLOOP_SCU",
      "C-ECHO a DICOM peer; returns the DIMSE status (0 = success).");

  m.def(
      "mllp_exchange",
      [](const std::string& host, std::uint16_t port, const std::string& message, int timeout_ms) {
        Result<std::string> reply = Error{};
        {
          py::gil_scoped_release release;
          mllp::ClientConfig config{host, port, std::chrono::milliseconds(timeout_ms),
                                    std::chrono::milliseconds(timeout_ms), mllp::kDefaultMaxFrameBytes};
          auto client = mllp::Client::connect(config);
          reply = client ? client.value()->exchange(message) : Result<std::string>(client.error());
        }
        return unwrap(std::move(reply));
      },
      py::arg("host"), py::arg("port"), py::arg("message"), py::arg("timeout_ms") = 10'000,
      "Send one HL7 message over MLLP and return the reply payload.");

  py::class_<PyPipeline>(m, "Pipeline", "The reference pipeline, running in this process on loopback.")
      .def(py::init<const std::string&, const std::string&, std::uint16_t, std::uint16_t,
                    const std::vector<std::pair<std::string, std::string>>&, const std::string&, std::uint16_t,
                    std::uint16_t>(),
           py::arg("ae_title") = "RADLOOP", py::arg("store") = ":memory:", py::arg("mllp_port") = 0,
           py::arg("dicom_port") = 0, py::arg("allowed_callers") = std::vector<std::pair<std::string, std::string>>{},
           py::arg("storage_dir") = "", py::arg("ris_port") = 0, py::arg("ehr_port") = 0,
           "allowed_callers: [(calling AE, host or '')]; empty lets any caller in. storage_dir: where C-STORE "
           "writes instances (<study>/<series>/<sop>.dcm); empty refuses C-STORE. ris_port, ehr_port: MLLP "
           "listeners on loopback it forwards orders and reports to (0: none).")
      .def_property_readonly("mllp_port", &PyPipeline::mllp_port)
      .def_property_readonly("dicom_port", &PyPipeline::dicom_port)
      .def_property_readonly("ae_title", &PyPipeline::ae_title)
      .def("stats", &PyPipeline::stats)
      .def("inbound_count", &PyPipeline::inbound_count)
      .def("study", &PyPipeline::study, py::arg("study_uid"))
      .def("stop", &PyPipeline::stop);

  python::bind_hl7(m);
  python::bind_simulators(m);
}
