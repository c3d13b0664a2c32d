// The operation names of an embedded service model, so a fuzz input can pick one by index.
#pragma once

#include <boost/json/parse.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/embedded_models.h"
#include "protocol/service_model.h"

namespace fanout::fuzz {

struct ModelOperations {
  const protocol::ServiceModel* model = nullptr;
  std::vector<const protocol::OperationModel*> operations;

  explicit ModelOperations(std::string_view service) : model(&protocol::ServiceModel::embedded(service)) {
    auto root = boost::json::parse(protocol::embedded_model(service));
    for (const auto& entry : root.at("operations").as_object()) {
      if (auto* op = model->operation(entry.key())) operations.push_back(op);
    }
  }
  const protocol::OperationModel& pick(std::uint8_t index) const {
    return *operations[index % operations.size()];
  }
};

}  // namespace fanout::fuzz
