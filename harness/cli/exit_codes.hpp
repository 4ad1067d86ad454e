// Exit codes of every radloop command: a CI job can tell a failed check from a run that could
// not decide, and both from a command that could not run.
#pragma once

namespace radloop::cli {

constexpr int kExitValid = 0;    // everything checked held (or: everything sent was accepted)
constexpr int kExitInvalid = 1;  // something checked did not hold (or: the peer refused something)
constexpr int kExitUnknown = 2;  // the run could not observe enough to decide, or had nothing to judge
constexpr int kExitError = 3;    // the command could not run: bad options, unreachable peer

}  // namespace radloop::cli
