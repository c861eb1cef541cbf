#include "ids.hpp"

#include "boundary.hpp"

extern "C" {
#include "utils/timestamp.h"
}

namespace approval_gate {

pg_uuid_t new_time_ordered_id()
{
    // The 12 bits after the version count ids made in the same millisecond (RFC 9562, method 1),
    // starting from a random value with headroom, so a backend's ids never go backwards.
    static uint64 last_ms = 0;
    static uint32 counter = 0;
    pg_uuid_t id;
    if (!pg_strong_random(id.data, UUID_LEN))  // unguarded: returns false rather than raising
        fail(ERRCODE_INTERNAL_ERROR, "could not generate random bytes for an identifier");
    uint64 ms = static_cast<uint64>(GetCurrentTimestamp() / 1000 +  // unguarded: reads the clock
                                    (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * INT64CONST(1000));
    if (ms <= last_ms) {
        ms = last_ms;
        if (++counter > 0xFFF) {
            ms++;
            counter = 0;
        }
    } else {
        counter = ((static_cast<uint32>(id.data[6]) << 8) | id.data[7]) & 0x7FF;
    }
    last_ms = ms;
    for (int i = 0; i < 6; i++)
        id.data[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
    id.data[6] = static_cast<unsigned char>(0x70 | (counter >> 8));  // version 7
    id.data[7] = static_cast<unsigned char>(counter & 0xFF);
    id.data[8] = static_cast<unsigned char>((id.data[8] & 0x3F) | 0x80);  // RFC 9562 variant
    return id;
}

std::string uuid_text(const pg_uuid_t &u)
{
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < UUID_LEN; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out.push_back('-');
        out.push_back(hex[u.data[i] >> 4]);
        out.push_back(hex[u.data[i] & 0xF]);
    }
    return out;
}

} // namespace approval_gate
