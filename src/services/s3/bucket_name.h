// AWS's naming rules for general purpose buckets.
#pragma once

#include <string_view>

namespace fanout::services::s3 {

bool valid_bucket_name(std::string_view name);

}  // namespace fanout::services::s3
