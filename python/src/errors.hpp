// Error values reaching Python become radloop.RadloopError (with .code and .where).
#pragma once

#include <pybind11/pybind11.h>

#include "reference/core/result.hpp"

namespace radloop::python {

pybind11::object& error_type();
[[noreturn]] void raise(const Error& error);

template <typename T>
T unwrap(Result<T> result) {
  if (!result) raise(result.error());
  return std::move(result).value();
}
inline void unwrap(const Result<void>& result) {
  if (!result) raise(result.error());
}

// Registers radloop._core.hl7 (hl7_bindings.cpp).
void bind_hl7(pybind11::module_& core);
// Registers Ehr, Ris and Modality (sim_bindings.cpp).
void bind_simulators(pybind11::module_& core);

}  // namespace radloop::python
