// C-STORE receive throughput on loopback: one sender (DcmSCU, TCP_NODELAY on) sends the same
// synthesized instances to our SCP (durability none and file_and_directory, records produced),
// the whole pipeline (durable, each instance indexed in SQLite and its study reconciled),
// DCMTK's storescp and Orthanc, each a fresh process in a fresh folder, over 1 and 4 concurrent
// associations. Sizes: small (64x64x16 CT, ~8 KB), CT (512x512x16, ~0.5 MB), large (MG
// 3840x4096x16, ~30 MB). Counters: instances/s, MB/s (1 MB = 10^6 bytes of files sent), the
// receiver's peak RSS in MiB; the ratios to the peers are printed after the table.
//
// Run: build/debug/bench/bench_dicom_store [--benchmark_filter=...]
//   needs storescp (dcmtk) and Orthanc (orthanc) on PATH, see ci/setup.sh; a missing peer is skipped.
//   RADLOOP_STORE_BENCH_SCALE=N multiplies the instance counts (default 1: 400 / 100 / 8).
//   TMPDIR picks the file system the receivers write to (/dev/shm takes the disk out of it).
//   Each case is one timed pass on a fresh receiver; on a busy machine add
//   --benchmark_repetitions=3 (the ratios use the last repetition).
// storescp writes without fsync and is compared with our "none"; Orthanc fsyncs each file
// (SyncStorageArea) and commits its SQLite index, and is compared with our "file_and_directory".
#include <benchmark/benchmark.h>
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmnet/scu.h>
#include <fmt/format.h>
#include <sys/prctl.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/dicom/store_peers.hpp"
#include "simulators/modality/study.hpp"

namespace {

namespace fs = std::filesystem;
using radloop::bench::ReceiverKind;
using radloop::bench::ReceiverProcess;

struct Template {
  std::string name;
  std::unique_ptr<DcmFileFormat> file;
  std::uint64_t bytes = 0;  // of the Part-10 file
  unsigned count = 0;       // instances sent per run
};

struct Figures {
  double instances_per_s = 0;
  double mb_per_s = 0;
  double peak_rss_mib = 0;
};

// (size, associations, receiver) -> figures, for the ratios.
std::map<std::tuple<std::string, unsigned, ReceiverKind>, Figures> g_figures;
std::string g_receiver_binary;
fs::path g_work;
std::atomic<unsigned> g_run{0};

std::optional<Template> make_template(const std::string& name, radloop::modality::Modality modality, std::uint16_t rows,
                                      std::uint16_t columns, unsigned count) {
  radloop::modality::StudySpec spec;
  spec.modality = modality;
  spec.seed = 42;
  spec.rows = rows;
  spec.columns = columns;
  spec.patient = {"MRN1", "GENERAL", "DOE^JANE", "19700101", "F"};
  spec.order = {"ACC1", "RP1", "BENCH", "SPS1", "REF^DOC"};
  const auto files = radloop::modality::synthesize_study(spec, g_work / "templates" / name);
  if (!files || files.value().empty()) return std::nullopt;
  Template t;
  t.name = name;
  t.file = std::make_unique<DcmFileFormat>();
  if (t.file->loadFile(files.value().front().path.c_str()).bad()) return std::nullopt;
  t.file->loadAllDataIntoMemory();
  t.bytes = files.value().front().size_bytes;
  t.count = count;
  return t;
}

// Sends template.count instances, each with its own SOP Instance UID, over `associations`
// concurrent associations (instance i on association i % associations). Returns an error in words.
std::string send_all(const Template& t, unsigned associations, const ReceiverProcess& receiver, unsigned run,
                     double& seconds) {
  const char* sop_class = nullptr;
  t.file->getDataset()->findAndGetString(DCM_SOPClassUID, sop_class);
  const std::string sop_class_uid = sop_class == nullptr ? "" : sop_class;
  const std::string syntax = DcmXfer(t.file->getDataset()->getOriginalXfer()).getXferID();
  // Copies made before the clock starts: each association sets UIDs in its own.
  std::vector<std::unique_ptr<DcmDataset>> datasets;
  for (unsigned a = 0; a < associations; ++a) datasets.push_back(std::make_unique<DcmDataset>(*t.file->getDataset()));
  std::vector<std::string> errors(associations);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (unsigned a = 0; a < associations; ++a) {
    threads.emplace_back([&, a] {
      DcmSCU scu;
      scu.setAETitle("BENCHSCU");
      scu.setPeerHostName("127.0.0.1");
      scu.setPeerPort(receiver.port());
      scu.setPeerAETitle(receiver.ae_title().c_str());
      scu.setACSETimeout(60);
      scu.setDIMSETimeout(120);
      scu.setDIMSEBlockingMode(DIMSE_BLOCKING);
      scu.setMaxReceivePDULength(65536);
      OFList<OFString> syntaxes;
      syntaxes.push_back(syntax.c_str());
      scu.addPresentationContext(sop_class_uid.c_str(), syntaxes);
      auto cond = scu.initNetwork();
      if (cond.good()) cond = scu.negotiateAssociation();
      for (unsigned i = a; cond.good() && i < t.count; i += associations) {
        const auto uid = fmt::format("2.25.9{:04}{:08}", run, i);
        datasets[a]->putAndInsertString(DCM_SOPInstanceUID, uid.c_str());
        Uint16 status = 0xFFFF;
        cond = scu.sendSTORERequest(0, "", datasets[a].get(), status);
        if (cond.good() && status != 0) {
          errors[a] = fmt::format("instance {} answered 0x{:04X}", i, status);
          break;
        }
      }
      if (cond.bad()) errors[a] = cond.text();
      if (scu.isConnected()) scu.releaseAssociation();
    });
  }
  for (auto& thread : threads) thread.join();
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& e : errors) {
    if (!e.empty()) return e;
  }
  return {};
}

void run_case(benchmark::State& state, const Template& t, unsigned associations, ReceiverKind kind) {
  for (auto _ : state) {
    const unsigned run = g_run.fetch_add(1);
    const auto dir = g_work / fmt::format("run{}", run);
    auto receiver = ReceiverProcess::start(kind, dir, g_receiver_binary);
    if (!receiver) {
      state.SkipWithError(
          fmt::format("{} did not start (see {})", radloop::bench::name_of(kind), (dir / "receiver.log").string())
              .c_str());
      break;
    }
    double seconds = 0;
    const auto error = send_all(t, associations, *receiver, run, seconds);
    const auto peak = receiver->stop();
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
    state.SetIterationTime(seconds);
    Figures f;
    f.instances_per_s = t.count / seconds;
    f.mb_per_s = static_cast<double>(t.count * t.bytes) / 1e6 / seconds;
    f.peak_rss_mib = static_cast<double>(peak) / (1024.0 * 1024.0);
    state.counters["inst_per_s"] = f.instances_per_s;
    state.counters["MB_per_s"] = f.mb_per_s;
    state.counters["peak_RSS_MiB"] = f.peak_rss_mib;
    g_figures[{t.name, associations, kind}] = f;
  }
}

bool on_path(const char* tool) { return std::system(fmt::format("command -v {} >/dev/null 2>&1", tool).c_str()) == 0; }

void print_ratios(const std::vector<Template>& templates) {
  fmt::print("\nratios (instances/s; above 1: ours is faster), peak RSS in MiB:\n");
  for (const auto& t : templates) {
    for (unsigned associations : {1U, 4U}) {
      auto get = [&](ReceiverKind k) -> const Figures* {
        auto it = g_figures.find({t.name, associations, k});
        return it == g_figures.end() ? nullptr : &it->second;
      };
      const auto* none = get(ReceiverKind::ours_none);
      const auto* durable = get(ReceiverKind::ours_durable);
      const auto* full = get(ReceiverKind::ours_pipeline);
      const auto* scp = get(ReceiverKind::storescp);
      const auto* orthanc = get(ReceiverKind::orthanc);
      std::string line = fmt::format("{:>5} x{}:", t.name, associations);
      if (none && scp)
        line += fmt::format("  radloop(none)/storescp = {:.2f}", none->instances_per_s / scp->instances_per_s);
      if (durable && orthanc)
        line += fmt::format("  radloop(file_and_directory)/orthanc = {:.2f}",
                            durable->instances_per_s / orthanc->instances_per_s);
      if (none && orthanc)
        line += fmt::format("  radloop(none)/orthanc = {:.2f}", none->instances_per_s / orthanc->instances_per_s);
      if (full && scp)
        line += fmt::format("  radloop(pipeline)/storescp = {:.2f}", full->instances_per_s / scp->instances_per_s);
      if (full && orthanc)
        line += fmt::format("  radloop(pipeline)/orthanc = {:.2f}", full->instances_per_s / orthanc->instances_per_s);
      line += "  RSS:";
      for (const auto* f : {none, durable, full, scp, orthanc}) {
        line += f ? fmt::format(" {:.1f}", f->peak_rss_mib) : " -";
      }
      fmt::print("{}  (radloop none, radloop durable, radloop pipeline, storescp, orthanc)\n", line);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  // DCMTK 3.6.7 leaves Nagle on unless this is set; storescp, spawned from here, inherits it.
  ::setenv("TCP_NODELAY", "1", 1);
  // storescp --fork children orphaned when it stops are reaped here, for their peak RSS.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  g_receiver_binary = (fs::canonical("/proc/self/exe").parent_path() / "bench_dicom_store_receiver").string();
  g_work = fs::temp_directory_path() / fmt::format("radloop-store-bench-{}", ::getpid());
  fs::create_directories(g_work);
  unsigned scale = 1;
  if (const char* s = std::getenv("RADLOOP_STORE_BENCH_SCALE"); s != nullptr && std::atoi(s) > 0)
    scale = static_cast<unsigned>(std::atoi(s));

  using radloop::modality::Modality;
  std::vector<Template> templates;
  struct Size {
    const char* name;
    Modality modality;
    std::uint16_t rows, columns;
    unsigned count;
  };
  for (const auto& size :
       {Size{"small", Modality::ct, 64, 64, 400 * scale}, Size{"ct", Modality::ct, 512, 512, 100 * scale},
        Size{"large", Modality::mg, 3840, 4096, 8 * scale}}) {
    auto t = make_template(size.name, size.modality, size.rows, size.columns, size.count);
    if (!t) {
      fmt::print(stderr, "cannot synthesize the {} instance\n", size.name);
      return 1;
    }
    templates.push_back(std::move(*t));
  }
  std::vector<ReceiverKind> kinds{ReceiverKind::ours_none, ReceiverKind::ours_durable, ReceiverKind::ours_pipeline};
  if (on_path("storescp"))
    kinds.push_back(ReceiverKind::storescp);
  else
    fmt::print(stderr, "storescp not found: skipped (install dcmtk: ci/setup.sh)\n");
  if (on_path("Orthanc"))
    kinds.push_back(ReceiverKind::orthanc);
  else
    fmt::print(stderr, "Orthanc not found: skipped (install orthanc: ci/setup.sh)\n");

  for (const auto& t : templates) {
    for (unsigned associations : {1U, 4U}) {
      for (auto kind : kinds) {
        benchmark::RegisterBenchmark(
            fmt::format("BM_Store/{}/assoc:{}/{}", t.name, associations, radloop::bench::name_of(kind)).c_str(),
            [&t, associations, kind](benchmark::State& s) { run_case(s, t, associations, kind); })
            ->Iterations(1)
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  print_ratios(templates);
  benchmark::Shutdown();
  std::error_code ignored;
  fs::remove_all(g_work, ignored);
  return 0;
}
