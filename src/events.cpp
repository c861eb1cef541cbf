#include "events.hpp"

#include "guc.hpp"
#include "json_text.hpp"
#include "row_writes.hpp"
#include "sha256.hpp"

extern "C" {
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "commands/async.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/timestamp.h"
}

#include <cstring>
#include <map>

namespace approval_gate {

namespace {

const std::string genesis_hash(64, '0');

struct ChainLink {
    pg_uuid_t workspace_id;
    int64 seq;
    std::optional<pg_uuid_t> request_id;
    std::string action, event, status, actor, actor_role;
    std::optional<pg_uuid_t> to_workspace_id;
    TimestampTz at;
    std::string prev_hash;
};

std::optional<std::string> uuid_text(const std::optional<pg_uuid_t> &u)
{
    return u ? std::optional<std::string>(uuid_to_string(*u)) : std::nullopt;
}

// The hashed material is canonical JSON (members sorted, RFC 8785 strings) so that an auditor can
// recompute it outside the database.
std::string link_hash(const ChainLink &l)
{
    std::string material = json_object({
        {"action", l.action},
        {"actor", l.actor},
        {"actor_role", l.actor_role},
        {"at", std::to_string(l.at)},
        {"event", l.event},
        {"prev_hash", l.prev_hash},
        {"request_id", uuid_text(l.request_id)},
        {"seq", std::to_string(l.seq)},
        {"status", l.status},
        {"to_workspace_id", uuid_text(l.to_workspace_id)},
        {"workspace_id", uuid_to_string(l.workspace_id)},
    });
    const std::string &key = audit_key();
    return key.empty() ? sha256_hex(material) : hmac_sha256_hex(key, material);
}

void notify(const Event &e)
{
    std::string payload = json_object({
        {"action", e.action},
        {"event", e.event},
        {"request_id", uuid_to_string(e.request_id)},
        {"status", e.status},
        {"to_workspace_id", uuid_text(e.to_workspace_id)},
        {"workspace_id", uuid_to_string(e.workspace_id)},
    });
    pg_call([&] { Async_Notify("approval_gate", payload.c_str()); });
}

struct HeadColumns {
    AttrNumber seq, hash;
};

struct EventColumns {
    AttrNumber workspace_id, seq, request_id, action, event, status, actor, actor_role, to_workspace_id, at,
        prev_hash, hash;
};

const HeadColumns &head_columns(Relation rel)
{
    return cached_columns<HeadColumns>(rel, [](Relation r) {
        return HeadColumns{column_number(r, "seq"), column_number(r, "hash")};
    });
}

const EventColumns &event_columns(Relation rel)
{
    return cached_columns<EventColumns>(rel, [](Relation r) {
        auto n = [&](const char *name) { return column_number(r, name); };
        return EventColumns{n("workspace_id"), n("seq"),        n("request_id"),      n("action"),
                            n("event"),        n("status"),     n("actor"),           n("actor_role"),
                            n("to_workspace_id"), n("at"),      n("prev_hash"),       n("hash")};
    });
}

// Locks the workspace's chain head, as UPDATE would, and returns it in a slot, or nullptr when the
// chain has not started.
TupleTableSlot *lock_chain_head(Relation heads, const pg_uuid_t &workspace_id)
{
    ScanKeyData key;
    ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(const_cast<pg_uuid_t *>(&workspace_id)));
    return lock_row_by_key(heads, installation().event_heads_key, key, LockTupleNoKeyExclusive);
}

// Appends the event to its workspace's chain: false when the chain has not started.
bool append_to_chain(const Event &e, TimestampTz at)
{
    const Installation &inst = installation();
    return pg_call([&] {
        Relation heads = table_open(inst.event_heads_table, RowExclusiveLock);
        TupleTableSlot *head = lock_chain_head(heads, e.workspace_id);
        if (!head) {
            table_close(heads, NoLock);
            return false;
        }
        const HeadColumns &hc = head_columns(heads);
        bool isnull;
        ChainLink link{e.workspace_id, DatumGetInt64(slot_getattr(head, hc.seq, &isnull)) + 1, e.request_id, e.action,
                       e.event, e.status, e.actor, e.actor_role, e.to_workspace_id, at,
                       TextDatumGetCString(slot_getattr(head, hc.hash, &isnull))};
        std::string hash = link_hash(link);

        RowWrite head_write = begin_row_write(heads);
        copy_row(head_write, head);
        head_write.row->tts_values[hc.seq - 1] = Int64GetDatum(link.seq);
        head_write.row->tts_values[hc.hash - 1] = CStringGetTextDatum(hash.c_str());
        update_row(head_write, head);
        end_row_write(head_write);
        ExecDropSingleTupleTableSlot(head);
        table_close(heads, NoLock);

        Relation events = table_open(inst.events_table, RowExclusiveLock);
        const EventColumns &ec = event_columns(events);
        RowWrite event_write = begin_row_write(events);
        Datum *values = event_write.row->tts_values;
        bool *nulls = event_write.row->tts_isnull;
        memset(nulls, 0, RelationGetDescr(events)->natts * sizeof(bool));
        values[ec.workspace_id - 1] = uuid_datum(link.workspace_id);
        values[ec.seq - 1] = Int64GetDatum(link.seq);
        values[ec.request_id - 1] = uuid_datum(e.request_id);
        values[ec.action - 1] = text_datum(link.action);
        values[ec.event - 1] = text_datum(link.event);
        values[ec.status - 1] = text_datum(link.status);
        values[ec.actor - 1] = text_datum(link.actor);
        values[ec.actor_role - 1] = DirectFunctionCall1(namein, CStringGetDatum(link.actor_role.c_str()));
        if (link.to_workspace_id)
            values[ec.to_workspace_id - 1] = uuid_datum(*link.to_workspace_id);
        else
            nulls[ec.to_workspace_id - 1] = true;
        values[ec.at - 1] = TimestampTzGetDatum(link.at);
        values[ec.prev_hash - 1] = text_datum(link.prev_hash);
        values[ec.hash - 1] = text_datum(hash);
        insert_row(event_write);
        end_row_write(event_write);
        table_close(events, NoLock);
        return true;
    });
}

} // namespace

void record_event(const Event &e)
{
    TimestampTz at = GetCurrentTimestamp();
    if (!append_to_chain(e, at)) {
        // The workspace's first event: start its chain, or wait for the one a concurrent first event
        // is starting (ON CONFLICT DO NOTHING), then append.
        run(Stmt::StartEventChain, {p_uuid(e.workspace_id), p_text(genesis_hash)});
        if (!append_to_chain(e, at))
            fail(ERRCODE_T_R_SERIALIZATION_FAILURE,
                 "could not start the audit chain of workspace " + uuid_to_string(e.workspace_id),
                 "retry the transaction");
    }
    notify(e);
}

namespace {
bool pruning = false;

struct PruningWindow {
    PruningWindow() { pruning = true; }
    ~PruningWindow() { pruning = false; }
};
} // namespace

bool pruning_events() { return pruning; }

int64 prune_events(const pg_uuid_t &workspace_id, int64 through_seq, const std::string &actor,
                   const std::string &role_name)
{
    if (run(Stmt::LockEventHead, {p_uuid(workspace_id)}, 1) == 0 || through_seq < 1 || through_seq >= int_at(0, 1))
        fail(ERRCODE_INVALID_PARAMETER_VALUE,
             "through_seq must lie between 1 and the newest event of the workspace, excluded",
             "the newest event stays so that the chain can go on");
    if (run(Stmt::EventHash, {p_uuid(workspace_id), p_int8(through_seq)}, 1) != 1)
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "event " + std::to_string(through_seq) + " of workspace " +
                                                  uuid_to_string(workspace_id) + " is already pruned");
    std::string anchor = text_at(0, 1);
    uint64 removed;
    {
        PruningWindow window;
        removed = run(Stmt::DeleteEventsThrough, {p_uuid(workspace_id), p_int8(through_seq)});
    }
    run(Stmt::InsertPrune, {p_uuid(workspace_id), p_int8(through_seq), p_text(anchor),
                            p_int8(static_cast<int64>(removed)), p_text(actor), p_name(role_name)});
    return static_cast<int64>(removed);
}

std::vector<ChainBreak> verify_chains(const std::optional<pg_uuid_t> &workspace_id)
{
    std::vector<ChainBreak> breaks;
    std::map<std::string, bool> broken;  // workspace text -> already reported
    std::map<std::string, std::pair<int64, std::string>> anchors;  // workspace text -> (through_seq, hash)
    uint64 pruned = run(Stmt::ReadPruneAnchors, {p_uuid_or_null(workspace_id)});
    for (uint64 row = 0; row < pruned; row++)
        anchors[uuid_to_string(uuid_at(row, 1))] = {int_at(row, 2), text_at(row, 3)};
    uint64 n = run(Stmt::ReadEvents, {p_uuid_or_null(workspace_id)});
    std::optional<pg_uuid_t> current_ws;
    std::string expected_prev;
    int64 expected_seq = 0;
    for (uint64 row = 0; row < n; row++) {
        ChainLink l{uuid_at(row, 1), int_at(row, 2), opt_uuid_at(row, 3), text_at(row, 4), text_at(row, 5),
                    text_at(row, 6), text_at(row, 7), text_at(row, 8), opt_uuid_at(row, 9),
                    opt_timestamptz_at(row, 10).value_or(0), text_at(row, 11)};
        std::string stored_hash = text_at(row, 12);
        std::string ws = uuid_to_string(l.workspace_id);
        if (!current_ws || uuid_to_string(*current_ws) != ws) {
            current_ws = l.workspace_id;
            auto anchor = anchors.find(ws);
            expected_seq = anchor == anchors.end() ? 1 : anchor->second.first + 1;
            expected_prev = anchor == anchors.end() ? genesis_hash : anchor->second.second;
        }
        if (broken[ws])
            continue;
        std::string problem;
        if (l.seq != expected_seq)
            problem = "event " + std::to_string(expected_seq) + " is missing";
        else if (l.prev_hash != expected_prev)
            problem = "prev_hash does not match the hash of the previous event";
        else if (link_hash(l) != stored_hash)
            problem = "hash does not match the event's content";
        if (!problem.empty()) {
            breaks.push_back({l.workspace_id, l.seq != expected_seq ? expected_seq : l.seq, problem});
            broken[ws] = true;
        }
        expected_prev = stored_hash;
        expected_seq = l.seq + 1;
    }
    // The head records the newest event's seq and hash: events removed from the end of a chain leave
    // it ahead of the last event, and an event rewritten or added at the end (its hash recomputed, as
    // anyone can without an audit key) no longer matches it.
    uint64 heads = run(Stmt::ReadEventHeads, {p_uuid_or_null(workspace_id)});
    for (uint64 row = 0; row < heads; row++) {
        pg_uuid_t ws = uuid_at(row, 1);
        int64 head_seq = int_at(row, 2);
        int64 last_seq = is_null(row, 3) ? 0 : int_at(row, 3);
        if (broken[uuid_to_string(ws)])
            continue;
        if (last_seq < head_seq)
            breaks.push_back({ws, last_seq + 1, "event " + std::to_string(last_seq + 1) + " is missing"});
        else if (last_seq > head_seq)
            breaks.push_back({ws, head_seq + 1, "event " + std::to_string(head_seq + 1) + " is past the chain head"});
        else if (head_seq > 0 && text_at(row, 5) != text_at(row, 4))
            breaks.push_back({ws, head_seq, "the newest event does not match the chain head"});
    }
    return breaks;
}

} // namespace approval_gate
