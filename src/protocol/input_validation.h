// Checks a decoded input against its model shape: required members, types and the
// length/range constraints the model declares. Both wire protocols end here, so a request
// gets the same answer whichever protocol carried it.
#pragma once

#include <boost/json/object.hpp>
#include <optional>

#include "protocol/service_error.h"
#include "protocol/service_model.h"

namespace fanout::protocol {

// Which AWS codes a service uses for a malformed input.
struct ValidationCodes {
  std::string missing;  // a required member is absent
  std::string invalid;  // wrong type, bad enum, out of range
};
ValidationCodes validation_codes_for(std::string_view service);

std::optional<ServiceError> validate_input(const ServiceModel& model, const boost::json::object& shape,
                                           const boost::json::object& input);

}  // namespace fanout::protocol
