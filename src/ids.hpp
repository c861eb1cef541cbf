// Identifiers the extension makes: version 7 UUIDs (RFC 9562), strictly increasing within a backend.
// Requests are made and consumed in roughly time order, so their index entries stay on a few recent
// pages; the audit queue is sealed in id order, so a transaction's events keep the order it made them in.
#pragma once

extern "C" {
#include "postgres.h"
#include "utils/uuid.h"
}

#include <string>

namespace approval_gate {

pg_uuid_t new_time_ordered_id();

std::string uuid_text(const pg_uuid_t &u);

} // namespace approval_gate
