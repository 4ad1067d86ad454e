// The portal's routes in one router (see api.hpp).
#include "reference/portal/api.hpp"

namespace radloop::portal {

Api::Api(pipeline::Pipeline& pipeline) {
  add_status_routes(router_, pipeline);
  add_fhir_routes(router_, pipeline);
  add_dicomweb_routes(router_, pipeline);
  add_landed_routes(router_, pipeline);
}

}  // namespace radloop::portal
