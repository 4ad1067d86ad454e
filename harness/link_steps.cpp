// link.fault, link.clear, link.down and link.up: the scenario's network faults, on the proxies
// that stand on its links (see actors.hpp and harness/link).
#include <fmt/format.h>

#include <type_traits>

#include "harness/actors.hpp"

namespace radloop::harness {
namespace {

// With direction "both", the replies' half is a second fault under this name.
std::string replies_half(const std::string& name) { return name + ".replies"; }

nlohmann::json stats_of(const link::Proxy& proxy) {
  const auto s = proxy.stats();
  return {{"connections", s.connections_accepted},
          {"message_bytes", {{"received", s.upstream.bytes_received}, {"delivered", s.upstream.bytes_delivered}}},
          {"reply_bytes", {{"received", s.downstream.bytes_received}, {"delivered", s.downstream.bytes_delivered}}},
          {"closed_by_faults", s.connections_closed_by_faults},
          {"reset", s.connections_reset_by_faults + s.connections_reset_by_down}};
}

Result<void> add_fault(link::Proxy& proxy, const LinkFault& a) {
  const auto add = [&](const std::string& name, link::Direction direction) {
    link::FaultSpec spec;
    spec.name = name;
    spec.type = a.type;
    spec.direction = direction;
    spec.params = a.params;
    return proxy.add(std::move(spec));
  };
  if (a.direction == "messages") return add(a.name, link::Direction::upstream);
  if (a.direction == "replies") return add(a.name, link::Direction::downstream);
  if (auto first = add(a.name, link::Direction::upstream); !first) return first;
  return add(replies_half(a.name), link::Direction::downstream);
}

Result<void> clear_fault(link::Proxy& proxy, const std::string& name) {
  if (name.empty()) return proxy.clear();
  bool found = false;
  for (const auto& fault : proxy.faults()) {
    if (fault.name != name && fault.name != replies_half(name)) continue;
    if (auto removed = proxy.remove(fault.name); !removed) return removed;
    found = true;
  }
  if (!found) return Error{Errc::not_found, "link " + proxy.name(), "no fault named " + name + " is on it"};
  return {};
}

}  // namespace

Operation run_link_step(std::size_t index, const Step& step, Actors& actors, History& history) {
  const auto f = std::string(action_name(step.action));
  const auto link_name = link_of(step.action);
  nlohmann::json invoke{{"step", index}, {"link", link_name}};
  if (const auto* a = std::get_if<LinkFault>(&step.action)) {
    invoke["fault"] = {{"name", a->name}, {"type", a->type}, {"direction", a->direction}, {"params", a->params}};
  } else if (const auto* c = std::get_if<LinkClear>(&step.action)) {
    invoke["fault"] = c->name.empty() ? std::string("every fault") : c->name;
  }
  history.append(step.name, OpType::invoke, f, invoke);
  const auto it = actors.links.find(link_name);
  if (it == actors.links.end()) {
    return history.append(step.name, OpType::fail, f,
                          {{"step", index}, {"error", fmt::format("no proxy stands on link {}", link_name)}});
  }
  auto& proxy = *it->second;
  Result<void> done = std::visit(
      [&](const auto& a) -> Result<void> {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, LinkFault>) return add_fault(proxy, a);
        if constexpr (std::is_same_v<A, LinkClear>) return clear_fault(proxy, a.name);
        if constexpr (std::is_same_v<A, LinkDown>) return proxy.set_down(true);
        if constexpr (std::is_same_v<A, LinkUp>) return proxy.set_down(false);
        return Error{Errc::internal, f, "not a link step"};
      },
      step.action);
  if (!done) return history.append(step.name, OpType::fail, f, {{"step", index}, {"error", done.error().message()}});
  // What crossed the link so far: evidence of what the fault did.
  return history.append(step.name, OpType::ok, f, {{"step", index}, {"link_stats", stats_of(proxy)}});
}

}  // namespace radloop::harness
