-- Each integration's delivery circuit: how many attempts in a row failed and,
-- while it is paused (after INTEGRATIONS_PAUSE_AFTER_FAILURES of them), when
-- the next probe may go and how many pauses in a row it has had (each one
-- twice as long, capped). Its deliveries stay queued meanwhile; a delivery
-- that succeeds resumes it. Stored, not derived, so every replica claims by
-- the same state and one of them records each change of state.
ALTER TABLE addons ADD COLUMN delivery_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE addons ADD COLUMN paused_until TEXT;
ALTER TABLE addons ADD COLUMN pauses BIGINT NOT NULL DEFAULT 0;
