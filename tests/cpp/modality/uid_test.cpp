// derived_uid: valid DICOM UIDs, stable for a seed, distinct across seeds, roles and indexes.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "simulators/modality/study.hpp"

namespace radloop::modality {
namespace {

bool valid_uid(const std::string& uid) {
  if (uid.empty() || uid.size() > 64) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = uid.find('.', start);
    const std::string component = uid.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (component.empty() || component.find_first_not_of("0123456789") != std::string::npos) return false;
    if (component.size() > 1 && component[0] == '0') return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

TEST(DerivedUid, IsAValidUidUnderTheUuidRoot) {
  for (std::uint64_t seed : {0ULL, 1ULL, 42ULL, ~0ULL}) {
    for (std::uint64_t index = 0; index < 50; ++index) {
      const auto uid = derived_uid(seed, "instance", index);
      EXPECT_EQ(uid.rfind("2.25.", 0), 0U) << uid;
      EXPECT_TRUE(valid_uid(uid)) << uid;
    }
  }
}

TEST(DerivedUid, IsStableForTheSameInputs) { EXPECT_EQ(derived_uid(7, "study", 0), derived_uid(7, "study", 0)); }

TEST(DerivedUid, DiffersBySeedRoleAndIndex) {
  std::set<std::string> seen;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    for (const char* role : {"study", "series", "instance", "frame-of-reference"}) {
      for (std::uint64_t index = 0; index < 20; ++index) seen.insert(derived_uid(seed, role, index));
    }
  }
  EXPECT_EQ(seen.size(), 20U * 4U * 20U);
}

}  // namespace
}  // namespace radloop::modality
