-- A token created by a request authenticated with another token keeps its origin:
-- revoking a token revokes every token it created, and theirs.
ALTER TABLE api_token ADD COLUMN created_by_token TEXT REFERENCES api_token (id);
CREATE INDEX api_token_created_by ON api_token (created_by_token);
