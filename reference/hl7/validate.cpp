// Message structures as small grammars matched greedily (HL7 structures are designed so that
// the next segment decides), plus per-field rules.
#include "reference/hl7/validate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "reference/hl7/segments.hpp"

namespace radloop::hl7 {
namespace {

// A segment (one or more alternative IDs) or, with no IDs, a group of children.
struct Node {
  std::vector<std::string_view> ids;
  std::vector<Node> children;
  bool required = true;
  bool repeats = false;
};

Node seg(std::string_view id) { return Node{{id}, {}, true, false}; }
Node opt(std::string_view id) { return Node{{id}, {}, false, false}; }
Node any(std::string_view id) { return Node{{id}, {}, false, true}; }  // [{ID}]
Node some(std::string_view id) { return Node{{id}, {}, true, true}; }  // {ID}
Node one_of(std::vector<std::string_view> ids, bool required) { return Node{std::move(ids), {}, required, false}; }
Node group(bool required, bool repeats, std::vector<Node> children) {
  return Node{{}, std::move(children), required, repeats};
}

bool can_start(const Node& n, std::string_view id) {
  if (!n.ids.empty()) return std::find(n.ids.begin(), n.ids.end(), id) != n.ids.end();
  for (const auto& c : n.children) {
    if (can_start(c, id)) return true;
    if (c.required) return false;
  }
  return false;
}

void collect_ids(const Node& n, std::vector<std::string_view>& out) {
  out.insert(out.end(), n.ids.begin(), n.ids.end());
  for (const auto& c : n.children) collect_ids(c, out);
}

std::string first_required(const Node& n) {
  if (!n.ids.empty()) {
    std::string out;
    for (auto id : n.ids) {
      if (!out.empty()) out += '/';
      out.append(id);
    }
    return out;
  }
  for (const auto& c : n.children) {
    if (c.required) return first_required(c);
  }
  return n.children.empty() ? std::string() : first_required(n.children.front());
}

Node adt_a01() {
  return group(true, false, {seg("MSH"), any("SFT"),
                             seg("EVN"), seg("PID"),
                             opt("PD1"), any("ROL"),
                             any("NK1"), seg("PV1"),
                             opt("PV2"), any("ROL"),
                             any("DB1"), any("OBX"),
                             any("AL1"), any("DG1"),
                             opt("DRG"), group(false, true, {seg("PR1"), any("ROL")}),
                             any("GT1"), group(false, true, {seg("IN1"), opt("IN2"), any("IN3"), any("ROL")}),
                             opt("ACC"), opt("UB1"),
                             opt("UB2"), opt("PDA")});
}

Node patient_for_orders() {
  return group(false, false,
               {seg("PID"), opt("PD1"), any("NTE"), group(false, false, {seg("PV1"), opt("PV2")}),
                group(false, true, {seg("IN1"), opt("IN2"), opt("IN3")}), opt("GT1"), any("AL1")});
}

Node observations() { return group(false, true, {seg("OBX"), any("NTE")}); }

std::vector<std::string_view> order_detail() { return {"OBR", "RQD", "RQ1", "RXO", "ODS", "ODT"}; }

const std::map<std::string, Node, std::less<>>& structures() {
  static const std::map<std::string, Node, std::less<>> table = {
      {"ADT_A01", adt_a01()},
      {"ADT_A05", adt_a01()},
      {"ADT_A39", group(true, false,
                        {seg("MSH"), any("SFT"), seg("EVN"),
                         group(true, true, {seg("PID"), opt("PD1"), seg("MRG"), opt("PV1")})})},
      {"ORM_O01",
       group(true, false,
             {seg("MSH"), any("NTE"), patient_for_orders(),
              group(true, true,
                    {seg("ORC"),
                     group(false, false,
                           {one_of(order_detail(), true), any("NTE"), opt("CTD"), any("DG1"), observations()}),
                     any("FT1"), any("CTI"), opt("BLG")})})},
      {"OMI_O23", group(true, false,
                        {seg("MSH"), any("SFT"), any("NTE"), patient_for_orders(),
                         group(true, true,
                               {seg("ORC"), group(false, true, {seg("TQ1"), any("TQ2")}), seg("OBR"), any("NTE"),
                                opt("CTD"), any("DG1"), observations(), some("IPC")})})},
      {"ORU_R01",
       group(
           true, false,
           {seg("MSH"), any("SFT"),
            group(
                true, true,
                {group(false, false,
                       {seg("PID"), opt("PD1"), any("NTE"), any("NK1"), group(false, false, {seg("PV1"), opt("PV2")})}),
                 group(true, true,
                       {opt("ORC"), seg("OBR"), any("NTE"), group(false, true, {seg("TQ1"), any("TQ2")}), opt("CTD"),
                        observations(), any("FT1"), any("CTI"), group(false, true, {seg("SPM"), any("OBX")})})}),
            opt("DSC")})},
      {"ORR_O02",
       group(true, false,
             {seg("MSH"), seg("MSA"), any("ERR"), any("NTE"),
              group(false, false,
                    {seg("PID"), any("NTE"),
                     group(true, true, {seg("ORC"), one_of(order_detail(), false), any("NTE"), any("CTI")})})})},
      {"ACK", group(true, false, {seg("MSH"), any("SFT"), seg("MSA"), any("ERR")})},
  };
  return table;
}

class Matcher {
 public:
  Matcher(const Message& m, std::string_view structure, const Node& root, std::vector<Issue>& issues)
      : m_(m), structure_(structure), issues_(issues) {
    collect_ids(root, known_);
  }

  void run(const Node& root) {
    sequence(root);
    skip_foreign();
    if (pos_ < m_.size()) {
      const auto rest = m_.size() - pos_;
      issues_.push_back(Issue{
          Severity::error, Location::of_segment(pos_ + 1, id(pos_)), 100,
          fmt::format("{} is out of place for {}{}", id(pos_), structure_,
                      rest > 1 ? fmt::format(" ({} segments from here do not fit its order)", rest) : std::string())});
    }
  }

 private:
  std::string_view id(std::size_t i) const { return m_.segment_id(i); }

  void skip_foreign() {
    while (pos_ < m_.size()) {
      const auto s = id(pos_);
      if (!s.empty() && s.front() == 'Z') {
        ++pos_;
        continue;
      }
      if (std::find(known_.begin(), known_.end(), s) == known_.end()) {
        issues_.push_back(Issue{Severity::warning, Location::of_segment(pos_ + 1, s), 100,
                                fmt::format("{} is not part of {}; it was ignored", s, structure_)});
        ++pos_;
        continue;
      }
      return;
    }
  }

  void sequence(const Node& group_node) {
    for (const auto& child : group_node.children) {
      std::size_t count = 0;
      while (true) {
        skip_foreign();
        if (pos_ >= m_.size() || !can_start(child, id(pos_))) break;
        if (child.ids.empty()) {
          sequence(child);
        } else {
          ++pos_;
        }
        ++count;
        if (!child.repeats) break;
      }
      if (count == 0 && child.required) missing(child);
    }
  }

  void missing(const Node& child) {
    const auto what = first_required(child);
    if (pos_ < m_.size()) {
      issues_.push_back(Issue{Severity::error, Location::of_segment(pos_ + 1, id(pos_)), 100,
                              fmt::format("{} requires {} before this {}", structure_, what, id(pos_))});
    } else {
      issues_.push_back(Issue{Severity::error, Location{}, 100,
                              fmt::format("{} requires {}, which the message does not have", structure_, what)});
    }
  }

  const Message& m_;
  std::string_view structure_;
  std::vector<Issue>& issues_;
  std::vector<std::string_view> known_;
  std::size_t pos_ = 0;
};

enum class Rule { required, one_of, timestamp };

struct FieldRule {
  std::string_view segment;
  std::size_t field;
  std::size_t component;
  Rule rule;
  int code;
  Severity severity;
  std::vector<std::string_view> values;
};

const std::vector<FieldRule>& field_rules() {
  using enum Rule;
  constexpr auto E = Severity::error;
  constexpr auto W = Severity::warning;
  static const std::vector<FieldRule> rules = {
      {"MSH", 7, 1, required, 101, W, {}},
      {"MSH", 7, 1, timestamp, 102, E, {}},
      {"MSH", 9, 1, required, 101, E, {}},
      {"MSH", 10, 0, required, 101, E, {}},
      {"MSH", 11, 1, required, 101, E, {}},
      {"MSH", 11, 1, one_of, 202, E, {"P", "T", "D"}},
      {"MSH", 12, 1, required, 101, E, {}},
      {"MSH",
       12,
       1,
       one_of,
       203,
       E,
       {"2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2", "2.9"}},
      {"MSH", 15, 0, one_of, 103, E, {"AL", "NE", "ER", "SU"}},
      {"MSH", 16, 0, one_of, 103, E, {"AL", "NE", "ER", "SU"}},
      {"EVN", 2, 1, required, 101, E, {}},
      {"EVN", 2, 1, timestamp, 102, E, {}},
      {"PID", 3, 0, required, 101, E, {}},
      {"PID", 5, 0, required, 101, E, {}},
      {"PID", 7, 1, timestamp, 102, E, {}},
      {"PID", 8, 0, one_of, 103, E, {"F", "M", "O", "U", "A", "N", "X"}},
      {"PV1", 2, 0, required, 101, E, {}},
      {"PV1", 2, 0, one_of, 103, E, {"E", "I", "O", "P", "R", "B", "C", "N", "U"}},
      {"MRG", 1, 0, required, 101, E, {}},
      {"ORC", 1, 0, required, 101, E, {}},
      {"ORC", 1, 0, one_of, 103, E, {"NW", "OK", "UA", "CA", "OC", "CR", "UC", "DC", "OD", "DR", "UD", "HD", "OH",
                                     "HR", "UH", "RL", "OE", "OR", "UR", "RP", "RU", "RO", "RQ", "UM", "PA", "CN",
                                     "RE", "RR", "XO", "XX", "UX", "SC", "SN", "SS", "SR", "DE", "NA", "LI", "MC"}},
      {"ORC", 5, 0, one_of, 103, E, {"A", "CA", "CM", "DC", "ER", "HD", "IP", "RP", "SC"}},
      {"OBR", 4, 0, required, 101, E, {}},
      {"OBR", 7, 1, timestamp, 102, E, {}},
      {"OBR", 25, 0, one_of, 103, E, {"O", "I", "S", "A", "P", "C", "R", "F", "X", "Y", "Z"}},
      {"OBX", 2, 0, one_of, 103, E, {"AD",  "CE",  "CF",  "CK",  "CN",  "CP", "CWE", "CX", "DT",  "DTM", "ED", "FT",
                                     "ID",  "MO",  "NM",  "PN",  "RP",  "SN", "ST",  "TM", "TN",  "TS",  "TX", "XAD",
                                     "XCN", "XON", "XPN", "XTN", "CNE", "SI", "DR",  "NA", "NDL", "MA"}},
      {"OBX", 3, 0, required, 101, E, {}},
      {"OBX", 11, 0, required, 101, E, {}},
      {"OBX", 11, 0, one_of, 103, E, {"C", "D", "F", "I", "N", "O", "P", "R", "S", "U", "W", "X"}},
      {"OBX", 14, 1, timestamp, 102, E, {}},
      {"TQ1", 7, 1, timestamp, 102, E, {}},
      {"IPC", 1, 0, required, 101, E, {}},
      {"IPC", 2, 0, required, 101, E, {}},
      {"IPC", 3, 0, required, 101, E, {}},
      {"IPC", 4, 0, required, 101, E, {}},
      {"MSA", 1, 0, required, 101, E, {}},
      {"MSA", 1, 0, one_of, 103, E, {"AA", "AE", "AR", "CA", "CE", "CR"}},
      {"MSA", 2, 0, required, 101, E, {}},
      {"ZDS", 1, 1, required, 101, E, {}},
  };
  return rules;
}

// HL7 DTM: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]
bool is_timestamp(std::string_view v) {
  std::size_t i = 0;
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < v.size() && digit(v[i])) ++i;
  if (i < 4 || i > 14 || i % 2 != 0) return false;
  if (i < v.size() && v[i] == '.') {
    if (i != 14) return false;
    const auto start = ++i;
    while (i < v.size() && digit(v[i])) ++i;
    if (i == start || i - start > 4) return false;
  }
  if (i < v.size() && (v[i] == '+' || v[i] == '-')) {
    const auto zone = v.substr(i + 1);
    if (zone.size() != 4 || !std::all_of(zone.begin(), zone.end(), digit)) {
      return false;
    }
    i = v.size();
  }
  return i == v.size();
}

// Each segment's rules, found with one lookup instead of comparing the segment with every rule.
const std::vector<const FieldRule*>& rules_of(std::string_view segment) {
  static const auto index = [] {
    std::unordered_map<std::string_view, std::vector<const FieldRule*>> by_segment;
    for (const auto& rule : field_rules()) by_segment[rule.segment].push_back(&rule);
    return by_segment;
  }();
  static const std::vector<const FieldRule*> none;
  const auto it = index.find(segment);
  return it == index.end() ? none : it->second;
}

void check_fields(const Message& m, std::vector<Issue>& issues) {
  const bool is_ack = message_type(m).code == "ACK";
  for (std::size_t s = 0; s < m.size(); ++s) {
    const auto sid = m.segment_id(s);
    // A field's value is decoded once for the rules on it that follow each other.
    const FieldRule* decoded_for = nullptr;
    std::string v;
    for (const auto* rule : rules_of(sid)) {
      const auto& r = *rule;
      if (decoded_for == nullptr || decoded_for->field != r.field || decoded_for->component != r.component) {
        v = m.value(s, r.field, 1, r.component, 0);
        decoded_for = rule;
      }
      const bool empty = v.empty() || v == "\"\"";
      if (r.rule == Rule::required
              ? !empty
              : (empty || (r.rule == Rule::one_of ? std::find(r.values.begin(), r.values.end(), v) != r.values.end()
                                                  : is_timestamp(v)))) {
        continue;  // the common case: nothing to report, nothing to format
      }
      Location where = Location::of_segment(s + 1, sid, r.field);
      where.component = r.component;
      const auto name = where.to_string().substr(0, where.to_string().find(' '));
      switch (r.rule) {
        case Rule::required:
          issues.push_back(Issue{r.severity, where, r.code, fmt::format("{} is required and empty", name)});
          break;
        case Rule::one_of:
          issues.push_back(
              Issue{r.severity, where, r.code, fmt::format("{} '{}' is not a value its table allows", name, v)});
          break;
        case Rule::timestamp:
          issues.push_back(Issue{r.severity, where, r.code,
                                 fmt::format("{} '{}' is not an HL7 date/time (YYYYMMDD[HHMM[SS]][+ZZZZ])", name, v)});
          break;
      }
    }
    if (sid == "MSH" && !is_ack && m.value(s, 9, 1, 2, 0).empty()) {
      Location where = Location::of_segment(s + 1, sid, 9);
      where.component = 2;
      issues.push_back(Issue{Severity::error, where, 201, "MSH-9.2 (trigger event) is empty"});
    }
    if (sid == "OBX" && !m.field(s, 5).empty() && m.field(s, 2).empty()) {
      issues.push_back(Issue{Severity::error, Location::of_segment(s + 1, sid, 2), 101,
                             "OBX-2 (value type) is required when OBX-5 holds a value"});
    }
  }
}

}  // namespace

char to_char(Severity severity) {
  switch (severity) {
    case Severity::error: return 'E';
    case Severity::warning: return 'W';
    case Severity::information: return 'I';
  }
  return 'E';
}

std::string_view error_condition_text(int code) {
  switch (code) {
    case 0: return "Message accepted";
    case 100: return "Segment sequence error";
    case 101: return "Required field missing";
    case 102: return "Data type error";
    case 103: return "Table value not found";
    case 104: return "Value too long";
    case 200: return "Unsupported message type";
    case 201: return "Unsupported event code";
    case 202: return "Unsupported processing id";
    case 203: return "Unsupported version id";
    case 204: return "Unknown key identifier";
    case 205: return "Duplicate key identifier";
    case 206: return "Application record locked";
    default: return "Application internal error";
  }
}

std::vector<Issue> validate(const Message& message) {
  std::vector<Issue> issues;
  if (message.size() == 0 || message.segment_id(0) != "MSH") {
    issues.push_back(Issue{Severity::error, Location::of_segment(1, message.size() != 0 ? message.segment_id(0) : ""),
                           100, "validation reads one message starting with MSH; split a batch with split_messages()"});
    return issues;
  }
  check_fields(message, issues);
  const auto type = message_type(message);
  const auto& table = structures();
  const auto it = table.find(type.structure);
  if (it == table.end()) {
    Location where = Location::of_segment(1, "MSH", 9);
    issues.push_back(Issue{Severity::warning, where, 200,
                           fmt::format("no structure rules for {} ({}); only fields were checked", type.name(),
                                       type.structure.empty() ? "unknown structure" : type.structure)});
  } else {
    Matcher(message, it->first, it->second, issues).run(it->second);
  }
  std::stable_sort(issues.begin(), issues.end(), [](const Issue& a, const Issue& b) {
    return a.where.segment != b.where.segment ? a.where.segment < b.where.segment : a.where.field < b.where.field;
  });
  return issues;
}

bool valid(const std::vector<Issue>& issues) {
  return std::none_of(issues.begin(), issues.end(), [](const Issue& i) { return i.severity == Severity::error; });
}

}  // namespace radloop::hl7
