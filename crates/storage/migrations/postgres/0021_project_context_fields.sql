-- Project-scoped context fields (issue 23): a context field may belong to one
-- project (null: a global field, offered in every project). Names stay unique
-- across all fields, as in Unleash.
ALTER TABLE context_fields ADD COLUMN project TEXT;
