-- Sign-in and registration look names up as lower(user_name) = lower(?), the form PostgreSQL
-- shares (its schema has the same index); user names are ASCII, so this equals COLLATE NOCASE.
CREATE INDEX users_by_lower_name ON users(lower(user_name));
