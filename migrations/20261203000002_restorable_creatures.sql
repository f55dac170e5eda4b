-- An archived creature can be restored (`CreatureRestored`), so the tags projection keeps an
-- archived creature's memberships and counts only unarchived creatures.
ALTER TABLE proj_tags.creatures ADD COLUMN archived boolean NOT NULL DEFAULT false;

-- Until now archiving removed a creature's memberships, so the tags of creatures archived
-- before this change are unknown to the live tables. A rebuild folds them back from the log;
-- it is asked of the workers only where there is something to fold back, and the live tables
-- keep serving (and stay correct: those creatures have no memberships to count) meanwhile.
INSERT INTO projection_rebuilds (name, state, shadow)
SELECT 'tags', 'requested', 'proj_tags_rebuild'
WHERE EXISTS (SELECT 1 FROM events WHERE event_type = 'CreatureArchived')
ON CONFLICT (name) DO UPDATE SET state = 'requested', shadow = EXCLUDED.shadow,
    transaction_id = '0', position = 0, events_done = 0, events_total = 0,
    started_at = now(), updated_at = now(), finished_at = NULL, error = NULL
WHERE projection_rebuilds.state NOT IN ('requested', 'running', 'cancelling');
