-- The adversarial suite's shared setup. Every file connects as real logins (\c - <login>): a
-- principal is a session user, and SET ROLE from a superuser session proves nothing about logins.
SET client_min_messages = warning;
CREATE EXTENSION approval_gate;
-- A plain login with no privilege but TEMP, as every role has.
CREATE ROLE agent LOGIN;
CREATE ROLE agent2 LOGIN;
-- Where the agent plays a table owner: approval_gate protects no temporary table, so the attacks on
-- protected tables need a schema the agent may create in.
CREATE SCHEMA agent_space AUTHORIZATION agent;
-- Approvers: personal logins in the default approver role.
CREATE ROLE alice LOGIN IN ROLE approval_gate_approver;
CREATE ROLE bob LOGIN IN ROLE approval_gate_approver;
-- The shared pool of the original deployment: one login for agents and approvers alike.
CREATE ROLE pool LOGIN IN ROLE approval_gate_proxy, approval_gate_approver;
-- PostgREST's shape: a NOINHERIT authenticator that switches to the end user's role per request.
CREATE ROLE authenticator LOGIN NOINHERIT IN ROLE approval_gate_proxy;
CREATE ROLE web_agent NOLOGIN;
CREATE ROLE web_approver NOLOGIN IN ROLE approval_gate_approver;
GRANT web_agent, web_approver TO authenticator;
-- 'SQLSTATE: message', or 'ok'; request ids and the session's temporary schema masked.
CREATE FUNCTION try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN regexp_replace(regexp_replace(SQLSTATE || ': ' || SQLERRM,
                                         '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<id>', 'g'),
                          'pg_temp_[0-9]+', 'pg_temp', 'g');
END $$;
GRANT EXECUTE ON FUNCTION try(text) TO PUBLIC;
