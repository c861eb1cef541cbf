#include "audit.hpp"

#include "audit_chain.hpp"
#include "encoding.hpp"
#include "ids.hpp"
#include "jcs.hpp"
#include "owner_scope.hpp"
#include "sealer.hpp"
#include "settings.hpp"
#include "sha256.hpp"
#include "statements.hpp"

extern "C" {
#include "commands/async.h"
#include "utils/timestamp.h"
}

#include <map>
#include <set>

namespace approval_gate {

namespace {

constexpr const char *channel = "approval_gate";
constexpr int64 seal_batch = 1000;

void notify_wake_up() { guarded(Async_Notify, channel, ""); }

struct Queued {
    int64 id;
    pg_uuid_t workspace_id;
    std::optional<pg_uuid_t> request_id;
    std::string action, event, status, actor, actor_role;
    std::optional<std::string> principal;
    std::optional<pg_uuid_t> to_workspace_id;
    TimestampTz at;
};

std::optional<std::string> opt_uuid_text(const std::optional<pg_uuid_t> &u)
{
    return u ? std::optional<std::string>(uuid_text(*u)) : std::nullopt;
}

std::optional<std::string> opt_utf8(const std::optional<std::string> &s)
{
    return s ? std::optional<std::string>(to_utf8(*s)) : std::nullopt;
}

// The hashed form of an event. Since 1.1 its text is hashed as UTF-8 whatever the database encoding,
// so that a client can recompute it; an event written by 1.0 (no principal) is hashed as 1.0 did.
ChainLink link_of(const pg_uuid_t &workspace_id, int64 seq, const Queued &e, const std::string &prev_hash)
{
    bool since_1_1 = e.principal.has_value();
    auto text = [&](const std::string &s) { return since_1_1 ? to_utf8(s) : s; };
    return ChainLink{uuid_text(workspace_id), seq,        opt_uuid_text(e.request_id),   text(e.action),
                     text(e.event),           text(e.status), text(e.actor),           text(e.actor_role),
                     opt_utf8(e.principal),   opt_uuid_text(e.to_workspace_id), e.at, prev_hash};
}

Queued decode_queued(const Row &row)
{
    return Queued{row.int8(1),          row.uuid(2),      row.opt_uuid(3),         row.text(4),
                  row.text(5),          row.text(6),      row.text(7),             row.text(8),
                  row.opt_text(9),      row.opt_uuid(10), row.timestamptz(11)};
}

struct UuidLess {
    bool operator()(const pg_uuid_t &a, const pg_uuid_t &b) const { return memcmp(a.data, b.data, UUID_LEN) < 0; }
};

struct Head {
    int64 seq;
    std::string hash;
};

void require_all(uint64 written, size_t expected, const char *what)
{
    if (written != expected)
        fail(ERRCODE_TRIGGERED_ACTION_EXCEPTION, std::string("sealing the audit log could not ") + what,
             "a trigger on the approval_gate audit tables skipped rows; approval_gate refuses to go on without them");
}

int64 seal_one_batch(int64 limit, const std::string &key)
{
    uint64 n = run(Stmt::ReadQueue, {p_int8(limit)});
    std::vector<Queued> queued;
    for (uint64 i = 0; i < n; i++)
        queued.push_back(decode_queued(Row(i)));
    if (queued.empty())
        return 0;

    std::set<pg_uuid_t, UuidLess> workspaces;
    for (const Queued &q : queued)
        workspaces.insert(q.workspace_id);
    std::map<pg_uuid_t, Head, UuidLess> heads;
    uint64 found = run(Stmt::ReadHeads, {p_uuid_array({workspaces.begin(), workspaces.end()})});
    for (uint64 i = 0; i < found; i++) {
        Row row(i);
        heads[row.uuid(1)] = Head{row.int8(2), row.text(3)};
    }

    std::vector<int64> ids;
    std::vector<pg_uuid_t> event_workspaces;
    std::vector<std::optional<pg_uuid_t>> request_ids, to_workspaces;
    std::vector<int64> seqs;
    std::vector<std::optional<std::string>> actions, events, statuses, actors, roles, principals, prevs, hashes;
    std::vector<TimestampTz> ats;
    for (const Queued &q : queued) {
        Head &head = heads.try_emplace(q.workspace_id, Head{0, genesis_hash}).first->second;
        int64 seq = head.seq + 1;
        std::string hash = link_hash(link_of(q.workspace_id, seq, q, head.hash), key);
        ids.push_back(q.id);
        event_workspaces.push_back(q.workspace_id);
        seqs.push_back(seq);
        request_ids.push_back(q.request_id);
        actions.push_back(q.action);
        events.push_back(q.event);
        statuses.push_back(q.status);
        actors.push_back(q.actor);
        roles.push_back(q.actor_role);
        principals.push_back(q.principal);
        to_workspaces.push_back(q.to_workspace_id);
        ats.push_back(q.at);
        prevs.push_back(head.hash);
        hashes.push_back(hash);
        head = Head{seq, hash};
    }
    require_all(run(Stmt::InsertEvents,
                    {p_uuid_array(event_workspaces), p_int8_array(seqs), p_uuid_array_with_nulls(request_ids),
                     p_text_array_with_nulls(actions), p_text_array_with_nulls(events),
                     p_text_array_with_nulls(statuses), p_text_array_with_nulls(actors),
                     p_text_array_with_nulls(roles), p_text_array_with_nulls(principals),
                     p_uuid_array_with_nulls(to_workspaces), p_timestamptz_array(ats),
                     p_text_array_with_nulls(prevs), p_text_array_with_nulls(hashes)}),
                queued.size(), "append every event");
    std::vector<pg_uuid_t> head_ids;
    std::vector<int64> head_seqs;
    std::vector<std::optional<std::string>> head_hashes;
    for (const pg_uuid_t &ws : workspaces) {
        head_ids.push_back(ws);
        head_seqs.push_back(heads[ws].seq);
        head_hashes.push_back(heads[ws].hash);
    }
    require_all(run(Stmt::UpsertHeads, {p_uuid_array(head_ids), p_int8_array(head_seqs),
                                        p_text_array_with_nulls(head_hashes)}),
                head_ids.size(), "move every chain head");
    require_all(run(Stmt::DeleteQueued, {p_int8_array(ids)}), queued.size(), "take every event off the queue");
    return static_cast<int64>(queued.size());
}

bool pruning = false;

struct PruningWindow {
    PruningWindow() { pruning = true; }
    ~PruningWindow() { pruning = false; }
};

} // namespace

void events_queued(const Identity &who)
{
    // Checked now, in the statement that queued them: an event the sealer cannot hash as UTF-8 would
    // stop every later one of the database behind it.
    require_utf8_form(who.login);
    require_utf8_form(who.role_name);
    require_utf8_form(who.principal);
    if (!sealer_takes_events())
        notify_wake_up();
}

int64 seal_events(int64 max_events)
{
    // First, so that a misconfigured key seals nothing with the wrong one.
    std::string key = audit_key();
    // The sealing statements' plans are made once and kept: by index, whatever the queue's statistics
    // said then, or a backlog would make every pass scan all of it.
    active_owner_scope()->plan_by_index();
    run(Stmt::LockChainHeads, {});
    int64 total = 0;
    while (max_events <= 0 || total < max_events) {
        int64 limit = max_events <= 0 ? seal_batch : std::min(seal_batch, max_events - total);
        int64 sealed = seal_one_batch(limit, key);
        total += sealed;
        if (sealed < limit)
            break;
    }
    if (total > 0)
        notify_wake_up();
    return total;
}

bool pruning_events() { return pruning; }

int64 prune_events(const pg_uuid_t &workspace_id, int64 through_seq, const Identity &who)
{
    if (run(Stmt::LockEventHead, {p_uuid(workspace_id)}) == 0 || through_seq < 1 || through_seq >= Row(0).int8(1))
        fail(ERRCODE_INVALID_PARAMETER_VALUE,
             "through_seq must lie between 1 and the newest sealed event of the workspace, excluded",
             "the newest event stays so that the chain can go on");
    if (run(Stmt::EventHash, {p_uuid(workspace_id), p_int8(through_seq)}) != 1)
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "event " + std::to_string(through_seq) + " of workspace " +
                                                  uuid_text(workspace_id) + " is already pruned");
    std::string anchor = Row(0).text(1);
    uint64 removed;
    {
        PruningWindow window;
        removed = run(Stmt::DeleteEventsThrough, {p_uuid(workspace_id), p_int8(through_seq)});
    }
    run(Stmt::InsertPrune, {p_uuid(workspace_id), p_int8(through_seq), p_text(anchor),
                            p_int8(static_cast<int64>(removed)), p_text(who.principal), p_name(who.role_name)});
    return static_cast<int64>(removed);
}

std::vector<ChainProblem> verify_chains(const std::optional<pg_uuid_t> &workspace_id)
{
    std::string key = audit_key();
    std::vector<ChainProblem> problems;
    std::set<pg_uuid_t, UuidLess> broken;
    std::map<pg_uuid_t, Head, UuidLess> anchors;
    uint64 pruned = run(Stmt::ReadPruneAnchors, {p_uuid_or_null(workspace_id)});
    for (uint64 i = 0; i < pruned; i++) {
        Row row(i);
        anchors[row.uuid(1)] = Head{row.int8(2), row.text(3)};
    }
    uint64 n = run(Stmt::ReadEvents, {p_uuid_or_null(workspace_id)});
    std::optional<pg_uuid_t> chain;
    std::string expected_prev;
    int64 expected_seq = 0;
    for (uint64 i = 0; i < n; i++) {
        Row row(i);
        pg_uuid_t ws = row.uuid(1);
        int64 seq = row.int8(2);
        Queued e{0,            ws,          row.opt_uuid(3),  row.text(4), row.text(5), row.text(6), row.text(7),
                 row.text(8),  row.opt_text(9), row.opt_uuid(10), row.timestamptz(11)};
        std::string prev_hash = row.text(12);
        std::string stored_hash = row.text(13);
        if (!chain || memcmp(chain->data, ws.data, UUID_LEN) != 0) {
            chain = ws;
            auto anchor = anchors.find(ws);
            expected_seq = anchor == anchors.end() ? 1 : anchor->second.seq + 1;
            expected_prev = anchor == anchors.end() ? genesis_hash : anchor->second.hash;
        }
        if (broken.count(ws))
            continue;
        std::string problem;
        if (seq != expected_seq)
            problem = "event " + std::to_string(expected_seq) + " is missing";
        else if (prev_hash != expected_prev)
            problem = "prev_hash does not match the hash of the previous event";
        else if (link_hash(link_of(ws, seq, e, prev_hash), key) != stored_hash)
            problem = "hash does not match the event's content";
        if (!problem.empty()) {
            problems.push_back({ws, seq != expected_seq ? expected_seq : seq, problem});
            broken.insert(ws);
        }
        expected_prev = stored_hash;
        expected_seq = seq + 1;
    }
    // The head records the newest event's seq and hash: events removed from the end of a chain leave
    // it ahead of the last event, and an event rewritten or added at the end (its hash recomputed, as
    // anyone can without an audit key) no longer matches it. A consistent rewrite of the tail, head
    // included, is what the digest catches.
    uint64 heads = run(Stmt::ReadEventHeads, {p_uuid_or_null(workspace_id)});
    for (uint64 i = 0; i < heads; i++) {
        Row row(i);
        pg_uuid_t ws = row.uuid(1);
        int64 head_seq = row.int8(2);
        int64 last_seq = row.is_null(3) ? 0 : row.int8(3);
        if (broken.count(ws))
            continue;
        if (last_seq < head_seq)
            problems.push_back({ws, last_seq + 1, "event " + std::to_string(last_seq + 1) + " is missing"});
        else if (last_seq > head_seq)
            problems.push_back({ws, head_seq + 1, "event " + std::to_string(head_seq + 1) + " is past the chain head"});
        else if (head_seq > 0 && row.text(5) != row.text(4))
            problems.push_back({ws, head_seq, "the newest event does not match the chain head"});
    }
    uint64 unsealed = run(Stmt::CountUnsealed, {p_uuid_or_null(workspace_id)});
    for (uint64 i = 0; i < unsealed; i++) {
        Row row(i);
        problems.push_back({row.uuid(1), std::nullopt,
                            std::to_string(row.int8(2)) + " events not sealed yet (unsealed, not broken)"});
    }
    return problems;
}

std::string take_digest()
{
    uint64 n = run(Stmt::DigestHeads, {});
    std::vector<ChainHead> heads;
    for (uint64 i = 0; i < n; i++) {
        Row row(i);
        heads.push_back({uuid_text(row.uuid(1)), row.int8(2), row.text(3), row.opt_timestamptz(4)});
    }
    return digest_json(heads, GetCurrentTimestamp());  // unguarded: reads the clock
}

std::vector<ChainProblem> verify_against_digest(Datum digest)
{
    std::vector<ChainProblem> problems;
    run(Stmt::DigestParts, {p_jsonb(digest)});
    Row parts(0);
    std::optional<std::string> chains_json = parts.opt_text(1);
    std::optional<std::string> claimed = parts.opt_text(2);
    if (!chains_json || !claimed)
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "digest is not one made by approval_gate_digest()",
             "pass the whole object approval_gate_digest() returned");
    std::string recomputed;
    try {
        recomputed = sha256_hex(canonicalize_json(*chains_json, 8));
    } catch (const JsonError &) {
        fail(ERRCODE_INVALID_PARAMETER_VALUE, "digest is not one made by approval_gate_digest()");
    }
    if (recomputed != *claimed)
        problems.push_back({std::nullopt, std::nullopt, "the digest's own hash does not match its chains"});

    struct Named {
        pg_uuid_t workspace_id;
        int64 seq;
        std::string hash;
    };
    std::vector<Named> named;
    uint64 n = run(Stmt::DigestChains, {p_jsonb(digest)});
    for (uint64 i = 0; i < n; i++) {
        Row row(i);
        if (row.is_null(1) || row.is_null(2) || row.is_null(3))
            fail(ERRCODE_INVALID_PARAMETER_VALUE, "digest is not one made by approval_gate_digest()");
        named.push_back({row.uuid(1), row.int8(2), row.text(3)});
    }
    for (const Named &c : named) {
        run(Stmt::ChainAt, {p_uuid(c.workspace_id), p_int8(c.seq)});
        Row now(0);
        std::string at_seq = "event " + std::to_string(c.seq);
        if (now.is_null(1)) {
            problems.push_back({c.workspace_id, c.seq, "the chain is missing; the digest names " + at_seq});
        } else if (now.int8(1) < c.seq) {
            problems.push_back({c.workspace_id, c.seq,
                                "the chain is behind the digest: it ends at event " + std::to_string(now.int8(1)) +
                                    ", the digest names " + at_seq});
        } else if (std::optional<std::string> hash = now.opt_text(2)) {
            if (*hash != c.hash)
                problems.push_back({c.workspace_id, c.seq, at_seq + " diverges from the digest"});
        } else if (std::optional<std::string> anchor = now.opt_text(3)) {
            if (*anchor != c.hash)
                problems.push_back({c.workspace_id, c.seq, at_seq + " (pruned) diverges from the digest"});
        } else if (now.is_null(4) || now.int8(4) < c.seq) {
            problems.push_back({c.workspace_id, c.seq, at_seq + ", named by the digest, is missing"});
        }
    }
    return problems;
}

} // namespace approval_gate
